//! `catalog`: what PostgreSQL would reject given the schema the earlier migrations
//! built: an unknown table, column, type, schema, constraint or index; an object
//! created twice; a foreign key to columns that are not a key.
//!
//! Unlike the other statement rules it needs state across files: the pipeline folds
//! every statement, in order, into a [`CatalogBuilder`] and hands this rule what the
//! fold found. Where the fold could not follow (dynamic SQL, an unknown extension), it is
//! silent: no false errors.

use super::{Finding, RuleMeta, StatementContext};
use crate::catalog::{Anchor, CatalogBuilder, Problem, ProblemKind};
use pg_query::NodeEnum;
use std::ops::Range;

pub static RULE: RuleMeta = RuleMeta {
    id: "catalog",
    summary: "a statement refers to something the earlier migrations did not create, or creates something twice",
    explanation: "pgstrata folds every migration, in order, into a model of the schema \
(the catalog) and checks each statement against what the migrations before it created, \
as PostgreSQL would when the migration runs: a table, column, type, schema, constraint or \
index that does not exist; a table, index, type or constraint created twice; a foreign key \
whose referenced columns are not the primary key or a unique constraint; dropping or \
altering what does not exist without `IF EXISTS`. The message names the object and, \
where a close name exists, suggests it (\"did you mean `thread_id`?\").\n\n\
The catalog follows `SET search_path`, quoted identifiers, `DO` blocks (their static SQL, \
existence checks and exception handlers) and the types of common extensions. What it \
cannot follow (SQL built at run time in `EXECUTE`, a procedure it cannot see into, an \
extension it does not know) makes the objects it may have touched uncertain, and nothing \
uncertain is reported. An object created outside the migrations (by a tool or an \
operator) can be allowed per statement.",
    allowable: true,
    bad: r#"CREATE TABLE threads (id bigint PRIMARY KEY, title text);
CREATE TABLE messages (
    id bigint PRIMARY KEY,
    thread_id bigint REFERENCES thread (id),
    body text
);
CREATE INDEX messages_thread_idx ON messages (thread);"#,
    good: r#"CREATE TABLE threads (id bigint PRIMARY KEY, title text);
CREATE TABLE messages (
    id bigint PRIMARY KEY,
    thread_id bigint REFERENCES threads (id),
    body text
);
CREATE INDEX messages_thread_idx ON messages (thread_id);"#,
};

const ALLOW: &str = "`-- pgstrata:allow(catalog)` above the statement";

/// Folds the statement into the catalog and reports what the server would reject.
pub fn check(ctx: &StatementContext<'_>, builder: &mut CatalogBuilder, out: &mut Vec<Finding>) {
    let Some(node) = &ctx.statement.node else {
        return;
    };
    for problem in builder.apply(node) {
        out.push(finding(ctx, node, &problem));
    }
}

fn finding(ctx: &StatementContext<'_>, node: &NodeEnum, problem: &Problem) -> Finding {
    let range = locate(ctx, node, &problem.anchor);
    let help = match (problem.suggestion(), &problem.kind) {
        (Some(close), _) => format!("did you mean `{close}`?"),
        (None, ProblemKind::Unknown { .. }) => format!(
            "create it in an earlier migration or fix the name; if it is created outside the migrations, put {ALLOW}"
        ),
        (None, ProblemKind::Duplicate { .. }) => format!(
            "an earlier statement created it: write `IF NOT EXISTS` where PostgreSQL allows it, drop it first, or choose another name; or put {ALLOW}"
        ),
        (None, ProblemKind::Dependents { dependent, .. }) => format!(
            "{dependent} depends on it: drop that first in the same statement or before it, or write `CASCADE`; or put {ALLOW}"
        ),
        (None, ProblemKind::ForeignKeyNotKey { .. }) => format!(
            "reference the primary key, or add a unique constraint on the referenced columns first; or put {ALLOW}"
        ),
    };
    Finding {
        rule: RULE.id,
        message: problem.message(),
        help,
        range,
    }
}

/// The bytes of the file to underline for a problem.
fn locate(ctx: &StatementContext<'_>, node: &NodeEnum, anchor: &Anchor) -> Range<usize> {
    let statement = &ctx.statement.range;
    let text = ctx.file.text.as_str();
    let fallback = || ctx.leading_words(leading_words(node));
    match anchor {
        Anchor::Location(location) => {
            let Ok(offset) = usize::try_from(*location) else {
                return fallback();
            };
            let start = ctx.statement.location_base + offset;
            if start < statement.start || start >= statement.end {
                return fallback();
            }
            let end = name_end(text, start, statement.end);
            if end > start {
                start..end
            } else {
                fallback()
            }
        }
        Anchor::Name(name) => {
            find_identifier(text, statement.clone(), name).unwrap_or_else(fallback)
        }
        Anchor::Statement => fallback(),
    }
}

/// How many leading words name a statement (`ALTER TABLE`, `CREATE INDEX`, `DO`).
pub(super) fn leading_words(node: &NodeEnum) -> usize {
    match node {
        NodeEnum::DoStmt(_) => 1,
        NodeEnum::InsertStmt(_) | NodeEnum::DeleteStmt(_) => 2,
        NodeEnum::UpdateStmt(_) | NodeEnum::SelectStmt(_) => 1,
        _ => 2,
    }
}

/// The end of a (possibly qualified, possibly quoted) name starting at `start`.
fn name_end(text: &str, start: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let limit = limit.min(bytes.len());
    let mut i = start;
    loop {
        match bytes.get(i) {
            Some(b'"') => {
                i += 1;
                while i < limit {
                    if bytes[i] == b'"' {
                        if bytes.get(i + 1) == Some(&b'"') {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
            Some(b) if is_identifier_byte(*b) => {
                while i < limit && is_identifier_byte(bytes[i]) {
                    i += 1;
                }
            }
            _ => break,
        }
        if i < limit
            && bytes[i] == b'.'
            && bytes
                .get(i + 1)
                .is_some_and(|b| *b == b'"' || is_identifier_byte(*b))
        {
            i += 1;
            continue;
        }
        break;
    }
    // Stay on a character boundary whatever the bytes were.
    while i > start && !text.is_char_boundary(i) {
        i -= 1;
    }
    i.min(limit)
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The first place in `range` where `name` is written as an identifier: quoted
/// exactly, or unquoted in any case when it folds to `name`.
pub(super) fn find_identifier(text: &str, range: Range<usize>, name: &str) -> Option<Range<usize>> {
    let piece = text.get(range.clone())?;
    let bytes = piece.as_bytes();
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let folds = name.chars().all(|c| !c.is_uppercase());
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\'' {
            in_string = !in_string;
            i += 1;
            continue;
        }
        if in_string {
            i += 1;
            continue;
        }
        if bytes[i..].starts_with(quoted.as_bytes()) {
            return Some(range.start + i..range.start + i + quoted.len());
        }
        if is_identifier_byte(b) && (i == 0 || !is_identifier_byte(bytes[i - 1])) {
            let mut end = i;
            while end < bytes.len() && is_identifier_byte(bytes[end]) {
                end += 1;
            }
            let word = piece.get(i..end).unwrap_or_default();
            let matches = if folds {
                word.to_lowercase() == name
            } else {
                word == name
            };
            if matches {
                return Some(range.start + i..range.start + end);
            }
            i = end;
            continue;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests;
