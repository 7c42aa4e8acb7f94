//! Every migration's state: the build against the history records, decided without a
//! database from one read of the history table. Unlike a run, status reports what is
//! wrong (a changed file, a missing one, a failed run) instead of refusing.

use std::collections::BTreeMap;
use std::fmt;

use crate::history::{AppliedBy, HistoryRecord};
use crate::migration::Migration;

/// What `Runner::status` found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Status {
    /// The history table, quoted and qualified.
    pub history_table: String,
    /// Whether the history table exists (it does once anything was applied or recorded).
    pub history_exists: bool,
    /// The build's migrations in its order, then the versions the history records that
    /// the build lacks.
    pub migrations: Vec<MigrationStatus>,
}

/// One migration's state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationStatus {
    pub version: i64,
    pub name: String,
    /// The up file; `None` for a version missing from the build.
    pub path: Option<&'static str>,
    /// Whether the build has a down file for it.
    pub has_down: bool,
    pub state: MigrationState,
    /// When its record was last written, as the server prints a `timestamptz`.
    pub applied_at: Option<String>,
    /// How long it took; `None` when it did not run (a baseline) or did not finish.
    pub execution_ms: Option<i64>,
    pub applied_by: Option<AppliedBy>,
}

/// Where a migration stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    /// Applied, and the file is the one that was applied.
    Applied,
    /// Not applied yet.
    Pending,
    /// Not applied, and older (in the build's order) than the newest applied one: a run
    /// refuses it unless out-of-order migrations are allowed.
    OutOfOrder,
    /// A non-transactional run stopped at this 1-based statement (it failed there, or
    /// its connection was lost, or it is running now); the next run resumes there.
    Failed {
        statement: usize,
        error: Option<String>,
    },
    /// Its down file (run statement by statement) stopped at this 1-based statement;
    /// `down` resumes there.
    Reverting {
        statement: usize,
        error: Option<String>,
    },
    /// Applied, but the file changed since: the database has the old checksum.
    Divergent { applied_checksum: String },
    /// Recorded as applied, but not in this build.
    Missing,
}

impl MigrationState {
    /// One or two words for tables and JSON.
    pub fn label(&self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
            MigrationState::OutOfOrder => "out of order",
            MigrationState::Failed { .. } => "failed",
            MigrationState::Reverting { .. } => "reverting",
            MigrationState::Divergent { .. } => "divergent",
            MigrationState::Missing => "missing",
        }
    }
}

impl Status {
    /// The newest applied migration in the build's order (Alembic's `current`); `None`
    /// when nothing is applied.
    pub fn current(&self) -> Option<i64> {
        self.migrations
            .iter()
            .rev()
            .filter(|m| m.path.is_some())
            .find(|m| {
                matches!(
                    m.state,
                    MigrationState::Applied | MigrationState::Divergent { .. }
                )
            })
            .map(|m| m.version)
    }

    /// How many migrations a run would apply if nothing stopped it (pending and out of
    /// order ones; failed ones are counted by [`Status::is_up_to_date`]).
    pub fn pending(&self) -> usize {
        self.count(|s| matches!(s, MigrationState::Pending | MigrationState::OutOfOrder))
    }

    /// Every migration of the build applied as it is, and nothing else recorded.
    pub fn is_up_to_date(&self) -> bool {
        self.migrations
            .iter()
            .all(|m| m.state == MigrationState::Applied)
    }

    /// Whether something needs a person: a failed or partly reverted run, a changed
    /// file, a version missing from the build, an out-of-order migration.
    pub fn has_problems(&self) -> bool {
        self.migrations
            .iter()
            .any(|m| !matches!(m.state, MigrationState::Applied | MigrationState::Pending))
    }

    fn count(&self, state: impl Fn(&MigrationState) -> bool) -> usize {
        self.migrations.iter().filter(|m| state(&m.state)).count()
    }
}

pub(crate) fn status(
    known: &'static [Migration],
    history: Option<&[HistoryRecord]>,
    history_table: &str,
) -> Status {
    let records: BTreeMap<i64, &HistoryRecord> = history
        .unwrap_or_default()
        .iter()
        .map(|r| (r.version, r))
        .collect();
    let newest_applied = known.iter().rposition(|m| records.contains_key(&m.version));
    let mut migrations: Vec<MigrationStatus> = known
        .iter()
        .enumerate()
        .map(|(position, m)| {
            let record = records.get(&m.version);
            let state = match record {
                None if newest_applied.is_some_and(|newest| position < newest) => {
                    MigrationState::OutOfOrder
                }
                None => MigrationState::Pending,
                Some(r) if r.reverting => MigrationState::Reverting {
                    statement: r.statements_done as usize + 1,
                    error: r.error.clone(),
                },
                Some(r) if !r.success => MigrationState::Failed {
                    statement: r.statements_done as usize + 1,
                    error: r.error.clone(),
                },
                Some(r) if r.checksum != m.checksum => MigrationState::Divergent {
                    applied_checksum: r.checksum.clone(),
                },
                Some(_) => MigrationState::Applied,
            };
            MigrationStatus {
                version: m.version,
                name: m.name.to_string(),
                path: Some(m.path),
                has_down: m.down.is_some(),
                state,
                applied_at: record.map(|r| r.applied_at.clone()),
                execution_ms: record.and_then(|r| r.execution_ms),
                applied_by: record.map(|r| r.applied_by),
            }
        })
        .collect();
    for record in records.values() {
        if known.iter().all(|m| m.version != record.version) {
            migrations.push(MigrationStatus {
                version: record.version,
                name: record.name.clone(),
                path: None,
                has_down: false,
                state: MigrationState::Missing,
                applied_at: Some(record.applied_at.clone()),
                execution_ms: record.execution_ms,
                applied_by: Some(record.applied_by),
            });
        }
    }
    Status {
        history_table: history_table.to_string(),
        history_exists: history.is_some(),
        migrations,
    }
}

/// A table for people: one line per migration, then what to do about problems.
///
/// ```text
/// version  name                  state    applied at           took   by
/// 1        threads_and_messages  applied  2026-12-07 13:40:01  12 ms  run
/// 2        tool_calls            pending
/// ```
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = ["version", "name", "state", "applied at", "took", "by"];
        let rows: Vec<[String; 6]> = self
            .migrations
            .iter()
            .map(|m| {
                [
                    m.version.to_string(),
                    m.name.clone(),
                    state_text(&m.state),
                    m.applied_at.as_deref().map(seconds).unwrap_or_default(),
                    m.execution_ms
                        .map(|ms| format!("{ms} ms"))
                        .unwrap_or_default(),
                    m.applied_by
                        .map(|by| by.label().to_string())
                        .unwrap_or_default(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 6]| -> fmt::Result {
            let mut text = String::new();
            for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
            }
            writeln!(f, "{}", text.trim_end())
        };
        line(f, header)?;
        for row in &rows {
            line(f, row.each_ref().map(String::as_str))?;
        }
        let applied = self.count(|s| {
            matches!(
                s,
                MigrationState::Applied | MigrationState::Divergent { .. }
            )
        });
        write!(
            f,
            "{applied} applied, {} pending (history table {}",
            self.pending(),
            self.history_table
        )?;
        if !self.history_exists {
            f.write_str(", not created yet")?;
        }
        f.write_str(")")?;
        for m in &self.migrations {
            if let Some(advice) = advice(m) {
                write!(f, "\n{}: {advice}", m.version)?;
            }
        }
        Ok(())
    }
}

fn state_text(state: &MigrationState) -> String {
    match state {
        MigrationState::Failed { statement, .. } => format!("failed at statement {statement}"),
        MigrationState::Reverting { statement, .. } => {
            format!("reverting, stopped at statement {statement} of its down file")
        }
        other => other.label().to_string(),
    }
}

/// `2026-12-07 13:40:01` of `2026-12-07 13:40:01.123456+00`: the table needs no more.
fn seconds(timestamp: &str) -> String {
    timestamp.chars().take(19).collect()
}

fn advice(m: &MigrationStatus) -> Option<String> {
    let error = |error: &Option<String>| {
        error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_else(|| " (no error recorded: it may be running now)".to_string())
    };
    Some(match &m.state {
        MigrationState::Applied | MigrationState::Pending => return None,
        MigrationState::OutOfOrder => {
            "pending but older than the newest applied migration; a run refuses it unless \
             out-of-order migrations are allowed"
                .to_string()
        }
        MigrationState::Failed { error: e, .. } => format!(
            "stopped{}; the next run resumes it, or undo it by hand and resolve it as rolled back",
            error(e)
        ),
        MigrationState::Reverting { error: e, .. } => format!(
            "its down file stopped{}; run down again to finish, or resolve it as rolled back",
            error(e)
        ),
        MigrationState::Divergent { applied_checksum } => format!(
            "the file changed after it was applied (the database has checksum {applied_checksum}); \
             restore it, or accept the change with resolve --accept-checksum"
        ),
        MigrationState::Missing => "recorded as applied but not in this build".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::{StatementSpan, TransactionMode};

    static SPANS: [StatementSpan; 1] = [StatementSpan {
        start: 0,
        end: 8,
        line: 1,
    }];
    static KNOWN: [Migration; 4] = [
        Migration::__new(
            1,
            "one",
            "m/1_one.sql",
            "SELECT 1",
            None,
            "c1",
            TransactionMode::Transactional,
            &SPANS,
        ),
        Migration::__new(
            2,
            "two",
            "m/2_two.sql",
            "SELECT 2",
            None,
            "c2",
            TransactionMode::Transactional,
            &SPANS,
        ),
        Migration::__new(
            3,
            "three",
            "m/3_three.sql",
            "SELECT 3",
            None,
            "c3",
            TransactionMode::NonTransactional,
            &SPANS,
        ),
        Migration::__new(
            4,
            "four",
            "m/4_four.sql",
            "SELECT 4",
            None,
            "c4",
            TransactionMode::Transactional,
            &SPANS,
        ),
    ];

    #[test]
    fn every_state_is_told_apart_and_nothing_is_refused() {
        let mut changed = HistoryRecord::applied(2, "two", "old");
        changed.applied_at = "2026-12-07 13:40:01.123456+00".into();
        let history = [
            changed,
            HistoryRecord::failed(3, "three", "c3", vec![], "boom"),
            HistoryRecord::applied(9, "gone", "c9"),
        ];
        let status = status(&KNOWN, Some(&history), "\"public\".\"h\"");
        let states: Vec<(i64, &str)> = status
            .migrations
            .iter()
            .map(|m| (m.version, m.state.label()))
            .collect();
        assert_eq!(
            states,
            [
                (1, "out of order"),
                (2, "divergent"),
                (3, "failed"),
                (4, "pending"),
                (9, "missing")
            ]
        );
        assert_eq!(status.current(), Some(2));
        assert_eq!(status.pending(), 2);
        assert!(!status.is_up_to_date());
        assert!(status.has_problems());
        let text = status.to_string();
        assert!(text.contains("2        two    divergent"), "{text}");
        assert!(text.contains("2026-12-07 13:40:01  "), "{text}");
        assert!(text.contains("failed at statement 1"), "{text}");
        assert!(
            text.contains("\n9: recorded as applied but not in this build"),
            "{text}"
        );
    }

    #[test]
    fn an_empty_database_has_everything_pending() {
        let status = status(&KNOWN, None, "\"public\".\"h\"");
        assert!(!status.history_exists);
        assert_eq!(status.pending(), 4);
        assert_eq!(status.current(), None);
        assert!(!status.has_problems());
        assert!(status
            .to_string()
            .ends_with("0 applied, 4 pending (history table \"public\".\"h\", not created yet)"));
    }
}
