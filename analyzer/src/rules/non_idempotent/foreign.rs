//! Foreign data: wrappers, servers, user mappings and `IMPORT FOREIGN SCHEMA`
//! (`CREATE FOREIGN TABLE` is with the other tables).

use super::dropped::Dropped;
use super::{Problem, DUPLICATE_OBJECT, DUPLICATE_RELATION};
use pg_query::protobuf::{CreateFdwStmt, CreateForeignServerStmt, CreateUserMappingStmt};

pub(super) fn create_wrapper(s: &CreateFdwStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("foreign-data wrapper", &s.fdwname, None)).then(|| {
        Problem::needs_guard(
            "CREATE FOREIGN DATA WRAPPER",
            "DROP FOREIGN DATA WRAPPER IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_server(s: &CreateForeignServerStmt, dropped: &Dropped) -> Option<Problem> {
    (!s.if_not_exists && !dropped.has("server", &s.servername, None)).then(|| {
        Problem::needs_clause(
            "CREATE SERVER",
            "IF NOT EXISTS",
            "CREATE SERVER IF NOT EXISTS",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_user_mapping(s: &CreateUserMappingStmt) -> Option<Problem> {
    (!s.if_not_exists).then(|| {
        Problem::needs_clause(
            "CREATE USER MAPPING",
            "IF NOT EXISTS",
            "CREATE USER MAPPING IF NOT EXISTS",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn import_foreign_schema() -> Option<Problem> {
    Some(Problem::fails(
        "IMPORT FOREIGN SCHEMA",
        "the imported tables exist",
        DUPLICATE_RELATION,
    ))
}
