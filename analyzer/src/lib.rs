//! pgstrata's analyzer: everything the `migrations!` macro knows, as a plain library
//! that the macro, the CLI, the tests and the benchmarks share.
//!
//! The pipeline, one module a step: [`discover`] finds and orders the files,
//! [`source`] reads them, [`parse`] runs PostgreSQL's parser, [`rules`] checks the
//! statements, and [`analyze`] ties them together. Its API is for pgstrata's own
//! crates and is exempt from semver.

mod analyze;
pub mod catalog;
mod config;
pub mod diagnostics;
pub mod discover;
mod parallel;
pub use parallel::THREADS_VARIABLE;
pub use plpgsql::ParseCache;
pub mod parse;
mod plpgsql;
pub mod rules;
pub mod source;
mod tree;

pub use analyze::{
    analyze, check_migration, fold, fold_in_modes, Analysis, CheckedFile, DownMigration, Migration,
    TransactionMode, RERUN_RULES,
};
pub use config::{Config, ConfigError};
pub use diagnostics::{render, Diagnostic, Severity};
