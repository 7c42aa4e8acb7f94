//! The `pgstrata` command: dispatch to one module per subcommand.

mod args;
mod commands;

pub use args::{Cli, Command, Feature};
use std::process::ExitCode;

/// Runs a parsed command line; `Err` is a usage or I/O problem (exit 2), while
/// findings in the migrations are reported by the command (exit 1).
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
    }
}
