//! The drift check and the verified baseline through the runner, over each driver: at
//! the database's applied version, a hand change named, a failed run refused, and a
//! baseline recorded only on the schema the migrations build.

use pgstrata_runtime::{Change, Error, ObjectKind, Runner, Target};

use crate::for_each_driver;
use crate::support::*;

fn migrations() -> Vec<pgstrata_runtime::Migration> {
    vec![
        tx(
            1,
            "users",
            "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);",
        ),
        tx(2, "email", "ALTER TABLE users ADD COLUMN email text;"),
        tx(
            3,
            "mood",
            "CREATE TYPE mood AS ENUM ('happy', 'sad');\nALTER TABLE users ADD COLUMN mood mood;",
        ),
    ]
}

fn drift_follows_the_applied_version_and_names_hand_changes(flavour: Flavour) {
    let db = TestDb::new("pgstrata_drift");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let runner = Runner::new(leak(migrations()));

    // Nothing applied, nothing there: an empty schema is what is expected.
    let report = conn.drift(&runner).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(report.version, None);

    // Two of three applied: compared with the schema of those two.
    conn.up(&runner, Target::Version(2)).unwrap();
    let report = conn.drift(&runner).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!((report.version, report.applied), (Some(2), 2));
    // The history, the catalog.
    assert_eq!(report.round_trips, 2, "{report}");

    conn.run(&runner).unwrap();
    client
        .batch_execute(
            "ALTER TABLE users ADD COLUMN nickname text; ALTER TYPE mood ADD VALUE 'calm'; \
             CREATE INDEX users_name ON users (name)",
        )
        .unwrap();
    let report = conn.drift(&runner).unwrap();
    let found: Vec<(ObjectKind, &str, &Change)> = report
        .drift
        .differences
        .iter()
        .map(|d| (d.kind, d.object.as_str(), &d.change))
        .collect();
    assert_eq!(found.len(), 3, "{report}");
    assert!(
        found.contains(&(ObjectKind::Column, "public.users.nickname", &Change::Extra)),
        "{report}"
    );
    assert!(
        found.contains(&(ObjectKind::Index, "public.users_name", &Change::Extra)),
        "{report}"
    );
    assert!(
        found
            .iter()
            .any(|(kind, object, change)| *kind == ObjectKind::Enum
                && *object == "public.mood"
                && matches!(change, Change::Different { .. })),
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("3 difference(s)"), "{text}");
    assert!(text.contains("public.users.nickname"), "{text}");
}

fn drift_refuses_a_failed_run(flavour: Flavour) {
    let db = TestDb::new("pgstrata_drift");
    let mut conn = RunnerClient::connect(&db, flavour);
    let broken = Runner::new(leak(vec![
        tx(1, "users", "CREATE TABLE users (id bigint);"),
        non_tx(
            2,
            "broken",
            "CREATE TABLE a (id int);\nCREATE TABLE b (id nope);",
        ),
    ]));
    assert!(conn.run(&broken).is_err());
    match conn.drift(&broken) {
        Err(Error::Refused {
            version: 2, reason, ..
        }) => {
            assert!(reason.contains("failed"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn a_verified_baseline_is_recorded_only_on_the_schema_the_migrations_build(flavour: Flavour) {
    let db = TestDb::new("pgstrata_drift");
    let mut client = db.connect();
    let mut conn = RunnerClient::connect(&db, flavour);
    let runner = Runner::new(leak(migrations()));
    // Built by another tool: the first two migrations' SQL, and a column of its own.
    for m in &runner.migrations()[..2] {
        client.batch_execute(m.sql).unwrap();
    }
    client
        .batch_execute("ALTER TABLE users ADD COLUMN legacy boolean")
        .unwrap();
    match conn.baseline_verified(&runner, Target::Version(2)) {
        Err(Error::SchemaDiffers {
            version: 2,
            differences,
        }) => {
            assert_eq!(differences.len(), 1, "{differences:?}");
            assert!(
                differences[0].contains("public.users.legacy"),
                "{differences:?}"
            );
        }
        other => panic!("expected SchemaDiffers, got {other:?}"),
    }
    assert!(!exists(&mut client, HISTORY), "nothing may be recorded");

    client
        .batch_execute("ALTER TABLE users DROP COLUMN legacy")
        .unwrap();
    let report = conn.baseline_verified(&runner, Target::Version(2)).unwrap();
    assert_eq!(report.baselined, [1, 2]);
    let report = conn.run(&runner).unwrap();
    assert_eq!(report.applied.len(), 1);
    assert!(conn.drift(&runner).unwrap().is_empty());
}

for_each_driver!(
    drift_follows_the_applied_version_and_names_hand_changes,
    drift_refuses_a_failed_run,
    a_verified_baseline_is_recorded_only_on_the_schema_the_migrations_build,
);
