//! The apply loop, written once over the [`Driver`] trait.
//!
//! A run that finds nothing pending costs one round trip (read the history, no lock).
//! Otherwise it takes one session-level advisory lock, creates the history table if
//! needed, reads and plans again (another replica may have applied things meanwhile),
//! applies each pending migration, and releases the lock on every path.
//!
//! Waiting for the lock polls `pg_try_advisory_lock` and sleeps between tries rather
//! than blocking in `pg_advisory_lock`: a session blocked in that call is inside a
//! statement, and `CREATE INDEX CONCURRENTLY` (run by the lock holder) waits for every
//! transaction older than its snapshot to end, the blocked waiters included, while they
//! wait for the holder: a deadlock the server resolves by killing one of them (the
//! concurrency tests hit it). An idle waiter has no transaction to wait for.

use std::time::{Duration, Instant};

use crate::driver::{sqlstate, Driver, DriverError, Rows};
use crate::error::{Error, StatementRef};
use crate::exec::block_on;
use crate::history::{HistoryRecord, HistoryTable, DEFAULT_SCHEMA, DEFAULT_TABLE};
use crate::migration::{Migration, TransactionMode};
use crate::plan::{self, Plan, PlannedMigration, Policy, Target};
use crate::sql::{restore_search_path, statement_checksum};

/// Applies the embedded migrations. `db::runner()` returns one for the build's
/// migrations; the setters configure it, `run` applies what is pending.
#[derive(Debug, Clone)]
pub struct Runner {
    migrations: &'static [Migration],
    target: Target,
    history_schema: String,
    history_table: String,
    allow_divergent: bool,
    allow_missing: bool,
    allow_out_of_order: bool,
    lock_timeout: Option<Duration>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Report {
    /// In the order they were applied.
    pub applied: Vec<AppliedMigration>,
    /// Statements (simple queries) this run sent to the server: 1 when nothing was
    /// pending.
    pub round_trips: usize,
    /// Whether the run took the advisory lock (it does only when something was pending).
    pub locked: bool,
}

/// One migration a run applied.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppliedMigration {
    pub version: i64,
    pub name: &'static str,
    pub path: &'static str,
    /// Wall time of this run's work on it, as the client saw it.
    pub duration: Duration,
    pub transaction: TransactionMode,
    /// For a non-transactional migration an earlier run left failed: the (1-based)
    /// statement this run resumed at.
    pub resumed_from: Option<usize>,
}

impl Runner {
    pub fn new(migrations: &'static [Migration]) -> Self {
        Runner {
            migrations,
            target: Target::Latest,
            history_schema: DEFAULT_SCHEMA.to_string(),
            history_table: DEFAULT_TABLE.to_string(),
            allow_divergent: false,
            allow_missing: false,
            allow_out_of_order: false,
            lock_timeout: None,
        }
    }

    /// The build's migrations.
    pub fn migrations(&self) -> &'static [Migration] {
        self.migrations
    }

    /// Apply up to the latest migration (the default) or up to a version.
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// The history table's name (default `pgstrata_schema_history`), used as a quoted
    /// identifier: exactly this name, capitals and spaces included.
    pub fn history_table(mut self, name: impl Into<String>) -> Self {
        self.history_table = name.into();
        self
    }

    /// The history table's schema (default `public`), created if missing.
    pub fn history_schema(mut self, schema: impl Into<String>) -> Self {
        self.history_schema = schema.into();
        self
    }

    /// Do not refuse to run when an applied migration's checksum differs from the
    /// build's.
    pub fn allow_divergent(mut self, allow: bool) -> Self {
        self.allow_divergent = allow;
        self
    }

    /// Do not refuse to run when the database records a migration this build lacks.
    pub fn allow_missing(mut self, allow: bool) -> Self {
        self.allow_missing = allow;
        self
    }

    /// Apply pending migrations older than the newest applied one instead of refusing.
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.allow_out_of_order = allow;
        self
    }

    /// How long a run waits for another session's migration lock before failing with
    /// [`Error::LockTimeout`]. Default: as long as it takes.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = Some(timeout);
        self
    }

    /// The key of the session-level advisory lock a run holds while it applies (taken
    /// with `pg_try_advisory_lock(key)`), derived from the quoted, qualified history
    /// table name; for operators looking at `pg_locks`.
    pub fn lock_key(&self) -> Result<i64, Error> {
        Ok(self.table()?.lock_key())
    }

    /// Applies what is pending through any driver that completes synchronously (the
    /// `postgres` feature's `Runner::run` calls this).
    pub fn run_with<D: Driver>(&self, driver: &mut D) -> Result<Report, Error> {
        block_on(self.run_with_async(driver))
    }

    /// Reads the history (one round trip, no lock) and returns what a run would apply,
    /// or the error it would refuse with. Applies nothing.
    pub fn plan_with<D: Driver>(&self, driver: &mut D) -> Result<Plan, Error> {
        let history = self.history_with(driver)?;
        self.plan_from(&history)
    }

    /// The history table's records by version (one round trip, no lock); empty before
    /// the first run.
    pub fn history_with<D: Driver>(&self, driver: &mut D) -> Result<Vec<HistoryRecord>, Error> {
        block_on(async {
            let table = self.table()?;
            let mut session = Session::new(driver);
            Ok(read_history(&mut session, &table)
                .await?
                .unwrap_or_default())
        })
    }

    /// What a run would apply given these history records, decided without a database.
    pub fn plan_from(&self, history: &[HistoryRecord]) -> Result<Plan, Error> {
        let table = self.table()?;
        plan::plan(self.migrations, history, &self.policy(&table))
    }

    /// The apply loop, for sync and async drivers alike.
    ///
    /// The lock is released on every path that returns. If this future is dropped
    /// before it completes (cancelled), the lock stays with the session until the
    /// connection closes: drop the connection too.
    pub async fn run_with_async<D: Driver>(&self, driver: &mut D) -> Result<Report, Error> {
        let table = self.table()?;
        let policy = self.policy(&table);
        let mut session = Session::new(driver);

        // Fast path: nothing pending means one round trip and no lock. A missing table
        // means nothing was applied yet.
        let history = read_history(&mut session, &table).await?;
        let fast = plan::plan(
            self.migrations,
            history.as_deref().unwrap_or_default(),
            &policy,
        )?;
        if fast.is_empty() {
            log::debug!("no pending migrations ({})", table.qualified());
            return Ok(Report {
                applied: Vec::new(),
                round_trips: session.round_trips,
                locked: false,
            });
        }

        log::debug!(
            "{} pending migration(s); taking advisory lock {} for {}",
            fast.steps.len(),
            table.lock_key(),
            table.qualified()
        );
        session.lock(&table, self.lock_timeout).await?;
        let outcome = self.apply_locked(&mut session, &table, &policy).await;
        let released = session.unlock(&table).await;
        let applied = match (outcome, released) {
            (Ok(applied), Ok(())) => applied,
            (Ok(_), Err(unlock)) => return Err(unlock),
            (Err(e), Err(unlock)) => {
                log::warn!("{unlock}");
                return Err(e);
            }
            (Err(e), Ok(())) => return Err(e),
        };
        Ok(Report {
            applied,
            round_trips: session.round_trips,
            locked: true,
        })
    }

    fn table(&self) -> Result<HistoryTable, Error> {
        HistoryTable::new(&self.history_schema, &self.history_table)
    }

    fn policy<'t>(&self, table: &'t HistoryTable) -> Policy<'t> {
        Policy {
            target: self.target,
            allow_divergent: self.allow_divergent,
            allow_missing: self.allow_missing,
            allow_out_of_order: self.allow_out_of_order,
            history_table: table.qualified(),
        }
    }

    /// Everything done under the lock; the caller releases it whatever this returns.
    async fn apply_locked<D: Driver>(
        &self,
        session: &mut Session<'_, D>,
        table: &HistoryTable,
        policy: &Policy<'_>,
    ) -> Result<Vec<AppliedMigration>, Error> {
        let history = match read_history(session, table).await? {
            Some(history) => history,
            None => {
                create_history(session, table).await?;
                Vec::new()
            }
        };
        let plan = plan::plan(self.migrations, &history, policy)?;
        let mut applied = Vec::with_capacity(plan.steps.len());
        for step in plan.steps {
            let m = step.migration;
            let done = match m.transaction {
                TransactionMode::Transactional => apply_in_transaction(session, table, m).await?,
                TransactionMode::NonTransactional => apply_statements(session, table, step).await?,
            };
            match done.resumed_from {
                Some(k) => log::info!(
                    "applied {m} (resumed at statement {k}, outside a transaction) in {:?}",
                    done.duration
                ),
                None => log::info!("applied {m} in {:?}", done.duration),
            }
            applied.push(done);
        }
        Ok(applied)
    }
}

/// The driver plus what the runner tracks about the connection.
struct Session<'d, D> {
    driver: &'d mut D,
    /// Every simple query sent, counted here rather than trusted to the driver.
    round_trips: usize,
    /// A driver error said the connection is gone: send nothing more.
    closed: bool,
    /// `;` and the statement that restores the session's `search_path` as it was when
    /// the lock was taken, to end each migration's last round trip with (see
    /// [`restore_search_path`]); empty until then.
    restore_suffix: String,
}

impl<'d, D: Driver> Session<'d, D> {
    fn new(driver: &'d mut D) -> Self {
        Session {
            driver,
            round_trips: 0,
            closed: false,
            restore_suffix: String::new(),
        }
    }

    async fn send(&mut self, sql: &str) -> Result<Rows, DriverError> {
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
    async fn lock(&mut self, table: &HistoryTable, timeout: Option<Duration>) -> Result<(), Error> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(10);
        let mut told = false;
        loop {
            let rows = self
                .send(&table.try_lock_sql())
                .await
                .map_err(|source| Error::Driver {
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
    async fn unlock(&mut self, table: &HistoryTable) -> Result<(), Error> {
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
async fn read_history<D: Driver>(
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
async fn create_history<D: Driver>(
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

/// What comes before the migration's SQL in its batch.
const BATCH_START: &str = "BEGIN;\n";

/// One round trip: `BEGIN`, the file, the history row, `COMMIT`. The pieces are joined
/// with `\n;\n`, so a file ending in a `-- comment` without a newline cannot swallow
/// the history row. On error the session is in an aborted transaction block: roll it
/// back, so nothing of the migration (schema or history) stays.
async fn apply_in_transaction<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
    m: &'static Migration,
) -> Result<AppliedMigration, Error> {
    // A `SET` of the session inside the transaction outlives its `COMMIT` (and not a
    // `ROLLBACK`): the batch ends by restoring the `search_path`.
    let batch = format!(
        "{BATCH_START}{}\n;\n{}\n;\nCOMMIT{}",
        m.sql,
        table.record_transactional_sql(m),
        session.restore_suffix
    );
    log::debug!("applying {m} in one transaction");
    let started = Instant::now();
    match session.send(&batch).await {
        Ok(_) => Ok(AppliedMigration {
            version: m.version,
            name: m.name,
            path: m.path,
            duration: started.elapsed(),
            transaction: TransactionMode::Transactional,
            resumed_from: None,
        }),
        Err(source) => {
            if !session.closed {
                if let Err(e) = session.send("ROLLBACK").await {
                    log::warn!("rolling back the failed {m}: {e}");
                }
            }
            let statement = source
                .position
                .and_then(|position| statement_at(m, &batch, position));
            Err(Error::MigrationFailed {
                version: m.version,
                name: m.name,
                path: m.path,
                transaction: TransactionMode::Transactional,
                statement,
                source: Box::new(source),
                hint: None,
            })
        }
    }
}

/// The statement of `m` holding the server's error position (1-based, in characters
/// of the batch), if the position falls inside the migration's SQL.
fn statement_at(m: &Migration, batch: &str, position: u32) -> Option<StatementRef> {
    let char_index = usize::try_from(position).ok()?.checked_sub(1)?;
    let byte = batch.char_indices().nth(char_index)?.0;
    let offset = byte.checked_sub(BATCH_START.len())?;
    if offset >= m.sql.len() {
        return None;
    }
    let offset = u32::try_from(offset).ok()?;
    m.statements
        .iter()
        .enumerate()
        .rev()
        .find(|(_, span)| span.start <= offset)
        .map(|(index, span)| StatementRef {
            number: index + 1,
            line: span.line,
        })
}

/// Statement by statement, one simple query each (several in one string would be an
/// implicit transaction, which `CREATE INDEX CONCURRENTLY` refuses). The record says
/// "running" first, then counts each completed statement with its checksum, so a run
/// that stops anywhere can be resumed. If the connection dies between a statement and
/// its progress update, the next run repeats that one statement (the `non-idempotent`
/// rule makes every statement of such a migration safe to repeat).
async fn apply_statements<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
    step: PlannedMigration,
) -> Result<AppliedMigration, Error> {
    let m = step.migration;
    let history_error = |source: DriverError| Error::Driver {
        context: format!(
            "recording the progress of {m} in the history table {}",
            table.qualified()
        ),
        source: Box::new(source),
    };
    let mut done: Vec<String> = m
        .statements()
        .take(step.statements_done)
        .map(|(_, _, sql)| statement_checksum(sql))
        .collect();
    let resumed_from = (step.statements_done > 0).then_some(step.statements_done + 1);
    match resumed_from {
        Some(k) => log::debug!("resuming {m} at statement {k}, outside a transaction"),
        None => log::debug!("applying {m} statement by statement, outside a transaction"),
    }
    session
        .send(&table.record_started_sql(m, &done))
        .await
        .map_err(history_error)?;

    let started = Instant::now();
    for (index, line, sql) in m.statements().skip(step.statements_done) {
        let statement = StatementRef {
            number: index + 1,
            line,
        };
        log::debug!("{m}: statement {} (line {line})", statement.number);
        if let Err(source) = session.send(sql).await {
            let hint = mentions_concurrently(sql).then_some(INVALID_INDEX_HINT);
            if !session.closed {
                let mut note = format!("statement {} (line {line}): {source}", statement.number);
                if let Some(hint) = hint {
                    note = format!("{note}; {hint}");
                }
                let record = table.record_failure_sql(m.version, &note);
                if let Err(e) = session
                    .send(&format!("{record}{}", session.restore_suffix))
                    .await
                {
                    log::warn!("recording the failure of {m} in the history table: {e}");
                }
            }
            return Err(Error::MigrationFailed {
                version: m.version,
                name: m.name,
                path: m.path,
                transaction: TransactionMode::NonTransactional,
                statement: Some(statement),
                source: Box::new(source),
                hint,
            });
        }
        done.push(statement_checksum(sql));
        session
            .send(&table.record_progress_sql(m.version, &done))
            .await
            .map_err(history_error)?;
    }

    let duration = started.elapsed();
    let execution_ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    let record = table.record_completed_sql(m, execution_ms);
    session
        .send(&format!("{record}{}", session.restore_suffix))
        .await
        .map_err(history_error)?;
    Ok(AppliedMigration {
        version: m.version,
        name: m.name,
        path: m.path,
        duration,
        transaction: TransactionMode::NonTransactional,
        resumed_from,
    })
}

/// A failed `CREATE INDEX CONCURRENTLY` can leave an invalid index behind, which a
/// rerun with `IF NOT EXISTS` would keep.
const INVALID_INDEX_HINT: &str = "a failed CREATE INDEX CONCURRENTLY may leave an INVALID \
     index behind (see pg_index.indisvalid), which `IF NOT EXISTS` would keep on the next \
     run: drop it (DROP INDEX CONCURRENTLY) before running again";

fn mentions_concurrently(sql: &str) -> bool {
    sql.to_ascii_lowercase().contains("concurrently")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::StatementSpan;

    static SPANS: [StatementSpan; 2] = [
        StatementSpan {
            start: 0,
            end: 24,
            line: 1,
        },
        StatementSpan {
            start: 26,
            end: 50,
            line: 2,
        },
    ];
    static M: Migration = Migration::__new(
        1,
        "m",
        "m.sql",
        "CREATE TABLE é (id int);\nCREATE TABLE b (id nope);",
        None,
        "x",
        TransactionMode::Transactional,
        &SPANS,
    );

    #[test]
    fn an_error_position_maps_to_its_statement() {
        let batch = format!("{BATCH_START}{}\n;\nINSERT ...", M.sql);
        // `nope` in the second statement; positions count characters, and `é` is two
        // bytes.
        let chars_before = batch[..batch.find("nope").unwrap()].chars().count();
        let position = u32::try_from(chars_before + 1).unwrap();
        assert_eq!(
            statement_at(&M, &batch, position),
            Some(StatementRef { number: 2, line: 2 })
        );
        assert_eq!(statement_at(&M, &batch, 1), None); // in BEGIN
        let in_insert = u32::try_from(batch.chars().count()).unwrap();
        assert_eq!(statement_at(&M, &batch, in_insert), None);
    }
}
