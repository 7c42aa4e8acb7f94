//! `ALTER TABLE` subcommands: what a second run finds already added, dropped,
//! attached or converted.

use super::dropped::Dropped;
use super::{Problem, ANY_ERROR, DUPLICATE_COLUMN, DUPLICATE_RELATION, UNDEFINED};
use crate::tree;
use pg_query::protobuf::{AlterTableStmt, AlterTableType, ConstrType, Node};
use pg_query::NodeEnum;
use serde_json::Value;

/// The first subcommand that cannot run twice.
pub(super) fn alter_table(s: &AlterTableStmt, dropped: &Dropped) -> Option<Problem> {
    let table = s.relation.as_ref().map_or("", |r| r.relname.as_str());
    s.cmds
        .iter()
        .find_map(|cmd| alter_table_cmd(cmd, table, dropped))
}

fn alter_table_cmd(cmd: &Node, table: &str, dropped: &Dropped) -> Option<Problem> {
    let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
        return None;
    };
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    let was_dropped = |kind: &'static str, name: &str| dropped.has(kind, name, Some(table));
    match AlterTableType::try_from(cmd.subtype).ok()? {
        AlterTableType::AtAddColumn | AlterTableType::AtAddColumnToView => {
            let column = match def {
                Some(NodeEnum::ColumnDef(c)) => c.colname.as_str(),
                _ => "",
            };
            (!cmd.missing_ok && !was_dropped("column", column)).then(|| {
                Problem::needs_clause(
                    "ALTER TABLE ... ADD COLUMN",
                    "IF NOT EXISTS",
                    "ADD COLUMN IF NOT EXISTS",
                    DUPLICATE_COLUMN,
                )
            })
        }
        AlterTableType::AtDropColumn => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP COLUMN",
                "IF EXISTS",
                "DROP COLUMN IF EXISTS",
                UNDEFINED,
            )
        }),
        AlterTableType::AtAddConstraint
        | AlterTableType::AtAddIndexConstraint
        | AlterTableType::AtAddIndex => {
            let Some(NodeEnum::Constraint(constraint)) = def else {
                return None;
            };
            if constraint.conname.is_empty() {
                let primary = constraint.contype == ConstrType::ConstrPrimary as i32;
                return Some(if primary {
                    Problem::fails(
                        "ALTER TABLE ... ADD PRIMARY KEY",
                        "the table has its primary key",
                        ANY_ERROR,
                    )
                } else {
                    Problem::changes(
                        "ALTER TABLE ... ADD CONSTRAINT without a name",
                        "adds another constraint on every run",
                        "name the constraint and drop it first with `DROP CONSTRAINT IF EXISTS name`",
                    )
                });
            }
            (!was_dropped("constraint", &constraint.conname)).then(|| {
                Problem::needs_guard(
                    "ALTER TABLE ... ADD CONSTRAINT",
                    "ALTER TABLE ... DROP CONSTRAINT IF EXISTS ...",
                    DUPLICATE_RELATION,
                )
            })
        }
        AlterTableType::AtDropConstraint => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP CONSTRAINT",
                "IF EXISTS",
                "DROP CONSTRAINT IF EXISTS",
                UNDEFINED,
            )
        }),
        AlterTableType::AtAlterColumnType => {
            let using = match def {
                Some(NodeEnum::ColumnDef(c)) => c.raw_default.as_deref().map(tree::json),
                _ => None,
            };
            using.filter(computes).map(|_| {
                Problem::changes(
                    "ALTER TABLE ... ALTER COLUMN ... TYPE ... USING",
                    "rewrites the column with an expression that a second run applies to its own result",
                    "make the conversion a plain cast, or guard it with a check of the column's current type in a `DO` block",
                )
            })
        }
        AlterTableType::AtAddInherit => Some(Problem::fails(
            "ALTER TABLE ... INHERIT",
            "the table already inherits",
            ANY_ERROR,
        )),
        AlterTableType::AtDropInherit => Some(Problem::fails(
            "ALTER TABLE ... NO INHERIT",
            "the table no longer inherits",
            ANY_ERROR,
        )),
        AlterTableType::AtAttachPartition => Some(Problem::fails(
            "ALTER TABLE ... ATTACH PARTITION",
            "the partition is attached",
            ANY_ERROR,
        )),
        AlterTableType::AtDetachPartition | AlterTableType::AtDetachPartitionFinalize => {
            Some(Problem::fails(
                "ALTER TABLE ... DETACH PARTITION",
                "the partition is detached",
                ANY_ERROR,
            ))
        }
        AlterTableType::AtAddIdentity => Some(Problem::fails(
            "ALTER TABLE ... ADD GENERATED ... AS IDENTITY",
            "the column is an identity column",
            ANY_ERROR,
        )),
        AlterTableType::AtDropIdentity => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP IDENTITY",
                "IF EXISTS",
                "DROP IDENTITY IF EXISTS",
                ANY_ERROR,
            )
        }),
        AlterTableType::AtDropExpression => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP EXPRESSION",
                "IF EXISTS",
                "DROP EXPRESSION IF EXISTS",
                ANY_ERROR,
            )
        }),
        AlterTableType::AtDropOf => Some(Problem::fails(
            "ALTER TABLE ... NOT OF",
            "the table is no longer typed",
            ANY_ERROR,
        )),
        _ => None,
    }
}

/// A `USING` expression that computes (calls, operators, conditions) rather than
/// casting the column: applied to its own output it gives another answer or fails.
fn computes(using: &Value) -> bool {
    [
        "FuncCall",
        "AExpr",
        "CaseExpr",
        "BoolExpr",
        "SubLink",
        "CoalesceExpr",
        "NullTest",
    ]
    .iter()
    .any(|kind| !tree::find_all(using, kind).is_empty())
}
