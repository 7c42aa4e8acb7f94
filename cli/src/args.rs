use clap::{Parser, Subcommand};
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
    /// Print the schema the migrations build (the catalog): a listing, or JSON.
    Schema {
        /// The migrations directory.
        #[arg(default_value = "migrations")]
        dir: PathBuf,
        /// Print the catalog as JSON (fields documented in docs/schema-json.md).
        #[arg(long)]
        json: bool,
    },
    /// List the rules with their ids and summaries.
    Rules,
}
