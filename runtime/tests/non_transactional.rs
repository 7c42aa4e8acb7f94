//! Non-transactional migrations: statement by statement, a failure recorded with the
//! statement that failed, and the next run resuming there (or refusing to).
#![cfg(feature = "postgres")]

mod support;

use pgstrata_runtime::{Error, Migration, Runner, StatementRef, TransactionMode};
use support::*;

fn base() -> Migration {
    tx(
        1,
        "tables",
        "CREATE TABLE run_log (step text NOT NULL);\nCREATE TABLE items (id int, label text);",
    )
}

/// Statement 1 logs that it ran; statement 2 is the one that fails until fixed.
fn indexes(statement_1: &str, statement_2: &str) -> Migration {
    non_tx(
        2,
        "indexes",
        &format!(
            "{statement_1};\n{statement_2};\nINSERT INTO run_log VALUES ('third');\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS items_id_idx ON items (id);"
        ),
    )
}

const LOG_FIRST: &str = "INSERT INTO run_log VALUES ('first')";
const BROKEN: &str = "CREATE INDEX CONCURRENTLY items_label_idx ON items (no_such_column)";
const FIXED: &str = "CREATE INDEX CONCURRENTLY items_label_idx ON items (label)";

fn log_count(client: &mut postgres::Client, step: &str) -> i64 {
    client
        .query_one("SELECT count(*) FROM run_log WHERE step = $1", &[&step])
        .unwrap()
        .get(0)
}

fn assert_fails_at_statement_2(err: Error) {
    match &err {
        Error::MigrationFailed {
            version: 2,
            name: "indexes",
            transaction: TransactionMode::NonTransactional,
            statement,
            source,
            hint,
            ..
        } => {
            assert_eq!(*statement, Some(StatementRef { number: 2, line: 2 }));
            assert_eq!(source.sqlstate.as_deref(), Some("42703"));
            // Statement 2 is a CREATE INDEX CONCURRENTLY.
            assert!(hint.is_some_and(|h| h.contains("INVALID")), "{hint:?}");
        }
        other => panic!("expected MigrationFailed, got {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("failed at statement 2 (line 2)"), "{text}");
    assert!(text.contains("resume"), "{text}");
}

#[test]
fn a_failed_statement_is_recorded_and_the_fixed_rerun_resumes_there() {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();

    let broken = leak(vec![base(), indexes(LOG_FIRST, BROKEN)]);
    let err = Runner::new(broken).run(&mut client).unwrap_err();
    assert_fails_at_statement_2(err);

    let rows = history(&mut client, HISTORY);
    let row = &rows[1];
    assert_eq!(
        (row.version, row.success, row.transactional),
        (2, false, false)
    );
    assert_eq!(row.statements_done, 1);
    let error = row.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("statement 2 (line 2): column \"no_such_column\""),
        "{error}"
    );
    assert!(error.contains("42703"), "{error}");
    assert_eq!(log_count(&mut client, "first"), 1);
    assert_eq!(log_count(&mut client, "third"), 0);

    // Rerunning the same broken build resumes at statement 2 and fails there again:
    // statement 1 does not run twice.
    let err = Runner::new(broken).run(&mut client).unwrap_err();
    assert_fails_at_statement_2(err);
    assert_eq!(log_count(&mut client, "first"), 1);

    // The fix: same version, statement 2 corrected, statement 1 unchanged.
    let fixed = leak(vec![base(), indexes(LOG_FIRST, FIXED)]);
    let report = Runner::new(fixed).run(&mut client).expect("resumed run");
    assert_eq!(report.applied.len(), 1);
    let applied = &report.applied[0];
    assert_eq!((applied.version, applied.resumed_from), (2, Some(2)));
    assert_eq!(applied.transaction, TransactionMode::NonTransactional);

    assert_eq!(log_count(&mut client, "first"), 1, "statement 1 ran again");
    assert_eq!(log_count(&mut client, "third"), 1);
    let row = &history(&mut client, HISTORY)[1];
    assert!(row.success && row.error.is_none(), "{row:?}");
    assert_eq!(row.statements_done, 4);
    assert_eq!(row.checksum, fixed[1].checksum);
    assert_eq!(
        scalar(
            &mut client,
            "SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid IN \
             ('items_label_idx'::regclass, 'items_id_idx'::regclass)"
        ),
        2
    );

    // And now it is simply applied.
    assert_eq!(Runner::new(fixed).run(&mut client).unwrap().round_trips, 1);
}

#[test]
fn resume_is_refused_when_a_completed_statement_changed() {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let broken = leak(vec![base(), indexes(LOG_FIRST, BROKEN)]);
    Runner::new(broken).run(&mut client).unwrap_err();

    let rewritten = leak(vec![
        base(),
        indexes("INSERT INTO run_log VALUES ('first, rewritten')", FIXED),
    ]);
    let err = Runner::new(rewritten).run(&mut client).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResumeRefused {
                version: 2,
                statements_done: 1,
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("statement 1 (line 1) is not the one that ran"),
        "{text}"
    );
    let delete = "DELETE FROM \"public\".\"pgstrata_schema_history\" WHERE version = 2";
    assert!(text.contains(delete), "{text}");
    assert_eq!(log_count(&mut client, "first, rewritten"), 0);

    // Doing what the message says (undo by hand, delete the record) runs it afresh.
    client
        .batch_execute(&format!("DELETE FROM run_log; {delete}"))
        .unwrap();
    let report = Runner::new(rewritten).run(&mut client).expect("fresh run");
    assert_eq!(report.applied[0].resumed_from, None);
    assert_eq!(log_count(&mut client, "first, rewritten"), 1);
    assert_eq!(log_count(&mut client, "third"), 1);
}

#[test]
fn a_migration_that_failed_at_its_first_statement_reruns_whatever_changed() {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let broken = leak(vec![base(), indexes(BROKEN, LOG_FIRST)]);
    let err = Runner::new(broken).run(&mut client).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MigrationFailed {
                statement: Some(StatementRef { number: 1, line: 1 }),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(history(&mut client, HISTORY)[1].statements_done, 0);

    // Now transactional, and different: nothing had run, so it simply runs.
    let changed = leak(vec![
        base(),
        tx(
            2,
            "indexes",
            "CREATE INDEX items_label_idx ON items (label);",
        ),
    ]);
    let report = Runner::new(changed).run(&mut client).expect("rerun");
    assert_eq!(
        report.applied[0].transaction,
        TransactionMode::Transactional
    );
    let row = &history(&mut client, HISTORY)[1];
    assert!(
        row.success && row.transactional && row.error.is_none(),
        "{row:?}"
    );
}

#[test]
fn a_connection_lost_mid_migration_is_resumed_by_the_next_run() {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let dies = leak(vec![
        base(),
        indexes(LOG_FIRST, "SELECT pg_terminate_backend(pg_backend_pid())"),
    ]);
    let err = Runner::new(dies).run(&mut client).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MigrationFailed {
                statement: Some(StatementRef { number: 2, .. }),
                ..
            }
        ),
        "{err}"
    );
    assert!(client.is_closed() || client.simple_query("SELECT 1").is_err());

    // The record shows how far it got (the failure itself could not be written), and
    // the server released the lock with the session.
    let mut client = db.connect();
    let row = &history(&mut client, HISTORY)[1];
    assert_eq!((row.success, row.statements_done), (false, 1), "{row:?}");
    assert!(no_advisory_locks_soon(&mut client));

    let fixed = leak(vec![base(), indexes(LOG_FIRST, FIXED)]);
    let report = Runner::new(fixed).run(&mut client).expect("resumed run");
    assert_eq!(report.applied[0].resumed_from, Some(2));
    assert_eq!(log_count(&mut client, "first"), 1);
    assert_eq!(log_count(&mut client, "third"), 1);
}
