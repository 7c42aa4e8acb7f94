use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// PostgreSQL migrations checked by PostgreSQL's own parser, and applied.
///
/// The migrations are read from DIR (default `migrations`) with the same checks and
/// checksums as the `migrations!` macro, so an application built with the macro and
/// this command share one history table. The database commands connect to
/// `--database-url` or `DATABASE_URL`; a password in it is never printed.
///
/// Exit codes: 0 done, 1 errors in the migrations or in the database's state, 2 usage,
/// I/O or connection errors, 3 (`status`) migrations pending, 4 (`drift`) the schema
/// differs.
#[derive(Debug, Parser)]
#[command(name = "pgstrata", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a migrations directory as `migrations!` does; exit 1 on any error.
    Check {
        /// The migrations directory.
        #[arg(default_value = "migrations")]
        dir: PathBuf,
        /// Allow a rule in every file (like the macro's `allow = [...]`); one that
        /// allows nothing is an error.
        #[arg(long = "allow", value_name = "RULE")]
        allow: Vec<String>,
        /// Migrations up to and including this version are exempt from the re-run
        /// rules (like the macro's `baseline = VERSION`; the database commands spell
        /// it `--exempt-until`).
        #[arg(long, visible_alias = "exempt-until", value_name = "VERSION")]
        baseline: Option<i64>,
    },
    /// Print the schema the migrations build (the catalog): a listing, JSON, or the
    /// Rust code `migrations!` generates for it.
    Schema {
        /// The migrations directory.
        #[arg(default_value = "migrations")]
        dir: PathBuf,
        /// Print the catalog as JSON (fields documented in docs/schema-json.md).
        #[arg(long, conflicts_with = "rust")]
        json: bool,
        /// Print the code `migrations!` generates for the directory: the typed
        /// `schema` module, the embedded migrations and the runner.
        #[arg(long)]
        rust: bool,
        /// With `--rust`: pgstrata's features the code is generated for, beside the
        /// default ones (`postgres`, `chrono`), as in the application's Cargo.toml.
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            value_name = "FEATURES",
            requires = "rust"
        )]
        features: Vec<Feature>,
        /// With `--rust`: without pgstrata's default features.
        #[arg(long, requires = "rust")]
        no_default_features: bool,
    },
    /// List the rules with their ids and summaries.
    Rules,
    /// Show each migration's state in the database; exit 3 when some are pending.
    ///
    /// The states: applied, pending, out of order, failed, reverting (a down that
    /// stopped partway), divergent (the file changed since it was applied), missing
    /// (recorded, but not in DIR). Exits 0 when up to date, 3 when migrations are pending (a deploy gate), 1 when
    /// something is wrong (failed, divergent, missing, out of order, reverting, or
    /// errors in the files: they are printed as `check` prints them, and the database
    /// is still shown).
    Status {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        database: Database,
        /// Print JSON (fields documented in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Print the history table's rows.
    ///
    /// What was applied, when, how long it took, how it was recorded (run, baseline,
    /// resolve) and how it ended; then the current version (the newest applied in
    /// DIR's order).
    History {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        database: Database,
        /// Print JSON (fields documented in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Apply pending migrations: all of them, up to a version, or the next N.
    ///
    /// Refuses to run (exit 1) when the migrations have errors: `pgstrata check DIR`
    /// shows them.
    #[command(group(ArgGroup::new("target").args(["to", "steps"])))]
    Up {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        database: Database,
        /// Apply up to and including this version.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Apply the next N pending migrations.
        #[arg(long, value_name = "N")]
        steps: Option<u32>,
        /// Print JSON (fields documented in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Revert the newest migrations with their down files (`--to` or `--steps`).
    ///
    /// One of `--to` or `--steps` is required: `--to VERSION` reverts everything
    /// newer than VERSION (which stays applied), `--to base` reverts everything,
    /// `--steps N` the newest N.
    #[command(group(ArgGroup::new("target").args(["to", "steps"]).required(true)))]
    Down {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        database: Database,
        /// Revert every migration newer than VERSION; `base` reverts them all.
        #[arg(long, value_name = "VERSION|base")]
        to: Option<String>,
        /// Revert the newest N applied migrations.
        #[arg(long, value_name = "N")]
        steps: Option<u32>,
        /// Print JSON (fields documented in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Record migrations as applied without running them.
    ///
    /// For a database whose schema was created before pgstrata managed it: the
    /// migrations up to `--to` (default: all) are recorded as applied by `baseline`,
    /// and `up` applies the later ones. Refuses to run when the files have errors.
    Baseline {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        database: Database,
        /// Record every migration up to and including VERSION (default: all of them).
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Record them only if the database's schema is exactly the one they build;
        /// otherwise print the differences and exit 1, recording nothing.
        #[arg(long)]
        verify: bool,
        /// Print JSON (fields documented in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Compare the database's schema with the one its applied migrations build.
    ///
    /// Tables, columns, types, nullability, defaults, keys, indexes, constraints, enum
    /// labels, views, functions, triggers and comments that are extra, missing or
    /// different, each named; then a draft migration that brings the database back to
    /// what the migrations build. Read-only. Exits 0 with no difference, 4 with some,
    /// 1 when the files have errors or a migration's last run failed.
    Drift {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        database: Database,
        /// Write the draft migration to FILE instead of printing it.
        #[arg(long, value_name = "FILE")]
        draft: Option<PathBuf>,
        /// Print JSON (fields documented in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Settle a failed or changed migration by hand.
    ///
    /// `--rolled-back` or `--applied` for one that failed (or whose down file stopped
    /// partway) and that an operator undid or completed by hand; `--accept-checksum`
    /// for one whose file was changed on purpose after it was applied.
    #[command(
        allow_missing_positional = true,
        group(ArgGroup::new("resolution").args(["rolled_back", "applied", "accept_checksum"]).required(true))
    )]
    Resolve {
        #[command(flatten)]
        source: Source,
        /// The migration's version.
        #[arg(value_name = "VERSION")]
        version: i64,
        /// The failed migration was undone by hand: forget its record, so the next
        /// `up` runs it afresh.
        #[arg(long)]
        rolled_back: bool,
        /// The failed migration was completed by hand: record it as applied.
        #[arg(long)]
        applied: bool,
        /// The applied migration's file was changed on purpose: record the file's
        /// checksum (the old one is kept as `previous_checksum`).
        #[arg(long)]
        accept_checksum: bool,
        #[command(flatten)]
        database: Database,
        /// Print JSON (fields documented in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Print the SQL script from one version to another; no database needed.
    ///
    /// The script applies (or reverts, with down files) what `up` (or `down`) would
    /// between `--from` and `--to`, history rows included, for review or for
    /// `psql -v ON_ERROR_STOP=1 -f`. Refuses to print when the files have errors.
    Sql {
        #[command(flatten)]
        source: Source,
        /// Where the database is: `base` (empty, the default) or a version.
        #[arg(long, value_name = "VERSION|base", default_value = "base")]
        from: String,
        /// Where to take it: a version, `base`, `latest` (the default), `+N` or `-N`.
        #[arg(
            long,
            value_name = "VERSION|base|+N|-N",
            default_value = "latest",
            allow_hyphen_values = true
        )]
        to: String,
        #[command(flatten)]
        history: HistoryTable,
    },
    /// Print one migration that builds the schema the migrations up to a version build.
    ///
    /// For adopting a database or starting a long history afresh: the squashed file
    /// creates, on an empty database, every schema, type, table, key, index, view,
    /// function, trigger and comment the migrations up to `--to` (default: all) leave,
    /// in dependency order. No database needed. Rows the migrations insert are not
    /// carried. Refuses when the files have errors.
    Squash {
        #[command(flatten)]
        source: Source,
        /// Squash the migrations up to and including VERSION (default: all of them).
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Write the migration to FILE instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Create the next migration's file(s) in DIR's own layout and version scheme.
    ///
    /// Timestamped directories get the current UTC time, numbered ones the next
    /// number (same prefix, padding and separator); reversible layouts get a down file,
    /// Prisma's directories `migration.sql`. An empty or missing DIR gets
    /// `V1__NAME.sql`. Prints the paths created; never overwrites.
    #[command(allow_missing_positional = true)]
    New {
        /// The migrations directory.
        #[arg(default_value = "migrations")]
        dir: PathBuf,
        /// The migration's name: letters, digits, `_` and `-`.
        name: String,
    },
}

/// Where the migrations are and how they are checked, as for `check`.
#[derive(Debug, Args)]
pub struct Source {
    /// The migrations directory.
    #[arg(default_value = "migrations")]
    pub dir: PathBuf,
    /// Allow a rule in every file, as the macro's `allow = [...]` (the same checks
    /// decide whether the migrations can run).
    #[arg(long = "allow", value_name = "RULE", help_heading = "Migrations")]
    pub allow: Vec<String>,
    /// As the macro's `baseline = VERSION`: migrations up to this version are exempt
    /// from the re-run rules (not the `baseline` command).
    #[arg(
        long = "exempt-until",
        value_name = "VERSION",
        help_heading = "Migrations"
    )]
    pub exempt_until: Option<i64>,
}

/// The database and its history table.
#[derive(Debug, Args)]
pub struct Database {
    /// The database: `postgres://user:password@host:port/dbname` or `host=... dbname=...`
    /// settings. TLS is not supported.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL",
        help_heading = "Database"
    )]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub history: HistoryTable,
}

/// The history table, when the application configures its runner with another one.
#[derive(Debug, Args)]
pub struct HistoryTable {
    /// The history table's schema, as `Runner::history_schema` [default: public].
    #[arg(long, value_name = "SCHEMA", help_heading = "Database")]
    pub history_schema: Option<String>,
    /// The history table, as `Runner::history_table` [default: pgstrata_schema_history].
    #[arg(long, value_name = "TABLE", help_heading = "Database")]
    pub history_table: Option<String>,
}

/// A feature of the `pgstrata` crate that changes the generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Feature {
    Postgres,
    #[value(name = "tokio-postgres")]
    TokioPostgres,
    Uuid,
    Chrono,
    Time,
    #[value(name = "serde_json")]
    SerdeJson,
    #[value(name = "rust_decimal")]
    RustDecimal,
}
