//! `pgstrata resolve VERSION (--rolled-back | --applied | --accept-checksum)`: settles
//! a migration an operator handled by hand.

use crate::args::{Database, Source};
use crate::commands::{refused, runtime_error};
use crate::connection::connect;
use crate::source::{load, runner};
use pgstrata_runtime::Resolution;
use serde_json::json;
use std::process::ExitCode;

/// The resolution's name in JSON and its sentence in text.
fn words(resolution: Resolution) -> (&'static str, &'static str) {
    match resolution {
        Resolution::RolledBack => (
            "rolled_back",
            "its record is deleted; the next `pgstrata up` runs it afresh",
        ),
        Resolution::Applied => ("applied", "recorded as applied"),
        Resolution::AcceptChecksum => (
            "accept_checksum",
            "the file's checksum is recorded (the old one kept as previous_checksum)",
        ),
    }
}

pub fn run(
    source: &Source,
    database: &Database,
    version: i64,
    resolution: Resolution,
    json: bool,
) -> Result<ExitCode, String> {
    let loaded = load(source)?;
    if let Err(message) = loaded.refuse_errors(json) {
        return Ok(refused(&message));
    }
    let (mut client, described) = connect(database.database_url.as_deref())?;
    let runner = runner(loaded.migrations(), &database.history);
    let resolved = match runner.resolve(&mut client, version, resolution) {
        Ok(resolved) => resolved,
        Err(error) => return Ok(runtime_error(&error)),
    };
    let (name, sentence) = words(resolved.resolution);
    if json {
        let value = json!({
            "database": described,
            "version": resolved.version,
            "resolution": name,
            "previous_checksum": resolved.previous_checksum,
            "checksum": resolved.checksum,
        });
        println!("{value:#}");
    } else {
        println!("Version {} in {described}: {sentence}", resolved.version);
    }
    Ok(ExitCode::SUCCESS)
}
