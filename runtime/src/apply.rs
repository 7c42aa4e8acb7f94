//! Running one file of a migration: its up file (apply) or its down file (revert),
//! either in one transaction with its history change, or statement by statement with
//! its progress recorded so that a run that stops anywhere can be resumed.

use std::time::Instant;

use crate::driver::{Driver, DriverError};
use crate::error::{Error, StatementRef};
use crate::history::HistoryTable;
use crate::migration::{statement_texts, Migration, StatementSpan, TransactionMode};
use crate::plan::PlannedMigration;
use crate::runner::AppliedMigration;
use crate::session::Session;
use crate::sql::statement_checksum;

/// Which way a file moves the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Up,
    Down,
}

/// The file of a migration that one step runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub migration: &'static Migration,
    pub direction: Direction,
    pub path: &'static str,
    pub sql: &'static str,
    pub spans: &'static [StatementSpan],
    pub transaction: TransactionMode,
}

impl Step {
    pub(crate) fn up(m: &'static Migration) -> Self {
        Step {
            migration: m,
            direction: Direction::Up,
            path: m.path,
            sql: m.sql,
            spans: m.statements,
            transaction: m.transaction,
        }
    }

    /// `None` when the migration has no down file (plans refuse that before running).
    pub(crate) fn down(m: &'static Migration) -> Option<Self> {
        let down = m.down.as_ref()?;
        Some(Step {
            migration: m,
            direction: Direction::Down,
            path: down.path,
            sql: down.sql,
            spans: down.statements,
            transaction: down.transaction,
        })
    }

    pub(crate) fn statements(&self) -> impl Iterator<Item = (usize, u32, &'static str)> {
        statement_texts(self.sql, self.spans)
    }

    /// The history change that goes with the file: the applied row, or its removal.
    pub(crate) fn transactional_record(&self, table: &HistoryTable) -> String {
        match self.direction {
            Direction::Up => table.record_transactional_sql(self.migration),
            Direction::Down => table.delete_sql(self.migration.version),
        }
    }

    /// Before the first statement of a non-transactional run.
    pub(crate) fn started_record(&self, table: &HistoryTable, done: &[String]) -> String {
        match self.direction {
            Direction::Up => table.record_started_sql(self.migration, done),
            Direction::Down => table.record_reverting_sql(self.migration.version, done),
        }
    }

    /// After the last statement of a non-transactional run; `execution_ms` is an SQL
    /// expression.
    pub(crate) fn completed_record(&self, table: &HistoryTable, execution_ms: &str) -> String {
        match self.direction {
            Direction::Up => table.record_completed_sql(self.migration, execution_ms),
            Direction::Down => table.delete_sql(self.migration.version),
        }
    }

    fn verb(&self) -> &'static str {
        match self.direction {
            Direction::Up => "applying",
            Direction::Down => "reverting",
        }
    }

    fn failed(
        &self,
        statement: Option<StatementRef>,
        source: DriverError,
        hint: Option<&'static str>,
    ) -> Error {
        let m = self.migration;
        Error::MigrationFailed {
            version: m.version,
            name: m.name,
            path: self.path,
            reverting: self.direction == Direction::Down,
            transaction: self.transaction,
            statement,
            source: Box::new(source),
            hint,
        }
    }

    fn done(&self, started: Instant, resumed_from: Option<usize>) -> AppliedMigration {
        AppliedMigration {
            version: self.migration.version,
            name: self.migration.name,
            path: self.path,
            duration: started.elapsed(),
            transaction: self.transaction,
            resumed_from,
        }
    }
}

/// Runs one planned step (resuming at `statements_done` when the file runs statement
/// by statement) and logs it.
pub(crate) async fn run_step<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
    step: Step,
    planned: PlannedMigration,
) -> Result<AppliedMigration, Error> {
    let done = match step.transaction {
        TransactionMode::Transactional => in_transaction(session, table, step).await?,
        TransactionMode::NonTransactional => {
            statement_by_statement(session, table, step, planned.statements_done).await?
        }
    };
    let m = step.migration;
    let did = match step.direction {
        Direction::Up => "applied",
        Direction::Down => "reverted",
    };
    match done.resumed_from {
        Some(k) => log::info!(
            "{did} {m} (resumed at statement {k} of {}, outside a transaction) in {:?}",
            step.path,
            done.duration
        ),
        None => log::info!("{did} {m} in {:?}", done.duration),
    }
    Ok(done)
}

/// What comes before the file's SQL in its batch.
const BATCH_START: &str = "BEGIN;\n";

/// One round trip: `BEGIN`, the file, the history change, `COMMIT`. The pieces are
/// joined with `\n;\n`, so a file ending in a `-- comment` without a newline cannot
/// swallow the history change. On error the session is in an aborted transaction
/// block: roll it back, so nothing of the file (schema or history) stays.
async fn in_transaction<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
    step: Step,
) -> Result<AppliedMigration, Error> {
    // A `SET` of the session inside the transaction outlives its `COMMIT` (and not a
    // `ROLLBACK`): the batch ends by restoring the `search_path`.
    let batch = format!(
        "{BATCH_START}{}\n;\n{}\n;\nCOMMIT{}",
        step.sql,
        step.transactional_record(table),
        session.restore_suffix
    );
    log::debug!("{} {} in one transaction", step.verb(), step.migration);
    let started = Instant::now();
    match session.send(&batch).await {
        Ok(_) => Ok(step.done(started, None)),
        Err(source) => {
            if !session.closed {
                if let Err(e) = session.send("ROLLBACK").await {
                    log::warn!("rolling back the failed {}: {e}", step.path);
                }
            }
            let statement = source
                .position
                .and_then(|position| statement_at(step.sql, step.spans, &batch, position));
            Err(step.failed(statement, source, None))
        }
    }
}

/// The statement holding the server's error position (1-based, in characters of the
/// batch), if the position falls inside the file's SQL.
fn statement_at(
    sql: &str,
    spans: &[StatementSpan],
    batch: &str,
    position: u32,
) -> Option<StatementRef> {
    let char_index = usize::try_from(position).ok()?.checked_sub(1)?;
    let byte = batch.char_indices().nth(char_index)?.0;
    let offset = byte.checked_sub(BATCH_START.len())?;
    if offset >= sql.len() {
        return None;
    }
    let offset = u32::try_from(offset).ok()?;
    spans
        .iter()
        .enumerate()
        .rev()
        .find(|(_, span)| span.start <= offset)
        .map(|(index, span)| StatementRef {
            number: index + 1,
            line: span.line,
        })
}

/// Statement by statement, one simple query each (several in one string would be an
/// implicit transaction, which `CREATE INDEX CONCURRENTLY` refuses). The record says
/// "running" (or "reverting") first, then counts each completed statement with its
/// checksum, so a run that stops anywhere can be resumed. If the connection dies
/// between a statement and its progress update, the next run repeats that one
/// statement (the `non-idempotent` rule makes every statement of such a file safe to
/// repeat).
async fn statement_by_statement<D: Driver>(
    session: &mut Session<'_, D>,
    table: &HistoryTable,
    step: Step,
    statements_done: usize,
) -> Result<AppliedMigration, Error> {
    let m = step.migration;
    let history_error = |source: DriverError| Error::Driver {
        context: format!(
            "recording the progress of {} ({}) in the history table {}",
            m,
            step.path,
            table.qualified()
        ),
        source: Box::new(source),
    };
    let mut done: Vec<String> = step
        .statements()
        .take(statements_done)
        .map(|(_, _, sql)| statement_checksum(sql))
        .collect();
    let resumed_from = (statements_done > 0).then_some(statements_done + 1);
    match resumed_from {
        Some(k) => log::debug!(
            "{} {m}: resuming {} at statement {k}, outside a transaction",
            step.verb(),
            step.path
        ),
        None => log::debug!(
            "{} {m} statement by statement, outside a transaction",
            step.verb()
        ),
    }
    let interrupted = |number: usize, line: u32| {
        table.record_failure_sql(
            m.version,
            &format!(
                "statement {number} (line {line}): the run was dropped (cancelled) while it \
                 ran; the next run resumes after the last statement recorded as done"
            ),
        )
    };
    if let Some((index, line, _)) = step.statements().nth(statements_done) {
        session.interrupted_record = Some(interrupted(index + 1, line));
    }
    session
        .send(&step.started_record(table, &done))
        .await
        .map_err(history_error)?;

    let started = Instant::now();
    for (index, line, sql) in step.statements().skip(statements_done) {
        let statement = StatementRef {
            number: index + 1,
            line,
        };
        session.interrupted_record = Some(interrupted(statement.number, line));
        log::debug!(
            "{}: statement {} (line {line})",
            step.path,
            statement.number
        );
        if let Err(source) = session.send(sql).await {
            let hint = mentions_concurrently(sql).then_some(INVALID_INDEX_HINT);
            session.interrupted_record = None;
            if !session.closed {
                let mut note = format!("statement {} (line {line}): {source}", statement.number);
                if let Some(hint) = hint {
                    note = format!("{note}; {hint}");
                }
                let record = table.record_failure_sql(m.version, &note);
                if let Err(e) = session
                    .send(&format!("{record}{}", session.restore_suffix))
                    .await
                {
                    log::warn!(
                        "recording the failure of {} in the history table: {e}",
                        step.path
                    );
                }
            }
            return Err(step.failed(Some(statement), source, hint));
        }
        done.push(statement_checksum(sql));
        session
            .send(&table.record_progress_sql(m.version, &done))
            .await
            .map_err(history_error)?;
    }

    let execution_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let record = step.completed_record(table, &execution_ms.to_string());
    // Queued by the send below: from here a dropped run has nothing to record.
    session.interrupted_record = None;
    session
        .send(&format!("{record}{}", session.restore_suffix))
        .await
        .map_err(history_error)?;
    Ok(step.done(started, resumed_from))
}

/// A failed `CREATE INDEX CONCURRENTLY` can leave an invalid index behind, which a
/// rerun with `IF NOT EXISTS` would keep.
const INVALID_INDEX_HINT: &str = "a failed CREATE INDEX CONCURRENTLY may leave an INVALID \
     index behind (see pg_index.indisvalid), which `IF NOT EXISTS` would keep on the next \
     run: drop it (DROP INDEX CONCURRENTLY) before running again";

fn mentions_concurrently(sql: &str) -> bool {
    sql.to_ascii_lowercase().contains("concurrently")
}

#[cfg(test)]
mod tests {
    use super::*;

    static SPANS: [StatementSpan; 2] = [
        StatementSpan {
            start: 0,
            end: 24,
            line: 1,
        },
        StatementSpan {
            start: 26,
            end: 50,
            line: 2,
        },
    ];
    const SQL: &str = "CREATE TABLE é (id int);\nCREATE TABLE b (id nope);";

    #[test]
    fn an_error_position_maps_to_its_statement() {
        let batch = format!("{BATCH_START}{SQL}\n;\nINSERT ...");
        // `nope` in the second statement; positions count characters, and `é` is two
        // bytes.
        let chars_before = batch[..batch.find("nope").unwrap()].chars().count();
        let position = u32::try_from(chars_before + 1).unwrap();
        assert_eq!(
            statement_at(SQL, &SPANS, &batch, position),
            Some(StatementRef { number: 2, line: 2 })
        );
        assert_eq!(statement_at(SQL, &SPANS, &batch, 1), None); // in BEGIN
        let in_insert = u32::try_from(batch.chars().count()).unwrap();
        assert_eq!(statement_at(SQL, &SPANS, &batch, in_insert), None);
    }
}
