//! A migration as the runtime embeds it, read from the analyzer's model in this one
//! place: the macro writes it as source (`emit::migrations`); the `pgstrata` command
//! and the tests turn it into the runtime's values (`runtime::leaked_migrations`).

use pgstrata_analyzer::parse::Statement;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::{Migration, TransactionMode};

/// What `pgstrata::Migration::__new` takes, field by field.
#[derive(Debug, Clone)]
pub struct EmbeddedMigration<'a> {
    pub version: i64,
    pub name: &'a str,
    /// The up file: its path as users name it (`display`), its path on disk (what
    /// the macro's `include_str!` names, so that editing it rebuilds the crate) and
    /// its text.
    pub up: &'a SourceFile,
    pub down: Option<EmbeddedDown<'a>>,
    /// The analyzer's checksum of the up file's tokens.
    pub checksum: &'a str,
    /// Whether the runner applies it in one transaction.
    pub transactional: bool,
    pub statements: Vec<StatementSpan>,
}

/// A down file as the runtime embeds it.
#[derive(Debug, Clone)]
pub struct EmbeddedDown<'a> {
    pub file: &'a SourceFile,
    /// Whether the runner reverts it in one transaction.
    pub transactional: bool,
    pub statements: Vec<StatementSpan>,
}

/// Where a statement is in the up file: its bytes (without the `;`) and its 1-based
/// line, as the runtime's `StatementSpan` holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementSpan {
    pub start: u32,
    pub end: u32,
    pub line: u32,
}

impl<'a> EmbeddedMigration<'a> {
    pub fn new(migration: &'a Migration) -> Self {
        EmbeddedMigration {
            version: migration.version,
            name: &migration.name,
            up: &migration.up,
            down: migration.down.as_ref().map(|down| EmbeddedDown {
                file: &down.file,
                transactional: down.transaction == TransactionMode::Transactional,
                statements: spans(&down.statements),
            }),
            checksum: &migration.checksum,
            transactional: migration.transaction == TransactionMode::Transactional,
            statements: spans(&migration.statements),
        }
    }
}

fn spans(statements: &[Statement]) -> Vec<StatementSpan> {
    statements
        .iter()
        .map(|s| StatementSpan {
            start: s.range.start as u32,
            end: s.range.end as u32,
            line: s.line as u32,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgstrata_analyzer::parse::parse_file;

    #[test]
    fn reads_the_spans_checksum_and_mode_of_the_analyzers_migration() {
        let sql = "CREATE TABLE a (id int);\n-- b\nCREATE INDEX CONCURRENTLY b ON a (id);\n";
        let up = SourceFile::new("/m/V1__a.sql".into(), "m/V1__a.sql".into(), sql.into());
        let parsed = parse_file(&up);
        let migration = Migration {
            version: 1,
            name: "a".into(),
            up,
            down: None,
            statements: parsed.statements,
            checksum: parsed.checksum,
            transaction: TransactionMode::NonTransactional {
                reason: "CONCURRENTLY".into(),
            },
        };
        let embedded = EmbeddedMigration::new(&migration);
        assert!(!embedded.transactional);
        assert_eq!(embedded.checksum, migration.checksum);
        let texts: Vec<(&str, u32)> = embedded
            .statements
            .iter()
            .map(|s| (&sql[s.start as usize..s.end as usize], s.line))
            .collect();
        assert_eq!(
            texts,
            [
                ("CREATE TABLE a (id int)", 1),
                ("CREATE INDEX CONCURRENTLY b ON a (id)", 3)
            ]
        );
    }
}
