//! The analyzed migrations as the runtime's values, built at run time from the same
//! [`EmbeddedMigration`] the macro writes out as source: what the `pgstrata` command
//! runs and what pgstrata's tests run, so both apply exactly what an application built
//! with `migrations!` embeds (same versions, names, paths, checksums, statements and
//! transaction modes), and they share its history table.
//!
//! The runtime's `Migration` borrows `'static` data (the macro's statics); here the
//! texts are leaked. That suits a process that reads one directory and exits (the
//! command) and tests; it is not for a loop.

use crate::embedded::{EmbeddedMigration, StatementSpan};
use pgstrata_analyzer::Analysis;
use pgstrata_runtime::{Down, Migration, TransactionMode};

/// Every analyzed migration, in the analyzer's order (the order their tool applies
/// them), as the runner takes them.
pub fn leaked_migrations(analysis: &Analysis) -> &'static [Migration] {
    let migrations: Vec<Migration> = analysis.migrations.iter().map(leaked_migration).collect();
    Box::leak(migrations.into_boxed_slice())
}

/// One analyzed migration as the runtime's `Migration` (its texts leaked).
pub fn leaked_migration(migration: &pgstrata_analyzer::Migration) -> Migration {
    let embedded = EmbeddedMigration::new(migration);
    let down = embedded.down.as_ref().map(|down| {
        Down::__new(
            leak(&down.file.display),
            leak(&down.file.text),
            mode(down.transactional),
            spans(&down.statements),
        )
    });
    Migration::__new(
        embedded.version,
        leak(embedded.name),
        leak(&embedded.up.display),
        leak(&embedded.up.text),
        down,
        leak(embedded.checksum),
        mode(embedded.transactional),
        spans(&embedded.statements),
    )
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

fn spans(spans: &[StatementSpan]) -> &'static [pgstrata_runtime::StatementSpan] {
    let spans: Vec<pgstrata_runtime::StatementSpan> = spans
        .iter()
        .map(|s| pgstrata_runtime::StatementSpan {
            start: s.start,
            end: s.end,
            line: s.line,
        })
        .collect();
    Box::leak(spans.into_boxed_slice())
}

fn mode(transactional: bool) -> TransactionMode {
    if transactional {
        TransactionMode::Transactional
    } else {
        TransactionMode::NonTransactional
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgstrata_analyzer::parse::parse_file;
    use pgstrata_analyzer::source::SourceFile;

    #[test]
    fn carries_the_macros_fields_into_the_runtime_values() {
        let sql = "CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY b ON a (id);\n";
        let up = SourceFile::new("/m/V7__a.sql".into(), "m/V7__a.sql".into(), sql.into());
        let parsed = parse_file(&up);
        let migration = pgstrata_analyzer::Migration {
            version: 7,
            name: "a".into(),
            up,
            down: None,
            statements: parsed.statements,
            checksum: parsed.checksum,
            transaction: pgstrata_analyzer::TransactionMode::NonTransactional {
                reason: "CONCURRENTLY".into(),
            },
        };
        let runtime = leaked_migration(&migration);
        assert_eq!(
            (runtime.version, runtime.name, runtime.path, runtime.sql),
            (7, "a", "m/V7__a.sql", sql)
        );
        assert_eq!(runtime.checksum, migration.checksum);
        assert_eq!(runtime.transaction, TransactionMode::NonTransactional);
        let texts: Vec<(u32, &str)> = runtime.statements().map(|(_, l, t)| (l, t)).collect();
        assert_eq!(
            texts,
            [
                (1, "CREATE TABLE a (id int)"),
                (2, "CREATE INDEX CONCURRENTLY b ON a (id)")
            ]
        );
        assert!(runtime.down.is_none());
    }
}
