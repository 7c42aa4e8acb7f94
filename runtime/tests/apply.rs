//! Applying, verifying and refusing, against a real PostgreSQL (one fresh database per
//! test).
#![cfg(feature = "postgres")]

mod operations;
mod support;

use std::time::Duration;

use pgstrata_runtime::{Error, Runner, StatementRef, Target, TransactionMode};
use support::*;

for_each_driver!(
    n_pending_migrations_cost_n_batches_plus_a_constant,
    divergent_checksum_is_refused_and_nothing_is_applied,
    missing_migrations_are_refused_unless_allowed,
    out_of_order_migrations_are_refused_unless_allowed_then_applied,
    target_version_applies_up_to_it,
    history_table_and_schema_names_are_quoted,
    a_failed_transactional_migration_leaves_nothing_and_releases_the_lock,
    history_writes_do_not_follow_a_changed_search_path,
    names_with_quotes_and_backslashes_survive_any_string_setting,
    plan_and_history_are_read_without_applying,
    a_migration_that_sets_the_search_path_does_not_move_the_next_one,
);

fn users_migrations() -> Vec<pgstrata_runtime::Migration> {
    vec![
        tx(1, "users", "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);"),
        tx(
            2,
            "email",
            "ALTER TABLE users ADD COLUMN email text;\nINSERT INTO users (id, name) VALUES (1, 'o''brien');",
        ),
        non_tx(
            3,
            "indexes",
            "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\
             CREATE INDEX CONCURRENTLY users_name_idx ON users (name);",
        ),
        // A file ending in a comment without a newline must not swallow the history row.
        tx(4, "posts", "CREATE TABLE posts (id int)\n-- trailing comment"),
    ]
}

#[test]
fn applies_everything_then_a_second_run_sends_one_statement() {
    let db = TestDb::new("pgstrata_rt");
    let migrations = leak(users_migrations());
    let runner = Runner::new(migrations);
    let mut client = db.connect();

    let mut counting = Counting::new(&mut client);
    let report = runner.run_with(&mut counting).expect("first run");
    let applied: Vec<_> = report
        .applied
        .iter()
        .map(|m| (m.version, m.name, m.transaction))
        .collect();
    assert_eq!(
        applied,
        vec![
            (1, "users", TransactionMode::Transactional),
            (2, "email", TransactionMode::Transactional),
            (3, "indexes", TransactionMode::NonTransactional),
            (4, "posts", TransactionMode::Transactional),
        ]
    );
    assert!(report.locked);
    assert_eq!(report.round_trips, counting.calls);
    // read (no table yet) + lock + read again + schema check + create table
    // + one batch per transactional migration (3)
    // + non-transactional: start record, 2 x (statement + progress), completion (6)
    // + unlock
    assert_eq!(report.round_trips, 5 + 3 + 6 + 1, "{:#?}", counting.sent);

    let rows = history(&mut client, HISTORY);
    assert_eq!(
        rows.iter().map(|r| r.version).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    for (row, m) in rows.iter().zip(migrations) {
        assert!(row.success && row.error.is_none(), "{row:?}");
        assert_eq!(row.checksum, m.checksum);
        assert_eq!(row.name, m.name);
        assert_eq!(
            row.transactional,
            m.transaction == TransactionMode::Transactional
        );
        assert!(row.execution_ms.is_some_and(|ms| ms >= 0), "{row:?}");
    }
    assert_eq!(rows[2].statements_done, 2);
    assert_eq!(
        scalar(
            &mut client,
            "SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid IN \
             ('users_email_idx'::regclass, 'users_name_idx'::regclass)"
        ),
        2
    );
    assert_eq!(
        scalar(
            &mut client,
            "SELECT count(*) FROM users WHERE name = 'o''brien'"
        ),
        1
    );
    assert!(exists(&mut client, "posts"));

    // Nothing pending: one statement, no lock, through both entry points.
    let mut counting = Counting::new(&mut client);
    let again = runner.run_with(&mut counting).expect("second run");
    assert!(again.applied.is_empty());
    assert!(!again.locked);
    assert_eq!(again.round_trips, 1);
    assert_eq!(counting.calls, 1);
    let again = runner.run(&mut client).expect("third run");
    assert_eq!((again.applied.len(), again.round_trips), (0, 1));
}

fn n_pending_migrations_cost_n_batches_plus_a_constant(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut conn = RunnerClient::connect(&db, flavour);
    let first = leak(vec![tx(1, "a", "CREATE TABLE a (id int);")]);
    Runner::new(first).run_on(&mut conn).expect("first");
    let more = leak(vec![
        tx(1, "a", "CREATE TABLE a (id int);"),
        tx(
            2,
            "b",
            "CREATE TABLE b (id int);\nCREATE TABLE b2 (id int);",
        ),
        tx(3, "c", "CREATE TABLE c (id int);"),
        tx(4, "d", "CREATE TABLE d (id int);"),
    ]);
    let report = Runner::new(more).run_on(&mut conn).expect("second");
    assert_eq!(report.applied.len(), 3);
    // read + lock + read again + 3 batches + unlock
    assert_eq!(report.round_trips, 3 + 3 + 1);
}

fn divergent_checksum_is_refused_and_nothing_is_applied(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let base = users_migrations();
    Runner::new(leak(base[..2].to_vec()))
        .run_on(&mut conn)
        .expect("apply 1-2");

    let changed = leak(vec![
        edited(base[0]),
        base[1],
        tx(5, "later", "CREATE TABLE later (id int);"),
    ]);
    let err = Runner::new(changed).run_on(&mut conn).unwrap_err();
    match &err {
        Error::Divergent {
            version: 1,
            name: "users",
            path: "migrations/V1__users.sql",
            applied_checksum,
            checksum,
        } => {
            assert_eq!(applied_checksum, base[0].checksum);
            assert_eq!(*checksum, changed[0].checksum);
        }
        other => panic!("expected Divergent, got {other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("migration 1 \"users\" (migrations/V1__users.sql) was changed"),
        "{text}"
    );
    assert!(!exists(&mut client, "later"));
    assert_eq!(history(&mut client, HISTORY).len(), 2);

    let report = Runner::new(changed)
        .allow_divergent(true)
        .run_on(&mut conn)
        .expect("allowed");
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [5]
    );
    assert!(exists(&mut client, "later"));
}

fn missing_migrations_are_refused_unless_allowed(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let all = vec![
        tx(1, "a", "CREATE TABLE a (id int);"),
        tx(2, "b", "CREATE TABLE b (id int);"),
    ];
    Runner::new(leak(all.clone()))
        .run_on(&mut conn)
        .expect("apply 1-2");

    let without_2 = leak(vec![all[0], tx(3, "c", "CREATE TABLE c (id int);")]);
    let err = Runner::new(without_2).run_on(&mut conn).unwrap_err();
    assert!(
        matches!(&err, Error::Missing { version: 2, name } if name == "b"),
        "{err}"
    );
    assert!(err.to_string().contains("not in this build"), "{err}");
    assert!(!exists(&mut client, "c"));

    let report = Runner::new(without_2)
        .allow_missing(true)
        .run_on(&mut conn)
        .expect("allowed");
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [3]
    );
}

fn out_of_order_migrations_are_refused_unless_allowed_then_applied(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let one = tx(1, "a", "CREATE TABLE a (id int);");
    let three = tx(3, "c", "CREATE TABLE c (id int);");
    Runner::new(leak(vec![one, three]))
        .run_on(&mut conn)
        .expect("apply 1 and 3");

    let with_2 = leak(vec![one, tx(2, "b", "CREATE TABLE b (id int);"), three]);
    let err = Runner::new(with_2).run_on(&mut conn).unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutOfOrder {
                version: 2,
                name: "b",
                newest_applied: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(!exists(&mut client, "b"));

    let report = Runner::new(with_2)
        .allow_out_of_order(true)
        .run_on(&mut conn)
        .expect("allowed");
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [2]
    );
    assert!(exists(&mut client, "b"));
    assert_eq!(history(&mut client, HISTORY).len(), 3);
}

fn target_version_applies_up_to_it(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let migrations = leak(vec![
        tx(1, "a", "CREATE TABLE a (id int);"),
        tx(2, "b", "CREATE TABLE b (id int);"),
        tx(3, "c", "CREATE TABLE c (id int);"),
    ]);
    let to_2 = Runner::new(migrations).target(Target::Version(2));
    let report = to_2.run_on(&mut conn).expect("to 2");
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(!exists(&mut client, "c"));
    assert_eq!(to_2.run_on(&mut conn).expect("to 2 again").round_trips, 1);

    let err = Runner::new(migrations)
        .target(Target::Version(7))
        .run_on(&mut conn)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownTarget { version: 7 }), "{err}");

    let report = Runner::new(migrations).run_on(&mut conn).expect("latest");
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [3]
    );
}

fn history_table_and_schema_names_are_quoted(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let migrations = leak(vec![tx(1, "a", "CREATE TABLE a (id int);")]);
    let runner = Runner::new(migrations)
        .history_schema("Ops \"Schema\"")
        .history_table("my history");
    let report = runner.run_on(&mut conn).expect("run");
    assert_eq!(report.applied.len(), 1);

    let rows = history(&mut client, "\"Ops \"\"Schema\"\"\".\"my history\"");
    assert_eq!(rows.len(), 1);
    assert!(!exists(&mut client, HISTORY));
    assert_eq!(
        scalar(
            &mut client,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'Ops \"Schema\"' AND c.relname = 'my history'"
        ),
        1
    );
    assert_eq!(runner.run_on(&mut conn).expect("again").round_trips, 1);

    let err = Runner::new(migrations)
        .history_table("")
        .run_on(&mut conn)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidHistoryTable { .. }), "{err}");
}

#[test]
fn runners_with_different_history_tables_do_not_block_each_other() {
    let db = TestDb::new("pgstrata_rt");
    let migrations = leak(vec![tx(1, "a", "CREATE TABLE a (id int);")]);
    let default = Runner::new(migrations);
    let other = Runner::new(leak(vec![tx(1, "b", "CREATE TABLE b (id int);")]))
        .history_table("other_history");
    assert_ne!(default.lock_key().unwrap(), other.lock_key().unwrap());

    // Someone holds the default table's lock.
    let mut holder = db.connect();
    let key = default.lock_key().unwrap();
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
        .unwrap();

    // The other table's runner is not held up...
    let config = db.config();
    let done = within(20, move || {
        let mut client = config.connect(postgres::NoTls).unwrap();
        other.run(&mut client).map(|r| r.applied.len())
    });
    assert_eq!(done.map(|r| r.ok()), Some(Some(1)));

    // ...but a runner of the locked table waits until the lock is released.
    let (tx, rx) = std::sync::mpsc::channel();
    let config = db.config();
    std::thread::spawn(move || {
        let mut client = config.connect(postgres::NoTls).unwrap();
        let _ = tx.send(default.run(&mut client).map(|r| r.applied.len()));
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(rx.try_recv().is_err(), "ran while the lock was held");
    holder
        .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
        .unwrap();
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("finished after the unlock");
    assert_eq!(result.ok(), Some(1));
}

fn a_failed_transactional_migration_leaves_nothing_and_releases_the_lock(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let good = tx(1, "base", "CREATE TABLE base (id int);");
    let broken = tx(
        2,
        "half",
        "CREATE TABLE half (id int);\nCREATE TABLE broken (id no_such_type);",
    );
    let runner = Runner::new(leak(vec![good, broken]));
    let err = runner.run_on(&mut conn).unwrap_err();
    match &err {
        Error::MigrationFailed {
            version: 2,
            name: "half",
            path: "migrations/V2__half.sql",
            reverting: false,
            transaction: TransactionMode::Transactional,
            statement,
            source,
            hint: None,
        } => {
            assert_eq!(*statement, Some(StatementRef { number: 2, line: 2 }));
            assert_eq!(source.sqlstate.as_deref(), Some("42704"));
            assert!(source.message.contains("no_such_type"), "{source}");
        }
        other => panic!("expected MigrationFailed, got {other}"),
    }
    assert_eq!(err.sqlstate(), Some("42704"));
    let text = err.to_string();
    assert!(text.contains("failed at statement 2 (line 2)"), "{text}");
    assert!(text.contains("rolled back"), "{text}");

    // Nothing of it stays: not its first table, not its history row.
    assert!(exists(&mut client, "base"));
    assert!(!exists(&mut client, "half"));
    assert_eq!(
        history(&mut client, HISTORY)
            .iter()
            .map(|r| r.version)
            .collect::<Vec<_>>(),
        [1]
    );

    // The lock was released while the failed runner's connection is still open, and
    // that connection is usable (not left in an aborted transaction).
    let key = runner.lock_key().unwrap();
    let mut other = db.connect();
    let got: bool = other
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .unwrap()
        .get(0);
    assert!(got, "the failed run kept the lock");
    other
        .query_one("SELECT pg_advisory_unlock($1)", &[&key])
        .unwrap();
    assert_eq!(scalar(&mut client, "SELECT 1::bigint"), 1);

    // A runner started right after proceeds at once.
    let fixed = leak(vec![
        good,
        tx(
            2,
            "half",
            "CREATE TABLE half (id int);\nCREATE TABLE broken (id int);",
        ),
    ]);
    let config = db.config();
    let done = within(20, move || {
        let mut client = config.connect(postgres::NoTls).unwrap();
        Runner::new(fixed).run(&mut client).map(|r| r.applied.len())
    });
    assert_eq!(done.map(|r| r.ok()), Some(Some(1)));
    assert!(exists(&mut client, "half"));
}

fn history_writes_do_not_follow_a_changed_search_path(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let migrations = leak(vec![
        tx(1, "app", "CREATE SCHEMA app;\nSET search_path = app;"),
        tx(2, "widgets", "CREATE TABLE widgets (id int);"),
    ]);
    let report = Runner::new(migrations).run_on(&mut conn).expect("run");
    assert_eq!(report.applied.len(), 2);
    // The first migration's history row is written under its `search_path`; the
    // second migration starts from the path the run began with.
    assert!(exists(&mut client, "public.widgets"));
    assert_eq!(history(&mut client, HISTORY).len(), 2);
    assert!(!exists(&mut client, "app.pgstrata_schema_history"));
}

fn names_with_quotes_and_backslashes_survive_any_string_setting(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    client
        .batch_execute("SET standard_conforming_strings = off")
        .unwrap();
    let name = "it's a \\ \"test\" ü";
    let migrations = leak(vec![tx(1, name, "CREATE TABLE a (id int);")]);
    Runner::new(migrations).run_on(&mut conn).expect("run");
    let rows = history(&mut client, HISTORY);
    assert_eq!(rows[0].name, name);
}

fn plan_and_history_are_read_without_applying(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let migrations = leak(users_migrations());
    let runner = Runner::new(migrations);

    let mut counting = Counting::new(&mut client);
    let plan = runner
        .plan_with(&mut counting)
        .expect("plan on a fresh database");
    assert_eq!(counting.calls, 1);
    let planned: Vec<_> = plan.steps.iter().map(|s| s.migration.version).collect();
    assert_eq!(planned, [1, 2, 3, 4]);
    assert!(conn.history(&runner).unwrap().is_empty());
    assert!(
        !exists(&mut client, HISTORY),
        "planning created the history table"
    );

    Runner::new(leak(users_migrations()[..2].to_vec()))
        .run_on(&mut conn)
        .unwrap();
    let history = conn.history(&runner).unwrap();
    assert_eq!(
        history.iter().map(|r| r.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(history.iter().all(|r| r.success && r.transactional));
    let planned: Vec<_> = runner
        .plan_from(&history)
        .unwrap()
        .steps
        .iter()
        .map(|s| s.migration.version)
        .collect();
    assert_eq!(planned, [3, 4]);
}

fn a_migration_that_sets_the_search_path_does_not_move_the_next_one(flavour: Flavour) {
    let db = TestDb::new("pgstrata_rt");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let migrations = leak(vec![
        // pg_dump's first line, then a schema set for the session.
        tx(
            1,
            "dump",
            "SELECT pg_catalog.set_config('search_path', '', false);\n\
             CREATE SCHEMA app;\nCREATE TABLE app.a (id int);\nSET search_path TO app;",
        ),
        non_tx(
            2,
            "concurrently",
            "CREATE TABLE b (id int);\nSET search_path TO app;\nCREATE INDEX CONCURRENTLY a_id_idx ON a (id);",
        ),
        tx(3, "plain", "CREATE TABLE c (id int);"),
    ]);
    client
        .batch_execute("SET search_path TO public")
        .expect("a path of the caller's");
    let report = Runner::new(migrations).run_on(&mut conn).expect("applies");
    assert_eq!(report.applied.len(), 3);
    // Each file began from the caller's path: `b` and `c` are in `public`, as they
    // would be had each migration run alone.
    let schema_of = |client: &mut postgres::Client, table: &str| -> String {
        client
            .query_one(
                "SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = $1",
                &[&table],
            )
            .expect("the table exists")
            .get(0)
    };
    assert_eq!(schema_of(&mut client, "b"), "public");
    assert_eq!(schema_of(&mut client, "c"), "public");
    assert_eq!(schema_of(&mut client, "a_id_idx"), "app");
    let path: String = client
        .query_one("SELECT current_setting('search_path')", &[])
        .expect("the path")
        .get(0);
    assert_eq!(path, "public", "the caller's path is back after the run");
}
