//! Shared by the integration tests: a fresh database per test (dropped at the end, so
//! tests run in parallel and leave nothing behind), migrations of hand-written SQL
//! with their spans and checksums from the analyzer's parse (as the macro would embed
//! them), and a driver wrapper that counts what is sent.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::future::Future;

use pgstrata_runtime::{
    BlockingDriver, DriftReport, Driver, DriverError, Error, HistoryRecord, Migration, Plan,
    Report, Resolution, Resolved, Rows, Runner, Status, Target, TransactionMode,
};
use postgres::Client;

/// A database per test, dropped afterwards (shared with the other crates' tests).
pub use pgstrata_testkit::TestDb;

/// A migration `migrations/V{version}__{name}.sql` of `sql`, applied as `transaction`
/// says whatever its statements are.
pub fn migration(version: i64, name: &str, sql: &str, transaction: TransactionMode) -> Migration {
    pgstrata_testkit::migration_of_sql(version, name, sql, transaction)
}

pub fn tx(version: i64, name: &str, sql: &str) -> Migration {
    migration(version, name, sql, TransactionMode::Transactional)
}

pub fn non_tx(version: i64, name: &str, sql: &str) -> Migration {
    migration(version, name, sql, TransactionMode::NonTransactional)
}

/// The migration with a statement added, as if its file had been edited: another
/// checksum under the same version and name. (The `;` on a line of its own ends the
/// last statement even after a trailing comment.)
pub fn edited(m: Migration) -> Migration {
    let sql = format!("{}\n;\nSELECT 'edited';", m.sql);
    migration(m.version, m.name, &sql, m.transaction)
}

pub fn leak(migrations: Vec<Migration>) -> &'static [Migration] {
    Box::leak(migrations.into_boxed_slice())
}

pub fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The first column of the first row of `sql`, as i64.
pub fn scalar(client: &mut Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).expect(sql).get::<_, i64>(0)
}

/// Whether a relation exists (by qualified or search-path name).
pub fn exists(client: &mut Client, relation: &str) -> bool {
    client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&relation])
        .expect("to_regclass")
        .get(0)
}

/// One history row, as text, for assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub version: i64,
    pub name: String,
    pub checksum: String,
    pub transactional: bool,
    pub success: bool,
    pub statements_done: i32,
    pub error: Option<String>,
    pub execution_ms: Option<i64>,
}

pub fn history(client: &mut Client, table: &str) -> Vec<Row> {
    client
        .query(
            &format!(
                "SELECT version, name, checksum, transactional, success, statements_done, \
                 error, execution_ms FROM {table} ORDER BY version"
            ),
            &[],
        )
        .expect("read history")
        .into_iter()
        .map(|r| Row {
            version: r.get(0),
            name: r.get(1),
            checksum: r.get(2),
            transactional: r.get(3),
            success: r.get(4),
            statements_done: r.get(5),
            error: r.get(6),
            execution_ms: r.get(7),
        })
        .collect()
}

pub const HISTORY: &str = "public.pgstrata_schema_history";

/// A driver that forwards to a `postgres::Client` and counts the simple queries: an
/// independent check of the runner's own `round_trips`.
pub struct Counting<'a> {
    pub inner: &'a mut Client,
    pub calls: usize,
    pub sent: Vec<String>,
}

impl<'a> Counting<'a> {
    pub fn new(inner: &'a mut Client) -> Self {
        Counting {
            inner,
            calls: 0,
            sent: Vec::new(),
        }
    }
}

impl Driver for Counting<'_> {
    fn simple(&mut self, sql: &str) -> impl Future<Output = Result<Rows, DriverError>> + Send {
        self.calls += 1;
        self.sent.push(sql.to_string());
        self.inner.simple(sql)
    }
}

impl BlockingDriver for Counting<'_> {}

/// Runs `f` on its own thread and waits at most `seconds` for it: a hung lock fails the
/// test instead of hanging it.
pub fn within<T: Send + 'static>(
    seconds: u64,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(seconds))
        .ok()
}

/// Advisory locks held in the current database (pg_locks is cluster-wide, and other
/// tests run beside this one).
pub fn advisory_locks(client: &mut Client) -> i64 {
    scalar(
        client,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
}

/// Waits up to five seconds for the advisory locks of this database to be gone (a
/// terminated backend releases its locks as it exits, a moment after the client saw
/// the connection close).
pub fn no_advisory_locks_soon(client: &mut Client) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if advisory_locks(client) == 0 {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Which client a test drives the runner through: the operations' tests run once per
/// kind, with the same assertions (`for_each_driver!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `postgres::Client` and the sync methods.
    Sync,
    /// `tokio_postgres::Client` and the `_async` methods on a current-thread runtime.
    CurrentThread,
    /// The same on a multi-thread runtime.
    MultiThread,
}

/// The runner's connection in a test, of one [`Flavour`].
pub enum RunnerClient {
    Sync(Client),
    Async {
        runtime: tokio::runtime::Runtime,
        client: tokio_postgres::Client,
    },
}

impl RunnerClient {
    pub fn connect(db: &TestDb, flavour: Flavour) -> RunnerClient {
        let runtime = match flavour {
            Flavour::Sync => return RunnerClient::Sync(db.connect()),
            Flavour::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Flavour::MultiThread => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(2);
                builder
            }
        }
        .enable_all()
        .build()
        .expect("a tokio runtime");
        let client = runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&db.url(), tokio_postgres::NoTls)
                .await
                .expect("connect with tokio-postgres");
            tokio::spawn(connection);
            client
        });
        RunnerClient::Async { runtime, client }
    }

    pub fn run(&mut self, runner: &Runner) -> Result<Report, Error> {
        match self {
            RunnerClient::Sync(client) => runner.run(client),
            RunnerClient::Async { runtime, client } => runtime.block_on(runner.run_async(client)),
        }
    }

    pub fn up(&mut self, runner: &Runner, to: Target) -> Result<Report, Error> {
        match self {
            RunnerClient::Sync(client) => runner.up(client, to),
            RunnerClient::Async { runtime, client } => {
                runtime.block_on(runner.up_async(client, to))
            }
        }
    }

    pub fn down(&mut self, runner: &Runner, to: Target) -> Result<Report, Error> {
        match self {
            RunnerClient::Sync(client) => runner.down(client, to),
            RunnerClient::Async { runtime, client } => {
                runtime.block_on(runner.down_async(client, to))
            }
        }
    }

    pub fn status(&mut self, runner: &Runner) -> Result<Status, Error> {
        match self {
            RunnerClient::Sync(client) => runner.status(client),
            RunnerClient::Async { runtime, client } => {
                runtime.block_on(runner.status_async(client))
            }
        }
    }

    pub fn history(&mut self, runner: &Runner) -> Result<Vec<HistoryRecord>, Error> {
        match self {
            RunnerClient::Sync(client) => runner.history(client),
            RunnerClient::Async { runtime, client } => {
                runtime.block_on(runner.history_async(client))
            }
        }
    }

    pub fn plan(&mut self, runner: &Runner) -> Result<Plan, Error> {
        match self {
            RunnerClient::Sync(client) => runner.plan_with(client),
            RunnerClient::Async { runtime, client } => runtime.block_on(runner.plan_async(client)),
        }
    }

    pub fn baseline(&mut self, runner: &Runner, to: Target) -> Result<Report, Error> {
        match self {
            RunnerClient::Sync(client) => runner.baseline(client, to),
            RunnerClient::Async { runtime, client } => {
                runtime.block_on(runner.baseline_async(client, to))
            }
        }
    }

    pub fn drift(&mut self, runner: &Runner) -> Result<DriftReport, Error> {
        match self {
            RunnerClient::Sync(client) => runner.drift(client),
            RunnerClient::Async { runtime, client } => runtime.block_on(runner.drift_async(client)),
        }
    }

    pub fn baseline_verified(&mut self, runner: &Runner, to: Target) -> Result<Report, Error> {
        match self {
            RunnerClient::Sync(client) => runner.baseline_verified(client, to),
            RunnerClient::Async { runtime, client } => {
                runtime.block_on(runner.baseline_verified_async(client, to))
            }
        }
    }

    pub fn resolve(
        &mut self,
        runner: &Runner,
        version: i64,
        resolution: Resolution,
    ) -> Result<Resolved, Error> {
        match self {
            RunnerClient::Sync(client) => runner.resolve(client, version, resolution),
            RunnerClient::Async { runtime, client } => {
                runtime.block_on(runner.resolve_async(client, version, resolution))
            }
        }
    }
}

/// Runs each named test function (taking a [`Flavour`]) three times, as
/// `NAME::sync`, `NAME::current_thread` and `NAME::multi_thread`.
#[macro_export]
macro_rules! for_each_driver {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::support::Flavour;

            #[test]
            fn sync() {
                super::$name(Flavour::Sync)
            }

            #[test]
            fn current_thread() {
                super::$name(Flavour::CurrentThread)
            }

            #[test]
            fn multi_thread() {
                super::$name(Flavour::MultiThread)
            }
        }
    )*};
}

/// `runner.run_on(&mut conn)`: [`RunnerClient::run`] at the end of a builder chain.
pub trait RunOn {
    fn run_on(&self, conn: &mut RunnerClient) -> Result<Report, Error>;
}

impl RunOn for Runner {
    fn run_on(&self, conn: &mut RunnerClient) -> Result<Report, Error> {
        conn.run(self)
    }
}
