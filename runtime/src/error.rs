//! Everything a run can refuse or fail with. Each message names the migration (version,
//! name, path) and, where it matters, the statement, and says what to do.

use crate::driver::DriverError;
use crate::migration::TransactionMode;

/// A statement of a migration, as messages count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementRef {
    /// 1-based: the first statement of the file is statement 1.
    pub number: usize,
    /// 1-based line in the file where it starts.
    pub line: u32,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(
        "migration {version} {name:?} ({path}) was changed after it was applied: the database \
         recorded checksum {applied_checksum} but this build has {checksum}; restore the file \
         as it was applied and put the change in a new migration, or allow divergent \
         migrations (Runner::allow_divergent)"
    )]
    Divergent {
        version: i64,
        name: &'static str,
        path: &'static str,
        applied_checksum: String,
        checksum: &'static str,
    },

    #[error(
        "migration {version} {name:?} is recorded as applied in the database but is not in \
         this build; run a build that has it, or allow missing migrations \
         (Runner::allow_missing)"
    )]
    Missing {
        version: i64,
        /// As the history table records it.
        name: String,
    },

    #[error(
        "migration {version} {name:?} ({path}) is pending but older than migration \
         {newest_applied}, the newest one applied; give it a version above {newest_applied}, \
         or allow out-of-order migrations (Runner::allow_out_of_order) to apply it"
    )]
    OutOfOrder {
        version: i64,
        name: &'static str,
        path: &'static str,
        newest_applied: i64,
    },

    #[error("two migrations have version {version}: {first} and {second}")]
    DuplicateVersion {
        version: i64,
        first: &'static str,
        second: &'static str,
    },

    #[error("migration {version} {name:?} ({path}) is malformed: {reason}")]
    InvalidMigration {
        version: i64,
        name: &'static str,
        path: &'static str,
        reason: String,
    },

    #[error("the target version {version} is not a migration in this build")]
    UnknownTarget { version: i64 },

    #[error("cannot go to {target}: {reason}")]
    InvalidTarget { target: String, reason: String },

    #[error(
        "cannot revert migration {version} {name:?} ({path}): it has no down file; write \
         one beside it (in the directory's layout), or stop the down at a later version"
    )]
    NoDownFile {
        version: i64,
        name: &'static str,
        path: &'static str,
    },

    #[error(
        "cannot revert migration {version} {name:?} ({path}): it failed after \
         {statements_done} of its statements and is not applied; finish it (run up again) or \
         undo it by hand and record that (resolve {version} --rolled-back) first"
    )]
    FailedInRange {
        version: i64,
        name: &'static str,
        path: &'static str,
        statements_done: u32,
    },

    #[error(
        "migration {version} {name:?} ({path}) is partly reverted: its down file stopped \
         after {statements_done} of its statements; run down again to finish reverting it, \
         or finish by hand and delete its record (resolve {version} --rolled-back, or \
         DELETE FROM {history_table} WHERE version = {version})"
    )]
    PartlyReverted {
        version: i64,
        name: &'static str,
        path: &'static str,
        statements_done: u32,
        history_table: String,
    },

    /// `baseline` or `resolve` found the migration in a state it does not apply to.
    #[error("cannot {operation} migration {version}: {reason}")]
    Refused {
        operation: &'static str,
        version: i64,
        reason: String,
    },

    #[error("{}", failed_message(*.version, name, path, *.reverting, *.transaction, *.statement, source, *.hint))]
    MigrationFailed {
        version: i64,
        name: &'static str,
        /// The file that failed: the up file, or the down file when reverting.
        path: &'static str,
        /// The down file failed.
        reverting: bool,
        transaction: TransactionMode,
        /// The failing statement: always known for a non-transactional migration; for a
        /// transactional one when the server pointed at a position in it.
        statement: Option<StatementRef>,
        /// The server's error, with its SQLSTATE (boxed: keeps `Result<_, Error>` small).
        source: Box<DriverError>,
        /// Advice for a known trap, e.g. the invalid index a failed
        /// `CREATE INDEX CONCURRENTLY` leaves behind.
        hint: Option<&'static str>,
    },

    #[error(
        "cannot resume migration {version} {name:?} ({path}), which failed after \
         {statements_done} of its statements had run: {reason}; either restore those \
         statements as they were when they ran, or undo what they did by hand and delete \
         its record (DELETE FROM {history_table} WHERE version = {version}) so the next run \
         applies it from the start"
    )]
    ResumeRefused {
        version: i64,
        name: &'static str,
        path: &'static str,
        statements_done: u32,
        reason: String,
        /// Quoted and schema-qualified, ready to paste into SQL.
        history_table: String,
    },

    #[error(
        "gave up waiting for the migration lock of {history_table} after {waited:?}: another \
         session holds it (in pg_locks: locktype 'advisory', classid {}, objid {}, objsubid 1)",
        (*key as u64) >> 32,
        (*key as u64) & 0xffff_ffff
    )]
    LockTimeout {
        history_table: String,
        /// The advisory lock key (`Runner::lock_key`).
        key: i64,
        waited: std::time::Duration,
    },

    #[error("invalid history table name: {reason}")]
    InvalidHistoryTable { reason: String },

    #[error("the history table {history_table} holds a row this runner cannot read: {reason}")]
    CorruptHistory {
        history_table: String,
        reason: String,
    },

    /// A database error outside a migration's own SQL (taking the lock, reading or
    /// writing the history table).
    #[error("{context}: {source}")]
    Driver {
        context: String,
        source: Box<DriverError>,
    },

    /// `baseline --verify`: the live schema is not the one the migrations up to
    /// `version` build, so nothing was recorded.
    #[error(
        "the database's schema is not what the migrations up to {version} build, so the baseline \
         was not recorded; {} difference(s):\n{}",
        differences.len(),
        differences.join("\n")
    )]
    SchemaDiffers {
        version: i64,
        /// One line per difference, as the drift check prints them.
        differences: Vec<String>,
    },

    /// The drift check could not read what the server returned.
    #[error("the drift check failed: {reason}")]
    DriftCheck { reason: String },
}

impl Error {
    /// The SQLSTATE the server sent, if this error came from the server.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::MigrationFailed { source, .. } | Error::Driver { source, .. } => {
                source.sqlstate.as_deref()
            }
            _ => None,
        }
    }

    /// The version of the migration this error is about, if it is about one.
    pub fn version(&self) -> Option<i64> {
        match self {
            Error::Divergent { version, .. }
            | Error::Missing { version, .. }
            | Error::OutOfOrder { version, .. }
            | Error::DuplicateVersion { version, .. }
            | Error::InvalidMigration { version, .. }
            | Error::MigrationFailed { version, .. }
            | Error::ResumeRefused { version, .. }
            | Error::UnknownTarget { version }
            | Error::NoDownFile { version, .. }
            | Error::FailedInRange { version, .. }
            | Error::PartlyReverted { version, .. }
            | Error::Refused { version, .. }
            | Error::SchemaDiffers { version, .. } => Some(*version),
            _ => None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn failed_message(
    version: i64,
    name: &str,
    path: &str,
    reverting: bool,
    transaction: TransactionMode,
    statement: Option<StatementRef>,
    source: &DriverError,
    hint: Option<&str>,
) -> String {
    let at = match statement {
        Some(s) => format!(" at statement {} (line {})", s.number, s.line),
        None => String::new(),
    };
    let (done, again) = if reverting {
        ("reverted", "run down again")
    } else {
        ("applied", "run again")
    };
    let outcome = match (transaction, statement) {
        (TransactionMode::Transactional, _) => {
            format!("it was rolled back, so nothing of it was {done}")
        }
        (TransactionMode::NonTransactional, Some(s)) => format!(
            "it runs outside a transaction, so the statements before statement {n} stay \
             {done} and the history table records the failure; fix statement {n} (keeping \
             the ones before it unchanged) and {again} to resume from it",
            n = s.number
        ),
        (TransactionMode::NonTransactional, None) => {
            "it runs outside a transaction; the history table records how far it got".to_string()
        }
    };
    let hint = hint.map(|h| format!("; {h}")).unwrap_or_default();
    let what = if reverting {
        "the down file of migration"
    } else {
        "migration"
    };
    format!("{what} {version} {name:?} ({path}) failed{at}: {source}; {outcome}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_messages_name_migration_statement_and_consequence() {
        let e = Error::MigrationFailed {
            version: 3,
            name: "add_index",
            path: "migrations/V3__add_index.sql",
            reverting: false,
            transaction: TransactionMode::NonTransactional,
            statement: Some(StatementRef { number: 2, line: 7 }),
            source: Box::new(DriverError::server(
                "42P01",
                "relation \"nope\" does not exist",
            )),
            hint: None,
        };
        let text = e.to_string();
        assert!(text.starts_with(
            "migration 3 \"add_index\" (migrations/V3__add_index.sql) failed at statement 2 \
             (line 7): relation \"nope\" does not exist (SQLSTATE 42P01);"
        ));
        assert!(text.contains("resume from it"));
        assert_eq!(e.sqlstate(), Some("42P01"));
        assert_eq!(e.version(), Some(3));
    }
}
