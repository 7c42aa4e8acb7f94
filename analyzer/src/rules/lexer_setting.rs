//! `lexer-setting`: a `SET` that changes how the server reads the SQL text after it.
//!
//! The runner sends a transactional file as one query string, which the server lexes
//! whole before the `SET` runs; psql (running the offline script, or a DBA running the
//! file) sends it statement by statement, so the statements after the `SET` are lexed
//! with the new value; and the setting stays on the runner's connection, so the next
//! file of the same run is read differently from a later run. The analyzer, like the
//! runner's first read, always lexes with the defaults. One file, three readings:
//! refused.

use super::{Finding, RuleMeta, StatementContext};
use pg_query::protobuf::{a_const, VariableSetKind};
use pg_query::NodeEnum;

pub static RULE: RuleMeta = RuleMeta {
    id: "lexer-setting",
    summary: "a `SET` changes how the SQL after it is read",
    explanation: "With `standard_conforming_strings` off, a backslash in a quoted string \
is an escape; with another `client_encoding`, the bytes of the file mean other \
characters. The runner sends a file as one query string, which the server reads whole \
before the `SET` runs, while psql (the offline script, or a DBA running the file by hand) \
sends it statement by statement, so the statements after the `SET` are read with the new \
value; the setting also stays on the runner's connection for the next file. The same \
file then builds different values depending on who runs it. Write the strings for the \
default (`standard_conforming_strings = on`, UTF-8): `E'C:\\\\temp'` or `'C:\\temp'`. \
`SET standard_conforming_strings = on` and `SET client_encoding = 'UTF8'`, as pg_dump \
writes them, are fine.",
    allowable: true,
    bad: r#"SET standard_conforming_strings = off;
INSERT INTO paths (p) VALUES ('C:\\temp');"#,
    good: r#"INSERT INTO paths (p) VALUES ('C:\temp');"#,
};

/// Reports a `SET` (or `SET LOCAL`) of a setting that changes the lexer, to a value other
/// than the default.
pub fn check(ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(NodeEnum::VariableSetStmt(stmt)) = &ctx.statement.node else {
        return;
    };
    if VariableSetKind::try_from(stmt.kind) != Ok(VariableSetKind::VarSetValue) {
        return;
    }
    let value = stmt
        .args
        .first()
        .and_then(|arg| match &arg.node {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(a_const::Val::Sval(s)) => Some(s.sval.to_ascii_lowercase()),
                Some(a_const::Val::Ival(i)) => Some(i.ival.to_string()),
                Some(a_const::Val::Boolval(b)) => Some(b.boolval.to_string()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_default();
    let changes_reading = match stmt.name.as_str() {
        "standard_conforming_strings" => !matches!(value.as_str(), "on" | "true" | "yes" | "1"),
        "client_encoding" => !matches!(value.as_str(), "utf8" | "utf-8" | "unicode"),
        _ => false,
    };
    if changes_reading {
        out.push(Finding {
            rule: RULE.id,
            message: format!(
                "`SET {}` changes how the SQL after it is read, differently by the runner and by psql",
                stmt.name
            ),
            help: "remove it and write the file for the defaults (standard_conforming_strings on, UTF-8)".into(),
            range: ctx.statement.range.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(sql: &str) -> Vec<String> {
        super::super::findings_in(sql, check)
            .into_iter()
            .map(|f| sql[f.range].to_string())
            .collect()
    }

    #[test]
    fn settings_that_change_the_lexer_are_reported() {
        for sql in [
            "SET standard_conforming_strings = off",
            "SET standard_conforming_strings TO false",
            "SET LOCAL standard_conforming_strings = 0",
            "SET client_encoding = 'LATIN1'",
            "SET client_encoding TO 'SQL_ASCII'",
        ] {
            assert_eq!(findings(sql), [sql], "{sql}");
        }
    }

    #[test]
    fn the_defaults_as_pg_dump_writes_them_are_fine() {
        for sql in [
            "SET standard_conforming_strings = on",
            "SET standard_conforming_strings = 'on'",
            "SET client_encoding = 'UTF8'",
            "SET client_encoding = 'utf-8'",
            "RESET standard_conforming_strings",
            "SET search_path = ''",
            "SET statement_timeout = 0",
        ] {
            assert!(findings(sql).is_empty(), "{sql}");
        }
    }
}
