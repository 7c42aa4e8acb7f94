//! `down` under the failures operations meet:
//!
//! - a non-transactional down file (`tests/fixtures/online_down`: two `DROP INDEX
//!   CONCURRENTLY`, then `ALTER TABLE ... DROP COLUMN`) cut off by a terminated backend
//!   just before and just after each of its statements: status says where it stopped,
//!   `up` refuses the half-reverted migration, and running `down` again finishes it,
//!   leaving exactly the schema from before the up;
//! - an `up` and a `down` started at once on two connections take turns on the lock,
//!   and the history they leave is the schema's;
//! - a corrupted history (a version this build does not have, a hand-edited checksum)
//!   stops `up` and `down` with an error naming the version, while `status` reports
//!   the row as missing or divergent.

use crate::kill_at::KillAt;
use crate::seed_workflows::{difference, migrations_of, runner, schema, versions};
use pgstrata::{Error, Migration, MigrationState, Target, TransactionMode};
use pgstrata_testkit::TestDb;
use std::path::Path;
use std::sync::Barrier;

const HISTORY_TABLE: &str = "pgstrata_history.pgstrata_schema_history";

fn online_down() -> &'static [Migration] {
    migrations_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/online_down"),
        "tests/fixtures/online_down",
    )
}

fn history_versions(client: &mut postgres::Client, migrations: &'static [Migration]) -> Vec<i64> {
    runner(migrations)
        .history(client)
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r.success && !r.reverting, "{r:?}");
            r.version
        })
        .collect()
}

#[test]
fn a_non_transactional_down_converges_after_a_kill_at_any_statement() {
    let migrations = online_down();
    let online = &migrations[1];
    let down = online.down.as_ref().unwrap();
    assert_eq!(down.transaction, TransactionMode::NonTransactional);
    let statements: Vec<&str> = down.statements().map(|(_, _, sql)| sql).collect();
    assert_eq!(statements.len(), 3);

    let reference = TestDb::new("pgstrata_down_kill_ref");
    runner(migrations)
        .up(
            &mut reference.connect(),
            Target::Version(migrations[0].version),
        )
        .unwrap();
    let before_up = schema(&reference);

    let mut runs = 0;
    for (index, statement) in statements.iter().enumerate() {
        for after in [false, true] {
            let when = if after { "after" } else { "before" };
            let db = TestDb::new("pgstrata_down_kill");
            let runner = runner(migrations);
            runner.up(&mut db.connect(), Target::Latest).unwrap();

            let mut client = db.connect();
            let mut driver = KillAt::new(&mut client, db.connect(), statement, after);
            let cut = runner.down_with(&mut driver, Target::Back(1));
            assert!(driver.fired, "statement {} was never sent", index + 1);
            assert!(
                cut.is_err(),
                "the down cut off {when} statement {} reported success",
                index + 1
            );

            // The record says how far the down file got; up will not build on it.
            let mut observer = db.connect();
            let status = runner.status(&mut observer).unwrap();
            match &status.migrations[1].state {
                MigrationState::Reverting { statement: at, .. } => assert_eq!(
                    *at,
                    index + 1,
                    "cut off {when} statement {}: status says {at}",
                    index + 1
                ),
                other => panic!("cut off {when} statement {}: {other:?}", index + 1),
            }
            let refused = runner.up(&mut observer, Target::Latest).unwrap_err();
            assert!(
                matches!(refused, Error::PartlyReverted { version, .. } if version == online.version),
                "{refused}"
            );

            let finished = runner
                .down(&mut observer, Target::Back(1))
                .unwrap_or_else(|e| {
                    panic!(
                        "down again after a kill {when} statement {}: {e}",
                        index + 1
                    )
                });
            assert_eq!(versions(&finished.reverted), [online.version]);
            let resumed = (index > 0).then_some(index + 1);
            assert_eq!(
                finished.reverted[0].resumed_from,
                resumed,
                "{when} {}",
                index + 1
            );
            assert_eq!(
                schema(&db),
                before_up,
                "cut off {when} statement {}:\n{}",
                index + 1,
                difference(&before_up, &schema(&db))
            );
            assert_eq!(
                history_versions(&mut observer, migrations),
                [migrations[0].version]
            );
            runs += 1;
        }
    }
    eprintln!(
        "down_reliability: {runs} downs cut off and run again, each back to the schema before the up"
    );
}

#[test]
fn an_up_and_a_down_started_at_once_take_turns_and_agree_with_the_schema() {
    let migrations = online_down();
    let [first, second] = [migrations[0].version, migrations[1].version];
    let references: Vec<(Vec<i64>, Vec<String>)> = [Target::Version(first), Target::Latest]
        .into_iter()
        .map(|target| {
            let db = TestDb::new("pgstrata_down_race_ref");
            let report = runner(migrations).up(&mut db.connect(), target).unwrap();
            (versions(&report.applied), schema(&db))
        })
        .collect();

    const ROUNDS: usize = 8;
    let mut up_first = 0;
    for round in 0..ROUNDS {
        let db = TestDb::new("pgstrata_down_race");
        runner(migrations)
            .up(&mut db.connect(), Target::Version(first))
            .unwrap();
        let barrier = Barrier::new(2);
        // Each thread hands its connection back, still open: a lock it kept would
        // still show in pg_locks.
        let ((up, _up_client), (down, _down_client)) = std::thread::scope(|scope| {
            let up = scope.spawn(|| {
                let mut client = db.connect();
                barrier.wait();
                (runner(migrations).up(&mut client, Target::Latest), client)
            });
            let down = scope.spawn(|| {
                let mut client = db.connect();
                barrier.wait();
                (
                    runner(migrations).down(&mut client, Target::Back(1)),
                    client,
                )
            });
            (up.join().unwrap(), down.join().unwrap())
        });
        let up = up.unwrap_or_else(|e| panic!("round {round}: up: {e}"));
        let down = down.unwrap_or_else(|e| panic!("round {round}: down: {e}"));
        let (applied, reverted) = (versions(&up.applied), versions(&down.reverted));
        // Either the up ran first (2 applied, then 2 reverted: 1 is left) or the down
        // did (1 reverted, then 1 and 2 applied: both are there).
        let left = if applied == [second] {
            assert_eq!(reverted, [second], "round {round}");
            up_first += 1;
            vec![first]
        } else {
            assert_eq!((applied, reverted), (vec![first, second], vec![first]));
            vec![first, second]
        };
        let mut client = db.connect();
        assert_eq!(
            history_versions(&mut client, migrations),
            left,
            "round {round}"
        );
        let (_, expected) = references
            .iter()
            .find(|(applied, _)| *applied == left)
            .unwrap();
        assert_eq!(
            &schema(&db),
            expected,
            "round {round}: the history is {left:?}"
        );
        let locks: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(locks, 0, "round {round}: both released the lock");
    }
    eprintln!(
        "down_reliability: {ROUNDS} races of up and down, {up_first} won by up, {} by down, \
         each history matching its schema",
        ROUNDS - up_first
    );
}

#[test]
fn a_corrupted_history_stops_up_and_down_naming_the_version() {
    let migrations = online_down();
    let runner = runner(migrations);
    let db = TestDb::new("pgstrata_down_corrupt");
    let mut client = db.connect();
    runner.up(&mut client, Target::Latest).unwrap();
    let head = schema(&db);

    // A row for a version this build does not have (another branch's migration).
    client
        .batch_execute(&format!(
            "INSERT INTO {HISTORY_TABLE} (version, name, checksum, transactional, success) \
             VALUES (99, 'from_another_branch', 'abc', true, true)"
        ))
        .unwrap();
    let up = runner.up(&mut client, Target::Latest).unwrap_err();
    let down = runner.down(&mut client, Target::Back(1)).unwrap_err();
    for error in [&up, &down] {
        assert!(
            matches!(error, Error::Missing { version: 99, .. }),
            "{error}"
        );
        let text = error.to_string();
        assert!(
            text.contains("99") && text.contains("from_another_branch"),
            "{text}"
        );
    }
    assert_eq!(
        schema(&db),
        head,
        "the down refused before running anything"
    );
    let status = runner.status(&mut client).unwrap();
    let missing = status.migrations.last().unwrap();
    assert_eq!(
        (missing.version, &missing.state, missing.path),
        (99, &MigrationState::Missing, None)
    );
    assert!(!status.is_up_to_date());
    assert!(status
        .to_string()
        .contains("99: recorded as applied but not in this build"));
    client
        .batch_execute(&format!("DELETE FROM {HISTORY_TABLE} WHERE version = 99"))
        .unwrap();

    // A checksum edited by hand.
    let edited = migrations[0].version;
    client
        .batch_execute(&format!(
            "UPDATE {HISTORY_TABLE} SET checksum = 'edited' WHERE version = {edited}"
        ))
        .unwrap();
    let up = runner.up(&mut client, Target::Latest).unwrap_err();
    let down = runner.down(&mut client, Target::Back(1)).unwrap_err();
    for error in [&up, &down] {
        assert!(
            matches!(error, Error::Divergent { version, applied_checksum, .. }
                if *version == edited && applied_checksum == "edited"),
            "{error}"
        );
        assert!(error.to_string().contains(&format!("migration {edited} ")));
    }
    assert_eq!(schema(&db), head);
    let status = runner.status(&mut client).unwrap();
    assert_eq!(
        status.migrations[0].state,
        MigrationState::Divergent {
            applied_checksum: "edited".to_string()
        }
    );
    assert_eq!(status.migrations[1].state, MigrationState::Applied);
    assert!(status.to_string().contains("divergent"));
}
