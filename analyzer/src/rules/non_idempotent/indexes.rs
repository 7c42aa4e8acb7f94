//! Indexes and what indexes are built from: `CREATE INDEX`, `CREATE STATISTICS`,
//! operator classes and families, access methods.

use super::dropped::Dropped;
use super::{last_name, Problem, ANY_ERROR, DUPLICATE_OBJECT, DUPLICATE_RELATION};
use pg_query::protobuf::{
    CreateAmStmt, CreateOpClassStmt, CreateOpFamilyStmt, CreateStatsStmt, IndexStmt,
};

pub(super) fn create_index(s: &IndexStmt, dropped: &Dropped) -> Option<Problem> {
    if s.idxname.is_empty() {
        return Some(Problem::changes(
            "CREATE INDEX without a name",
            "creates another index on every run",
            "name the index and write `CREATE INDEX IF NOT EXISTS name`",
        ));
    }
    (!s.if_not_exists && !dropped.has("index", &s.idxname, None)).then(|| {
        let what = if s.unique {
            "CREATE UNIQUE INDEX"
        } else {
            "CREATE INDEX"
        };
        Problem::needs_clause(
            what,
            "IF NOT EXISTS",
            &format!("{what} IF NOT EXISTS"),
            DUPLICATE_RELATION,
        )
    })
}

pub(super) fn create_statistics(s: &CreateStatsStmt, dropped: &Dropped) -> Option<Problem> {
    (!s.if_not_exists && !dropped.has("statistics", &last_name(&s.defnames), None)).then(|| {
        Problem::needs_clause(
            "CREATE STATISTICS",
            "IF NOT EXISTS",
            "CREATE STATISTICS IF NOT EXISTS",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_operator_class(s: &CreateOpClassStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("operator class", &last_name(&s.opclassname), None)).then(|| {
        Problem::needs_guard(
            "CREATE OPERATOR CLASS",
            "DROP OPERATOR CLASS IF EXISTS ... USING ...",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_operator_family(s: &CreateOpFamilyStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("operator family", &last_name(&s.opfamilyname), None)).then(|| {
        Problem::needs_guard(
            "CREATE OPERATOR FAMILY",
            "DROP OPERATOR FAMILY IF EXISTS ... USING ...",
            DUPLICATE_OBJECT,
        )
    })
}

/// `ALTER OPERATOR FAMILY ... ADD/DROP`.
pub(super) fn alter_operator_family() -> Option<Problem> {
    Some(Problem::fails(
        "ALTER OPERATOR FAMILY ... ADD/DROP",
        "the operator or function was already added or dropped",
        ANY_ERROR,
    ))
}

pub(super) fn create_access_method(s: &CreateAmStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("access method", &s.amname, None)).then(|| {
        Problem::needs_guard(
            "CREATE ACCESS METHOD",
            "DROP ACCESS METHOD IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}
