//! Which functions change the schema when they run (DDL or SQL built at run time in
//! their bodies): a migration that calls one makes everything uncertain.
//!
//! Finding out means scanning a body and, when it mentions a schema change, parsing
//! it. Most functions a migration creates (triggers, helpers) are never called by a
//! later migration, so a body is read only when a statement first calls its function.

use super::identifiers;
use super::model::QualifiedName;
use crate::plpgsql;
use pg_query::protobuf::{CreateFunctionStmt, Node};
use pg_query::NodeEnum;

/// The functions defined so far, by what is known of their bodies.
#[derive(Debug, Default, Clone)]
pub struct FunctionBodies {
    /// Bodies written as text (`AS $$ ... $$`), not read yet.
    unread: Vec<UnreadBody>,
    /// Functions whose bodies were read and change the schema.
    changing: Vec<QualifiedName>,
}

#[derive(Debug, Clone)]
struct UnreadBody {
    function: QualifiedName,
    language: String,
    text: String,
}

impl FunctionBodies {
    /// Records the body of `function` as `stmt` defines it (in `language`, lower
    /// case), in place of any earlier definition of that name.
    pub fn define(&mut self, function: QualifiedName, stmt: &CreateFunctionStmt, language: &str) {
        self.unread.retain(|b| b.function != function);
        self.changing.retain(|f| f != &function);
        // A SQL-standard body (`BEGIN ATOMIC ... END`) is already parsed: reading it
        // now is a walk over a short list.
        if let Some(body) = stmt.sql_body.as_deref() {
            if changes_schema_sql_nodes(body) {
                self.changing.push(function);
            }
            return;
        }
        if let Some(text) = body_text(stmt) {
            self.unread.push(UnreadBody {
                function,
                language: language.to_string(),
                text,
            });
        }
    }

    /// Whether no function with a body has been defined.
    pub fn is_empty(&self) -> bool {
        self.unread.is_empty() && self.changing.is_empty()
    }

    /// Whether a function called `name` (any schema, as a call names it) changes the
    /// schema; reads the bodies of that name not read yet.
    pub fn changes_schema(&mut self, name: &str) -> bool {
        if self.unread.iter().any(|b| b.function.name == name) {
            let (called, rest): (Vec<UnreadBody>, Vec<UnreadBody>) =
                std::mem::take(&mut self.unread)
                    .into_iter()
                    .partition(|b| b.function.name == name);
            self.unread = rest;
            for body in called {
                if text_changes_schema(&body.text, &body.language) {
                    self.changing.push(body.function);
                }
            }
        }
        self.changing.iter().any(|f| f.name == name)
    }
}

/// The text of a body written as a string constant (`AS 'text'` or `AS $$ ... $$`).
fn body_text(stmt: &CreateFunctionStmt) -> Option<String> {
    stmt.options.iter().find_map(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname == "as" => {
            match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::List(list)) => identifiers::strings(&list.items).into_iter().next(),
                _ => None,
            }
        }
        _ => None,
    })
}

/// Whether a body written as text changes the schema: a statement other than a
/// query or data change, or SQL built at run time.
fn text_changes_schema(body: &str, language: &str) -> bool {
    if !mentions_schema_change(body) {
        return false;
    }
    match language {
        "sql" => match crate::parse::ffi_parse(body) {
            Ok(tree) => tree
                .stmts
                .iter()
                .filter_map(|s| s.stmt.as_ref().and_then(|n| n.node.as_ref()))
                .any(is_schema_change),
            Err(_) => false,
        },
        "plpgsql" => match plpgsql::function_body(body) {
            Some(tree) => {
                let mut finder = SchemaChangeFinder::default();
                plpgsql::walk(&tree, &mut finder);
                finder.found
            }
            None => false,
        },
        _ => false,
    }
}

/// The words that start a schema change or dynamic SQL.
const SCHEMA_CHANGE_WORDS: &[&str] = &[
    "create", "alter", "drop", "execute", "comment", "grant", "revoke", "rename", "call",
    "security", "import",
];

/// Bit `n` set when a word of `SCHEMA_CHANGE_WORDS` is `n` bytes long.
const SCHEMA_CHANGE_WORD_LENGTHS: u64 = {
    let mut mask = 0;
    let mut i = 0;
    while i < SCHEMA_CHANGE_WORDS.len() {
        mask |= 1 << SCHEMA_CHANGE_WORDS[i].len();
        i += 1;
    }
    mask
};

/// What each byte is to the word scan: `SEPARATOR` (anything but an ASCII letter,
/// digit or `_`: a non-ASCII character separates words too), `WORD`, or
/// `MAY_START`, a word byte that is the first letter of a word in
/// `SCHEMA_CHANGE_WORDS`, in either case.
const WORD_CLASS: [u8; 256] = {
    let mut class = [SEPARATOR; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            class[b] = WORD;
        }
        b += 1;
    }
    let mut i = 0;
    while i < SCHEMA_CHANGE_WORDS.len() {
        let first = SCHEMA_CHANGE_WORDS[i].as_bytes()[0];
        class[first as usize] = MAY_START;
        class[first.to_ascii_uppercase() as usize] = MAY_START;
        i += 1;
    }
    class
};
const SEPARATOR: u8 = 0;
const WORD: u8 = 1;
const MAY_START: u8 = 2;

/// Whether a body's text holds a word that starts a schema change (or dynamic SQL):
/// most function bodies (triggers, queries) do not, and need no parse.
fn mentions_schema_change(body: &str) -> bool {
    // One table lookup a byte; only a word that begins with one of the list's first
    // letters is measured, and only one of a length in the list is compared.
    let bytes = body.as_bytes();
    let mut at_word_start = true;
    for (i, &byte) in bytes.iter().enumerate() {
        let class = WORD_CLASS[usize::from(byte)];
        if at_word_start && class == MAY_START && is_schema_change_word(&bytes[i..]) {
            return true;
        }
        at_word_start = class == SEPARATOR;
    }
    false
}

/// Whether the word `rest` starts with is one of `SCHEMA_CHANGE_WORDS`.
fn is_schema_change_word(rest: &[u8]) -> bool {
    let length = rest
        .iter()
        .position(|b| WORD_CLASS[usize::from(*b)] == SEPARATOR)
        .unwrap_or(rest.len());
    let word = &rest[..length];
    length < 64
        && SCHEMA_CHANGE_WORD_LENGTHS & (1 << length) != 0
        && SCHEMA_CHANGE_WORDS
            .iter()
            .any(|w| word.eq_ignore_ascii_case(w.as_bytes()))
}

fn changes_schema_sql_nodes(body: &Node) -> bool {
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match &node.node {
            Some(NodeEnum::List(list)) => stack.extend(&list.items),
            Some(other) if is_schema_change(other) => return true,
            _ => {}
        }
    }
    false
}

/// Statements that leave the schema as it is.
fn is_schema_change(node: &NodeEnum) -> bool {
    !matches!(
        node,
        NodeEnum::SelectStmt(_)
            | NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::NotifyStmt(_)
            | NodeEnum::VariableSetStmt(_)
            | NodeEnum::VariableShowStmt(_)
            | NodeEnum::LockStmt(_)
            | NodeEnum::ReturnStmt(_)
            | NodeEnum::ExplainStmt(_)
            | NodeEnum::RefreshMatViewStmt(_)
            | NodeEnum::TruncateStmt(_)
            | NodeEnum::CopyStmt(_)
            | NodeEnum::CallStmt(_)
    )
}

/// Finds a schema change in a PL/pgSQL body.
#[derive(Default)]
struct SchemaChangeFinder {
    found: bool,
}

impl plpgsql::Visitor for SchemaChangeFinder {
    fn sql(&mut self, sql: &str, _enclosing: &plpgsql::Enclosing) -> bool {
        if let Ok(tree) = crate::parse::ffi_parse(sql) {
            self.found |= tree
                .stmts
                .iter()
                .filter_map(|s| s.stmt.as_ref().and_then(|n| n.node.as_ref()))
                .any(is_schema_change);
        }
        !self.found
    }

    fn dynamic(&mut self, _enclosing: &plpgsql::Enclosing) -> bool {
        self.found = true;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_change_word_is_seen_in_any_case() {
        for word in SCHEMA_CHANGE_WORDS {
            let upper = word.to_uppercase();
            assert!(
                mentions_schema_change(&format!("BEGIN {word} x; END")),
                "{word}"
            );
            assert!(mentions_schema_change(&format!("x;{upper}(y)")), "{upper}");
            assert!(
                !mentions_schema_change(&format!("x_{word} {word}_y")),
                "{word}"
            );
        }
        assert!(!mentions_schema_change(
            "BEGIN NEW.updated_at := now(); RETURN NEW; END"
        ));
        assert!(mentions_schema_change("é DROP é"));
    }
}
