//! The history table: its name, its shape, and the SQL that reads and writes it.
//!
//! Every reference is schema-qualified and quoted (a migration may change
//! `search_path`, and names may need quoting); functions are called through
//! `pg_catalog.` for the same reason. Values are written with [`crate::sql::text`].

use crate::driver::Rows;
use crate::error::Error;
use crate::migration::Migration;
use crate::sql::{ident, text};

pub const DEFAULT_SCHEMA: &str = "public";
pub const DEFAULT_TABLE: &str = "pgstrata_schema_history";

/// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes); a truncated name
/// would not be the table we look up, so such names are refused.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryRecord {
    pub version: i64,
    pub name: String,
    /// The checksum of the migration as it was last run.
    pub checksum: String,
    pub transactional: bool,
    /// `false` while a non-transactional migration runs, and after it failed.
    pub success: bool,
    /// How many statements of a non-transactional migration have run.
    pub statements_done: u32,
    /// The checksums of those statements, in order (empty for transactional ones).
    pub statement_checksums: Vec<String>,
    /// What went wrong, naming the statement; `None` when fine.
    pub error: Option<String>,
    /// As the server prints a `timestamptz`.
    pub applied_at: String,
    pub execution_ms: Option<i64>,
    /// What wrote the record: a run, a baseline, or a resolve.
    pub applied_by: AppliedBy,
    /// The checksum the record held before a changed one was accepted
    /// (`Resolution::AcceptChecksum`).
    pub previous_checksum: Option<String>,
    /// A non-transactional down file is being run, or stopped partway: then
    /// `statements_done`, `statement_checksums` and `error` are the down file's.
    pub reverting: bool,
}

/// What wrote a history record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppliedBy {
    /// The runner applied the migration (or psql ran the offline script).
    Run,
    /// `baseline` recorded it without running it.
    Baseline,
    /// `resolve` recorded a failed migration as applied, completed by hand.
    Resolve,
}

impl AppliedBy {
    /// As the history table's `applied_by` column holds it.
    pub fn label(self) -> &'static str {
        match self {
            AppliedBy::Run => "run",
            AppliedBy::Baseline => "baseline",
            AppliedBy::Resolve => "resolve",
        }
    }

    fn from_label(label: &str) -> Option<Self> {
        [AppliedBy::Run, AppliedBy::Baseline, AppliedBy::Resolve]
            .into_iter()
            .find(|by| by.label() == label)
    }
}

impl HistoryRecord {
    /// A successful record, as a transactional run writes it (for tests and tools).
    pub fn applied(version: i64, name: impl Into<String>, checksum: impl Into<String>) -> Self {
        HistoryRecord {
            version,
            name: name.into(),
            checksum: checksum.into(),
            transactional: true,
            success: true,
            statements_done: 0,
            statement_checksums: Vec::new(),
            error: None,
            applied_at: String::new(),
            execution_ms: None,
            applied_by: AppliedBy::Run,
            previous_checksum: None,
            reverting: false,
        }
    }

    /// A failed non-transactional record that stopped after `statement_checksums.len()`
    /// statements (for tests and tools).
    pub fn failed(
        version: i64,
        name: impl Into<String>,
        checksum: impl Into<String>,
        statement_checksums: Vec<String>,
        error: impl Into<String>,
    ) -> Self {
        HistoryRecord {
            transactional: false,
            success: false,
            statements_done: u32::try_from(statement_checksums.len()).unwrap_or(u32::MAX),
            statement_checksums,
            error: Some(error.into()),
            ..HistoryRecord::applied(version, name, checksum)
        }
    }
}

/// A validated, quoted history table name and the SQL for it.
#[derive(Debug, Clone)]
pub(crate) struct HistoryTable {
    schema: String,
    table: String,
    /// `"schema"."table"`
    qualified: String,
}

impl HistoryTable {
    pub(crate) fn new(schema: &str, table: &str) -> Result<Self, Error> {
        for (what, name) in [("schema", schema), ("table", table)] {
            let reason = if name.is_empty() {
                Some(format!("the {what} name is empty"))
            } else if name.contains('\0') {
                Some(format!("the {what} name {name:?} contains a NUL character"))
            } else if name.len() > MAX_IDENTIFIER_BYTES {
                Some(format!(
                    "the {what} name {name:?} is longer than {MAX_IDENTIFIER_BYTES} bytes, \
                     which PostgreSQL would truncate"
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Error::InvalidHistoryTable { reason });
            }
        }
        Ok(HistoryTable {
            schema: schema.to_string(),
            table: table.to_string(),
            qualified: format!("{}.{}", ident(schema), ident(table)),
        })
    }

    /// `"schema"."table"`, for SQL and messages.
    pub(crate) fn qualified(&self) -> &str {
        &self.qualified
    }

    /// `schema.table` as the names are, for the drift check's list of relations to
    /// leave out.
    #[cfg_attr(not(feature = "drift"), allow(dead_code))]
    pub(crate) fn unquoted(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    pub(crate) fn lock_key(&self) -> i64 {
        crate::sql::lock_key(&self.qualified)
    }

    /// `t` when this session got the lock, and the session's `search_path`, read in
    /// the same round trip (see [`crate::sql::restore_search_path`]). Never
    /// `pg_advisory_lock`: see `Session::lock` in the runner.
    pub(crate) fn try_lock_sql(&self) -> String {
        format!(
            "SELECT pg_catalog.pg_try_advisory_lock({}), pg_catalog.current_setting('search_path')",
            self.lock_key()
        )
    }

    pub(crate) fn unlock_sql(&self) -> String {
        format!("SELECT pg_catalog.pg_advisory_unlock({})", self.lock_key())
    }

    /// Every record, by version. Fails with `undefined_table` before the first run.
    pub(crate) fn select_sql(&self) -> String {
        format!(
            "SELECT version, name, checksum, transactional, success, statements_done, \
             statement_checksums, error, applied_at, execution_ms, applied_by, \
             previous_checksum, reverting FROM {} ORDER BY version",
            self.qualified
        )
    }

    /// One row when the schema exists. (`CREATE SCHEMA IF NOT EXISTS` needs the CREATE
    /// privilege on the database even when the schema exists, so it is only sent when
    /// this says the schema is missing.)
    pub(crate) fn schema_exists_sql(&self) -> String {
        format!(
            "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {}",
            text(&self.schema)
        )
    }

    /// The schema, created only when missing, in one statement that needs no privilege
    /// when it exists (for scripts, which cannot ask first).
    pub(crate) fn create_schema_if_missing_sql(&self) -> String {
        format!(
            "DO $pgstrata$ BEGIN IF NOT EXISTS ({}) THEN EXECUTE pg_catalog.format('CREATE SCHEMA %I', {}); END IF; END $pgstrata$",
            self.schema_exists_sql(),
            text(&self.schema)
        )
    }

    pub(crate) fn create_sql(&self, create_schema: bool) -> String {
        let schema = if create_schema {
            format!("CREATE SCHEMA IF NOT EXISTS {};\n", ident(&self.schema))
        } else {
            String::new()
        };
        format!(
            "{schema}CREATE TABLE IF NOT EXISTS {} (\n\
             \x20   version bigint PRIMARY KEY,\n\
             \x20   name text NOT NULL,\n\
             \x20   checksum text NOT NULL,\n\
             \x20   transactional boolean NOT NULL,\n\
             \x20   applied_at timestamp with time zone NOT NULL DEFAULT pg_catalog.now(),\n\
             \x20   execution_ms bigint,\n\
             \x20   success boolean NOT NULL,\n\
             \x20   statements_done integer NOT NULL DEFAULT 0,\n\
             \x20   statement_checksums text NOT NULL DEFAULT '',\n\
             \x20   error text,\n\
             \x20   applied_by text NOT NULL DEFAULT 'run',\n\
             \x20   previous_checksum text,\n\
             \x20   reverting boolean NOT NULL DEFAULT false\n\
             )",
            self.qualified
        )
    }

    /// The row a transactional migration writes in its own transaction. Its execution
    /// time is measured by the server: from the start of the batch (`now()` is the
    /// transaction's start) to this statement.
    pub(crate) fn record_transactional_sql(&self, m: &Migration) -> String {
        let ms = "(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint";
        self.upsert_sql(m, true, ms, true, m.statements.len(), &[])
    }

    /// Before the first statement of a (possibly resumed) non-transactional migration:
    /// the record says it is running and how far it already got.
    pub(crate) fn record_started_sql(&self, m: &Migration, done: &[String]) -> String {
        self.upsert_sql(m, false, "NULL", false, done.len(), done)
    }

    /// After each statement of a non-transactional migration.
    pub(crate) fn record_progress_sql(&self, version: i64, done: &[String]) -> String {
        format!(
            "UPDATE {} SET statements_done = {}, statement_checksums = {} WHERE version = {version}",
            self.qualified,
            done.len(),
            text(&done.join(","))
        )
    }

    /// A non-transactional migration failed: what happened, naming the statement.
    pub(crate) fn record_failure_sql(&self, version: i64, error: &str) -> String {
        format!(
            "UPDATE {} SET success = false, error = {}, applied_at = pg_catalog.now() WHERE version = {version}",
            self.qualified,
            text(error)
        )
    }

    /// A non-transactional migration completed; `execution_ms` is an SQL expression.
    pub(crate) fn record_completed_sql(&self, m: &Migration, execution_ms: &str) -> String {
        format!(
            "UPDATE {} SET success = true, error = NULL, checksum = {}, name = {}, \
             execution_ms = {execution_ms}, applied_at = pg_catalog.now() WHERE version = {}",
            self.qualified,
            text(m.checksum),
            text(m.name),
            m.version
        )
    }

    /// Before the first statement of a (possibly resumed) non-transactional down file:
    /// the record says the migration is being reverted and how far that got.
    pub(crate) fn record_reverting_sql(&self, version: i64, done: &[String]) -> String {
        format!(
            "UPDATE {} SET reverting = true, success = false, error = NULL, \
             statements_done = {}, statement_checksums = {} WHERE version = {version}",
            self.qualified,
            done.len(),
            text(&done.join(","))
        )
    }

    /// For scripts, before an up file: raises when the migration is already applied, so
    /// a second run of the same script stops before applying anything twice. (A failed
    /// record is run again, as the runner resumes it.)
    pub(crate) fn refuse_if_applied_sql(&self, m: &Migration) -> String {
        self.refuse_sql(
            m,
            &format!(
                "EXISTS (SELECT 1 FROM {} WHERE version = {} AND success)",
                self.qualified, m.version
            ),
            "is already applied",
        )
    }

    /// For scripts, before a down file: raises when the migration has no record.
    pub(crate) fn refuse_unless_recorded_sql(&self, m: &Migration) -> String {
        self.refuse_sql(
            m,
            &format!(
                "NOT EXISTS (SELECT 1 FROM {} WHERE version = {})",
                self.qualified, m.version
            ),
            "is not applied",
        )
    }

    fn refuse_sql(&self, m: &Migration, condition: &str, state: &str) -> String {
        format!(
            "DO $pgstrata$ BEGIN IF {condition} THEN RAISE EXCEPTION USING MESSAGE = {}, \
             HINT = {}; END IF; END $pgstrata$",
            text(&format!("pgstrata: migration {} ({}) {state}", m.version, m.name)),
            text("this script assumes the database has exactly the migrations up to its start applied")
        )
    }

    /// The migration is no longer applied: its down file ran, or `resolve` says it was
    /// rolled back by hand.
    pub(crate) fn delete_sql(&self, version: i64) -> String {
        format!("DELETE FROM {} WHERE version = {version}", self.qualified)
    }

    /// `baseline`: recorded as applied without running.
    pub(crate) fn record_baseline_sql(&self, m: &Migration) -> String {
        format!(
            "INSERT INTO {} (version, name, checksum, transactional, success, \
             statements_done, applied_by) VALUES ({}, {}, {}, {}, true, {}, 'baseline')",
            self.qualified,
            m.version,
            text(m.name),
            text(m.checksum),
            m.transaction == crate::migration::TransactionMode::Transactional,
            m.statements.len()
        )
    }

    /// `resolve` of a failed migration that was completed by hand.
    pub(crate) fn record_resolved_applied_sql(&self, m: &Migration) -> String {
        format!(
            "UPDATE {} SET success = true, error = NULL, reverting = false, checksum = {}, \
             name = {}, statements_done = {}, statement_checksums = '', execution_ms = NULL, \
             applied_by = 'resolve', applied_at = pg_catalog.now() WHERE version = {}",
            self.qualified,
            text(m.checksum),
            text(m.name),
            m.statements.len(),
            m.version
        )
    }

    /// `resolve` accepting a changed file: the build's checksum, the old one kept.
    pub(crate) fn record_accepted_checksum_sql(&self, m: &Migration, previous: &str) -> String {
        format!(
            "UPDATE {} SET checksum = {}, previous_checksum = {} WHERE version = {}",
            self.qualified,
            text(m.checksum),
            text(previous),
            m.version
        )
    }

    fn upsert_sql(
        &self,
        m: &Migration,
        transactional: bool,
        execution_ms: &str,
        success: bool,
        statements_done: usize,
        done: &[String],
    ) -> String {
        format!(
            // Rust prints booleans as `true`/`false`, which are SQL literals too.
            "INSERT INTO {table} (version, name, checksum, transactional, applied_at, \
             execution_ms, success, statements_done, statement_checksums, error) \
             VALUES ({version}, {name}, {checksum}, {transactional}, pg_catalog.now(), \
             {execution_ms}, {success}, {statements_done}, {checksums}, NULL) \
             ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, \
             checksum = EXCLUDED.checksum, transactional = EXCLUDED.transactional, \
             applied_at = EXCLUDED.applied_at, execution_ms = EXCLUDED.execution_ms, \
             success = EXCLUDED.success, statements_done = EXCLUDED.statements_done, \
             statement_checksums = EXCLUDED.statement_checksums, error = NULL, \
             applied_by = 'run', previous_checksum = NULL, reverting = false",
            table = self.qualified,
            version = m.version,
            name = text(m.name),
            checksum = text(m.checksum),
            checksums = text(&done.join(",")),
        )
    }

    /// Reads the rows of [`HistoryTable::select_sql`].
    pub(crate) fn parse_rows(&self, rows: Rows) -> Result<Vec<HistoryRecord>, Error> {
        rows.into_iter().map(|row| self.parse_row(row)).collect()
    }

    fn parse_row(&self, row: Vec<Option<String>>) -> Result<HistoryRecord, Error> {
        let corrupt = |reason: String| Error::CorruptHistory {
            history_table: self.qualified.clone(),
            reason,
        };
        let [version, name, checksum, transactional, success, statements_done, statement_checksums, error, applied_at, execution_ms, applied_by, previous_checksum, reverting]: [Option<String>; 13] =
            row.try_into().map_err(|row: Vec<_>| {
                corrupt(format!("expected 13 columns, got {}", row.len()))
            })?;
        let required = |value: Option<String>, column: &str| {
            value.ok_or_else(|| corrupt(format!("{column} is NULL")))
        };
        let version_text = required(version, "version")?;
        let version: i64 = version_text
            .parse()
            .map_err(|_| corrupt(format!("version {version_text:?} is not an integer")))?;
        let in_row = |reason: String| corrupt(format!("version {version}: {reason}"));
        let flag = |value: Option<String>, column: &str| match value.as_deref() {
            Some("t") => Ok(true),
            Some("f") => Ok(false),
            other => Err(in_row(format!("{column} is {other:?}, not a boolean"))),
        };
        let statements_done = match statements_done.as_deref().map(str::parse::<u32>) {
            Some(Ok(n)) => n,
            other => return Err(in_row(format!("statements_done is {other:?}, not a count"))),
        };
        let execution_ms = match execution_ms {
            None => None,
            Some(ms) => Some(
                ms.parse()
                    .map_err(|_| in_row(format!("execution_ms {ms:?} is not an integer")))?,
            ),
        };
        Ok(HistoryRecord {
            version,
            name: required(name, "name")?,
            checksum: required(checksum, "checksum")?,
            transactional: flag(transactional, "transactional")?,
            success: flag(success, "success")?,
            statements_done,
            statement_checksums: statement_checksums
                .unwrap_or_default()
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            error,
            applied_at: applied_at.unwrap_or_default(),
            execution_ms,
            applied_by: match applied_by.as_deref().and_then(AppliedBy::from_label) {
                Some(by) => by,
                None => {
                    return Err(in_row(format!(
                        "applied_by is {applied_by:?}, not run, baseline or resolve"
                    )))
                }
            },
            previous_checksum,
            reverting: flag(reverting, "reverting")?,
        })
    }
}
