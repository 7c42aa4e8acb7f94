//! `allow`: the `-- pgstrata:` comments that steer the rules.
//!
//! - `-- pgstrata:allow(rule, other-rule)` on the line(s) right above a statement
//!   silences those rules for it; before the first statement, for the whole file.
//! - `-- pgstrata:no-transaction` before the first statement runs the file outside a
//!   transaction.
//!
//! A directive naming an unknown rule, or one this module does not know, is itself an
//! error: a misspelt allow must not silently stop working.

use super::{find, RuleMeta};
use crate::diagnostics::Diagnostic;
use crate::parse::ParsedFile;
use crate::source::SourceFile;

pub static RULE: RuleMeta = RuleMeta {
    id: "allow",
    summary: "a `-- pgstrata:` comment is not understood",
    explanation: "`-- pgstrata:allow(rule)` silences a rule for the statement right below it, or \
for the whole file when it stands before the first statement; `-- pgstrata:no-transaction` \
runs a file outside a transaction. A comment that names an unknown rule or directive is \
an error, so a typo cannot silently turn a check off.",
    allowable: false,
    bad: r#"-- pgstrata:allow(non-idempotnet)
CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY);"#,
    good: r#"-- pgstrata:allow(non-idempotent)
INSERT INTO audit (note) VALUES ('migrated');"#,
};

const PREFIX: &str = "pgstrata:";

/// What the directives of one file say.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Directives {
    pub allows: Vec<Allow>,
    pub no_transaction: bool,
}

/// One rule named in a `-- pgstrata:allow(...)` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub rule: String,
    /// The statement it stands above; `None` for the whole file.
    pub statement: Option<usize>,
    /// The comment, to point at when it allows nothing.
    pub range: std::ops::Range<usize>,
}

impl Directives {
    /// The allow that covers `rule` on `statement`, if any (the statement's own first).
    pub fn allowing(&self, statement: usize, rule: &str) -> Option<usize> {
        let own = self
            .allows
            .iter()
            .position(|a| a.rule == rule && a.statement == Some(statement));
        own.or_else(|| {
            self.allows
                .iter()
                .position(|a| a.rule == rule && a.statement.is_none())
        })
    }

    /// Whether `rule` is allowed for the whole file or for `statement`.
    pub fn allows(&self, statement: Option<usize>, rule: &str) -> bool {
        self.allows
            .iter()
            .any(|a| a.rule == rule && (a.statement.is_none() || a.statement == statement))
    }
}

/// The diagnostic for an allow that allowed nothing: a stale allow hides the next
/// real problem of that kind.
pub fn unused(file: &SourceFile, allow: &Allow) -> Diagnostic {
    let scope = if allow.statement.is_some() {
        "the statement below it"
    } else {
        "this file"
    };
    Diagnostic::error(
        RULE.id,
        format!(
            "`-- pgstrata:allow({})` allows nothing in {scope}",
            allow.rule
        ),
    )
    .at(file.location(allow.range.clone()))
    .help("remove it: the rule reports nothing there")
}

/// The diagnostic for a rule allowed in every file (the macro's `allow = [...]`, the
/// CLI's `--allow`) that allowed nothing in the directory.
pub fn unused_everywhere(rule: &str, display_dir: &str) -> Diagnostic {
    Diagnostic::error(
        RULE.id,
        format!("`{rule}` is allowed in every migration but allows nothing in `{display_dir}`"),
    )
    .help("remove it from `allow = [...]` (`--allow` for `pgstrata check`): the rule reports nothing there")
}

/// Reads every directive of a parsed file; problems go to `out`.
pub fn read(file: &SourceFile, parsed: &ParsedFile, out: &mut Vec<Diagnostic>) -> Directives {
    let mut directives = Directives::default();
    let first_statement = parsed
        .statements
        .first()
        .map_or(usize::MAX, |s| s.range.start);
    for comment in &parsed.comments {
        let body = comment_body(&comment.text);
        let Some(directive) = body.strip_prefix(PREFIX) else {
            continue;
        };
        let at = comment.range.clone();
        let before_first = comment.range.end <= first_statement;
        if directive.trim() == "no-transaction" {
            if before_first {
                directives.no_transaction = true;
            } else {
                out.push(problem(
                    file,
                    at,
                    "`-- pgstrata:no-transaction` must stand before the first statement",
                ));
            }
            continue;
        }
        let Some(list) = directive
            .trim()
            .strip_prefix("allow(")
            .and_then(|rest| rest.strip_suffix(')'))
        else {
            out.push(problem(
                file,
                at,
                &format!("unknown directive `{}`", body.trim()),
            ));
            continue;
        };
        let mut rules = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match find(name) {
                Some(rule) if rule.allowable => {
                    rules.push(name.to_string());
                }
                Some(_) => out.push(problem(
                    file,
                    at.clone(),
                    &format!("rule `{name}` cannot be allowed"),
                )),
                None => out.push(problem(
                    file,
                    at.clone(),
                    &format!("unknown rule `{name}` in allow"),
                )),
            }
        }
        let statement = if before_first {
            None
        } else {
            match statement_below(file, parsed, comment.range.end) {
                Some(index) => Some(index),
                None => {
                    out.push(problem(
                        file,
                        at.clone(),
                        "this allow stands above no statement",
                    ));
                    continue;
                }
            }
        };
        directives
            .allows
            .extend(rules.into_iter().map(|rule| Allow {
                rule,
                statement,
                range: at.clone(),
            }));
    }
    directives
}

/// The text of a `--` or `/* */` comment without its markers.
fn comment_body(text: &str) -> &str {
    let body = text
        .strip_prefix("--")
        .or_else(|| {
            text.strip_prefix("/*")
                .map(|t| t.strip_suffix("*/").unwrap_or(t))
        })
        .unwrap_or(text);
    body.trim()
}

/// The statement a comment ending at `end` stands right above: the next statement,
/// with only comments and line breaks, no blank line, between them.
fn statement_below(file: &SourceFile, parsed: &ParsedFile, end: usize) -> Option<usize> {
    let index = parsed
        .statements
        .iter()
        .position(|s| s.range.start >= end)?;
    let start = parsed.statements[index].range.start;
    let mut gap = file.text[end..start].to_string();
    // Comments in the gap count as text, so a line holding one is not blank.
    for comment in parsed
        .comments
        .iter()
        .filter(|c| c.range.start >= end && c.range.end <= start)
    {
        gap = gap.replacen(&file.text[comment.range.clone()], "#", 1);
    }
    let lines: Vec<&str> = gap.split('\n').collect();
    let inner = lines
        .get(1..lines.len().saturating_sub(1))
        .unwrap_or_default();
    let blank_line = inner.iter().any(|line| line.trim().is_empty());
    (!blank_line).then_some(index)
}

fn problem(file: &SourceFile, at: std::ops::Range<usize>, message: &str) -> Diagnostic {
    Diagnostic::error(RULE.id, message)
        .at(file.location(at))
        .help("write `-- pgstrata:allow(rule-id)` with ids from `pgstrata rules`, or `-- pgstrata:no-transaction`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_file;

    fn read_sql(sql: &str) -> (Directives, Vec<String>) {
        let file = SourceFile::new("/x.sql".into(), "x.sql".into(), sql.into());
        let parsed = parse_file(&file);
        let mut out = Vec::new();
        let directives = read(&file, &parsed, &mut out);
        (directives, out.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn statement_and_file_level_allows() {
        let (d, problems) = read_sql(
            "-- pgstrata:allow(transaction)\nselect 1;\n-- why\n-- pgstrata:allow(transaction)\n-- more\nselect 2;\n-- pgstrata:allow(transaction)\n\nselect 3;",
        );
        // A blank line separates the last allow from its statement.
        assert_eq!(problems, vec!["this allow stands above no statement"]);
        assert!(d.allows(None, "transaction"));
        assert_eq!(d.allowing(1, "transaction"), Some(1));
        assert_eq!(
            d.allowing(2, "transaction"),
            Some(0),
            "only the file's allow covers it"
        );
    }

    #[test]
    fn no_transaction_only_at_the_top() {
        let (d, problems) = read_sql("/* pgstrata:no-transaction */\nselect 1;");
        assert!(d.no_transaction && problems.is_empty());
        let (d, problems) = read_sql("select 1;\n-- pgstrata:no-transaction\nselect 2;");
        assert!(!d.no_transaction);
        assert_eq!(
            problems,
            vec!["`-- pgstrata:no-transaction` must stand before the first statement"]
        );
    }

    #[test]
    fn unknown_names_are_errors() {
        let (_, problems) =
            read_sql("-- pgstrata:allow(no-such-rule, syntax)\n-- pgstrata:alow(x)\nselect 1;");
        assert_eq!(
            problems,
            vec![
                "unknown rule `no-such-rule` in allow",
                "rule `syntax` cannot be allowed",
                "unknown directive `pgstrata:alow(x)`",
            ]
        );
    }

    #[test]
    fn ordinary_comments_are_ignored() {
        let (d, problems) = read_sql("-- pgstrata is great\n-- allow(x)\nselect 1;");
        assert!(problems.is_empty() && d.allows.is_empty());
    }
}
