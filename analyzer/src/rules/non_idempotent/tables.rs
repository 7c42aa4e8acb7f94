//! Relations: `CREATE TABLE` (plain, foreign, `AS`), `SELECT ... INTO`, `CREATE
//! SEQUENCE` and `CREATE VIEW`, `CREATE MATERIALIZED VIEW`.

use super::dropped::Dropped;
use super::{Problem, DUPLICATE_RELATION};
use pg_query::protobuf::{
    CreateForeignTableStmt, CreateSeqStmt, CreateStmt, CreateTableAsStmt, ObjectType, SelectStmt,
    ViewStmt,
};

pub(super) fn create_table(s: &CreateStmt, dropped: &Dropped) -> Option<Problem> {
    let name = s.relation.as_ref().map_or("", |r| r.relname.as_str());
    (!s.if_not_exists && !dropped.has("table", name, None)).then(|| {
        Problem::needs_clause(
            "CREATE TABLE",
            "IF NOT EXISTS",
            "CREATE TABLE IF NOT EXISTS",
            DUPLICATE_RELATION,
        )
    })
}

pub(super) fn create_foreign_table(
    s: &CreateForeignTableStmt,
    dropped: &Dropped,
) -> Option<Problem> {
    let base = s.base_stmt.as_ref();
    let name = base
        .and_then(|b| b.relation.as_ref())
        .map_or("", |r| r.relname.as_str());
    (!base.is_some_and(|b| b.if_not_exists) && !dropped.has("foreign table", name, None)).then(
        || {
            Problem::needs_clause(
                "CREATE FOREIGN TABLE",
                "IF NOT EXISTS",
                "CREATE FOREIGN TABLE IF NOT EXISTS",
                DUPLICATE_RELATION,
            )
        },
    )
}

/// `CREATE TABLE ... AS` and `CREATE MATERIALIZED VIEW`.
pub(super) fn create_table_as(s: &CreateTableAsStmt, dropped: &Dropped) -> Option<Problem> {
    let name = s
        .into
        .as_ref()
        .and_then(|i| i.rel.as_ref())
        .map_or("", |r| r.relname.as_str());
    let matview = s.objtype == ObjectType::ObjectMatview as i32;
    let (kind, what) = if matview {
        ("matview", "CREATE MATERIALIZED VIEW")
    } else {
        ("table", "CREATE TABLE AS")
    };
    (!s.if_not_exists && !dropped.has(kind, name, None)).then(|| {
        let fixed = if matview {
            "CREATE MATERIALIZED VIEW IF NOT EXISTS"
        } else {
            "CREATE TABLE IF NOT EXISTS ... AS"
        };
        Problem::needs_clause(what, "IF NOT EXISTS", fixed, DUPLICATE_RELATION)
    })
}

/// `SELECT ... INTO new_table`.
pub(super) fn select_into(s: &SelectStmt, dropped: &Dropped) -> Option<Problem> {
    Some(Problem::needs_guard(
        "SELECT INTO",
        "DROP TABLE IF EXISTS ...",
        DUPLICATE_RELATION,
    ))
    .filter(|_| {
        let name = s
            .into_clause
            .as_ref()
            .and_then(|i| i.rel.as_ref())
            .map_or("", |r| r.relname.as_str());
        !dropped.has("table", name, None)
    })
}

pub(super) fn create_sequence(s: &CreateSeqStmt, dropped: &Dropped) -> Option<Problem> {
    let name = s.sequence.as_ref().map_or("", |r| r.relname.as_str());
    (!s.if_not_exists && !dropped.has("sequence", name, None)).then(|| {
        Problem::needs_clause(
            "CREATE SEQUENCE",
            "IF NOT EXISTS",
            "CREATE SEQUENCE IF NOT EXISTS",
            DUPLICATE_RELATION,
        )
    })
}

pub(super) fn create_view(s: &ViewStmt, dropped: &Dropped) -> Option<Problem> {
    let name = s.view.as_ref().map_or("", |r| r.relname.as_str());
    (!s.replace && !dropped.has("view", name, None)).then(|| {
        Problem::needs_clause(
            "CREATE VIEW",
            "OR REPLACE",
            "CREATE OR REPLACE VIEW",
            DUPLICATE_RELATION,
        )
    })
}
