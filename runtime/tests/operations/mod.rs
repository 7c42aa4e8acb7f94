//! The operations beside `run`, against a real PostgreSQL: up and down through every
//! kind of target, down files run in one transaction or statement by statement (and
//! resumed), status, baseline and resolve.

use pgstrata_runtime::{
    AppliedBy, Error, MigrationState, Resolution, Runner, StatementRef, Target, TransactionMode,
};
use pgstrata_testkit::migration_with_down;

use crate::for_each_driver;
use crate::support::*;

mod drift;

const TX: TransactionMode = TransactionMode::Transactional;
const NON_TX: TransactionMode = TransactionMode::NonTransactional;

/// Four migrations with down files; the third's down runs outside a transaction.
fn reversible() -> Vec<pgstrata_runtime::Migration> {
    vec![
        migration_with_down(
            1,
            "users",
            "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);",
            TX,
            Some(("DROP TABLE users;", TX)),
        ),
        migration_with_down(
            2,
            "email",
            "ALTER TABLE users ADD COLUMN email text;",
            TX,
            Some(("ALTER TABLE users DROP COLUMN email;", TX)),
        ),
        migration_with_down(
            3,
            "email_index",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);",
            NON_TX,
            Some((
                "DROP INDEX CONCURRENTLY IF EXISTS users_email;\nSELECT 1;",
                NON_TX,
            )),
        ),
        migration_with_down(
            4,
            "posts",
            "CREATE TABLE posts (id int)",
            TX,
            Some(("DROP TABLE posts\n-- a trailing comment", TX)),
        ),
    ]
}

fn versions(migrations: &[pgstrata_runtime::AppliedMigration]) -> Vec<i64> {
    migrations.iter().map(|m| m.version).collect()
}

fn recorded(client: &mut postgres::Client) -> Vec<i64> {
    history(client, HISTORY).iter().map(|r| r.version).collect()
}

fn up_and_down_go_through_every_kind_of_target(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let runner = Runner::new(leak(reversible()));
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);

    assert_eq!(
        versions(&conn.up(&runner, Target::Forward(1)).unwrap().applied),
        [1]
    );
    assert_eq!(
        versions(&conn.up(&runner, Target::Version(3)).unwrap().applied),
        [2, 3]
    );
    assert_eq!(
        versions(&conn.up(&runner, Target::Latest).unwrap().applied),
        [4]
    );
    assert!(exists(&mut client, "users_email"));
    let status = conn.status(&runner).unwrap();
    assert!(status.is_up_to_date(), "{status}");
    assert_eq!(status.current(), Some(4));

    let report = conn.down(&runner, Target::Back(1)).unwrap();
    assert_eq!(versions(&report.reverted), [4]);
    assert_eq!(report.reverted[0].path, "migrations/V4__posts.down.sql");
    assert!(!exists(&mut client, "posts"));
    assert_eq!(recorded(&mut client), [1, 2, 3]);

    // A version stays applied; the non-transactional down runs statement by statement.
    let report = conn.down(&runner, Target::Version(1)).unwrap();
    assert_eq!(versions(&report.reverted), [3, 2]);
    assert_eq!(report.reverted[0].transaction, NON_TX);
    assert!(!exists(&mut client, "users_email"));
    assert_eq!(
        scalar(
            &mut client,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'"
        ),
        0
    );
    assert_eq!(recorded(&mut client), [1]);

    assert_eq!(
        versions(&conn.down(&runner, Target::Base).unwrap().reverted),
        [1]
    );
    assert!(!exists(&mut client, "users"));
    assert!(recorded(&mut client).is_empty());

    // Nothing left to revert: one round trip, no lock.
    let mut counting = Counting::new(&mut client);
    let report = runner.down_with(&mut counting, Target::Base).unwrap();
    assert!(report.reverted.is_empty() && !report.locked);
    assert_eq!(counting.calls, 1);

    // And back up again from nothing.
    assert_eq!(
        versions(&conn.up(&runner, Target::Latest).unwrap().applied),
        [1, 2, 3, 4]
    );
    assert!(no_advisory_locks_soon(&mut client));
}

fn targets_that_point_the_wrong_way_or_too_far_are_refused(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let runner = Runner::new(leak(reversible()));
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    conn.up(&runner, Target::Version(2)).unwrap();
    for (result, target) in [
        (conn.up(&runner, Target::Base), "base"),
        (conn.up(&runner, Target::Back(1)), "-1"),
        (conn.down(&runner, Target::Latest), "latest"),
        (conn.down(&runner, Target::Back(3)), "-3"),
    ] {
        match result {
            Err(Error::InvalidTarget { target: t, .. }) => assert_eq!(t, target),
            other => panic!("{target}: {other:?}"),
        }
    }
    assert!(matches!(
        conn.down(&runner, Target::Version(99)),
        Err(Error::UnknownTarget { version: 99 })
    ));
    assert_eq!(recorded(&mut client), [1, 2]);
}

fn a_down_plan_without_every_down_file_runs_nothing(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let mut migrations = reversible();
    migrations[1] = migration_with_down(
        2,
        "email",
        "ALTER TABLE users ADD COLUMN email text;",
        TX,
        None,
    );
    let runner = Runner::new(leak(migrations));
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    conn.run(&runner).unwrap();
    let err = conn.down(&runner, Target::Base).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NoDownFile {
                version: 2,
                path: "migrations/V2__email.sql",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("has no down file"), "{err}");
    // Nothing ran, not even the downs of 4 and 3 before it.
    assert_eq!(recorded(&mut client), [1, 2, 3, 4]);
    assert!(exists(&mut client, "posts"));
    // Down to the version after the gap works.
    let report = conn.down(&runner, Target::Version(2)).unwrap();
    assert_eq!(versions(&report.reverted), [4, 3]);
}

fn a_failed_transactional_down_leaves_the_migration_applied(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let runner = Runner::new(leak(vec![migration_with_down(
        1,
        "users",
        "CREATE TABLE users (id int);",
        TX,
        Some(("DROP TABLE users;\nCREATE TABLE x (id no_such_type);", TX)),
    )]));
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    conn.run(&runner).unwrap();
    let err = conn.down(&runner, Target::Base).unwrap_err();
    match &err {
        Error::MigrationFailed {
            version: 1,
            reverting: true,
            path: "migrations/V1__users.down.sql",
            statement,
            ..
        } => assert_eq!(*statement, Some(StatementRef { number: 2, line: 2 })),
        other => panic!("{other}"),
    }
    assert!(
        err.to_string().starts_with("the down file of migration 1"),
        "{err}"
    );
    assert!(
        err.to_string().contains("nothing of it was reverted"),
        "{err}"
    );
    assert!(exists(&mut client, "users"));
    assert_eq!(recorded(&mut client), [1]);
    assert!(conn.status(&runner).unwrap().is_up_to_date());
    assert!(no_advisory_locks_soon(&mut client));
}

fn a_non_transactional_down_that_fails_is_resumed_by_the_next_down(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let up = "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_id ON a (id);";
    let broken = "DROP INDEX CONCURRENTLY IF EXISTS a_id;\nDROP INDEX CONCURRENTLY b_id;";
    let fixed = "DROP INDEX CONCURRENTLY IF EXISTS a_id;\nDROP INDEX CONCURRENTLY IF EXISTS b_id;";
    let base = migration_with_down(
        1,
        "a",
        "CREATE TABLE a (id int);",
        TX,
        Some(("DROP TABLE a;", TX)),
    );
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let runner = Runner::new(leak(vec![
        base,
        migration_with_down(2, "index", up, NON_TX, Some((broken, NON_TX))),
    ]));
    conn.run(&runner).unwrap();

    let err = conn.down(&runner, Target::Back(1)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MigrationFailed {
                version: 2,
                reverting: true,
                statement: Some(StatementRef { number: 2, line: 2 }),
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("run down again to resume"),
        "{err}"
    );
    assert!(!exists(&mut client, "a_id"));
    let status = conn.status(&runner).unwrap();
    assert!(
        matches!(&status.migrations[1].state, MigrationState::Reverting { statement: 2, error: Some(e) } if e.contains("b_id")),
        "{status}"
    );
    // Half reverted: going up is refused until the down is finished or resolved.
    assert!(matches!(
        conn.run(&runner),
        Err(Error::PartlyReverted {
            version: 2,
            statements_done: 1,
            ..
        })
    ));

    let fixed_runner = Runner::new(leak(vec![
        base,
        migration_with_down(2, "index", up, NON_TX, Some((fixed, NON_TX))),
    ]));
    let report = conn.down(&fixed_runner, Target::Back(1)).unwrap();
    assert_eq!(report.reverted[0].resumed_from, Some(2));
    assert_eq!(recorded(&mut client), [1]);
    assert!(conn.status(&fixed_runner).unwrap().migrations[1].state == MigrationState::Pending);

    // A changed first statement is not resumed over.
    conn.run(&fixed_runner).unwrap();
    conn.down(&runner, Target::Back(1)).unwrap_err();
    let changed = Runner::new(leak(vec![
        base,
        migration_with_down(
            2,
            "index",
            up,
            NON_TX,
            Some((
                "DROP INDEX CONCURRENTLY IF EXISTS a_id CASCADE;\nSELECT 2;",
                NON_TX,
            )),
        ),
    ]));
    let err = changed.down(&mut client, Target::Back(1)).unwrap_err();
    assert!(
        err.to_string()
            .contains("statement 1 (line 1) of its down file is not the one that ran"),
        "{err}"
    );
}

fn status_reports_every_state_in_one_round_trip_without_refusing(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let migrations = reversible();
    Runner::new(leak(migrations[..2].to_vec()))
        .run(&mut client)
        .unwrap();
    client
        .batch_execute(&format!(
            "INSERT INTO {HISTORY} (version, name, checksum, transactional, success) \
             VALUES (7, 'gone', 'x', true, true)"
        ))
        .unwrap();
    let mut changed = migrations.clone();
    changed[0] = migration_with_down(
        1,
        "users",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);",
        TX,
        None,
    );
    let runner = Runner::new(leak(changed));

    let mut counting = Counting::new(&mut client);
    let status = runner.status_with(&mut counting).unwrap();
    assert_eq!(counting.calls, 1);
    let states: Vec<(i64, &str)> = status
        .migrations
        .iter()
        .map(|m| (m.version, m.state.label()))
        .collect();
    assert_eq!(
        states,
        [
            (1, "divergent"),
            (2, "applied"),
            (3, "pending"),
            (4, "pending"),
            (7, "missing")
        ]
    );
    assert_eq!(status.migrations[1].applied_by, Some(AppliedBy::Run));
    assert!(status.migrations[1].execution_ms.is_some());
    assert!(!status.migrations[2].has_down || status.migrations[2].path.is_some());
    let text = status.to_string();
    assert!(
        text.contains("1: the file changed after it was applied"),
        "{text}"
    );
    // A run refuses what status reported.
    assert!(matches!(
        conn.run(&runner),
        Err(Error::Divergent { version: 1, .. })
    ));
    let runner = Runner::new(leak(migrations));
    assert!(matches!(
        conn.run(&runner),
        Err(Error::Missing { version: 7, .. })
    ));
}

fn baseline_records_what_an_existing_database_has_without_running_it(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    // The schema of 1 and 2, built by another tool.
    client
        .batch_execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, email text);",
        )
        .unwrap();
    let runner = Runner::new(leak(reversible()));
    let report = conn.baseline(&runner, Target::Version(2)).unwrap();
    assert_eq!(report.baselined, [1, 2]);
    let status = conn.status(&runner).unwrap();
    assert_eq!(status.migrations[0].applied_by, Some(AppliedBy::Baseline));
    assert_eq!(status.migrations[0].execution_ms, None);
    assert_eq!(status.pending(), 2);
    // The rest runs on top; a second baseline records nothing.
    assert_eq!(versions(&conn.run(&runner).unwrap().applied), [3, 4]);
    assert!(runner
        .baseline(&mut client, Target::Latest)
        .unwrap()
        .baselined
        .is_empty());
    assert!(matches!(
        conn.baseline(&runner, Target::Base),
        Err(Error::InvalidTarget { .. })
    ));
    // A baselined migration reverts through its down file like any other.
    assert_eq!(
        versions(&conn.down(&runner, Target::Base).unwrap().reverted),
        [4, 3, 2, 1]
    );
    assert!(!exists(&mut client, "users"));
}

fn resolve_settles_a_failed_run_or_a_changed_file_by_hand(flavour: Flavour) {
    let db = TestDb::new("pgstrata_ops");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let first = migration_with_down(1, "a", "CREATE TABLE a (id int);", TX, None);
    let failing = non_tx(
        2,
        "b",
        "CREATE TABLE IF NOT EXISTS b (id int);\nCREATE TABLE c (id no_such_type);",
    );
    let runner = Runner::new(leak(vec![first, failing]));
    conn.run(&runner).unwrap_err();
    assert!(matches!(
        conn.resolve(&runner, 1, Resolution::RolledBack),
        Err(Error::Refused { version: 1, .. })
    ));

    // Undone by hand, then recorded as rolled back: the next run starts it afresh.
    client.batch_execute("DROP TABLE b").unwrap();
    let resolved = runner
        .resolve(&mut client, 2, Resolution::RolledBack)
        .unwrap();
    assert_eq!(resolved.version, 2);
    assert_eq!(recorded(&mut client), [1]);
    assert_eq!(
        conn.status(&runner).unwrap().migrations[1].state,
        MigrationState::Pending
    );

    // Failing again, then completed by hand and recorded as applied.
    conn.run(&runner).unwrap_err();
    client.batch_execute("CREATE TABLE c (id int)").unwrap();
    conn.resolve(&runner, 2, Resolution::Applied).unwrap();
    let status = conn.status(&runner).unwrap();
    assert!(status.is_up_to_date(), "{status}");
    assert_eq!(status.migrations[1].applied_by, Some(AppliedBy::Resolve));

    // A file changed on purpose: the new checksum is accepted, the old one kept.
    let edited_first = edited(first);
    let changed = Runner::new(leak(vec![edited_first, runner.migrations()[1]]));
    assert!(matches!(
        changed.run(&mut client),
        Err(Error::Divergent { version: 1, .. })
    ));
    let resolved = changed
        .resolve(&mut client, 1, Resolution::AcceptChecksum)
        .unwrap();
    assert_eq!(resolved.previous_checksum.as_deref(), Some(first.checksum));
    assert_eq!(resolved.checksum, Some(edited_first.checksum));
    assert!(changed.run(&mut client).unwrap().applied.is_empty());
    let record = changed.history(&mut client).unwrap().remove(0);
    assert_eq!(record.previous_checksum.as_deref(), Some(first.checksum));
    assert!(matches!(
        changed.resolve(&mut client, 1, Resolution::AcceptChecksum),
        Err(Error::Refused { .. })
    ));
    assert!(matches!(
        changed.resolve(&mut client, 9, Resolution::Applied),
        Err(Error::Refused { version: 9, .. })
    ));
    assert!(no_advisory_locks_soon(&mut client));
}

for_each_driver!(
    up_and_down_go_through_every_kind_of_target,
    targets_that_point_the_wrong_way_or_too_far_are_refused,
    a_down_plan_without_every_down_file_runs_nothing,
    a_failed_transactional_down_leaves_the_migration_applied,
    a_non_transactional_down_that_fails_is_resumed_by_the_next_down,
    status_reports_every_state_in_one_round_trip_without_refusing,
    baseline_records_what_an_existing_database_has_without_running_it,
    resolve_settles_a_failed_run_or_a_changed_file_by_hand,
);
