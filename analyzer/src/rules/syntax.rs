//! `syntax`: what PostgreSQL's parser rejects. The check itself is the parser
//! (`parse`); this file holds what users read about it.

use super::RuleMeta;

pub static RULE: RuleMeta = RuleMeta {
    id: "syntax",
    summary: "PostgreSQL's parser rejects the statement",
    explanation: "Every statement is parsed by PostgreSQL's own parser (libpg_query). \
A statement it rejects would fail the deployment at the same place; the message and \
the caret are PostgreSQL's own. Fix the statement; a syntax error cannot be allowed.",
    allowable: false,
    bad: r#"CREATE TABLE messages (
    id bigint PRIMARY KEY,,
    body text
);"#,
    good: r#"CREATE TABLE IF NOT EXISTS messages (
    id bigint PRIMARY KEY,
    body text
);"#,
};
