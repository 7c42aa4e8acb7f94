//! Objects of the whole cluster rather than one database: databases, tablespaces
//! and roles.

use super::dropped::Dropped;
use super::{Problem, DUPLICATE_DATABASE, DUPLICATE_OBJECT};
use pg_query::protobuf::CreateRoleStmt;

pub(super) fn create_database() -> Option<Problem> {
    Some(Problem::fails(
        "CREATE DATABASE",
        "the database exists",
        DUPLICATE_DATABASE,
    ))
}

pub(super) fn create_tablespace() -> Option<Problem> {
    Some(Problem::fails(
        "CREATE TABLESPACE",
        "the tablespace exists",
        DUPLICATE_OBJECT,
    ))
}

pub(super) fn create_role(s: &CreateRoleStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("role", &s.role, None))
        .then(|| Problem::needs_guard("CREATE ROLE", "DROP ROLE IF EXISTS ...", DUPLICATE_OBJECT))
}
