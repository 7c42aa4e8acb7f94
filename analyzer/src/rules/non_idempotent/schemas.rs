//! Namespaces and packages of objects: `CREATE SCHEMA`, `CREATE EXTENSION` and
//! `ALTER EXTENSION ... ADD/DROP`.

use super::dropped::Dropped;
use super::{Problem, ANY_ERROR, DUPLICATE_OBJECT, DUPLICATE_SCHEMA};
use pg_query::protobuf::{CreateExtensionStmt, CreateSchemaStmt};

pub(super) fn create_schema(s: &CreateSchemaStmt, dropped: &Dropped) -> Option<Problem> {
    (!s.if_not_exists && !dropped.has("schema", &s.schemaname, None)).then(|| {
        Problem::needs_clause(
            "CREATE SCHEMA",
            "IF NOT EXISTS",
            "CREATE SCHEMA IF NOT EXISTS",
            DUPLICATE_SCHEMA,
        )
    })
}

pub(super) fn create_extension(s: &CreateExtensionStmt, dropped: &Dropped) -> Option<Problem> {
    (!s.if_not_exists && !dropped.has("extension", &s.extname, None)).then(|| {
        Problem::needs_clause(
            "CREATE EXTENSION",
            "IF NOT EXISTS",
            "CREATE EXTENSION IF NOT EXISTS",
            DUPLICATE_OBJECT,
        )
    })
}

/// `ALTER EXTENSION ... ADD/DROP` a member object.
pub(super) fn alter_extension_contents() -> Option<Problem> {
    Some(Problem::fails(
        "ALTER EXTENSION ... ADD/DROP",
        "the member was already added or dropped",
        ANY_ERROR,
    ))
}
