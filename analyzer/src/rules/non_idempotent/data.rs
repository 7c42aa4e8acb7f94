//! Statements that change rows: `INSERT`, `UPDATE`, `MERGE`, `SELECT` (that calls
//! `nextval()`) and `COPY ... FROM`. They run again without failing but change the
//! data again.

use super::{Problem, ALLOW, KEY_VIOLATION};
use crate::tree;
use pg_query::protobuf::{OnConflictAction, RangeVar};
use pg_query::NodeEnum;
use serde_json::Value;

/// `INSERT`, `UPDATE`, `MERGE` and `SELECT`: what changes the data on a second run.
/// The generic walks (over the tree as JSON) are costly on large `VALUES` lists, so
/// they run only when the text can hold what they look for.
pub(super) fn data_change(node: &NodeEnum, text: &str) -> Option<Problem> {
    if may_spell(text, "nextval") && tree::calls_nextval(&tree::json(node)) {
        return Some(Problem::changes(
            "a statement calling nextval()",
            "takes a new value from the sequence on every run",
            "use a fixed value (or `setval`)",
        ));
    }
    match node {
        NodeEnum::InsertStmt(s) => {
            let on_conflict = s.on_conflict_clause.as_deref();
            match on_conflict {
                Some(c) if c.action == OnConflictAction::OnconflictUpdate as i32 => {
                    let targets = tree::json(&c.target_list);
                    reads_what_it_writes(&targets, &target_names(s.relation.as_ref())).map(
                        |column| {
                            Problem::changes(
                                "INSERT ... ON CONFLICT DO UPDATE",
                                &format!("reads the column it writes (`{column}`)"),
                                "set the column from `EXCLUDED` or a constant",
                            )
                        },
                    )
                }
                Some(_) => None,
                None => {
                    let guarded = may_spell(text, "exists")
                        && s.select_stmt
                            .as_deref()
                            .map(tree::json)
                            .is_some_and(|q| tree::has_exists_subquery(&q));
                    (!guarded).then(|| Problem {
                        message: "INSERT without ON CONFLICT or a NOT EXISTS guard inserts the rows again (or fails on a key) when run twice".to_string(),
                        help: format!("write `INSERT ... ON CONFLICT DO NOTHING`, or `INSERT ... SELECT ... WHERE NOT EXISTS (...)`; or {ALLOW}"),
                        words: 2,
                        conditions: KEY_VIOLATION,
                    })
                }
            }
        }
        NodeEnum::UpdateStmt(s) => {
            let targets = tree::json(&s.target_list);
            reads_what_it_writes(&targets, &target_names(s.relation.as_ref())).map(|column| {
                Problem::changes(
                    "UPDATE",
                    &format!("reads the column it writes (`{column}`)"),
                    "set it to a value that does not depend on itself, or add a `WHERE` that excludes updated rows",
                )
            })
        }
        NodeEnum::MergeStmt(s) => {
            let clauses = tree::json(&s.merge_when_clauses);
            let names = target_names(s.relation.as_ref());
            tree::find_all(&clauses, "MergeWhenClause")
                .into_iter()
                .find_map(|clause| {
                    let targets = clause.get("target_list")?;
                    let column = reads_what_it_writes(targets, &names)?;
                    Some(Problem::changes(
                        "MERGE ... UPDATE",
                        &format!("reads the column it writes (`{column}`)"),
                        "set it to a value that does not depend on itself",
                    ))
                })
        }
        _ => None,
    }
}

/// Whether `text` can spell `word` (ASCII, any case): a quick test before a walk of
/// the whole tree. A `U&"..."` identifier can spell any word with escapes, so text
/// that has one always can.
fn may_spell(text: &str, word: &str) -> bool {
    let contains = |needle: &[u8]| {
        text.as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
    };
    contains(word.as_bytes()) || contains(b"u&")
}

/// The names a statement's target table goes by (its name and alias).
fn target_names(relation: Option<&RangeVar>) -> Vec<String> {
    relation
        .map(|r| {
            let mut names = vec![r.relname.clone()];
            names.extend(r.alias.as_ref().map(|a| a.aliasname.clone()));
            names
        })
        .unwrap_or_default()
}

/// The first column a `SET` list writes and also reads from the target row
/// (`SET n = n + 1`, `SET n = t.n + 1`). A reference qualified with another
/// relation (`src.n`, `EXCLUDED.n`) reads that relation instead.
fn reads_what_it_writes(targets: &Value, target: &[String]) -> Option<String> {
    let res_targets = tree::find_all(targets, "ResTarget");
    let written: Vec<&str> = res_targets
        .iter()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .filter(|n| !n.is_empty())
        .collect();
    for res_target in res_targets {
        let Some(val) = res_target.get("val") else {
            continue;
        };
        for reference in tree::find_all(val, "ColumnRef") {
            let fields = reference.get("fields").map(tree::names).unwrap_or_default();
            let reads_target = match fields.as_slice() {
                [_] => true,
                [.., qualifier, _] => target.iter().any(|t| t == qualifier),
                [] => false,
            };
            if !reads_target {
                continue;
            }
            if let Some(column) = fields.last().filter(|c| written.contains(&c.as_str())) {
                return Some(column.clone());
            }
        }
    }
    None
}

pub(super) fn copy_from() -> Option<Problem> {
    Some(Problem::changes(
        "COPY ... FROM",
        "loads the rows again",
        "load into a staging table and `INSERT ... ON CONFLICT` from it",
    ))
}
