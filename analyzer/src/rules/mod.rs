//! Step four: the rules. Each rule lives in its own file with its metadata (the one
//! place its id, summary and help are written), its check and its tests; this module
//! is the registry and the runner.

pub mod allow;
pub mod catalog;
pub mod docs;
pub mod layout;
pub mod lexer_setting;
pub mod non_idempotent;
pub mod reversible;
pub mod syntax;
pub mod transaction;

use crate::parse::Statement;
use crate::source::SourceFile;
use std::ops::Range;

/// What users read about a rule: in diagnostics, in `pgstrata rules`, in the docs.
#[derive(Debug)]
pub struct RuleMeta {
    /// The kebab-case id used in diagnostics and in `-- pgstrata:allow(id)`.
    pub id: &'static str,
    /// One line: what the rule catches.
    pub summary: &'static str,
    /// Why it matters and how to fix it, in a few sentences of Markdown.
    pub explanation: &'static str,
    /// Whether `-- pgstrata:allow(id)` may silence it (a syntax error cannot be allowed).
    pub allowable: bool,
    /// An example the rule reports, and the same intent written so it does not.
    pub bad: &'static str,
    pub good: &'static str,
}

/// Every rule, in the order the docs list them.
pub static RULES: &[&RuleMeta] = &[
    &syntax::RULE,
    &layout::RULE,
    &transaction::RULE,
    &lexer_setting::RULE,
    &non_idempotent::RULE,
    &catalog::RULE,
    &reversible::RULE,
    &allow::RULE,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

/// A finding of a statement rule, before it is placed in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub message: String,
    pub help: String,
    /// Byte range in the file to underline.
    pub range: Range<usize>,
}

/// What a statement rule sees.
pub struct StatementContext<'a> {
    pub file: &'a SourceFile,
    pub statement: &'a Statement,
}

/// What the statement rules carry from one statement of a file to the next, so that
/// each statement is looked at once rather than once per later statement.
#[derive(Debug, Default)]
pub struct FileState {
    /// What the file dropped with `IF EXISTS` so far.
    dropped: non_idempotent::Dropped,
}

impl StatementContext<'_> {
    /// The range of the statement's first `words` words, for an underline such as
    /// `CREATE INDEX` rather than the whole statement.
    pub fn leading_words(&self, words: usize) -> Range<usize> {
        let text = &self.file.text[self.statement.range.clone()];
        let mut end = 0;
        let mut seen = 0;
        let mut in_word = false;
        for (i, c) in text.char_indices() {
            if c.is_whitespace() {
                if in_word {
                    seen += 1;
                    in_word = false;
                    if seen == words {
                        break;
                    }
                }
            } else {
                in_word = true;
                end = i + c.len_utf8();
            }
        }
        self.statement.range.start..self.statement.range.start + end
    }
}

/// Runs every statement rule on one statement; `state` is the file's so far, and is
/// updated with this statement.
pub fn check_statement(ctx: &StatementContext<'_>, state: &mut FileState, out: &mut Vec<Finding>) {
    transaction::check(ctx, out);
    lexer_setting::check(ctx, out);
    non_idempotent::check(ctx, &state.dropped, out);
    if let Some(node) = &ctx.statement.node {
        state.dropped.record(node);
    }
}

/// A statement rule's findings on every statement of `sql`, for the rules' tests.
#[cfg(test)]
pub(crate) fn findings_in(
    sql: &str,
    check: impl Fn(&StatementContext<'_>, &mut Vec<Finding>),
) -> Vec<Finding> {
    let file = SourceFile::new("/x.sql".into(), "x.sql".into(), sql.into());
    let parsed = crate::parse::parse_file(&file);
    let mut out = Vec::new();
    for statement in &parsed.statements {
        check(
            &StatementContext {
                file: &file,
                statement,
            },
            &mut out,
        );
    }
    out
}
