//! Many runners at once, as threads and as processes: every migration is applied
//! exactly once and every runner succeeds. The migrations would fail if applied twice
//! (`CREATE TABLE`/`CREATE INDEX` without `IF NOT EXISTS`, an `INSERT` into a primary
//! key), so a double application shows up as a failed runner.
#![cfg(feature = "postgres")]

mod support;

use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use pgstrata_runtime::{Migration, Runner};
use support::*;

const RUNNERS: usize = 16;

/// Set in the environment of the child processes: the URL of the database to migrate,
/// on the parent's server (a child left to find a server itself could start a
/// throwaway cluster of its own).
const CHILD_URL: &str = "PGSTRATA_TEST_CHILD_URL";
/// When the children start their runs (ms since the Unix epoch), so they overlap.
const CHILD_START_AT: &str = "PGSTRATA_TEST_CHILD_START_AT";
/// What a child prints so the parent knows its test really ran.
const CHILD_MARKER: &str = "pgstrata-child applied=";

fn migrations() -> &'static [Migration] {
    static MIGRATIONS: OnceLock<&'static [Migration]> = OnceLock::new();
    MIGRATIONS.get_or_init(|| {
        leak(vec![
            tx(
                1,
                "accounts",
                "CREATE TABLE accounts (id bigint PRIMARY KEY);",
            ),
            tx(
                2,
                "events",
                "CREATE TABLE events (id bigint, account bigint);",
            ),
            non_tx(
                3,
                "event_indexes",
                "CREATE INDEX CONCURRENTLY events_id_idx ON events (id);\n\
                 CREATE INDEX CONCURRENTLY events_account_idx ON events (account);",
            ),
            tx(4, "seed", "INSERT INTO accounts VALUES (1);"),
        ])
    })
}

fn assert_applied_once(client: &mut postgres::Client, applied_per_runner: &[Vec<i64>]) {
    let mut all: Vec<i64> = applied_per_runner.iter().flatten().copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        [1, 2, 3, 4],
        "applied by the runners: {applied_per_runner:?}"
    );
    let rows = history(client, HISTORY);
    assert_eq!(
        rows.iter().map(|r| r.version).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(
        rows.iter().all(|r| r.success && r.error.is_none()),
        "{rows:?}"
    );
    assert_eq!(scalar(client, "SELECT count(*) FROM accounts"), 1);
    assert_eq!(
        scalar(
            client,
            "SELECT count(*) FROM pg_index WHERE indisvalid AND indrelid = 'events'::regclass"
        ),
        2
    );
    assert_eq!(advisory_locks(client), 0, "a runner kept its lock");
}

#[test]
fn sixteen_threads_apply_each_migration_once() {
    let db = TestDb::new("pgstrata_rt");
    let barrier = Arc::new(Barrier::new(RUNNERS));
    let threads: Vec<_> = (0..RUNNERS)
        .map(|_| {
            let (config, barrier) = (db.config(), barrier.clone());
            std::thread::spawn(move || {
                let mut client = config.connect(postgres::NoTls).expect("connect");
                barrier.wait();
                Runner::new(migrations()).run(&mut client)
            })
        })
        .collect();
    let mut applied = Vec::new();
    for thread in threads {
        let report = thread
            .join()
            .expect("runner thread panicked")
            .unwrap_or_else(|e| panic!("a runner failed: {e}"));
        applied.push(report.applied.iter().map(|m| m.version).collect::<Vec<_>>());
    }
    assert_applied_once(&mut db.connect(), &applied);
}

#[test]
fn sixteen_processes_apply_each_migration_once() {
    let db = TestDb::new("pgstrata_rt");
    let exe = std::env::current_exe().expect("the test binary");
    // Every child connects, then waits for this moment: their runs start together.
    let start_at = unix_ms() + 1500;
    let children: Vec<_> = (0..RUNNERS)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "child_process_runner",
                    "--exact",
                    "--include-ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_URL, db.url())
                .env(CHILD_START_AT, start_at.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn a child runner")
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut applied = Vec::new();
    for mut child in children {
        while child.try_wait().expect("wait for a child").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("a child runner did not finish in time");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().expect("child output");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
        let line = stdout
            .lines()
            .find_map(|l| l.split_once(CHILD_MARKER).map(|(_, rest)| rest.trim()))
            .unwrap_or_else(|| panic!("the child test did not run:\n{stdout}\n{stderr}"));
        let versions: Vec<i64> = line
            .split(',')
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().expect("a version"))
            .collect();
        applied.push(versions);
    }
    assert_applied_once(&mut db.connect(), &applied);
}

/// One runner in a child process of `sixteen_processes_apply_each_migration_once`;
/// does nothing when run on its own.
#[test]
#[ignore = "run by sixteen_processes_apply_each_migration_once in child processes"]
fn child_process_runner() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let start_at: u128 = std::env::var(CHILD_START_AT)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let now = unix_ms();
    if start_at > now {
        std::thread::sleep(Duration::from_millis((start_at - now).min(10_000) as u64));
    }
    let report = Runner::new(migrations())
        .run(&mut client)
        .unwrap_or_else(|e| panic!("child runner failed: {e}"));
    let versions: Vec<String> = report
        .applied
        .iter()
        .map(|m| m.version.to_string())
        .collect();
    println!("{CHILD_MARKER}{}", versions.join(","));
}

fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

#[test]
fn sixteen_async_runners_apply_each_migration_once() {
    let db = TestDb::new("pgstrata_rt");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let applied = runtime.block_on(async {
        let barrier = Arc::new(tokio::sync::Barrier::new(RUNNERS));
        let tasks: Vec<_> = (0..RUNNERS)
            .map(|_| {
                let (url, barrier) = (db.url(), barrier.clone());
                tokio::spawn(async move {
                    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                        .await
                        .expect("connect");
                    tokio::spawn(connection);
                    barrier.wait().await;
                    Runner::new(migrations()).run_async(&client).await
                })
            })
            .collect();
        let mut applied = Vec::new();
        for task in tasks {
            let report = task
                .await
                .expect("runner task panicked")
                .unwrap_or_else(|e| panic!("a runner failed: {e}"));
            applied.push(report.applied.iter().map(|m| m.version).collect::<Vec<_>>());
        }
        applied
    });
    assert_applied_once(&mut db.connect(), &applied);
}

/// Migrations as the analyzer's rules have them (a statement of a non-transactional
/// file can run again), each with a down file.
fn reversible_migrations() -> &'static [Migration] {
    use pgstrata_runtime::TransactionMode::{NonTransactional, Transactional};
    use pgstrata_testkit::migration_with_down;
    static MIGRATIONS: OnceLock<&'static [Migration]> = OnceLock::new();
    MIGRATIONS.get_or_init(|| {
        leak(vec![
            migration_with_down(
                1,
                "accounts",
                "CREATE TABLE accounts (id bigint PRIMARY KEY);\nINSERT INTO accounts VALUES (1);",
                Transactional,
                Some(("DROP TABLE accounts;", Transactional)),
            ),
            migration_with_down(
                2,
                "events",
                "CREATE TABLE events (id bigint, account bigint);",
                Transactional,
                Some(("DROP TABLE events;", Transactional)),
            ),
            migration_with_down(
                3,
                "event_indexes",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_id_idx ON events (id);\n\
                 CREATE INDEX CONCURRENTLY IF NOT EXISTS events_account_idx ON events (account);",
                NonTransactional,
                Some((
                    "DROP INDEX CONCURRENTLY IF EXISTS events_account_idx;\n\
                     DROP INDEX CONCURRENTLY IF EXISTS events_id_idx;",
                    NonTransactional,
                )),
            ),
            migration_with_down(
                4,
                "audit",
                "SET search_path TO pg_catalog, public;\nCREATE TABLE public.audit (id int);",
                Transactional,
                Some(("DROP TABLE public.audit;", Transactional)),
            ),
        ])
    })
}

/// Completes with `None` instead of waiting a `pendings`-th time: the future it wraps
/// is dropped at that await point, as a timeout or a shutdown drops it.
struct DroppedAtPending<F> {
    future: std::pin::Pin<Box<F>>,
    pendings: usize,
}

impl<F: std::future::Future> std::future::Future for DroppedAtPending<F> {
    type Output = Option<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.future.as_mut().poll(cx) {
            std::task::Poll::Ready(output) => std::task::Poll::Ready(Some(output)),
            std::task::Poll::Pending => {
                self.pendings -= 1;
                if self.pendings == 0 {
                    std::task::Poll::Ready(None)
                } else {
                    std::task::Poll::Pending
                }
            }
        }
    }
}

/// What the database looks like with `applied` migrations of [`reversible_migrations`].
fn assert_state(client: &mut postgres::Client, applied: usize) {
    let rows = history(client, HISTORY);
    assert_eq!(
        rows.iter().map(|r| r.version).collect::<Vec<_>>(),
        (1..=applied as i64).collect::<Vec<_>>()
    );
    assert!(rows.iter().all(|r| r.success), "{rows:?}");
    assert_eq!(exists(client, "accounts"), applied >= 1);
    assert_eq!(exists(client, "events"), applied >= 2);
    assert_eq!(exists(client, "events_id_idx"), applied >= 3);
    assert_eq!(exists(client, "events_account_idx"), applied >= 3);
    assert_eq!(exists(client, "audit"), applied >= 4);
    if applied >= 1 {
        assert_eq!(scalar(client, "SELECT count(*) FROM accounts"), 1);
    }
}

/// A run (up from nothing, or down to nothing) dropped at its `k`-th await point, for
/// every `k` until the run completes undisturbed, on both runtime flavours. After each
/// drop: the connection, reused as a pool would, holds no lock and no transaction and
/// still has its `search_path`; the history records nothing half-done (a
/// statement-by-statement run it stopped says so); and a second runner on another
/// connection proceeds within a second and finishes the job.
#[test]
fn a_run_dropped_at_any_await_point_leaves_the_pooled_connection_clean() {
    let migrations = reversible_migrations();
    let (mut points, mut interrupted) = (0, 0);
    for multi_thread in [false, true] {
        for down in [false, true] {
            for k in 1.. {
                let db = TestDb::new("pgstrata_rt");
                let mut check = db.connect();
                let runtime = if multi_thread {
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                } else {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                }
                .expect("a tokio runtime");
                let connect = || {
                    runtime.block_on(async {
                        let (client, connection) =
                            tokio_postgres::connect(&db.url(), tokio_postgres::NoTls)
                                .await
                                .expect("connect");
                        tokio::spawn(connection);
                        client
                    })
                };
                let (pooled, other) = (connect(), connect());
                let runner = Runner::new(migrations).lock_timeout(Duration::from_secs(1));
                if down {
                    runtime.block_on(runner.run_async(&other)).expect("set up");
                }
                let run = async {
                    if down {
                        runner
                            .down_async(&pooled, pgstrata_runtime::Target::Base)
                            .await
                    } else {
                        runner.run_async(&pooled).await
                    }
                };
                let outcome = runtime.block_on(DroppedAtPending {
                    future: Box::pin(run),
                    pendings: k,
                });
                if let Some(result) = outcome {
                    result.expect("an undisturbed run");
                    assert_state(&mut check, if down { 0 } else { migrations.len() });
                    break;
                }
                points += 1;

                // The pooled connection, reused: its next query queues behind the
                // cleanup.
                let (locks, path, pid) = runtime.block_on(async {
                    let row = pooled
                        .query_one(
                            "SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
                             AND pid = pg_backend_pid()), current_setting('search_path'), \
                             pg_backend_pid()",
                            &[],
                        )
                        .await
                        .expect("the pooled connection still works");
                    (
                        row.get::<_, i64>(0),
                        row.get::<_, String>(1),
                        row.get::<_, i32>(2),
                    )
                });
                assert_eq!(
                    locks, 0,
                    "dropped at await point {k}: the lock is still held"
                );
                assert_eq!(path, "\"$user\", public", "dropped at await point {k}");
                let state: String = check
                    .query_one("SELECT state FROM pg_stat_activity WHERE pid = $1", &[&pid])
                    .expect("the pooled connection's activity")
                    .get(0);
                assert_eq!(
                    state, "idle",
                    "dropped at await point {k}: a transaction is open"
                );
                if exists(&mut check, HISTORY) {
                    let rows = history(&mut check, HISTORY);
                    interrupted += rows.iter().filter(|r| !r.success).count();
                    assert!(
                        rows.iter().all(|r| r.success
                            || r.error
                                .as_deref()
                                .is_some_and(|e| e.contains("dropped (cancelled)"))),
                        "dropped at await point {k}: {rows:?}"
                    );
                }

                // A second runner on another connection proceeds within a second (its
                // lock timeout: waiting longer is an error) and finishes the job. Timing
                // its whole run instead would time the machine's load.
                let second = runtime.block_on(async {
                    if down {
                        runner
                            .down_async(&other, pgstrata_runtime::Target::Base)
                            .await
                    } else {
                        runner.run_async(&other).await
                    }
                });
                second.unwrap_or_else(|e| panic!("dropped at await point {k}: {e}"));
                assert_state(&mut check, if down { 0 } else { migrations.len() });
            }
        }
    }
    // Each run passes at least a dozen await points (history, lock, batches, each
    // statement of the non-transactional file and its progress, unlock).
    println!("{points} await points tried; {interrupted} left a record of where they stopped");
    // Those inside the non-transactional file, up and down.
    assert!(interrupted >= 4, "{interrupted}");
    assert!(points >= 4 * 12, "only {points} await points were tried");
}
