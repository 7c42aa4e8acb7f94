//! One embedded migration, in the exact shape the `migrations!` macro writes into a
//! `static` (so everything here is `const`-constructible and borrows `'static` data).

use std::fmt;

/// How the runner applies a migration. The macro reads it from the parse tree: a
/// statement that cannot run inside a transaction block (`CREATE INDEX CONCURRENTLY`,
/// `VACUUM`, ...) makes the whole migration non-transactional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionMode {
    /// Sent as one batch: `BEGIN`, the SQL, the history row, `COMMIT`.
    Transactional,
    /// Sent statement by statement, one simple query each, with its progress recorded
    /// after every statement so a failed run can be resumed.
    NonTransactional,
}

/// One statement of a migration: byte range in `sql` and 1-based line where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementSpan {
    pub start: u32,
    pub end: u32,
    pub line: u32,
}

/// A migration embedded in the binary.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Migration {
    pub version: i64,
    /// e.g. `add_users`
    pub name: &'static str,
    /// Relative to the crate, e.g. `migrations/V3__add_users.sql`; for messages.
    pub path: &'static str,
    /// The whole up file.
    pub sql: &'static str,
    /// The down file, where the layout pairs one with the up file.
    pub down: Option<Down>,
    /// Lowercase hex sha256 over the SQL tokens, computed at compile time.
    pub checksum: &'static str,
    pub transaction: TransactionMode,
    /// Every statement, in order (a non-transactional migration runs them one by one).
    pub statements: &'static [StatementSpan],
}

impl Migration {
    /// The macro's constructor; the struct is `#[non_exhaustive]` so that fields can be
    /// added without breaking users, which forbids struct literals outside this crate.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __new(
        version: i64,
        name: &'static str,
        path: &'static str,
        sql: &'static str,
        down: Option<Down>,
        checksum: &'static str,
        transaction: TransactionMode,
        statements: &'static [StatementSpan],
    ) -> Self {
        Migration {
            version,
            name,
            path,
            sql,
            down,
            checksum,
            transaction,
            statements,
        }
    }

    /// The statements' SQL texts with their 0-based index and 1-based line. (Messages
    /// count statements from 1: index `i` is "statement `i + 1`".) A span that does not
    /// fit the SQL yields an empty text; the runner refuses such a migration before
    /// running anything.
    pub fn statements(&self) -> impl Iterator<Item = (usize, u32, &'static str)> {
        statement_texts(self.sql, self.statements)
    }

    /// Whether every span of the up and down files lies inside its SQL, on character
    /// boundaries, in order and without overlap. The macro guarantees it; hand-built
    /// lists may not.
    pub(crate) fn check_spans(&self) -> Result<(), String> {
        check_spans(self.sql, self.statements)?;
        match &self.down {
            Some(down) => check_spans(down.sql, down.statements)
                .map_err(|reason| format!("its down file {}: {reason}", down.path)),
            None => Ok(()),
        }
    }
}

/// A migration's down file, embedded beside its up file: what `down` runs to revert it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Down {
    /// Relative to the crate, e.g. `migrations/0003_add_users.down.sql`.
    pub path: &'static str,
    pub sql: &'static str,
    /// How the runner reverts it: a down file with a statement that cannot run in a
    /// transaction block is run statement by statement, and resumed, as an up file is.
    pub transaction: TransactionMode,
    pub statements: &'static [StatementSpan],
}

impl Down {
    /// The macro's constructor (see [`Migration::__new`]).
    #[doc(hidden)]
    pub const fn __new(
        path: &'static str,
        sql: &'static str,
        transaction: TransactionMode,
        statements: &'static [StatementSpan],
    ) -> Self {
        Down {
            path,
            sql,
            transaction,
            statements,
        }
    }

    /// The statements' SQL texts with their 0-based index and 1-based line, as
    /// [`Migration::statements`].
    pub fn statements(&self) -> impl Iterator<Item = (usize, u32, &'static str)> {
        statement_texts(self.sql, self.statements)
    }
}

pub(crate) fn statement_texts(
    sql: &'static str,
    spans: &'static [StatementSpan],
) -> impl Iterator<Item = (usize, u32, &'static str)> {
    spans
        .iter()
        .enumerate()
        .map(move |(index, span)| (index, span.line, span_text(sql, span).unwrap_or("")))
}

fn check_spans(sql: &str, spans: &[StatementSpan]) -> Result<(), String> {
    let mut previous_end = 0u32;
    for (index, span) in spans.iter().enumerate() {
        if span_text(sql, span).is_none() {
            return Err(format!(
                "statement {} spans bytes {}..{}, which is not a piece of its {}-byte SQL",
                index + 1,
                span.start,
                span.end,
                sql.len()
            ));
        }
        if span.start < previous_end {
            return Err(format!(
                "statement {} starts at byte {}, before the end of statement {}",
                index + 1,
                span.start,
                index
            ));
        }
        previous_end = span.end;
    }
    Ok(())
}

fn span_text<'s>(sql: &'s str, span: &StatementSpan) -> Option<&'s str> {
    let start = usize::try_from(span.start).ok()?;
    let end = usize::try_from(span.end).ok()?;
    sql.get(start..end)
}

/// `migration 3 "add_users" (migrations/V3__add_users.sql)`: how messages name it.
impl fmt::Display for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "migration {} {:?} ({})",
            self.version, self.name, self.path
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);";
    static SPANS: [StatementSpan; 2] = [
        StatementSpan {
            start: 0,
            end: 23,
            line: 1,
        },
        StatementSpan {
            start: 25,
            end: 48,
            line: 2,
        },
    ];
    static M: Migration = Migration::__new(
        1,
        "two",
        "migrations/1_two.sql",
        SQL,
        None,
        "00",
        TransactionMode::NonTransactional,
        &SPANS,
    );

    #[test]
    fn statements_yield_index_line_and_text() {
        let got: Vec<_> = M.statements().collect();
        assert_eq!(
            got,
            vec![
                (0, 1, "CREATE TABLE a (id int)"),
                (1, 2, "CREATE TABLE b (id int)")
            ]
        );
        assert_eq!(M.check_spans(), Ok(()));
    }

    #[test]
    fn bad_spans_are_refused_not_panicked_on() {
        static OUTSIDE: [StatementSpan; 1] = [StatementSpan {
            start: 10,
            end: 999,
            line: 1,
        }];
        let m = Migration {
            statements: &OUTSIDE,
            ..M
        };
        assert_eq!(m.statements().next(), Some((0, 1, "")));
        assert!(m.check_spans().unwrap_err().contains("statement 1"));

        static OVERLAP: [StatementSpan; 2] = [
            StatementSpan {
                start: 0,
                end: 23,
                line: 1,
            },
            StatementSpan {
                start: 5,
                end: 10,
                line: 1,
            },
        ];
        let m = Migration {
            statements: &OVERLAP,
            ..M
        };
        assert!(m.check_spans().unwrap_err().contains("statement 2"));
    }

    #[test]
    fn display_names_version_name_and_path() {
        assert_eq!(M.to_string(), "migration 1 \"two\" (migrations/1_two.sql)");
    }
}
