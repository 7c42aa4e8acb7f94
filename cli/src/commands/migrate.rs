//! `pgstrata up`, `down` and `baseline`: the runner an application embeds, over the
//! migrations read from the directory. They refuse to run when the files have errors,
//! as the application would not build.

use crate::args::{Database, Source};
use crate::commands::{refused, runtime_error};
use crate::connection::connect;
use crate::source::{load, plural, runner};
use pgstrata_runtime::{AppliedMigration, Report, Target, TransactionMode};
use serde_json::{json, Value};
use std::process::ExitCode;

/// Which way the database goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Baseline,
    /// `baseline --verify`: recorded only when the live schema is the one the
    /// migrations build.
    VerifiedBaseline,
}

/// `--to` (a target as `Target` reads it) or `--steps N`, for `direction`. A target
/// that goes the other way is a usage error, found before connecting (the runner
/// refuses it too).
pub fn target(
    direction: Direction,
    to: Option<&str>,
    steps: Option<u32>,
) -> Result<Target, String> {
    let target = match (to, steps) {
        (Some(to), _) => to
            .parse::<Target>()
            .map_err(|reason| format!("--to: {reason}"))?,
        (None, Some(0)) => return Err("--steps must be at least 1".to_string()),
        (None, Some(n)) => match direction {
            Direction::Down => Target::Back(n),
            Direction::Up | Direction::Baseline | Direction::VerifiedBaseline => Target::Forward(n),
        },
        (None, None) => Target::Latest,
    };
    let fits = match direction {
        Direction::Up => matches!(
            target,
            Target::Latest | Target::Version(_) | Target::Forward(_)
        ),
        Direction::Down => matches!(target, Target::Version(_) | Target::Base | Target::Back(_)),
        Direction::Baseline | Direction::VerifiedBaseline => {
            matches!(target, Target::Latest | Target::Version(_))
        }
    };
    if fits {
        return Ok(target);
    }
    Err(match direction {
        Direction::Up => format!(
            "--to {target}: `up` goes to a version, `latest` or `+N` (`base` and `-N` are for `down`)"
        ),
        Direction::Down => format!(
            "--to {target}: `down` goes to a version, `base` or `-N` (`latest` and `+N` are for `up`)"
        ),
        Direction::Baseline | Direction::VerifiedBaseline => {
            format!("--to {target}: `baseline` records up to a version, or `latest`")
        }
    })
}

pub fn run(
    direction: Direction,
    source: &Source,
    database: &Database,
    target: Target,
    json: bool,
) -> Result<ExitCode, String> {
    let loaded = load(source)?;
    if let Err(message) = loaded.refuse_errors(json) {
        return Ok(refused(&message));
    }
    let (mut client, described) = connect(database.database_url.as_deref())?;
    let runner = runner(loaded.migrations(), &database.history);
    let result = match direction {
        Direction::Up => runner.up(&mut client, target),
        Direction::Down => runner.down(&mut client, target),
        Direction::Baseline => runner.baseline(&mut client, target),
        Direction::VerifiedBaseline => runner.baseline_verified(&mut client, target),
    };
    let report = match result {
        Ok(report) => report,
        Err(error) => return Ok(runtime_error(&error)),
    };
    if json {
        println!("{:#}", report_json(&report, &described));
    } else {
        print!("{}", report_text(direction, &report, &described));
    }
    Ok(ExitCode::SUCCESS)
}

fn report_text(direction: Direction, report: &Report, described: &str) -> String {
    let mut out = String::new();
    let line = |verb: &str, m: &AppliedMigration| {
        let resumed = m
            .resumed_from
            .map(|s| format!(", resumed at statement {s}"))
            .unwrap_or_default();
        let mode = match m.transaction {
            TransactionMode::Transactional => "",
            TransactionMode::NonTransactional => ", statement by statement",
        };
        format!(
            "{verb} {} {} ({}, {} ms{mode}{resumed})\n",
            m.version,
            m.name,
            m.path,
            m.duration.as_millis()
        )
    };
    match direction {
        Direction::Up => {
            for m in &report.applied {
                out.push_str(&line("Applied", m));
            }
            out.push_str(&match report.applied.len() {
                0 => format!("Nothing to apply in {described}\n"),
                n => format!("{n} migration{} applied to {described}\n", plural(n)),
            });
        }
        Direction::Down => {
            for m in &report.reverted {
                out.push_str(&line("Reverted", m));
            }
            out.push_str(&match report.reverted.len() {
                0 => format!("Nothing to revert in {described}\n"),
                n => format!("{n} migration{} reverted in {described}\n", plural(n)),
            });
        }
        Direction::Baseline | Direction::VerifiedBaseline => {
            if direction == Direction::VerifiedBaseline {
                out.push_str(&format!(
                    "The schema of {described} is the one the migrations build\n"
                ));
            }
            out.push_str(&match report.baselined.len() {
                0 => format!("Nothing to record in {described}\n"),
                n => format!(
                    "Recorded {} as applied without running {} in {described}\n",
                    versions(&report.baselined),
                    if n == 1 { "it" } else { "them" }
                ),
            });
        }
    }
    out
}

fn versions(versions: &[i64]) -> String {
    let all: Vec<String> = versions.iter().map(i64::to_string).collect();
    all.join(", ")
}

fn migration_json(m: &AppliedMigration) -> Value {
    json!({
        "version": m.version,
        "name": m.name,
        "path": m.path,
        "duration_ms": m.duration.as_micros() as f64 / 1000.0,
        "transactional": m.transaction == TransactionMode::Transactional,
        "resumed_from": m.resumed_from,
    })
}

fn report_json(report: &Report, described: &str) -> Value {
    json!({
        "database": described,
        "applied": report.applied.iter().map(migration_json).collect::<Vec<_>>(),
        "reverted": report.reverted.iter().map(migration_json).collect::<Vec<_>>(),
        "baselined": report.baselined,
        "locked": report.locked,
        "round_trips": report.round_trips,
    })
}
