//! pgstrata's runtime: the embedded [`Migration`]s, the history table, the advisory
//! lock and the [`Runner`] that applies what is pending.
//!
//! The `migrations!` macro expands to a `static MIGRATIONS: &[Migration]` and a
//! `runner()`; applications use them through the `pgstrata` facade:
//!
//! ```ignore
//! mod db {
//!     pgstrata::migrations!("migrations");
//! }
//! let report = db::runner().run(&mut client)?;
//! for m in &report.applied {
//!     println!("{} {} {:?}", m.version, m.name, m.duration);
//! }
//! ```
//!
//! How a run works:
//!
//! - One round trip reads the history table without a lock; when nothing is pending
//!   (and the applied migrations match the build) that is the whole run.
//! - Otherwise the run takes a session-level advisory lock keyed on the history table
//!   (waiting for it by polling, idle between tries, so that waiters cannot deadlock
//!   with a `CREATE INDEX CONCURRENTLY` run by the holder),
//!   creates the table if needed, reads and plans again, applies, and releases the lock
//!   on every path. Any number of replicas can start at once: each migration is applied
//!   exactly once.
//! - A transactional migration is one round trip: `BEGIN`, its SQL, its history row,
//!   `COMMIT`. A non-transactional one runs statement by statement and records its
//!   progress; a failed one is resumed at the failed statement by the next run, provided
//!   the statements before it are unchanged.
//! - Each migration starts from the session's `search_path` as it was when the lock
//!   was taken: one that sets it for the session (pg_dump's `set_config('search_path',
//!   '', false)`) does not change where the next one creates its objects, as it would
//!   not in a later run (and as the analyzer's catalog assumes).
//! - Applied migrations whose checksum changed (divergent), applied versions missing
//!   from the build, and pending migrations older than the newest applied one (out of
//!   order) are errors unless allowed.
//!
//! The loop is written once against the [`Driver`] trait; the `postgres` feature
//! implements it for `postgres::Client` (the sync methods: `run`, `up`, `status`, ...)
//! and the `tokio-postgres` feature for `tokio_postgres::Client` (the same operations
//! as `_async` methods: `run_async`, `up_async`, `status_async`, ...), which awaits
//! every query and every pause and never blocks a thread.
//!
//! # Cancellation
//!
//! A run dropped before it finished (a `tokio::time::timeout`, a shutdown) queues on
//! its connection, behind whatever that connection is still running: `ROLLBACK`, a
//! history record of where a statement-by-statement run stopped (the next run resumes
//! it there), the restore of the session's `search_path`, and the release of the
//! lock. A pooled connection is clean by the time its next user's first query runs,
//! and other replicas proceed as soon as the statement in flight ends.
//!
//! # The history table
//!
//! `"public"."pgstrata_schema_history"` unless configured ([`Runner::history_schema`],
//! [`Runner::history_table`]; names are always quoted identifiers):
//!
//! | column | type | meaning |
//! | --- | --- | --- |
//! | `version` | `bigint` primary key | the migration's version |
//! | `name` | `text` | its name |
//! | `checksum` | `text` | the build's checksum when it was (last) run |
//! | `transactional` | `boolean` | whether it ran in one transaction |
//! | `applied_at` | `timestamptz` default `now()` | when the record was last written |
//! | `execution_ms` | `bigint` | how long it took (null while running or failed) |
//! | `success` | `boolean` | false while a non-transactional migration runs, and after it failed |
//! | `statements_done` | `integer` | statements of a non-transactional migration completed |
//! | `statement_checksums` | `text` | comma-separated sha256 of each completed statement's text |
//! | `error` | `text` | what failed, naming statement and line; null when fine |
//!
//! # Resuming a failed non-transactional migration
//!
//! The next run resumes at statement `statements_done + 1` when the build still runs
//! the migration statement by statement and each completed statement's text (trimmed)
//! hashes to the checksum recorded for it. Otherwise it refuses
//! ([`Error::ResumeRefused`]) and says what to do: restore those statements, or undo them
//! by hand and delete the record so the migration runs from its start. A failed record
//! with no completed statement simply runs again, whatever changed.

mod apply;
#[cfg(feature = "drift")]
mod drift;
mod driver;
mod drivers;
mod embedded_files;
mod error;
mod exec;
mod history;
mod migration;
mod plan;
mod runner;
pub mod script;
mod session;
mod sql;
mod status;
mod target;

#[cfg(feature = "drift")]
pub use drift::{expected_schema, Change, Difference, Drift, DriftReport, ObjectKind};
pub use driver::{BlockingDriver, Driver, DriverError, Rows};
pub use embedded_files::{check_embedded, StaleEmbedding};
pub use error::{Error, StatementRef};
pub use history::{AppliedBy, HistoryRecord};
pub use migration::{Down, Migration, StatementSpan, TransactionMode};
pub use plan::{Plan, PlannedMigration};
pub use runner::{AppliedMigration, Report, Resolution, Resolved, Runner};
pub use status::{MigrationState, MigrationStatus, Status};
pub use target::Target;
