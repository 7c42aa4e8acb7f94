//! Statements that move an object to a new name: `RENAME` and `SET SCHEMA`. The
//! second run looks for the old name, which is gone.

use super::{Problem, ALLOW, UNDEFINED};
use pg_query::protobuf::{AlterObjectSchemaStmt, ObjectType, RenameStmt};

pub(super) fn rename(s: &RenameStmt) -> Option<Problem> {
    let renames_relation = matches!(
        ObjectType::try_from(s.rename_type),
        Ok(ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectIndex
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable)
    );
    // `ALTER TABLE IF EXISTS old RENAME TO new` skips once `old` is gone; for other
    // renames `IF EXISTS` is about the table, not the renamed column or constraint.
    if renames_relation && s.missing_ok {
        return None;
    }
    let help = if renames_relation {
        format!("write `ALTER ... IF EXISTS old RENAME TO new`, or {ALLOW}")
    } else {
        format!("run it in a `DO` block that checks the catalogs first, or {ALLOW}")
    };
    Some(Problem {
        message: "RENAME fails when run twice: the old name is gone".to_string(),
        help,
        words: 2,
        conditions: UNDEFINED,
    })
}

pub(super) fn set_schema(s: &AlterObjectSchemaStmt) -> Option<Problem> {
    (!s.missing_ok).then(|| {
        Problem::fails(
            "ALTER ... SET SCHEMA",
            "the object is no longer in its old schema",
            UNDEFINED,
        )
    })
}
