//! What both client crates share: `postgres` wraps `tokio-postgres`, and its error and
//! simple-query message types are tokio-postgres's own.

#[cfg(feature = "postgres")]
use postgres::{error::ErrorPosition, Error, SimpleQueryMessage};
#[cfg(not(feature = "postgres"))]
use tokio_postgres::{error::ErrorPosition, Error, SimpleQueryMessage};

use crate::driver::{DriverError, Rows};

/// The rows of a simple query's messages, as text.
pub(crate) fn rows(messages: Vec<SimpleQueryMessage>) -> Result<Rows, DriverError> {
    let mut rows = Vec::new();
    for message in messages {
        if let SimpleQueryMessage::Row(row) = message {
            let values = (0..row.len())
                .map(|i| row.try_get(i).map(|v| v.map(str::to_string)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(driver_error)?;
            rows.push(values);
        }
    }
    Ok(rows)
}

/// Keeps the server's fields apart (SQLSTATE, message, detail, hint, position); other
/// errors keep the client's text, which never includes connection parameters.
pub(crate) fn driver_error(e: Error) -> DriverError {
    let closed = e.is_closed();
    let error = match e.as_db_error() {
        Some(db) => DriverError::server(db.code().code(), db.message())
            .with_detail(db.detail().map(str::to_string))
            .with_hint(db.hint().map(str::to_string))
            .with_position(match db.position() {
                Some(ErrorPosition::Original(p)) => Some(*p),
                _ => None,
            }),
        None => DriverError::new(e.to_string()),
    };
    error.with_closed(closed)
}
