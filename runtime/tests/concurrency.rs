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
