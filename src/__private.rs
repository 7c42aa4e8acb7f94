//! Called by the code `migrations!` generates; not a public API.
//!
//! What every table or enum would otherwise repeat lives here once, so the generated
//! module stays small: rustc reads it on every build and rust-analyzer on every
//! keystroke.

// Empty without the type-crate features.
#[allow(unused_imports)]
pub use crate::types::*;
pub use bytes;
#[cfg(feature = "postgres")]
pub use postgres;
pub use postgres_types;
#[cfg(feature = "tokio-postgres")]
pub use tokio_postgres;

// The row and error types the generated `Row` reads with: `postgres` re-exports
// tokio-postgres's, so either client names the same types.
#[cfg(feature = "postgres")]
pub use postgres::{Error as ClientError, Row};
#[cfg(all(feature = "tokio-postgres", not(feature = "postgres")))]
pub use tokio_postgres::{Error as ClientError, Row};

use postgres_types::{IsNull, ToSql, Type};
use std::error::Error;

/// A statement parameter, as the `postgres` client takes them.
pub type Param<'a> = &'a (dyn ToSql + Sync);

/// Debug builds: stop loudly when the migrations directory no longer holds the
/// files this binary embedded (a migration added without a rebuild would otherwise
/// be silently missing from the run).
pub fn assert_embedded_current(root: &str, embedded: &[&str]) {
    if let Err(stale) = crate::check_embedded(std::path::Path::new(root), embedded) {
        panic!("{stale}");
    }
}

/// The statement spans of one migration, from `[start, end, line]` triples; the macro
/// writes them flat because a list of struct literals is three times the code.
pub const fn spans<const N: usize>(flat: &[u32]) -> [crate::StatementSpan; N] {
    let mut spans = [crate::StatementSpan {
        start: 0,
        end: 0,
        line: 0,
    }; N];
    let mut i = 0;
    while i < N {
        spans[i] = crate::StatementSpan {
            start: flat[3 * i],
            end: flat[3 * i + 1],
            line: flat[3 * i + 2],
        };
        i += 1;
    }
    spans
}

/// One column of an `Insert`: its quoted name, the type its parameter is cast to (a
/// domain's base type; empty for none), and its value when it has one.
pub type InsertColumn<'a> = (&'static str, &'static str, Option<Param<'a>>);

/// A column an `Insert` always sets: its quoted name and value.
pub fn required<'a, T: ToSql + Sync>(column: &'static str, value: &'a T) -> InsertColumn<'a> {
    required_as(column, "", value)
}

/// A column an `Insert` sets when it is `Some`, and otherwise leaves to the server.
pub fn optional<'a, T: ToSql + Sync>(
    column: &'static str,
    value: &'a Option<T>,
) -> InsertColumn<'a> {
    optional_as(column, "", value)
}

/// [`required`] for a column of a domain: the parameter is cast to the domain's base
/// type, since the `postgres` crate refuses a parameter typed as the domain itself.
pub fn required_as<'a, T: ToSql + Sync>(
    column: &'static str,
    cast: &'static str,
    value: &'a T,
) -> InsertColumn<'a> {
    (column, cast, Some(value))
}

/// [`optional`] for a column of a domain (see [`required_as`]).
pub fn optional_as<'a, T: ToSql + Sync>(
    column: &'static str,
    cast: &'static str,
    value: &'a Option<T>,
) -> InsertColumn<'a> {
    (column, cast, value.as_ref().map(|v| v as Param<'a>))
}

/// `INSERT INTO table (...) VALUES ($1, ...)` for the columns that have a value, and
/// those values; `DEFAULT VALUES` when none has.
pub fn insert_sql<'a>(table: &str, columns: &[InsertColumn<'a>]) -> (String, Vec<Param<'a>>) {
    let mut names = Vec::new();
    let mut placeholders = Vec::new();
    let mut values = Vec::new();
    for (name, cast, value) in columns {
        if let Some(value) = value {
            names.push(*name);
            values.push(*value);
            let placeholder = format!("${}", values.len());
            placeholders.push(if cast.is_empty() {
                placeholder
            } else {
                format!("{placeholder}::{cast}")
            });
        }
    }
    if names.is_empty() {
        return (format!("INSERT INTO {table} DEFAULT VALUES"), values);
    }
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        placeholders.join(", ")
    );
    (sql, values)
}

/// Runs an insert built by [`insert_sql`]; the number of rows inserted.
#[cfg(feature = "postgres")]
pub fn execute_insert(
    client: &mut impl postgres::GenericClient,
    (sql, values): (String, Vec<Param<'_>>),
) -> Result<u64, postgres::Error> {
    client.execute(sql.as_str(), &values)
}

/// Runs an insert built by [`insert_sql`] with `RETURNING select`, and reads the row.
#[cfg(feature = "postgres")]
pub fn insert_returning<R>(
    client: &mut impl postgres::GenericClient,
    (sql, values): (String, Vec<Param<'_>>),
    select: &str,
    read: fn(&postgres::Row) -> Result<R, postgres::Error>,
) -> Result<R, postgres::Error> {
    let sql = format!("{sql} RETURNING {select}");
    read(&client.query_one(sql.as_str(), &values)?)
}

/// [`execute_insert`] through `tokio-postgres`.
#[cfg(feature = "tokio-postgres")]
pub async fn execute_insert_async(
    client: &impl tokio_postgres::GenericClient,
    (sql, values): (String, Vec<Param<'_>>),
) -> Result<u64, tokio_postgres::Error> {
    client.execute(sql.as_str(), &values).await
}

/// [`insert_returning`] through `tokio-postgres`.
#[cfg(feature = "tokio-postgres")]
pub async fn insert_returning_async<R>(
    client: &impl tokio_postgres::GenericClient,
    (sql, values): (String, Vec<Param<'_>>),
    select: &str,
    read: fn(&tokio_postgres::Row) -> Result<R, tokio_postgres::Error>,
) -> Result<R, tokio_postgres::Error> {
    let sql = format!("{sql} RETURNING {select}");
    read(&client.query_one(sql.as_str(), &values).await?)
}

/// An enum value as PostgreSQL's binary format has it: the label's bytes.
pub fn enum_to_sql(
    label: &str,
    out: &mut bytes::BytesMut,
) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
    out.extend_from_slice(label.as_bytes());
    Ok(IsNull::No)
}

/// Whether `ty` is the enum type `schema.name`.
pub fn enum_accepts(ty: &Type, schema: &str, name: &str) -> bool {
    ty.name() == name && ty.schema() == schema
}

/// The variant of `all` whose label is in `raw`.
pub fn enum_from_sql<T: Copy>(
    raw: &[u8],
    all: &[T],
    label_of: fn(T) -> &'static str,
    name: &str,
) -> Result<T, Box<dyn Error + Sync + Send>> {
    let label = std::str::from_utf8(raw)?;
    all.iter()
        .copied()
        .find(|v| label_of(*v) == label)
        .ok_or_else(|| format!("`{label}` is not a label of {name}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_name_the_columns_that_have_values() {
        let (id, note): (i32, Option<String>) = (7, None);
        let (sql, values) = insert_sql(
            "\"public\".\"t\"",
            &[required("\"id\"", &id), optional("\"note\"", &note)],
        );
        assert_eq!(sql, "INSERT INTO \"public\".\"t\" (\"id\") VALUES ($1)");
        assert_eq!(values.len(), 1);
        let (sql, values) = insert_sql("t", &[optional("\"note\"", &note)]);
        assert_eq!(sql, "INSERT INTO t DEFAULT VALUES");
        assert!(values.is_empty());
    }

    #[test]
    fn a_domain_column_casts_its_parameter_to_the_base_type() {
        let (id, email, note): (i32, Option<String>, Option<String>) =
            (7, Some("a@b.c".into()), Some("n".into()));
        let (sql, values) = insert_sql(
            "t",
            &[
                required("\"id\"", &id),
                optional_as("\"email\"", "\"pg_catalog\".\"text\"", &email),
                optional("\"note\"", &note),
            ],
        );
        assert_eq!(
            sql,
            "INSERT INTO t (\"id\", \"email\", \"note\") VALUES ($1, $2::\"pg_catalog\".\"text\", $3)"
        );
        assert_eq!(values.len(), 3);
    }

    #[test]
    fn spans_come_from_triples() {
        const SPANS: [crate::StatementSpan; 2] = spans(&[0, 5, 1, 7, 9, 2]);
        assert_eq!(SPANS[1].start, 7);
        assert_eq!(SPANS[1].line, 2);
    }
}
