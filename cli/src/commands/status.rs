//! `pgstrata status` and `pgstrata history`: what the database says, read-only.
//!
//! Both still read the database when the files have errors: the diagnostics are
//! printed as `check` prints them (to stderr with `--json`) and the command exits 1,
//! but an operator sees the database's state all the same.

use crate::args::{Database, Source};
use crate::commands::runtime_error;
use crate::connection::connect;
use crate::source::{load, runner, Loaded};
use pgstrata_runtime::{AppliedBy, HistoryRecord, MigrationState, MigrationStatus, Status};
use serde_json::{json, Value};
use std::process::ExitCode;

/// Exit code when everything is applied.
const UP_TO_DATE: u8 = 0;
/// Exit code when something is wrong: failed, divergent, missing, out of order,
/// reverting, or errors in the files.
const WRONG: u8 = 1;
/// Exit code when migrations are pending and nothing is wrong.
const PENDING: u8 = 3;

pub fn status(source: &Source, database: &Database, json: bool) -> Result<ExitCode, String> {
    let loaded = load(source)?;
    print_file_errors(&loaded, json);
    let (mut client, described) = connect(database.database_url.as_deref())?;
    let runner = runner(loaded.migrations(), &database.history);
    let status = match runner.status(&mut client) {
        Ok(status) => status,
        Err(error) => return Ok(runtime_error(&error)),
    };
    let wrong = status
        .migrations
        .iter()
        .filter(|m| is_wrong(&m.state))
        .count();
    if json {
        println!("{:#}", status_json(&status, &described, loaded.errors));
    } else {
        println!("Database {described}");
        println!("{status}");
        println!("{}", verdict(&status, wrong));
    }
    let code = if loaded.errors > 0 || wrong > 0 {
        WRONG
    } else if status.pending() > 0 {
        PENDING
    } else {
        UP_TO_DATE
    };
    Ok(ExitCode::from(code))
}

pub fn history(source: &Source, database: &Database, json: bool) -> Result<ExitCode, String> {
    let loaded = load(source)?;
    print_file_errors(&loaded, json);
    let (mut client, described) = connect(database.database_url.as_deref())?;
    let runner = runner(loaded.migrations(), &database.history);
    // The records, and the status for the build's idea of the current version.
    let (records, status) = match runner
        .history(&mut client)
        .and_then(|records| Ok((records, runner.status(&mut client)?)))
    {
        Ok(read) => read,
        Err(error) => return Ok(runtime_error(&error)),
    };
    if json {
        let value = json!({
            "database": described,
            "history_table": status.history_table,
            "current": status.current(),
            "records": records.iter().map(record_json).collect::<Vec<_>>(),
        });
        println!("{value:#}");
    } else {
        println!(
            "Database {described}, history table {}",
            status.history_table
        );
        print!("{}", history_table(&records));
        match status.current() {
            Some(version) => println!("Current version: {version}"),
            None => println!("Nothing applied yet"),
        }
    }
    Ok(ExitCode::from(if loaded.errors > 0 { WRONG } else { 0 }))
}

/// What `status` exits 1 for (`Status::has_problems`'s states): out of order included,
/// since `up` refuses it.
fn is_wrong(state: &MigrationState) -> bool {
    !matches!(state, MigrationState::Applied | MigrationState::Pending)
}

fn print_file_errors(loaded: &Loaded, json: bool) {
    if loaded.errors > 0 {
        loaded.print_diagnostics(json);
        eprintln!(
            "{} (see `pgstrata check {}`); the database as it is:",
            loaded.error_summary(),
            loaded.display
        );
    }
}

/// The last line, which the exit code says too: up to date, pending, or what is wrong.
fn verdict(status: &Status, wrong: usize) -> String {
    let current = match status.current() {
        Some(version) => format!("at version {version}"),
        None => "nothing applied".to_string(),
    };
    if wrong > 0 {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for m in status.migrations.iter().filter(|m| is_wrong(&m.state)) {
            match counts
                .iter_mut()
                .find(|(label, _)| *label == m.state.label())
            {
                Some((_, n)) => *n += 1,
                None => counts.push((m.state.label(), 1)),
            }
        }
        let counts: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
        return format!("Not up to date ({current}): {}", counts.join(", "));
    }
    match status.pending() {
        0 => format!("Up to date ({current})"),
        n => format!(
            "{n} pending ({current}): `pgstrata up` applies {}",
            if n == 1 { "it" } else { "them" }
        ),
    }
}

/// A migration's state for JSON: the label in snake case and its details.
fn state_json(state: &MigrationState) -> (&'static str, Value) {
    match state {
        MigrationState::Applied => ("applied", json!({})),
        MigrationState::Pending => ("pending", json!({})),
        MigrationState::OutOfOrder => ("out_of_order", json!({})),
        MigrationState::Failed { statement, error } => {
            ("failed", json!({ "statement": statement, "error": error }))
        }
        MigrationState::Reverting { statement, error } => (
            "reverting",
            json!({ "statement": statement, "error": error }),
        ),
        MigrationState::Divergent { applied_checksum } => {
            ("divergent", json!({ "applied_checksum": applied_checksum }))
        }
        MigrationState::Missing => ("missing", json!({})),
    }
}

fn migration_json(m: &MigrationStatus) -> Value {
    let (state, details) = state_json(&m.state);
    let mut value = json!({
        "version": m.version,
        "name": m.name,
        "path": m.path,
        "has_down": m.has_down,
        "state": state,
        "applied_at": m.applied_at,
        "execution_ms": m.execution_ms,
        "applied_by": m.applied_by.map(AppliedBy::label),
    });
    if let (Value::Object(fields), Value::Object(extra)) = (&mut value, details) {
        fields.extend(extra);
    }
    value
}

pub(crate) fn status_json(status: &Status, database: &str, errors_in_files: usize) -> Value {
    json!({
        "database": database,
        "history_table": status.history_table,
        "history_exists": status.history_exists,
        "current": status.current(),
        "pending": status.pending(),
        "up_to_date": status.is_up_to_date() && errors_in_files == 0,
        "errors_in_files": errors_in_files,
        "migrations": status.migrations.iter().map(migration_json).collect::<Vec<_>>(),
    })
}

fn record_json(r: &HistoryRecord) -> Value {
    json!({
        "version": r.version,
        "name": r.name,
        "checksum": r.checksum,
        "previous_checksum": r.previous_checksum,
        "transactional": r.transactional,
        "success": r.success,
        "reverting": r.reverting,
        "statements_done": r.statements_done,
        "error": r.error,
        "applied_at": r.applied_at,
        "execution_ms": r.execution_ms,
        "applied_by": r.applied_by.label(),
    })
}

/// The records as an aligned table.
fn history_table(records: &[HistoryRecord]) -> String {
    if records.is_empty() {
        return "No history records\n".to_string();
    }
    let rows: Vec<[String; 6]> = records
        .iter()
        .map(|r| {
            let outcome = if r.reverting {
                format!("reverting, {} statements undone", r.statements_done)
            } else if r.success {
                "ok".to_string()
            } else {
                format!("failed after {} statements", r.statements_done)
            };
            let outcome = match &r.error {
                Some(error) => format!("{outcome}: {}", error.lines().next().unwrap_or("")),
                None => outcome,
            };
            [
                r.version.to_string(),
                r.name.clone(),
                r.applied_at.clone(),
                r.execution_ms.map_or("-".to_string(), |ms| ms.to_string()),
                r.applied_by.label().to_string(),
                outcome,
            ]
        })
        .collect();
    let header = ["version", "name", "applied at", "ms", "by", "outcome"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
