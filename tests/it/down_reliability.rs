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
//!   the row as missing or divergent;
//! - the offline script, run by psql while a runner builds an index concurrently,
//!   waits for it without a deadlock.

use crate::kill_at::KillAt;
use crate::seed_workflows::{difference, migrations_of, runner, schema, versions};
use pgstrata::{
    BlockingDriver, Driver, DriverError, Error, Migration, MigrationState, Rows, Target,
    TransactionMode,
};
use pgstrata_testkit::{TempDir, TestDb};
use std::future::{ready, Future};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

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

    // Even rounds start with 1 applied, odd ones with both: whichever of the two runs
    // first, the other sees what it did. Each start lists, for the up running first
    // and then for the down running first, what each applies or reverts and what is
    // left.
    type Outcome = (Vec<i64>, Vec<i64>, Vec<i64>);
    let outcomes = |start: &[i64]| -> [Outcome; 2] {
        if start == [first] {
            [
                (vec![second], vec![second], vec![first]),
                (vec![first, second], vec![first], vec![first, second]),
            ]
        } else {
            [
                (vec![], vec![second], vec![first]),
                (vec![second], vec![second], vec![first, second]),
            ]
        }
    };
    const ROUNDS: usize = 10;
    let mut up_first = 0;
    for round in 0..ROUNDS {
        let start = if round % 2 == 0 {
            Target::Version(first)
        } else {
            Target::Latest
        };
        let db = TestDb::new("pgstrata_down_race");
        let started = runner(migrations).up(&mut db.connect(), start).unwrap();
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
        let up = up.unwrap_or_else(|e| panic!("round {round} (from {start}): up: {e}"));
        let down = down.unwrap_or_else(|e| panic!("round {round} (from {start}): down: {e}"));
        let happened = (versions(&up.applied), versions(&down.reverted));
        let [if_up_first, if_down_first] = outcomes(&versions(&started.applied));
        let left = if happened == (if_up_first.0.clone(), if_up_first.1.clone()) {
            up_first += 1;
            if_up_first.2
        } else {
            assert_eq!(
                happened,
                (if_down_first.0.clone(), if_down_first.1.clone()),
                "round {round} (from {start})"
            );
            if_down_first.2
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

/// What a second runner, waiting for the lock at most `wait`, does when it starts just
/// before the first runner sends `statement` of its up (`up`) or down file (`down`).
fn second_runner_meanwhile(
    db: &TestDb,
    first_goes: &str,
    statement: &str,
    second: impl Fn(&mut postgres::Client) -> Result<pgstrata::Report, Error> + Send + Sync,
) -> Result<pgstrata::Report, Error> {
    let migrations = online_down();
    let mut other = db.connect();
    let mut seen = None;
    let mut client = db.connect();
    let mut driver = BeforeStatement {
        inner: &mut client,
        target: statement.trim().to_string(),
        before: || seen = Some(second(&mut other)),
        fired: false,
    };
    let first = match first_goes {
        "up" => runner(migrations).up_with(&mut driver, Target::Latest),
        _ => runner(migrations).down_with(&mut driver, Target::Back(1)),
    };
    assert!(driver.fired, "{statement} was never sent");
    first.unwrap_or_else(|e| panic!("the first runner's {first_goes}: {e}"));
    seen.unwrap()
}

const SECOND_RUNNER_WAITS: Duration = Duration::from_millis(300);

/// While a runner is inside a non-transactional up, the history says the migration is
/// "running" (success = false). A `down` started then must wait for the lock and plan
/// from what it finds under it, as `up` does; here it waits at most 300 ms, so the
/// right answer is a lock timeout. Fails: `down` refuses at once from its unlocked
/// first read, taking the running migration for a failed one (`FailedInRange`).
#[test]
fn a_down_started_during_a_non_transactional_up_waits_for_the_lock() {
    let migrations = online_down();
    let db = TestDb::new("pgstrata_down_meanwhile");
    runner(migrations)
        .up(&mut db.connect(), Target::Version(migrations[0].version))
        .unwrap();
    let (_, _, index_build) = migrations[1].statements().nth(1).unwrap();
    let seen = second_runner_meanwhile(&db, "up", index_build, |client| {
        runner(migrations)
            .lock_timeout(SECOND_RUNNER_WAITS)
            .down(client, Target::Back(1))
    });
    assert!(
        matches!(seen, Err(Error::LockTimeout { .. })),
        "a down during a running up: {}",
        match &seen {
            Ok(report) => format!("{report:?}"),
            Err(e) => e.to_string(),
        }
    );
}

/// The same the other way: while a runner is inside a non-transactional down file, the
/// record says "reverting". An `up` started then must wait for the lock. Fails: `up`
/// refuses at once from its unlocked first read (`PartlyReverted`).
#[test]
fn an_up_started_during_a_non_transactional_down_waits_for_the_lock() {
    let migrations = online_down();
    let db = TestDb::new("pgstrata_up_meanwhile");
    runner(migrations)
        .up(&mut db.connect(), Target::Latest)
        .unwrap();
    let down = migrations[1].down.as_ref().unwrap();
    let (_, _, first_drop) = down.statements().next().unwrap();
    let seen = second_runner_meanwhile(&db, "down", first_drop, |client| {
        runner(migrations)
            .lock_timeout(SECOND_RUNNER_WAITS)
            .up(client, Target::Latest)
    });
    assert!(
        matches!(seen, Err(Error::LockTimeout { .. })),
        "an up during a running down: {}",
        match &seen {
            Ok(report) => format!("{report:?}"),
            Err(e) => e.to_string(),
        }
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

/// Forwards to a client, and calls `before` once, just before `target` is sent.
struct BeforeStatement<'a, F: FnMut()> {
    inner: &'a mut postgres::Client,
    target: String,
    before: F,
    fired: bool,
}

impl<F: FnMut() + Send> Driver for BeforeStatement<'_, F> {
    fn simple(&mut self, sql: &str) -> impl Future<Output = Result<Rows, DriverError>> + Send {
        if !self.fired && sql.trim() == self.target {
            self.fired = true;
            (self.before)();
        }
        let mut future = std::pin::pin!(self.inner.simple(sql));
        let result = match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(result) => result,
            Poll::Pending => Err(DriverError::new(
                "the sync driver returned a pending future",
            )),
        };
        ready(result)
    }
}

impl<F: FnMut() + Send> BlockingDriver for BeforeStatement<'_, F> {}

/// A DBA runs the offline script while a runner applies the same history: the script
/// must wait for the runner without breaking the runner's migration. A session blocked
/// in `pg_advisory_lock` holds a snapshot that the holder's `CREATE INDEX
/// CONCURRENTLY` waits for, while it waits for the holder: the server would kill one of
/// them ("deadlock detected"). Here psql is waiting for the lock when the runner sends
/// its `CREATE INDEX CONCURRENTLY`.
#[test]
fn the_offline_script_does_not_deadlock_with_a_runner_building_an_index() {
    let migrations = online_down();
    let runner = runner(migrations);
    let db = TestDb::new("pgstrata_script_race");
    runner
        .up(&mut db.connect(), Target::Version(migrations[0].version))
        .unwrap();
    let dir = TempDir::new("script-race");
    dir.write(
        "script.sql",
        runner.script(Target::Base, Target::Latest).unwrap(),
    );
    let index_build = migrations[1]
        .statements()
        .map(|(_, _, sql)| sql)
        .find(|sql| sql.contains("CONCURRENTLY"))
        .unwrap();

    let mut watcher = db.connect();
    let mut psql = None;
    let mut client = db.connect();
    let mut driver = BeforeStatement {
        inner: &mut client,
        target: index_build.trim().to_string(),
        before: || {
            psql = Some(
                Command::new("psql")
                    .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
                    .arg(db.url())
                    .arg("-f")
                    .arg(dir.path().join("script.sql"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("run psql"),
            );
            // Until psql waits for the runner's lock (blocked, or polling for it).
            let started = Instant::now();
            loop {
                let waiting: i64 = watcher
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity \
                         WHERE datname = current_database() AND application_name = 'psql' \
                           AND (wait_event = 'advisory' OR query LIKE '%advisory_lock%')",
                        &[],
                    )
                    .unwrap()
                    .get(0);
                if waiting > 0 {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "psql never waited for the lock"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        },
        fired: false,
    };
    let applied = runner.up_with(&mut driver, Target::Latest);
    assert!(driver.fired);
    let output = psql.take().unwrap().wait_with_output().unwrap();
    let script_error = String::from_utf8_lossy(&output.stderr).into_owned();

    let report = applied.unwrap_or_else(|e| {
        panic!("the runner's migration failed because the script waited for the lock: {e}")
    });
    assert_eq!(versions(&report.applied), [migrations[1].version]);
    assert!(
        !script_error.contains("deadlock detected"),
        "the script was killed in a deadlock with the runner: {script_error}"
    );
    // It waited for the runner, then found its first migration applied and stopped
    // there, applying nothing twice.
    assert!(!output.status.success());
    assert!(
        script_error.contains("is already applied"),
        "{script_error}"
    );
    let mut client = db.connect();
    assert!(runner.status(&mut client).unwrap().is_up_to_date());
    let invalid: i64 = client
        .query_one("SELECT count(*) FROM pg_index WHERE NOT indisvalid", &[])
        .unwrap()
        .get(0);
    assert_eq!(invalid, 0);
}
