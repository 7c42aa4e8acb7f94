//! `DROP` without `IF EXISTS`: the second run finds nothing to drop.

use super::dropped::kind_of;
use super::{Problem, UNDEFINED};
use pg_query::protobuf::{DropStmt, ObjectType};

/// `DROP TABLE`, `DROP TYPE`, ... (every kind `DropStmt` spells).
pub(super) fn drop_object(s: &DropStmt) -> Option<Problem> {
    if s.missing_ok {
        return None;
    }
    let noun = ObjectType::try_from(s.remove_type)
        .ok()
        .and_then(kind_of)
        .unwrap_or("object");
    without_if_exists(false, &format!("DROP {}", noun.to_uppercase()))
}

/// A drop spelled `what` (`DROP ROLE`, `DROP DATABASE`, ...) that has `IF EXISTS`
/// when `missing_ok`.
pub(super) fn without_if_exists(missing_ok: bool, what: &str) -> Option<Problem> {
    (!missing_ok)
        .then(|| Problem::needs_clause(what, "IF EXISTS", &format!("{what} IF EXISTS"), UNDEFINED))
}
