//! `pgstrata sql --from A --to B`: the script that takes a database from A to B, with
//! the history table's rows, for review or for `psql -v ON_ERROR_STOP=1 -f`. Offline:
//! the script is the runner's, from the files alone.

use crate::args::{HistoryTable, Source};
use crate::commands::{refused, runtime_error};
use crate::source::{load, runner};
use pgstrata_runtime::Target;
use std::process::ExitCode;

pub fn run(
    source: &Source,
    history: &HistoryTable,
    from: &str,
    to: &str,
) -> Result<ExitCode, String> {
    let from: Target = from.parse().map_err(|reason| format!("--from: {reason}"))?;
    let to: Target = to.parse().map_err(|reason| format!("--to: {reason}"))?;
    let loaded = load(source)?;
    // Diagnostics to stderr: stdout is the script.
    if let Err(message) = loaded.refuse_errors(true) {
        return Ok(refused(&message));
    }
    match runner(loaded.migrations(), history).script(from, to) {
        Ok(script) => {
            print!("{script}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => Ok(runtime_error(&error)),
    }
}
