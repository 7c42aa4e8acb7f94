//! The drift check at run time (feature `drift`): the live schema against the schema
//! the database's applied migrations build, read from the migrations' own SQL embedded
//! in the binary.
//!
//! The expected schema is folded from the embedded SQL by the analyzer the macro runs
//! (`pgstrata_analyzer::catalog::fold`), so the binary carries no second copy of the
//! schema: the feature adds the analyzer (and PostgreSQL's parser, which also puts the
//! server's expressions in the same normal form) and nothing to binaries without it.

use std::fmt;

use pgstrata_analyzer::catalog::{fold_in_modes, Catalog};
use pgstrata_analyzer::source::SourceFile;
pub use pgstrata_drift::{Change, Difference, Drift, ObjectKind};
use pgstrata_drift::{Check, Options};

use crate::driver::{BlockingDriver, Driver};
use crate::error::Error;
use crate::exec::block_on;
use crate::history::{HistoryRecord, HistoryTable};
use crate::migration::{Migration, TransactionMode};
use crate::runner::{Report, Runner};
use crate::session::{read_history, Session};
use crate::target::Target;

impl Runner {
    /// Compares the live schema with the schema the database's applied migrations
    /// build (at the database's version, not the build's latest): tables, columns,
    /// types, nullability, defaults, keys, indexes, constraints, enum labels, views,
    /// functions, triggers and comments that are extra, missing or different, and a
    /// draft migration that reconciles them ([`Drift::draft`]). Read-only, no lock:
    /// two or three round trips. It refuses when a migration's last run failed or an
    /// applied one is not in the build: the schema they left is unknown.
    pub fn drift_with<D: BlockingDriver>(&self, driver: &mut D) -> Result<DriftReport, Error> {
        block_on(self.drift_with_async(driver))
    }

    /// [`Runner::drift_with`] for any driver, awaited.
    pub async fn drift_with_async<D: Driver>(&self, driver: &mut D) -> Result<DriftReport, Error> {
        let table = self.table()?;
        let mut session = Session::new(driver);
        let history = read_history(&mut session, &table)
            .await?
            .unwrap_or_default();
        let applied = applied(self.migrations(), &history)?;
        let divergent = applied
            .iter()
            .filter(|m| {
                history
                    .iter()
                    .any(|r| r.version == m.version && r.checksum != m.checksum)
            })
            .map(|m| m.version)
            .collect();
        let version = applied.iter().map(|m| m.version).max();
        let expected = expected_schema(applied.iter().copied());
        let drift = check(&mut session, &table, expected).await?;
        Ok(DriftReport {
            version,
            applied: applied.len(),
            divergent,
            drift,
            round_trips: session.round_trips,
        })
    }

    /// [`Runner::baseline_with`] for a database another tool built: records the
    /// migrations up to `to` as applied only when the live schema is exactly the one
    /// they build, and otherwise refuses with the differences
    /// ([`Error::SchemaDiffers`]).
    pub fn baseline_verified_with<D: BlockingDriver>(
        &self,
        driver: &mut D,
        to: Target,
    ) -> Result<Report, Error> {
        block_on(self.baseline_verified_with_async(driver, to))
    }

    /// [`Runner::baseline_verified_with`] for any driver, awaited.
    pub async fn baseline_verified_with_async<D: Driver>(
        &self,
        driver: &mut D,
        to: Target,
    ) -> Result<Report, Error> {
        let table = self.table()?;
        let last = self.baseline_end(to)?;
        let Some(version) = last.checked_sub(1).map(|i| self.migrations()[i].version) else {
            return self.baseline_with_async(driver, to).await;
        };
        let drift = {
            let mut session = Session::new(driver);
            check(
                &mut session,
                &table,
                expected_schema(&self.migrations()[..last]),
            )
            .await?
        };
        if !drift.is_empty() {
            return Err(Error::SchemaDiffers {
                version,
                differences: drift.differences.iter().map(ToString::to_string).collect(),
            });
        }
        self.baseline_with_async(driver, to).await
    }
}

/// What [`crate::Runner::drift_with`] found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DriftReport {
    /// The newest migration the history records as applied: the database was compared
    /// with the schema the applied migrations build. `None` when nothing is applied
    /// (then with an empty schema).
    pub version: Option<i64>,
    /// How many migrations are applied.
    pub applied: usize,
    /// Applied migrations whose file changed since they ran: compared as this build
    /// has them.
    pub divergent: Vec<i64>,
    /// What differs; [`Drift::draft`] writes the migration that reconciles it.
    pub drift: Drift,
    /// Simple queries sent: one for the history, one for the catalog, and one more
    /// when two literal defaults must be compared as values.
    pub round_trips: usize,
}

impl DriftReport {
    /// No difference.
    pub fn is_empty(&self) -> bool {
        self.drift.is_empty()
    }
}

/// One line per difference, then what was not compared.
impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match self.version {
            Some(version) => format!(
                "the schema of the {} applied migration(s), up to {version}",
                self.applied
            ),
            None => "an empty schema (nothing is applied)".to_string(),
        };
        match self.drift.differences.len() {
            0 => writeln!(f, "No drift: the database has {at}")?,
            n => {
                writeln!(f, "{n} difference(s) from {at}:")?;
                for difference in &self.drift.differences {
                    writeln!(f, "  {difference}")?;
                }
            }
        }
        if !self.divergent.is_empty() {
            let versions: Vec<String> = self.divergent.iter().map(i64::to_string).collect();
            writeln!(
                f,
                "Compared with this build's files of changed migration(s) {}",
                versions.join(", ")
            )?;
        }
        if !self.drift.not_compared.is_empty() {
            writeln!(
                f,
                "Not compared (the migrations change them in ways the check cannot follow): {}",
                self.drift.not_compared.join(", ")
            )?;
        }
        Ok(())
    }
}

/// The applied migrations of `history`, in the build's order, or why the schema they
/// built cannot be known.
pub(crate) fn applied<'m>(
    migrations: &'m [Migration],
    history: &[HistoryRecord],
) -> Result<Vec<&'m Migration>, Error> {
    let refused = |version: i64, reason: &str| Error::Refused {
        operation: "check drift at",
        version,
        reason: reason.to_string(),
    };
    for record in history {
        if !record.success {
            return Err(refused(
                record.version,
                "its last run failed or was reverted partway, so the schema it left is unknown; \
                 settle it first (up, down or resolve)",
            ));
        }
        if !migrations.iter().any(|m| m.version == record.version) {
            return Err(refused(
                record.version,
                "it is applied but not in this build, so the schema it built is unknown",
            ));
        }
    }
    Ok(migrations
        .iter()
        .filter(|m| history.iter().any(|r| r.version == m.version))
        .collect())
}

/// The schema `migrations` build, in order, folded from their embedded SQL: what
/// [`Runner::drift_with`] compares the database with.
pub fn expected_schema<'m>(migrations: impl IntoIterator<Item = &'m Migration>) -> Catalog {
    let files: Vec<(SourceFile, bool)> = migrations
        .into_iter()
        .map(|m| {
            let file = SourceFile::new(m.path.into(), m.path.to_string(), m.sql.to_string());
            (file, m.transaction == TransactionMode::NonTransactional)
        })
        .collect();
    fold_in_modes(
        files
            .iter()
            .map(|(file, no_transaction)| (file, *no_transaction)),
    )
}

/// Runs the check's queries over the session and returns what differs.
pub(crate) async fn check<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
    expected: Catalog,
) -> Result<Drift, Error> {
    let options = Options {
        ignore: vec![table.unquoted()],
    };
    let mut check = Check::new(expected, options);
    while let Some(sql) = check.next_query() {
        let rows = session.send(&sql).await.map_err(|source| Error::Driver {
            context: "reading the database's catalog for the drift check".to_string(),
            source: Box::new(source),
        })?;
        check.take_rows(rows).map_err(|e| Error::DriftCheck {
            reason: e.to_string(),
        })?;
    }
    Ok(check.finish())
}
