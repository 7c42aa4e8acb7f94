pub mod check;
pub mod drift;
pub mod migrate;
pub mod new;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod sql;
pub mod squash;
pub mod status;

use crate::connection::redact;
use std::process::ExitCode;

/// Exit code of a runner error: the migrations or the database's state are wrong.
const FAILED: u8 = 1;

/// Prints what the runner refused or what failed, and exits 1.
pub(crate) fn runtime_error(error: &pgstrata_runtime::Error) -> ExitCode {
    eprintln!("error: {}", redact(&error.to_string()));
    ExitCode::from(FAILED)
}

/// Prints a refusal (errors in the files) and exits 1.
pub(crate) fn refused(message: &str) -> ExitCode {
    eprintln!("error: {}", redact(message));
    ExitCode::from(FAILED)
}
