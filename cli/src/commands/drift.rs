//! `pgstrata drift`: the live schema against the schema the database's applied
//! migrations build, and a draft migration that reconciles them.

use crate::args::{Database, Source};
use crate::commands::{refused, runtime_error};
use crate::connection::connect;
use crate::source::{load, runner};
use pgstrata_runtime::DriftReport;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

/// Exit code when the database differs from what its migrations build.
const DRIFTED: u8 = 4;

/// Compares, prints the differences (and the draft, or writes it to `draft_file`),
/// and exits 0 with none, 4 with some.
pub fn run(
    source: &Source,
    database: &Database,
    draft_file: Option<&Path>,
    json: bool,
) -> Result<ExitCode, String> {
    let loaded = load(source)?;
    // The expected schema is what the files build: with errors in them, it is unknown.
    if let Err(message) = loaded.refuse_errors(json) {
        return Ok(refused(&message));
    }
    let (mut client, described) = connect(database.database_url.as_deref())?;
    let runner = runner(loaded.migrations(), &database.history);
    let report = match runner.drift(&mut client) {
        Ok(report) => report,
        Err(error) => return Ok(runtime_error(&error)),
    };
    let draft = (!report.is_empty()).then(|| report.drift.draft());
    if let (Some(path), Some(draft)) = (draft_file, &draft) {
        std::fs::write(path, draft)
            .map_err(|e| format!("cannot write the draft to `{}`: {e}", path.display()))?;
    }
    if json {
        println!("{:#}", report_json(&report, &described, draft.as_deref()));
    } else {
        println!("Database {described}");
        print!("{report}");
        match (draft, draft_file) {
            (Some(_), Some(path)) => println!(
                "Wrote the draft migration that brings the database back to the migrations' schema to {} (review it before running it)",
                path.display()
            ),
            (Some(draft), None) => {
                println!("\nDraft migration that brings the database back to the migrations' schema (review it before running it):\n");
                print!("{draft}");
            }
            (None, _) => {}
        }
    }
    Ok(ExitCode::from(if report.is_empty() { 0 } else { DRIFTED }))
}

fn report_json(report: &DriftReport, described: &str, draft: Option<&str>) -> serde_json::Value {
    json!({
        "database": described,
        "version": report.version,
        "applied": report.applied,
        "divergent": report.divergent,
        "differences": report.drift.differences,
        "not_compared": report.drift.not_compared,
        "draft": draft,
        "round_trips": report.round_trips,
    })
}
