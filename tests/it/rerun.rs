//! The `non-idempotent` rule against the truth: every example of the rule's table
//! (`analyzer/src/rules/non_idempotent/kinds.rs`) runs twice on a real server, in a
//! fresh database, as the runner would run it (in a transaction unless it cannot be),
//! with a `pg_dump` (schema and data) after each run. The rule must fire exactly when
//! the second run fails or the dump changes.

use pgstrata_analyzer::rules::non_idempotent::kinds::KINDS;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::{check_migration, Config, TransactionMode};
use pgstrata_testkit::TestDb;
use std::sync::Mutex;

/// One example and what the analyzer says of it.
struct Case {
    name: String,
    setup: &'static str,
    sql: &'static str,
    flagged: bool,
    statements: Vec<String>,
    transactional: bool,
}

fn case(name: String, setup: &'static str, sql: &'static str) -> Case {
    let file = SourceFile::new(
        "/rerun/V1__case.sql".into(),
        "V1__case.sql".into(),
        sql.into(),
    );
    let checked = check_migration(&file, false, &Config::default());
    Case {
        name,
        setup,
        sql,
        flagged: checked
            .diagnostics
            .iter()
            .any(|d| d.rule == "non-idempotent"),
        statements: checked
            .parsed
            .statements
            .iter()
            .map(|s| sql[s.range.clone()].to_string())
            .collect(),
        transactional: checked.transaction == TransactionMode::Transactional,
    }
}

/// Runs the case's SQL once, on a new connection, as the runner would.
fn run_once(db: &TestDb, case: &Case) -> Result<(), postgres::Error> {
    let mut client = db.connect();
    if case.transactional {
        let mut tx = client.transaction()?;
        tx.batch_execute(case.sql)?;
        tx.commit()
    } else {
        case.statements
            .iter()
            .try_for_each(|s| client.batch_execute(s))
    }
}

/// `None` when the rule agrees with the server, else what went wrong.
fn disagreement(case: &Case) -> Option<String> {
    let db = TestDb::new("pgstrata_rerun");
    if !case.setup.is_empty() {
        if let Err(e) = db.connect().batch_execute(case.setup) {
            return Some(format!("{}: setup failed: {e}", case.name));
        }
    }
    if let Err(e) = run_once(&db, case) {
        return Some(format!("{}: the first run failed: {e}", case.name));
    }
    let dump_args = ["--no-owner"];
    let first = db.dump(&dump_args);
    let second_run = run_once(&db, case);
    let second = db.dump(&dump_args);
    let fails = second_run.as_ref().err().map(|e| e.to_string());
    let changes = first != second;
    let observed = fails.is_some() || changes;
    (observed != case.flagged).then(|| {
        let truth = match (&fails, changes) {
            (Some(e), _) => format!("the second run fails ({e})"),
            (None, true) => "the second run changes the dump".to_string(),
            (None, false) => "the second run changes nothing".to_string(),
        };
        let said = if case.flagged {
            "flags it"
        } else {
            "is silent"
        };
        format!(
            "{}: the rule {said}, but {truth}\n    {}",
            case.name, case.sql
        )
    })
}

#[test]
fn the_rule_fires_exactly_when_a_second_run_fails_or_changes_the_database() {
    let mut cases = Vec::new();
    let mut skipped = 0;
    for kind in KINDS {
        if !kind.not_on_server.is_empty() {
            skipped += [kind.bad, kind.good]
                .iter()
                .filter(|s| !s.is_empty())
                .count();
            continue;
        }
        for (label, sql) in [("bad", kind.bad), ("good", kind.good)] {
            if !sql.is_empty() {
                cases.push(case(
                    format!("{} ({label})", kind.statement),
                    kind.setup,
                    sql,
                ));
            }
        }
    }
    let total = cases.len();
    let flagged = cases.iter().filter(|c| c.flagged).count();
    let queue = Mutex::new(cases);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some(case) = next else { break };
                if let Some(problem) = disagreement(&case) {
                    failures.lock().unwrap().push(problem);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "rerun: {total} fixtures run twice on the server ({flagged} flagged by the rule, {} not), {} disagreements; {skipped} examples cannot run on a test server",
        total - flagged,
        failures.len()
    );
    assert!(total >= 150, "at least 150 fixtures, found {total}");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
