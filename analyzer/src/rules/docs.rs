//! The rule pages under `docs/rules/`, generated from each rule's metadata (and the
//! `non-idempotent` rule's statement table), so the docs cannot drift from the code:
//! a test compares them with the files.

use super::non_idempotent::kinds::KINDS;
use super::{RuleMeta, RULES};
use std::fmt::Write;

/// `docs/rules/README.md`: the index of the rules.
pub fn index() -> String {
    let mut page = String::from(
        "# Rules\n\n<!-- Generated from the rules' metadata by `PGSTRATA_BLESS=1 cargo test -p pgstrata-analyzer --test docs`; do not edit. -->\n\n| rule | what it catches | can be allowed |\n| --- | --- | --- |\n",
    );
    for rule in RULES {
        let allowable = if rule.allowable { "yes" } else { "no" };
        let _ = writeln!(
            page,
            "| [`{0}`]({0}.md) | {1} | {allowable} |",
            rule.id, rule.summary
        );
    }
    page
}

/// `docs/rules/<id>.md`: what the rule catches, why, a bad and a good example, and how
/// to allow it.
pub fn page(rule: &RuleMeta) -> String {
    let mut page = format!(
        "# `{}`\n\n<!-- Generated from the rule's metadata by `PGSTRATA_BLESS=1 cargo test -p pgstrata-analyzer --test docs`; do not edit. -->\n\n{}.\n\n## Why it matters\n\n{}\n\n## Reported\n\n```sql\n{}\n```\n\n## Accepted\n\n```sql\n{}\n```\n\n## Allowing it\n\n",
        rule.id, capitalised(rule.summary), rule.explanation, rule.bad, rule.good
    );
    if rule.allowable {
        let _ = write!(
            page,
            "- one statement: `-- pgstrata:allow({0})` on the line(s) right above it;\n\
             - one file: the same comment before the file's first statement;\n\
             - every file: `pgstrata::migrations!(\"migrations\", allow = [\"{0}\"])`, or `pgstrata check --allow {0}`.\n\n\
             An allow that allows nothing is itself an error, so a stale one cannot hide the next problem.\n",
            rule.id
        );
    } else {
        page.push_str("It cannot be allowed: fix the migration.\n");
    }
    if rule.id == super::non_idempotent::RULE.id {
        page.push_str(&statement_table());
    }
    page
}

/// The table of every statement kind and what a second run does.
fn statement_table() -> String {
    let mut table = String::from(
        "\n## Every statement kind\n\nWhat PostgreSQL does when each kind of statement runs a second time; `tests/it/rerun.rs` runs every example below twice on a real server and checks the rule against it.\n\n| statement | node | on a second run | re-runnable with |\n| --- | --- | --- | --- |\n",
    );
    for kind in KINDS {
        let guard = if kind.guard.is_empty() {
            "—"
        } else {
            kind.guard
        };
        let _ = writeln!(
            table,
            "| `{}` | `{}` | {} | {} |",
            kind.statement.replace('|', "\\|"),
            kind.node,
            kind.rerun.describe(),
            guard.replace('|', "\\|")
        );
    }
    table
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
