//! The connection as the runner uses it: every query counted, the advisory lock taken
//! by polling and released on every path, the history table read and created.
//!
//! Waiting for the lock polls `pg_try_advisory_lock` and sleeps between tries rather
//! than blocking in `pg_advisory_lock`: a session blocked in that call is inside a
//! statement, and `CREATE INDEX CONCURRENTLY` (run by the lock holder) waits for every
//! transaction older than its snapshot to end, the blocked waiters included, while they
//! wait for the holder: a deadlock the server resolves by killing one of them (the
//! concurrency tests hit it). An idle waiter has no transaction to wait for.

use std::time::{Duration, Instant};

use crate::driver::{sqlstate, Driver, DriverError, Rows};
use crate::error::Error;
use crate::history::{HistoryRecord, HistoryTable};
use crate::sql::restore_search_path;

/// The driver plus what the runner tracks about the connection.
pub(crate) struct Session<'d, D: Driver> {
    driver: &'d mut D,
    /// Every simple query sent, counted here rather than trusted to the driver.
    pub(crate) round_trips: usize,
    /// A driver error said the connection is gone: send nothing more.
    pub(crate) closed: bool,
    /// `;` and the statement that restores the session's `search_path` as it was when
    /// the lock was taken, to end each migration's last round trip with (see
    /// [`restore_search_path`]); empty until then.
    pub(crate) restore_suffix: String,
    /// From the first try of the migration lock until its release: the statement that
    /// releases it, for [`Session`]'s `Drop` when the run is dropped in between.
    unlock_on_drop: Option<String>,
    /// While a statement of a non-transactional file runs: the history update that
    /// records the run as stopped there, for the same `Drop`.
    pub(crate) interrupted_record: Option<String>,
}

/// A run dropped before it finished (an async runtime cancelled its future, or a panic
/// unwound through it) leaves the connection, which may go back to a pool, as it
/// would have left it on an error: the failed transaction rolled back, a statement by
/// statement run recorded as failed where it stopped (the next run resumes it there),
/// the session's `search_path` restored and the lock released. The statements are
/// queued behind whatever is still running on the connection, so they see its
/// outcome; the next user of the connection queues behind them.
impl<D: Driver> Drop for Session<'_, D> {
    fn drop(&mut self) {
        let Some(unlock) = self.unlock_on_drop.take() else {
            return;
        };
        if self.closed {
            return;
        }
        log::warn!("a migration run was dropped before it finished; releasing its lock");
        // One statement a query: one that fails (the history table was never created)
        // must not stop the next.
        self.driver.abandon("ROLLBACK");
        if let Some(record) = self.interrupted_record.take() {
            self.driver.abandon(&record);
        }
        if let Some(restore) = self.restore_suffix.strip_prefix(";\n") {
            self.driver.abandon(restore);
        }
        self.driver.abandon(&unlock);
    }
}

impl<'d, D: Driver> Session<'d, D> {
    pub(crate) fn new(driver: &'d mut D) -> Self {
        Session {
            driver,
            round_trips: 0,
            closed: false,
            restore_suffix: String::new(),
            unlock_on_drop: None,
            interrupted_record: None,
        }
    }

    pub(crate) async fn send(&mut self, sql: &str) -> Result<Rows, DriverError> {
        self.round_trips += 1;
        log::trace!("sending: {sql}");
        let result = self.driver.simple(sql).await;
        if let Err(e) = &result {
            self.closed |= e.closed;
        }
        result
    }

    /// Takes the advisory lock, polling (see the module docs for why it never blocks in
    /// `pg_advisory_lock`): 10 ms between the first tries, doubling up to half a second.
    pub(crate) async fn lock(
        &mut self,
        table: &HistoryTable,
        timeout: Option<Duration>,
    ) -> Result<(), Error> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(10);
        let mut told = false;
        // Before the first try: a run dropped while a try is in flight may hold the
        // lock without knowing it.
        self.unlock_on_drop = Some(table.unlock_sql());
        loop {
            let tried = self.send(&table.try_lock_sql()).await;
            if tried.is_err() {
                self.unlock_on_drop = None;
            }
            let rows = tried.map_err(|source| Error::Driver {
                context: format!(
                    "taking the migration lock (pg_try_advisory_lock({}) for {})",
                    table.lock_key(),
                    table.qualified()
                ),
                source: Box::new(source),
            })?;
            if first_value(&rows) == Some("t") {
                if let Some(path) = rows.first().and_then(|row| row.get(1)?.as_deref()) {
                    self.restore_suffix = format!(";\n{}", restore_search_path(path));
                }
                return Ok(());
            }
            let waited = started.elapsed();
            if timeout.is_some_and(|limit| waited >= limit) {
                self.unlock_on_drop = None;
                return Err(Error::LockTimeout {
                    history_table: table.qualified().to_string(),
                    key: table.lock_key(),
                    waited,
                });
            }
            if !told {
                log::info!(
                    "waiting for the migration lock of {}: another session is applying migrations",
                    table.qualified()
                );
                told = true;
            }
            self.driver.sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// Releases the advisory lock. On a closed connection the server released it
    /// already (a session-level lock ends with its session).
    pub(crate) async fn unlock(&mut self, table: &HistoryTable) -> Result<(), Error> {
        // The release below is queued when first polled: dropped from here on, the run
        // has nothing left to clean up.
        self.unlock_on_drop = None;
        self.interrupted_record = None;
        if self.closed {
            return Ok(());
        }
        let rows = self
            .send(&table.unlock_sql())
            .await
            .map_err(|source| Error::Driver {
                context: format!(
                    "releasing the migration lock (pg_advisory_unlock({}) for {}); \
                     close this connection to release it",
                    table.lock_key(),
                    table.qualified()
                ),
                source: Box::new(source),
            })?;
        if rows
            .first()
            .and_then(|row| row.first())
            .map(|v| v.as_deref())
            != Some(Some("t"))
        {
            log::warn!(
                "the migration lock {} was not held when the run released it",
                table.lock_key()
            );
        }
        Ok(())
    }
}

/// The first column of the first row.
fn first_value(rows: &Rows) -> Option<&str> {
    rows.first()?.first()?.as_deref()
}

/// The history records, or `None` when the table does not exist yet.
pub(crate) async fn read_history<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
) -> Result<Option<Vec<HistoryRecord>>, Error> {
    match session.send(&table.select_sql()).await {
        Ok(rows) => table.parse_rows(rows).map(Some),
        Err(e) if e.is(sqlstate::UNDEFINED_TABLE) => Ok(None),
        Err(source) => Err(Error::Driver {
            context: format!("reading the history table {}", table.qualified()),
            source: Box::new(source),
        }),
    }
}

/// Creates the schema (only when missing: `CREATE SCHEMA IF NOT EXISTS` needs a
/// privilege even when the schema exists) and the table. Runs under the lock.
pub(crate) async fn create_history<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
) -> Result<(), Error> {
    let context = || format!("creating the history table {}", table.qualified());
    let schema_exists = !session
        .send(&table.schema_exists_sql())
        .await
        .map_err(|source| Error::Driver {
            context: context(),
            source: Box::new(source),
        })?
        .is_empty();
    session
        .send(&table.create_sql(!schema_exists))
        .await
        .map_err(|source| Error::Driver {
            context: context(),
            source: Box::new(source),
        })?;
    log::info!("created the history table {}", table.qualified());
    Ok(())
}

/// The result of work done under the lock, once the lock was released: an error of the
/// work wins over one of the release, which is logged. (Written out at each call site
/// rather than taking the work as a closure, so the futures stay plain and `Send`.)
pub(crate) fn after_release<T>(
    outcome: Result<T, Error>,
    released: Result<(), Error>,
) -> Result<T, Error> {
    match (outcome, released) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(unlock)) => Err(unlock),
        (Err(e), Err(unlock)) => {
            log::warn!("{unlock}");
            Err(e)
        }
        (Err(e), Ok(())) => Err(e),
    }
}

/// The history, created first when it does not exist; under the lock.
pub(crate) async fn read_or_create_history<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
) -> Result<Vec<HistoryRecord>, Error> {
    match read_history(session, table).await? {
        Some(history) => Ok(history),
        None => {
            create_history(session, table).await?;
            Ok(Vec::new())
        }
    }
}
