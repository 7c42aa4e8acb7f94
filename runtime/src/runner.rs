//! The operations, written once over the [`Driver`] trait: apply (`run`, `up`),
//! revert (`down`), `status`, `baseline`, `resolve`, and the offline `script`.
//!
//! A read-only look costs one round trip (read the history, no lock); so does a run
//! that finds nothing to do. Anything that writes takes one session-level advisory lock
//! (see [`crate::session`]), creates the history table if needed, reads and plans again
//! (another replica may have applied things meanwhile), works, and releases the lock
//! on every path.

use std::time::Duration;

use crate::apply::{run_step, Step};
use crate::driver::{BlockingDriver, Driver};
use crate::error::Error;
use crate::exec::block_on;
use crate::history::{HistoryRecord, HistoryTable, DEFAULT_SCHEMA, DEFAULT_TABLE};
use crate::migration::{Migration, TransactionMode};
use crate::plan::{self, Plan, Policy};
use crate::session::{after_release, read_history, read_or_create_history, Session};
use crate::status::{self, Status};
use crate::target::Target;

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
    /// `down`: the migrations reverted, in the order their down files ran (`path` is
    /// the down file's).
    pub reverted: Vec<AppliedMigration>,
    /// `baseline`: the versions recorded as applied without running them.
    pub baselined: Vec<i64>,
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

    /// How far [`Runner::run`] goes: the latest migration (the default), a version, or
    /// `Target::Forward(n)`.
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

    /// Applies what is pending up to the runner's [`Runner::target`] through any
    /// driver that completes synchronously (the `postgres` feature's `Runner::run`
    /// calls this).
    pub fn run_with<D: BlockingDriver>(&self, driver: &mut D) -> Result<Report, Error> {
        block_on(self.run_with_async(driver))
    }

    /// Applies what is pending up to `to`: [`Target::Latest`], a version, or
    /// [`Target::Forward`] for the next N.
    pub fn up_with<D: BlockingDriver>(&self, driver: &mut D, to: Target) -> Result<Report, Error> {
        block_on(self.up_with_async(driver, to))
    }

    /// Reverts applied migrations through their down files, newest first, down to `to`:
    /// a version (which stays applied), [`Target::Back`] for the newest N, or
    /// [`Target::Base`] for all. The whole plan is checked before anything runs.
    pub fn down_with<D: BlockingDriver>(
        &self,
        driver: &mut D,
        to: Target,
    ) -> Result<Report, Error> {
        block_on(self.down_with_async(driver, to))
    }

    /// Every migration's state, in one round trip and without the lock. It reports a
    /// changed file, a missing one or a failed run instead of refusing.
    pub fn status_with<D: BlockingDriver>(&self, driver: &mut D) -> Result<Status, Error> {
        block_on(self.status_with_async(driver))
    }

    /// [`Runner::status_with`] for any driver, awaited.
    pub async fn status_with_async<D: Driver>(&self, driver: &mut D) -> Result<Status, Error> {
        let table = self.table()?;
        let mut session = Session::new(driver);
        let history = read_history(&mut session, &table).await?;
        Ok(status::status(
            self.migrations,
            history.as_deref(),
            table.qualified(),
        ))
    }

    /// Records every migration up to `to` ([`Target::Latest`] or a version) as applied
    /// without running it, marked `baseline` in the history: for a database that already
    /// has that schema (Alembic `stamp`, Flyway `baseline`, Prisma `resolve --applied`).
    /// Migrations already recorded are left as they are.
    pub fn baseline_with<D: BlockingDriver>(
        &self,
        driver: &mut D,
        to: Target,
    ) -> Result<Report, Error> {
        block_on(self.baseline_with_async(driver, to))
    }

    /// Settles one migration by hand; see [`Resolution`].
    pub fn resolve_with<D: BlockingDriver>(
        &self,
        driver: &mut D,
        version: i64,
        resolution: Resolution,
    ) -> Result<Resolved, Error> {
        block_on(self.resolve_with_async(driver, version, resolution))
    }

    /// Reads the history (one round trip, no lock) and returns what a run would apply,
    /// or the error it would refuse with. Applies nothing.
    pub fn plan_with<D: BlockingDriver>(&self, driver: &mut D) -> Result<Plan, Error> {
        block_on(self.plan_with_async(driver))
    }

    /// [`Runner::plan_with`] for any driver, awaited.
    pub async fn plan_with_async<D: Driver>(&self, driver: &mut D) -> Result<Plan, Error> {
        let history = self.history_with_async(driver).await?;
        self.plan_from(&history)
    }

    /// The history table's records by version (one round trip, no lock); empty before
    /// the first run.
    pub fn history_with<D: BlockingDriver>(
        &self,
        driver: &mut D,
    ) -> Result<Vec<HistoryRecord>, Error> {
        block_on(self.history_with_async(driver))
    }

    /// [`Runner::history_with`] for any driver, awaited.
    pub async fn history_with_async<D: Driver>(
        &self,
        driver: &mut D,
    ) -> Result<Vec<HistoryRecord>, Error> {
        let table = self.table()?;
        let mut session = Session::new(driver);
        Ok(read_history(&mut session, &table)
            .await?
            .unwrap_or_default())
    }

    /// What a run would apply given these history records, decided without a database.
    pub fn plan_from(&self, history: &[HistoryRecord]) -> Result<Plan, Error> {
        let table = self.table()?;
        plan::plan(self.migrations, history, &self.policy(&table, self.target))
    }

    /// The SQL script the runner would execute to go from `from` (nothing applied:
    /// [`Target::Base`], a version, or [`Target::Latest`]) to `to`, up or down, for a
    /// DBA to review and run with `psql -v ON_ERROR_STOP=1 -f` (Alembic's `--sql`). See
    /// [`crate::script`].
    pub fn script(&self, from: Target, to: Target) -> Result<String, Error> {
        let table = self.table()?;
        crate::script::script(self.migrations, &table, from, to)
    }

    /// [`Runner::run_with`] for any driver, awaited: the apply loop every driver shares.
    ///
    /// The lock is released on every path that returns. If this future is dropped
    /// before it completes (a timeout, a shutdown), the driver's [`Driver::abandon`]
    /// queues the rollback, the history record of where it stopped and the release of
    /// the lock behind what the connection is still running (the `tokio-postgres`
    /// driver does), so the connection can go back to a pool.
    pub async fn run_with_async<D: Driver>(&self, driver: &mut D) -> Result<Report, Error> {
        self.up_with_async(driver, self.target).await
    }

    /// [`Runner::up_with`] for any driver, awaited.
    pub async fn up_with_async<D: Driver>(
        &self,
        driver: &mut D,
        to: Target,
    ) -> Result<Report, Error> {
        let table = self.table()?;
        let policy = self.policy(&table, to);
        let mut session = Session::new(driver);

        // Fast path: nothing pending means one round trip and no lock. A missing table
        // means nothing was applied yet. Anything else is decided under the lock: what
        // the unlocked read refuses may be another session's work in progress (a
        // non-transactional migration being applied or reverted).
        let history = read_history(&mut session, &table).await?;
        let fast = plan::plan(
            self.migrations,
            history.as_deref().unwrap_or_default(),
            &policy,
        );
        if fast.as_ref().is_ok_and(Plan::is_empty) {
            log::debug!("no pending migrations ({})", table.qualified());
            return Ok(Report {
                round_trips: session.round_trips,
                ..Report::default()
            });
        }

        log::debug!(
            "migrations to apply; taking advisory lock {} for {}",
            table.lock_key(),
            table.qualified()
        );
        session.lock(&table, self.lock_timeout).await?;
        let outcome = async {
            let history = read_or_create_history(&mut session, &table).await?;
            let plan = plan::plan(self.migrations, &history, &policy)?;
            let mut applied = Vec::with_capacity(plan.steps.len());
            for planned in plan.steps {
                let step = Step::up(planned.migration);
                applied.push(run_step(&mut session, &table, step, planned).await?);
            }
            Ok(applied)
        }
        .await;
        let released = session.unlock(&table).await;
        let applied = after_release(outcome, released)?;
        Ok(Report {
            applied,
            round_trips: session.round_trips,
            locked: true,
            ..Report::default()
        })
    }

    /// [`Runner::down_with`] for any driver, awaited.
    pub async fn down_with_async<D: Driver>(
        &self,
        driver: &mut D,
        to: Target,
    ) -> Result<Report, Error> {
        let table = self.table()?;
        let policy = self.policy(&table, to);
        let mut session = Session::new(driver);
        let history = read_history(&mut session, &table).await?;
        // As in `up_async`: only "nothing to do" is decided without the lock.
        let fast = plan::plan_down(
            self.migrations,
            history.as_deref().unwrap_or_default(),
            &policy,
        );
        if fast.as_ref().is_ok_and(Plan::is_empty) {
            log::debug!("nothing to revert ({})", table.qualified());
            return Ok(Report {
                round_trips: session.round_trips,
                ..Report::default()
            });
        }
        session.lock(&table, self.lock_timeout).await?;
        let outcome = async {
            let history = read_history(&mut session, &table)
                .await?
                .unwrap_or_default();
            let plan = plan::plan_down(self.migrations, &history, &policy)?;
            let mut reverted = Vec::with_capacity(plan.steps.len());
            for planned in plan.steps {
                // The plan refused migrations without a down file.
                let Some(step) = Step::down(planned.migration) else {
                    continue;
                };
                reverted.push(run_step(&mut session, &table, step, planned).await?);
            }
            Ok(reverted)
        }
        .await;
        let released = session.unlock(&table).await;
        let reverted = after_release(outcome, released)?;
        Ok(Report {
            reverted,
            round_trips: session.round_trips,
            locked: true,
            ..Report::default()
        })
    }

    /// [`Runner::baseline_with`] for any driver, awaited.
    pub async fn baseline_with_async<D: Driver>(
        &self,
        driver: &mut D,
        to: Target,
    ) -> Result<Report, Error> {
        let table = self.table()?;
        let last = self.baseline_end(to)?;
        let mut session = Session::new(driver);
        session.lock(&table, self.lock_timeout).await?;
        let outcome = async {
            let history = read_or_create_history(&mut session, &table).await?;
            // The same checks as a run: a changed or missing migration is not recorded
            // over silently.
            plan::plan(self.migrations, &history, &self.policy(&table, Target::Latest))
                .or_else(|e| match e {
                    // Recording them is what a baseline is for.
                    Error::OutOfOrder { .. } => Ok(Plan::default()),
                    other => Err(other),
                })?;
            let mut batch = String::from("BEGIN;
");
            let mut baselined = Vec::new();
            for m in &self.migrations[..last] {
                match history.iter().find(|r| r.version == m.version) {
                    Some(record) if record.success => continue,
                    Some(_) => {
                        return Err(Error::Refused {
                            operation: "baseline",
                            version: m.version,
                            reason: "it has a record of a failed run; resolve it first (--rolled-back or --applied)"
                                .to_string(),
                        })
                    }
                    None => {}
                }
                batch.push_str(&table.record_baseline_sql(m));
                batch.push_str(";
");
                baselined.push(m.version);
            }
            if baselined.is_empty() {
                return Ok(baselined);
            }
            batch.push_str("COMMIT");
            if let Err(source) = session.send(&batch).await {
                if !session.closed {
                    let _ = session.send("ROLLBACK").await;
                }
                return Err(Error::Driver {
                    context: format!("recording the baseline in {}", table.qualified()),
                    source: Box::new(source),
                });
            }
            log::info!(
                "recorded {} migration(s) as applied without running them (baseline)",
                baselined.len()
            );
            Ok(baselined)
        }
        .await;
        let released = session.unlock(&table).await;
        let baselined = after_release(outcome, released)?;
        Ok(Report {
            baselined,
            round_trips: session.round_trips,
            locked: true,
            ..Report::default()
        })
    }

    /// [`Runner::resolve_with`] for any driver, awaited.
    pub async fn resolve_with_async<D: Driver>(
        &self,
        driver: &mut D,
        version: i64,
        resolution: Resolution,
    ) -> Result<Resolved, Error> {
        let table = self.table()?;
        let refused = |reason: String| Error::Refused {
            operation: "resolve",
            version,
            reason,
        };
        let mut session = Session::new(driver);
        session.lock(&table, self.lock_timeout).await?;
        let outcome = async {
            let history = read_history(&mut session, &table)
                .await?
                .unwrap_or_default();
            let record = history.iter().find(|r| r.version == version);
            let migration = self.migrations.iter().find(|m| m.version == version);
            let (sql, resolved) = match (resolution, record, migration) {
                (_, None, _) => {
                    return Err(refused(
                        "the history has no record of it; to record a migration as applied without running it, use baseline"
                            .to_string(),
                    ))
                }
                (Resolution::RolledBack, Some(r), _) if !r.success => (
                    table.delete_sql(version),
                    Resolved {
                        version,
                        resolution,
                        previous_checksum: None,
                        checksum: None,
                    },
                ),
                (Resolution::RolledBack, Some(_), _) => {
                    return Err(refused(
                        "it is applied, not failed; to revert it, use down".to_string(),
                    ))
                }
                (_, Some(_), None) => {
                    return Err(refused(
                        "it is not in this build, so there is no file to record".to_string(),
                    ))
                }
                (Resolution::Applied, Some(r), Some(m)) if !r.success => (
                    table.record_resolved_applied_sql(m),
                    Resolved {
                        version,
                        resolution,
                        previous_checksum: None,
                        checksum: Some(m.checksum),
                    },
                ),
                (Resolution::Applied, Some(_), Some(_)) => {
                    return Err(refused("it is applied already".to_string()))
                }
                (Resolution::AcceptChecksum, Some(r), Some(_)) if !r.success => {
                    return Err(refused(
                        "its last run failed; resolve it as applied or rolled back instead"
                            .to_string(),
                    ))
                }
                (Resolution::AcceptChecksum, Some(r), Some(m)) if r.checksum == m.checksum => {
                    return Err(refused(format!(
                        "its recorded checksum already is the build's ({})",
                        m.checksum
                    )))
                }
                (Resolution::AcceptChecksum, Some(r), Some(m)) => (
                    table.record_accepted_checksum_sql(m, &r.checksum),
                    Resolved {
                        version,
                        resolution,
                        previous_checksum: Some(r.checksum.clone()),
                        checksum: Some(m.checksum),
                    },
                ),
            };
            session
                .send(&sql)
                .await
                .map_err(|source| Error::Driver {
                    context: format!("resolving migration {version} in {}", table.qualified()),
                    source: Box::new(source),
                })?;
            log::info!("resolved migration {version}: {resolution:?}");
            Ok(resolved)
        }
        .await;
        let released = session.unlock(&table).await;
        after_release(outcome, released)
    }

    /// How many of the build's migrations a baseline to `to` records.
    pub(crate) fn baseline_end(&self, to: Target) -> Result<usize, Error> {
        match to {
            Target::Latest => Ok(self.migrations.len()),
            Target::Version(version) => self
                .migrations
                .iter()
                .position(|m| m.version == version)
                .map(|position| position + 1)
                .ok_or(Error::UnknownTarget { version }),
            Target::Forward(_) | Target::Back(_) | Target::Base => Err(Error::InvalidTarget {
                target: to.to_string(),
                reason: "a baseline goes up to the latest migration or to a version".to_string(),
            }),
        }
    }

    pub(crate) fn table(&self) -> Result<HistoryTable, Error> {
        HistoryTable::new(&self.history_schema, &self.history_table)
    }

    fn policy<'t>(&self, table: &'t HistoryTable, target: Target) -> Policy<'t> {
        Policy {
            target,
            allow_divergent: self.allow_divergent,
            allow_missing: self.allow_missing,
            allow_out_of_order: self.allow_out_of_order,
            history_table: table.qualified(),
        }
    }
}

/// How [`Runner::resolve_with`] settles a migration by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// A failed migration (a failed run, or a down file that stopped partway) was undone
    /// by hand: its record is deleted and the next run applies it afresh (Prisma
    /// `resolve --rolled-back`).
    RolledBack,
    /// A failed migration was completed by hand: it is recorded as applied, marked
    /// `resolve` (Prisma `resolve --applied`).
    Applied,
    /// An applied migration's file was changed on purpose: the history takes the
    /// build's checksum and keeps the old one in `previous_checksum` (Flyway `repair`).
    AcceptChecksum,
}

/// What [`Runner::resolve_with`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    pub version: i64,
    pub resolution: Resolution,
    /// `AcceptChecksum`: the checksum the history held.
    pub previous_checksum: Option<String>,
    /// `Applied`, `AcceptChecksum`: the checksum the history holds now.
    pub checksum: Option<&'static str>,
}
