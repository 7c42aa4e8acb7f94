//! The one thing the runner needs from a database client: send a simple query (one or
//! more statements in one string, one round trip) and get its rows back as text.
//!
//! The method returns a future so one runner loop serves both kinds of client: a sync
//! client (`postgres::Client`, a [`BlockingDriver`]) does its work when called and
//! returns a ready future, which the sync methods complete without an executor; an
//! async client (`tokio-postgres`, feature `tokio-postgres`) returns its real future,
//! and the `_async` methods await the same loop. Nothing in the runner knows a driver
//! type.

use std::fmt;
use std::future::{ready, Future};
use std::time::Duration;

/// Text rows: one `Vec` per row, `None` for SQL `NULL`. With several statements in one
/// string, the rows of all of them, in order.
pub type Rows = Vec<Vec<Option<String>>>;

/// A database client the runner can drive.
pub trait Driver {
    /// Sends `sql` as one simple query (`Query` message: no parameters, possibly several
    /// statements) and returns the rows it produced.
    fn simple(&mut self, sql: &str) -> impl Future<Output = Result<Rows, DriverError>> + Send;

    /// Waits between two attempts to take the migration lock. The default blocks the
    /// thread, which is right for a sync driver; an async driver overrides it with its
    /// runtime's timer.
    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> + Send {
        std::thread::sleep(duration);
        ready(())
    }

    /// Queues `sql` to run after whatever the connection is doing, without waiting for
    /// it: called when a run is dropped before it finished (an async timeout or
    /// shutdown, a panic), to roll back, record where it stopped and release the
    /// migration lock on a connection that may go back to a pool. Errors are ignored:
    /// nobody is left to report them to. The default does nothing, which leaves the
    /// lock with the session until the connection closes.
    fn abandon(&mut self, sql: &str) {
        let _ = sql;
    }
}

/// A [`Driver`] whose futures are complete when created (a sync client): the sync
/// methods (`Runner::run_with`, ...) drive them on the calling thread, which would
/// block an async runtime's worker if they were given an async client.
pub trait BlockingDriver: Driver {}

/// A failure reported by a driver: the server's error (with its SQLSTATE) or a client
/// or connection problem.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriverError {
    /// The five-character SQLSTATE when the server sent an error, e.g. `42P01`.
    pub sqlstate: Option<String>,
    /// The server's primary message, or the client's description of the problem.
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// The 1-based character position in the query string the server pointed at.
    pub position: Option<u32>,
    /// The connection is gone: nothing more can be sent on it (and the server has
    /// released the session's advisory lock with it).
    pub closed: bool,
}

impl DriverError {
    /// A client-side error without SQLSTATE.
    pub fn new(message: impl Into<String>) -> Self {
        DriverError {
            sqlstate: None,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            closed: false,
        }
    }

    /// An error the server sent.
    pub fn server(sqlstate: impl Into<String>, message: impl Into<String>) -> Self {
        DriverError {
            sqlstate: Some(sqlstate.into()),
            ..DriverError::new(message)
        }
    }

    pub fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn with_position(mut self, position: Option<u32>) -> Self {
        self.position = position;
        self
    }

    /// Marks the connection as closed.
    pub fn with_closed(mut self, closed: bool) -> Self {
        self.closed = closed;
        self
    }

    /// Whether the server reported this SQLSTATE.
    pub fn is(&self, sqlstate: &str) -> bool {
        self.sqlstate.as_deref() == Some(sqlstate)
    }
}

/// `relation "x" does not exist (SQLSTATE 42P01); detail: ...; hint: ...`
impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.sqlstate {
            write!(f, " (SQLSTATE {code})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "; detail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DriverError {}

/// SQLSTATEs the runner tells apart.
pub(crate) mod sqlstate {
    /// `undefined_table`: the history table does not exist yet.
    pub const UNDEFINED_TABLE: &str = "42P01";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_message_sqlstate_detail_and_hint() {
        let e = DriverError::server("23505", "duplicate key value")
            .with_detail(Some("Key (id)=(1) already exists.".into()))
            .with_hint(None);
        assert_eq!(
            e.to_string(),
            "duplicate key value (SQLSTATE 23505); detail: Key (id)=(1) already exists."
        );
        assert!(e.is("23505"));
        assert!(!DriverError::new("connection closed").is("23505"));
    }
}
