//! The offline script: the SQL the runner would execute to go from one point of the
//! history to another, up or down, written out for a DBA to review and run with
//! `psql -v ON_ERROR_STOP=1 -f` (Alembic's `upgrade --sql`).
//!
//! It does what a run does, in the same order and with the same history rows:
//!
//! - it takes the same advisory lock, so it never runs beside a runner or another
//!   script, and releases it at the end. It polls `pg_try_advisory_lock` in a `DO`
//!   block that commits between tries, never blocking in `pg_advisory_lock`: a
//!   session blocked there is one the lock holder's `CREATE INDEX CONCURRENTLY`
//!   waits for, a deadlock the server breaks by cancelling the index build, which
//!   leaves an invalid index that the waiting script's `IF NOT EXISTS` then keeps
//!   (see `Session::lock`). So the script cannot run under `psql -1`;
//! - before each file it checks that the migration is where `from` says (not applied
//!   going up, recorded going down), and raises otherwise: a second run of the same
//!   script stops at its first migration, inside that migration's transaction, so
//!   nothing is applied twice (a transactional file is not run even without
//!   `ON_ERROR_STOP`);
//! - going up, it creates the history schema and table when they are absent;
//! - a transactional file is `BEGIN`, the file, its history change, `COMMIT`;
//! - a non-transactional file runs outside a transaction, one statement at a time, its
//!   record updated after each, so a failure leaves the record the runner would leave
//!   (and a later run resumes where the script stopped);
//! - after each file the session's `search_path` is set back to what it was when the
//!   script started (kept in the session setting `pgstrata.search_path`; after a
//!   `RESET ALL`, which clears it, the session's default), as the runner does.
//!
//! The script is plain SQL without psql meta-commands. It assumes the database has
//! exactly the migrations up to `from` applied; nothing checks that offline.

use crate::apply::{Direction, Step};
use crate::error::Error;
use crate::history::HistoryTable;
use crate::migration::{Migration, TransactionMode};
use crate::sql::statement_checksum;
use crate::target::Target;

/// The setting that keeps the `search_path` the script started with.
const SAVED_SEARCH_PATH: &str = "pgstrata.search_path";

pub(crate) fn script(
    migrations: &'static [Migration],
    table: &HistoryTable,
    from: Target,
    to: Target,
) -> Result<String, Error> {
    let position = |version: i64| {
        migrations
            .iter()
            .position(|m| m.version == version)
            .map(|p| p + 1)
            .ok_or(Error::UnknownTarget { version })
    };
    let start = match from {
        Target::Base => 0,
        Target::Latest => migrations.len(),
        Target::Version(version) => position(version)?,
        Target::Forward(_) | Target::Back(_) => {
            return Err(Error::InvalidTarget {
                target: from.to_string(),
                reason: "a script starts from base, a version or the latest migration".to_string(),
            })
        }
    };
    let beyond = |reason: String| Error::InvalidTarget {
        target: to.to_string(),
        reason,
    };
    let end = match to {
        Target::Base => 0,
        Target::Latest => migrations.len(),
        Target::Version(version) => position(version)?,
        Target::Forward(steps) => start
            .checked_add(steps as usize)
            .filter(|&end| end <= migrations.len())
            .ok_or_else(|| {
                beyond(format!(
                    "only {} migration(s) follow {from}",
                    migrations.len() - start
                ))
            })?,
        Target::Back(steps) => start
            .checked_sub(steps as usize)
            .ok_or_else(|| beyond(format!("only {start} migration(s) precede {from}")))?,
    };

    let steps: Vec<Step> = if end >= start {
        migrations[start..end].iter().map(Step::up).collect()
    } else {
        migrations[end..start]
            .iter()
            .rev()
            .map(|m| {
                Step::down(m).ok_or(Error::NoDownFile {
                    version: m.version,
                    name: m.name,
                    path: m.path,
                })
            })
            .collect::<Result<_, _>>()?
    };

    let mut out = String::new();
    let direction = if end >= start { "up" } else { "down" };
    out.push_str(&format!(
        "-- pgstrata: {direction} from {from} to {to}, {} migration(s), history table {}\n\
         -- Run it with: psql -v ON_ERROR_STOP=1 -f <this file>\n\
         -- It assumes the database has exactly the migrations up to {from} applied.\n\n",
        steps.len(),
        table.qualified()
    ));
    out.push_str(&format!(
        "DO $pgstrata$ BEGIN WHILE NOT pg_catalog.pg_try_advisory_lock({}) LOOP COMMIT; \
         PERFORM pg_catalog.pg_sleep(0.5); COMMIT; END LOOP; END $pgstrata$;\n\
         SELECT pg_catalog.set_config('{SAVED_SEARCH_PATH}', pg_catalog.current_setting('search_path'), false);\n",
        table.lock_key()
    ));
    if direction == "up" {
        out.push_str(&format!(
            "{};\n{};\n",
            table.create_schema_if_missing_sql(),
            table.create_sql(false)
        ));
    }
    let restore = format!(
        "SELECT pg_catalog.set_config('search_path', COALESCE(NULLIF(pg_catalog.current_setting('{SAVED_SEARCH_PATH}', true), ''), \
         (SELECT s.reset_val FROM pg_catalog.pg_settings s WHERE s.name = 'search_path')), false);\n"
    );
    for step in steps {
        let m = step.migration;
        let verb = match step.direction {
            Direction::Up => "apply",
            Direction::Down => "revert",
        };
        out.push_str(&format!(
            "\n-- {verb} {} {:?} ({})\n",
            m.version, m.name, step.path
        ));
        let guard = match step.direction {
            Direction::Up => table.refuse_if_applied_sql(m),
            Direction::Down => table.refuse_unless_recorded_sql(m),
        };
        match step.transaction {
            TransactionMode::Transactional => {
                out.push_str(&format!(
                    "BEGIN;\n{guard};\n{}\n;\n{};\nCOMMIT;\n",
                    step.sql,
                    step.transactional_record(table)
                ));
            }
            TransactionMode::NonTransactional => {
                out.push_str("-- outside a transaction, statement by statement\n");
                out.push_str(&guard);
                out.push_str(";\n");
                out.push_str(&step.started_record(table, &[]));
                out.push_str(";\n");
                let mut done = Vec::new();
                for (_, _, sql) in step.statements() {
                    out.push_str(sql);
                    out.push_str("\n;\n");
                    done.push(statement_checksum(sql));
                    out.push_str(&table.record_progress_sql(m.version, &done));
                    out.push_str(";\n");
                }
                out.push_str(&step.completed_record(
                    table,
                    "(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - applied_at) * 1000)::bigint",
                ));
                out.push_str(";\n");
            }
        }
        out.push_str(&restore);
    }
    out.push_str(&format!(
        "\nSELECT pg_catalog.pg_advisory_unlock({});\n",
        table.lock_key()
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::{Down, StatementSpan};

    static ONE: [StatementSpan; 1] = [StatementSpan {
        start: 0,
        end: 23,
        line: 1,
    }];
    static TWO: [StatementSpan; 2] = [
        StatementSpan {
            start: 0,
            end: 37,
            line: 1,
        },
        StatementSpan {
            start: 39,
            end: 47,
            line: 2,
        },
    ];
    static KNOWN: [Migration; 2] = [
        Migration::__new(
            1,
            "a",
            "m/1_a.up.sql",
            "CREATE TABLE a (id int);",
            Some(Down::__new(
                "m/1_a.down.sql",
                "DROP TABLE a;",
                TransactionMode::Transactional,
                &[],
            )),
            "c1",
            TransactionMode::Transactional,
            &ONE,
        ),
        Migration::__new(
            2,
            "b",
            "m/2_b.up.sql",
            "CREATE INDEX CONCURRENTLY i ON a (id);\nSELECT 1;",
            None,
            "c2",
            TransactionMode::NonTransactional,
            &TWO,
        ),
    ];

    fn table() -> HistoryTable {
        HistoryTable::new("public", "h").unwrap()
    }

    #[test]
    fn an_up_script_creates_the_history_and_wraps_each_file_as_the_runner_does() {
        let sql = script(&KNOWN, &table(), Target::Base, Target::Latest).unwrap();
        let first = sql
            .find("BEGIN;\nDO $pgstrata$ BEGIN IF EXISTS (SELECT 1 FROM \"public\".\"h\" WHERE version = 1 AND success)")
            .expect(&sql);
        assert!(sql[first..].contains("END $pgstrata$;\nCREATE TABLE a (id int);\n;\nINSERT INTO"));
        assert!(
            sql.find("CREATE TABLE IF NOT EXISTS \"public\".\"h\"")
                .unwrap()
                < first
        );
        let index = sql
            .find("CREATE INDEX CONCURRENTLY i ON a (id)\n;\nUPDATE")
            .expect(&sql);
        assert!(first < index);
        // The non-transactional file is not inside BEGIN/COMMIT.
        assert_eq!(sql.matches("BEGIN;").count(), 1);
        assert_eq!(sql.matches("set_config('search_path'").count(), 2);
        let unlock = format!("pg_advisory_unlock({});", table().lock_key());
        assert!(sql.trim_end().ends_with(&unlock), "{sql}");
        assert!(sql.starts_with("-- pgstrata: up from base to latest, 2 migration(s)"));
    }

    #[test]
    fn a_down_script_needs_every_down_file_and_reverts_newest_first() {
        let err = script(&KNOWN, &table(), Target::Latest, Target::Base).unwrap_err();
        assert!(matches!(err, Error::NoDownFile { version: 2, .. }), "{err}");
        let sql = script(&KNOWN, &table(), Target::Version(1), Target::Back(1)).unwrap();
        assert!(sql.contains("END $pgstrata$;\nDROP TABLE a;\n;\nDELETE FROM \"public\".\"h\" WHERE version = 1;\nCOMMIT;"), "{sql}");
        assert!(!sql.contains("CREATE TABLE IF NOT EXISTS"));
    }

    #[test]
    fn targets_beyond_the_history_are_refused() {
        for (from, to) in [
            (Target::Version(2), Target::Forward(1)),
            (Target::Base, Target::Back(1)),
            (Target::Forward(1), Target::Latest),
        ] {
            assert!(
                matches!(
                    script(&KNOWN, &table(), from, to),
                    Err(Error::InvalidTarget { .. })
                ),
                "{from} -> {to}"
            );
        }
        assert!(matches!(
            script(&KNOWN, &table(), Target::Base, Target::Version(5)),
            Err(Error::UnknownTarget { version: 5 })
        ));
    }
}
