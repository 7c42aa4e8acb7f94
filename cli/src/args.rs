use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// PostgreSQL migrations checked by PostgreSQL's own parser.
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
        /// rules (like the macro's `baseline = VERSION`).
        #[arg(long, value_name = "VERSION")]
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
}

/// A feature of the `pgstrata` crate that changes the generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Feature {
    Postgres,
    Uuid,
    Chrono,
    Time,
    #[value(name = "serde_json")]
    SerdeJson,
    #[value(name = "rust_decimal")]
    RustDecimal,
}
