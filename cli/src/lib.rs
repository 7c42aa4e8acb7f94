//! The `pgstrata` command: dispatch to one module per subcommand.

mod args;
mod commands;
pub mod connection;
mod source;

pub use args::{Cli, Command, Database, Feature, HistoryTable, Source};
use commands::migrate::{self, Direction};
use pgstrata_runtime::{Resolution, Target};
use std::process::ExitCode;

/// Runs a parsed command line; `Err` is a usage, I/O or connection problem (exit 2),
/// while findings in the migrations and the database's state are reported by the
/// command (exit 1, or 3 for `status` with migrations pending).
pub fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check {
            dir,
            allow,
            baseline,
        } => commands::check::run(&dir, &allow, baseline),
        Command::Schema {
            dir,
            json,
            rust,
            features,
            no_default_features,
        } => {
            let form = if json {
                commands::schema::Form::Json
            } else if rust {
                commands::schema::Form::Rust(commands::schema::features(
                    &features,
                    no_default_features,
                ))
            } else {
                commands::schema::Form::Listing
            };
            commands::schema::run(&dir, form)
        }
        Command::Rules => Ok(commands::rules::run()),
        Command::Status {
            source,
            database,
            json,
        } => commands::status::status(&source, &database, json),
        Command::History {
            source,
            database,
            json,
        } => commands::status::history(&source, &database, json),
        Command::Up {
            source,
            database,
            to,
            steps,
            json,
        } => {
            let target = migrate::target(Direction::Up, to.as_deref(), steps)?;
            migrate::run(Direction::Up, &source, &database, target, json)
        }
        Command::Down {
            source,
            database,
            to,
            steps,
            json,
        } => {
            let target = migrate::target(Direction::Down, to.as_deref(), steps)?;
            migrate::run(Direction::Down, &source, &database, target, json)
        }
        Command::Baseline {
            source,
            database,
            to,
            verify,
            json,
        } => {
            let target = match to {
                Some(to) => migrate::target(Direction::Baseline, Some(&to), None)?,
                None => Target::Latest,
            };
            let direction = if verify {
                Direction::VerifiedBaseline
            } else {
                Direction::Baseline
            };
            migrate::run(direction, &source, &database, target, json)
        }
        Command::Drift {
            source,
            database,
            draft,
            json,
        } => commands::drift::run(&source, &database, draft.as_deref(), json),
        Command::Resolve {
            source,
            version,
            rolled_back,
            applied,
            accept_checksum: _,
            database,
            json,
        } => {
            // clap requires exactly one of the three.
            let resolution = if rolled_back {
                Resolution::RolledBack
            } else if applied {
                Resolution::Applied
            } else {
                Resolution::AcceptChecksum
            };
            commands::resolve::run(&source, &database, version, resolution, json)
        }
        Command::Sql {
            source,
            from,
            to,
            history,
        } => commands::sql::run(&source, &history, &from, &to),
        Command::Squash { source, to, out } => commands::squash::run(&source, to, out.as_deref()),
        Command::New { dir, name } => commands::new::run(&dir, &name),
    }
}
