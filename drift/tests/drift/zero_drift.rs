//! Where the migrations built the database, the check finds nothing: every set applied
//! by the runner to a fresh database, and again with only its first half applied,
//! compared with the catalog of that half.

use crate::support::{check, compact};
use pgstrata_analyzer::catalog::fold;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::{analyze, Config};
use pgstrata_drift::{Drift, ObjectKind, Options, DEFAULT_HISTORY_TABLE};
use pgstrata_runtime::{Runner, Target};
use pgstrata_testkit::corpora::SQLX_TABLE;
use pgstrata_testkit::{histories, runtime_migrations, History, TestDb};

/// Where the first-half runs keep their history: a schema of its own, which the
/// migrations never build.
const HISTORY_SCHEMA: &str = "pgstrata_history";

/// What one check of a history found.
struct Outcome {
    differences: Vec<String>,
    /// How many migrations were applied.
    applied: usize,
    drift: Drift,
}

/// Applies the first `count` migrations of `set` (all with `None`) and checks the
/// database against the catalog of those.
fn applied_and_checked(set: &History, count: Option<usize>) -> Outcome {
    let analysis = analyze(&set.dir, &set.display, &Config::default());
    let migrations = runtime_migrations(&analysis);
    let db = TestDb::new("pgstrata_drift");
    let mut client = db.connect();
    let mut ignore = Vec::new();
    if set.sqlx_table {
        client.batch_execute(SQLX_TABLE).unwrap();
        ignore.push("public._sqlx_migrations".to_string());
    }
    let ups: Vec<SourceFile> = analysis.migrations.iter().map(|m| m.up.clone()).collect();
    let (runner, applied) = match count {
        // The default history table, which the default options ignore.
        None => {
            ignore.push(DEFAULT_HISTORY_TABLE.to_string());
            (Runner::new(migrations), ups.len())
        }
        Some(count) => {
            ignore.push(format!("{HISTORY_SCHEMA}.pgstrata_schema_history"));
            let forward = u32::try_from(count).unwrap();
            (
                Runner::new(migrations)
                    .history_schema(HISTORY_SCHEMA)
                    .target(Target::Forward(forward)),
                count,
            )
        }
    };
    runner
        .run(&mut client)
        .unwrap_or_else(|e| panic!("{}: {e}", set.name));
    let expected = fold(&ups[..applied]);
    let checked = check(&mut client, expected, Options { ignore });
    Outcome {
        differences: checked.drift.differences.iter().map(compact).collect(),
        applied,
        drift: checked.drift,
    }
}

#[test]
fn no_drift_where_the_migrations_built_the_database() {
    let mut failures = Vec::new();
    eprintln!(
        "{:<32} {:>10} {:>8} {:>7} {:>8} {:>11} {:>8} {:>9} {:>11} {:>13}",
        "set",
        "migrations",
        "compared",
        "tables",
        "columns",
        "constraints",
        "indexes",
        "functions",
        "differences",
        "not compared"
    );
    for set in histories() {
        let outcome = applied_and_checked(&set, None);
        let compared = &outcome.drift.compared;
        let count = |kind: ObjectKind| compared.get(&kind).copied().unwrap_or(0);
        eprintln!(
            "{:<32} {:>10} {:>8} {:>7} {:>8} {:>11} {:>8} {:>9} {:>11} {:>13}",
            set.name,
            outcome.applied,
            compared.values().sum::<usize>(),
            count(ObjectKind::Table),
            count(ObjectKind::Column),
            count(ObjectKind::Constraint),
            count(ObjectKind::Index),
            count(ObjectKind::Function),
            outcome.differences.len(),
            outcome.drift.not_compared.len()
        );
        if !outcome.differences.is_empty() {
            failures.push(format!(
                "{}:\n  {}",
                set.name,
                outcome.differences.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_drift_at_an_earlier_version() {
    let mut failures = Vec::new();
    for set in histories() {
        let total = analyze(&set.dir, &set.display, &Config::default())
            .migrations
            .len();
        let half = total / 2;
        if half == 0 {
            continue;
        }
        let differences = applied_and_checked(&set, Some(half)).differences;
        eprintln!(
            "{:<32} first {half} of {total}: {} differences",
            set.name,
            differences.len()
        );
        if !differences.is_empty() {
            failures.push(format!(
                "{} (first {half}):\n  {}",
                set.name,
                differences.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
