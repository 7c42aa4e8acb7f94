//! The offline script: the SQL the runner would execute to go from one point of the
//! history to another, up or down, written out for a DBA to review and run with
//! `psql -v ON_ERROR_STOP=1 -f` (Alembic's `upgrade --sql`).
//!
//! It does what a run does, in the same order and with the same history rows:
//!
//! - it takes the same advisory lock (with `pg_advisory_lock`, which waits), so it
//!   never runs beside a runner, and releases it at the end;
//! - going up, it creates the history schema and table when they are absent;
//! - a transactional file is `BEGIN`, the file, its history change, `COMMIT`;
//! - a non-transactional file runs outside a transaction, one statement at a time, its
//!   record updated after each, so a failure leaves the record the runner would leave
//!   (and a later run resumes where the script stopped);
//! - after each file the session's `search_path` is set back to what it was when the
//!   script started (kept in the session setting `pgstrata.search_path`), as the
//!   runner does.
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
        "SELECT pg_catalog.pg_advisory_lock({});\n\
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
        "SELECT pg_catalog.set_config('search_path', pg_catalog.current_setting('{SAVED_SEARCH_PATH}'), false);\n"
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
        match step.transaction {
            TransactionMode::Transactional => {
                out.push_str(&format!(
                    "BEGIN;\n{}\n;\n{};\nCOMMIT;\n",
                    step.sql,
                    step.transactional_record(table)
                ));
            }
            TransactionMode::NonTransactional => {
                out.push_str("-- outside a transaction, statement by statement\n");
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
