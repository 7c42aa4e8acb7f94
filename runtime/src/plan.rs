//! What an operation would do, decided without a database: the migrations in this
//! build against the history records, the target and the allow-flags. Pure, so every
//! rule is unit-tested here, and the runner calls it twice (before and after the lock).

use std::collections::BTreeMap;

use crate::error::Error;
use crate::history::HistoryRecord;
use crate::migration::{Down, Migration, TransactionMode};
use crate::sql::statement_checksum;
use crate::target::Target;

/// The migrations an operation applies or reverts, in the order it does so.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Plan {
    pub steps: Vec<PlannedMigration>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// One migration to apply (or, in a down plan, to revert).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PlannedMigration {
    pub migration: &'static Migration,
    /// Statements an earlier, failed non-transactional run of the file (the up file,
    /// or in a down plan the down file) completed; the run resumes at the next one. 0
    /// runs the file from its start.
    pub statements_done: usize,
}

/// What the caller allows; see the `Runner` setters.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Policy<'a> {
    pub target: Target,
    pub allow_divergent: bool,
    pub allow_missing: bool,
    pub allow_out_of_order: bool,
    /// Quoted and qualified, for messages that tell the operator what to run.
    pub history_table: &'a str,
}

/// The build's migrations with each version's position, and the records by version.
struct Known<'h> {
    migrations: &'static [Migration],
    positions: BTreeMap<i64, usize>,
    records: BTreeMap<i64, &'h HistoryRecord>,
}

impl<'h> Known<'h> {
    fn new(migrations: &'static [Migration], history: &'h [HistoryRecord]) -> Result<Self, Error> {
        Ok(Known {
            migrations,
            positions: positions(migrations)?,
            records: history.iter().map(|r| (r.version, r)).collect(),
        })
    }

    fn position(&self, version: i64) -> Result<usize, Error> {
        self.positions
            .get(&version)
            .copied()
            .ok_or(Error::UnknownTarget { version })
    }

    /// Verifies everything the database says happened, whatever the target: every
    /// recorded version is in the build (unless allowed) and every applied one has the
    /// build's checksum (unless allowed). Returns the position and version of the newest
    /// applied migration in the build's order.
    fn verify(&self, policy: &Policy<'_>) -> Result<Option<(usize, i64)>, Error> {
        let mut newest_applied: Option<(usize, i64)> = None;
        for record in self.records.values() {
            let Some(&position) = self.positions.get(&record.version) else {
                if policy.allow_missing {
                    continue;
                }
                return Err(Error::Missing {
                    version: record.version,
                    name: record.name.clone(),
                });
            };
            let m = &self.migrations[position];
            if newest_applied.is_none_or(|(newest, _)| position > newest) {
                newest_applied = Some((position, m.version));
            }
            if record.success && record.checksum != m.checksum && !policy.allow_divergent {
                return Err(Error::Divergent {
                    version: m.version,
                    name: m.name,
                    path: m.path,
                    applied_checksum: record.checksum.clone(),
                    checksum: m.checksum,
                });
            }
        }
        Ok(newest_applied)
    }
}

/// What `up` (and `run`) applies: the pending migrations up to the target, in the
/// build's order, failed non-transactional ones resumed where they stopped.
pub(crate) fn plan(
    known: &'static [Migration],
    history: &[HistoryRecord],
    policy: &Policy<'_>,
) -> Result<Plan, Error> {
    // The build's order is the slice's: the macro orders migrations the way their
    // tool does, which is not always by number (diesel compares versions as text).
    let known = Known::new(known, history)?;
    let (last, steps_limit) = match policy.target {
        Target::Latest => (known.migrations.len().checked_sub(1), None),
        Target::Version(version) => (Some(known.position(version)?), None),
        Target::Forward(steps) => (
            known.migrations.len().checked_sub(1),
            Some(steps as usize),
        ),
        Target::Back(_) | Target::Base => {
            return Err(Error::InvalidTarget {
                target: policy.target.to_string(),
                reason: "going up takes the latest migration, a version or +N; -N and base are for going down"
                    .to_string(),
            })
        }
    };
    let newest_applied = known.verify(policy)?;

    let mut steps = Vec::new();
    let in_target = last.map_or(0, |last| last + 1);
    for (position, m) in known.migrations.iter().enumerate() {
        let record = known.records.get(&m.version);
        if let Some(record) = record.filter(|r| r.reverting) {
            // Half reverted: neither state is safe to build on.
            return Err(Error::PartlyReverted {
                version: m.version,
                name: m.name,
                path: m.path,
                statements_done: record.statements_done,
                history_table: policy.history_table.to_string(),
            });
        }
        if position >= in_target {
            continue;
        }
        let statements_done = match record {
            Some(record) if record.success => continue,
            Some(record) => resume_point(m, &Part::up(m), record, policy)?,
            None => {
                if let Some((_, newest)) = newest_applied.filter(|&(newest, _)| position < newest) {
                    if !policy.allow_out_of_order {
                        return Err(Error::OutOfOrder {
                            version: m.version,
                            name: m.name,
                            path: m.path,
                            newest_applied: newest,
                        });
                    }
                }
                0
            }
        };
        steps.push(PlannedMigration {
            migration: m,
            statements_done,
        });
    }
    if let Some(limit) = steps_limit {
        steps.truncate(limit);
    }
    Ok(Plan { steps })
}

/// What `down` reverts: the applied migrations after the target, newest (in the
/// build's order) first. The whole plan is checked before anything runs: every
/// migration in it needs a down file, and none may be a failed up.
pub(crate) fn plan_down(
    known: &'static [Migration],
    history: &[HistoryRecord],
    policy: &Policy<'_>,
) -> Result<Plan, Error> {
    let known = Known::new(known, history)?;
    known.verify(policy)?;
    // Applied, or being reverted (a down that stopped partway is finished first).
    let mut applied: Vec<(usize, &HistoryRecord)> = known
        .records
        .values()
        .filter_map(|r| Some((*known.positions.get(&r.version)?, *r)))
        .collect();
    applied.sort_by_key(|(position, _)| std::cmp::Reverse(*position));
    let in_range: Vec<(usize, &HistoryRecord)> = match policy.target {
        Target::Base => applied,
        Target::Version(version) => {
            let keep = known.position(version)?;
            applied.into_iter().filter(|(p, _)| *p > keep).collect()
        }
        Target::Back(steps) => {
            let steps = steps as usize;
            if steps > applied.len() {
                return Err(Error::InvalidTarget {
                    target: policy.target.to_string(),
                    reason: format!(
                        "only {} migration{} applied",
                        applied.len(),
                        if applied.len() == 1 { " is" } else { "s are" }
                    ),
                });
            }
            applied.into_iter().take(steps).collect()
        }
        Target::Latest | Target::Forward(_) => {
            return Err(Error::InvalidTarget {
                target: policy.target.to_string(),
                reason: "going down takes a version (which stays applied), -N or base".to_string(),
            })
        }
    };
    let mut steps = Vec::with_capacity(in_range.len());
    for (position, record) in in_range {
        let m = &known.migrations[position];
        if !record.success && !record.reverting {
            return Err(Error::FailedInRange {
                version: m.version,
                name: m.name,
                path: m.path,
                statements_done: record.statements_done,
            });
        }
        let Some(down) = m.down.as_ref() else {
            return Err(Error::NoDownFile {
                version: m.version,
                name: m.name,
                path: m.path,
            });
        };
        let statements_done = if record.reverting {
            resume_point(m, &Part::down(down), record, policy)?
        } else {
            0
        };
        steps.push(PlannedMigration {
            migration: m,
            statements_done,
        });
    }
    Ok(Plan { steps })
}

/// Each version's position in the build, refusing duplicates and malformed spans (the
/// macro rules both out; a hand-built list might not).
fn positions(known: &'static [Migration]) -> Result<BTreeMap<i64, usize>, Error> {
    let mut positions: BTreeMap<i64, usize> = BTreeMap::new();
    for (position, m) in known.iter().enumerate() {
        m.check_spans().map_err(|reason| Error::InvalidMigration {
            version: m.version,
            name: m.name,
            path: m.path,
            reason,
        })?;
        if let Some(first) = positions.insert(m.version, position) {
            return Err(Error::DuplicateVersion {
                version: m.version,
                first: known[first].path,
                second: m.path,
            });
        }
    }
    Ok(positions)
}

/// The file a record's progress is about: the up file, or the down file while the
/// migration is being reverted.
struct Part {
    what: &'static str,
    transaction: TransactionMode,
    statements: Vec<(usize, u32, &'static str)>,
}

impl Part {
    fn up(m: &'static Migration) -> Self {
        Part {
            what: "",
            transaction: m.transaction,
            statements: m.statements().collect(),
        }
    }

    fn down(down: &'static Down) -> Self {
        Part {
            what: "its down file ",
            transaction: down.transaction,
            statements: down.statements().collect(),
        }
    }
}

/// Where a failed run of a file resumes. Nothing done: from the start, whatever
/// changed. Otherwise only if the build runs it statement by statement too and the
/// statements that already ran are, text for text, the build's first ones: the record
/// stores a checksum per completed statement (see [`crate::sql::statement_checksum`]).
fn resume_point(
    m: &'static Migration,
    part: &Part,
    record: &HistoryRecord,
    policy: &Policy<'_>,
) -> Result<usize, Error> {
    let done = record.statements_done as usize;
    if done == 0 {
        return Ok(0);
    }
    let refuse = |reason: String| Error::ResumeRefused {
        version: m.version,
        name: m.name,
        path: m.path,
        statements_done: record.statements_done,
        reason,
        history_table: policy.history_table.to_string(),
    };
    let what = part.what;
    if part.transaction == TransactionMode::Transactional {
        return Err(refuse(format!(
            "this build runs {what}inside one transaction, which would run those statements again"
        )));
    }
    if record.statement_checksums.len() != done {
        return Err(refuse(format!(
            "its record lists {} statement checksums for {done} completed statements",
            record.statement_checksums.len()
        )));
    }
    if part.statements.len() < done {
        return Err(refuse(format!(
            "this build has only {} statements in {}",
            part.statements.len(),
            if what.is_empty() {
                "it"
            } else {
                "its down file"
            }
        )));
    }
    for ((index, line, sql), applied) in part.statements.iter().zip(&record.statement_checksums) {
        if statement_checksum(sql) != *applied {
            return Err(refuse(format!(
                "statement {} (line {line}) {}is not the one that ran",
                index + 1,
                if what.is_empty() {
                    ""
                } else {
                    "of its down file "
                }
            )));
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::StatementSpan;

    /// A migration whose statements are split on `;` (enough for these tests).
    fn mig(version: i64, sql: &str, transaction: TransactionMode) -> Migration {
        let sql: &'static str = Box::leak(sql.to_string().into_boxed_str());
        let mut spans = Vec::new();
        let mut start = 0;
        for piece in sql.split_inclusive(';') {
            let text = piece.trim_end_matches(';');
            let lead = text.len() - text.trim_start().len();
            let begin = start + lead;
            let line = sql[..begin].matches('\n').count() as u32 + 1;
            spans.push(StatementSpan {
                start: begin as u32,
                end: (start + text.len()) as u32,
                line,
            });
            start += piece.len();
        }
        let name: &'static str = Box::leak(format!("m{version}").into_boxed_str());
        let path: &'static str = Box::leak(format!("migrations/{version}_m.sql").into_boxed_str());
        let checksum: &'static str = Box::leak(crate::sql::hex(sql.as_bytes()).into_boxed_str());
        Migration::__new(
            version,
            name,
            path,
            sql,
            None,
            checksum,
            transaction,
            Box::leak(spans.into_boxed_slice()),
        )
    }

    fn tx(version: i64) -> Migration {
        mig(
            version,
            &format!("CREATE TABLE t{version} (id int)"),
            TransactionMode::Transactional,
        )
    }

    fn leak(ms: Vec<Migration>) -> &'static [Migration] {
        Box::leak(ms.into_boxed_slice())
    }

    fn applied(m: &Migration) -> HistoryRecord {
        HistoryRecord::applied(m.version, m.name, m.checksum)
    }

    fn versions(plan: &Plan) -> Vec<(i64, usize)> {
        plan.steps
            .iter()
            .map(|s| (s.migration.version, s.statements_done))
            .collect()
    }

    const TABLE: &str = "\"public\".\"pgstrata_schema_history\"";

    fn policy() -> Policy<'static> {
        Policy {
            history_table: TABLE,
            ..Policy::default()
        }
    }

    #[test]
    fn everything_is_pending_on_an_empty_history_in_the_builds_order() {
        // The macro orders migrations as their tool does; diesel puts the 18-digit
        // version 2025-11-19-091444-0000 before 2026-01-20-162913.
        let known = leak(vec![
            tx(202511190914440000),
            tx(20260120162913),
            tx(202605050000000000),
        ]);
        let plan = plan(known, &[], &policy()).unwrap();
        assert_eq!(
            versions(&plan),
            vec![
                (202511190914440000, 0),
                (20260120162913, 0),
                (202605050000000000, 0)
            ]
        );
    }

    #[test]
    fn out_of_order_means_before_the_newest_applied_in_the_builds_order() {
        let known = leak(vec![
            tx(202511190914440000),
            tx(20260120162913),
            tx(202605050000000000),
        ]);
        // The second was applied, the first not: out of order although its number is larger.
        let history = [applied(&known[1])];
        assert!(matches!(
            plan(known, &history, &policy()),
            Err(Error::OutOfOrder {
                version: 202511190914440000,
                newest_applied: 20260120162913,
                ..
            })
        ));
        // The first two applied: the third is pending; a target stops at its position.
        let history = [applied(&known[0]), applied(&known[1])];
        assert_eq!(
            versions(&plan(known, &history, &policy()).unwrap()),
            vec![(202605050000000000, 0)]
        );
        let to_second = Policy {
            target: Target::Version(20260120162913),
            ..policy()
        };
        assert!(
            plan(known, &[applied(&known[0])], &to_second)
                .unwrap()
                .steps
                .len()
                == 1
        );
    }

    #[test]
    fn applied_migrations_are_not_pending() {
        let known = leak(vec![tx(1), tx(2), tx(3)]);
        let history = [applied(&known[0]), applied(&known[1])];
        assert_eq!(
            versions(&plan(known, &history, &policy()).unwrap()),
            vec![(3, 0)]
        );
        let all = [applied(&known[0]), applied(&known[1]), applied(&known[2])];
        assert!(plan(known, &all, &policy()).unwrap().is_empty());
    }

    #[test]
    fn target_version_stops_there_and_must_exist() {
        let known = leak(vec![tx(1), tx(2), tx(3)]);
        let p = Policy {
            target: Target::Version(2),
            ..policy()
        };
        assert_eq!(
            versions(&plan(known, &[], &p).unwrap()),
            vec![(1, 0), (2, 0)]
        );
        let p = Policy {
            target: Target::Version(7),
            ..policy()
        };
        let err = plan(known, &[], &p).unwrap_err();
        assert!(matches!(err, Error::UnknownTarget { version: 7 }), "{err}");
    }

    #[test]
    fn divergent_checksum_is_refused_unless_allowed() {
        let known = leak(vec![tx(1), tx(2)]);
        let mut changed = applied(&known[0]);
        changed.checksum = "abc".into();
        let err = plan(known, &[changed.clone()], &policy()).unwrap_err();
        match &err {
            Error::Divergent {
                version: 1,
                name: "m1",
                path: "migrations/1_m.sql",
                applied_checksum,
                ..
            } => assert_eq!(applied_checksum, "abc"),
            other => panic!("{other}"),
        }
        assert!(err
            .to_string()
            .contains("migration 1 \"m1\" (migrations/1_m.sql) was changed"));
        let p = Policy {
            allow_divergent: true,
            ..policy()
        };
        assert_eq!(
            versions(&plan(known, &[changed], &p).unwrap()),
            vec![(2, 0)]
        );
    }

    #[test]
    fn missing_is_refused_unless_allowed() {
        let known = leak(vec![tx(1), tx(3)]);
        let gone = HistoryRecord::applied(2, "dropped", "x");
        let history = [applied(&known[0]), gone];
        let err = plan(known, &history, &policy()).unwrap_err();
        assert!(
            matches!(&err, Error::Missing { version: 2, name } if name == "dropped"),
            "{err}"
        );
    }

    #[test]
    fn missing_allowed_applies_newer_ones() {
        let known = leak(vec![tx(1), tx(3)]);
        let history = [
            applied(&known[0]),
            HistoryRecord::applied(2, "dropped", "x"),
        ];
        let p = Policy {
            allow_missing: true,
            ..policy()
        };
        assert_eq!(versions(&plan(known, &history, &p).unwrap()), vec![(3, 0)]);
    }

    #[test]
    fn out_of_order_is_refused_unless_allowed_then_applied() {
        let known = leak(vec![tx(1), tx(2), tx(3)]);
        let history = [applied(&known[0]), applied(&known[2])];
        let err = plan(known, &history, &policy()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::OutOfOrder {
                    version: 2,
                    newest_applied: 3,
                    ..
                }
            ),
            "{err}"
        );
        let p = Policy {
            allow_out_of_order: true,
            ..policy()
        };
        assert_eq!(versions(&plan(known, &history, &p).unwrap()), vec![(2, 0)]);
    }

    #[test]
    fn duplicate_versions_and_bad_spans_are_refused() {
        let known = leak(vec![tx(1), tx(1)]);
        assert!(matches!(
            plan(known, &[], &policy()),
            Err(Error::DuplicateVersion { version: 1, .. })
        ));
        let mut bad = tx(2);
        bad.statements = Box::leak(Box::new([StatementSpan {
            start: 0,
            end: 999,
            line: 1,
        }]));
        let known = leak(vec![bad]);
        assert!(matches!(
            plan(known, &[], &policy()),
            Err(Error::InvalidMigration { version: 2, .. })
        ));
    }

    const NON_TX: &str = "CREATE INDEX CONCURRENTLY a ON t (a);\nCREATE INDEX CONCURRENTLY b ON t (b);\nCREATE INDEX CONCURRENTLY c ON t (c)";

    fn failed_after(m: &Migration, done: usize) -> HistoryRecord {
        let sums = m
            .statements()
            .take(done)
            .map(|(_, _, sql)| statement_checksum(sql))
            .collect();
        HistoryRecord::failed(m.version, m.name, "old", sums, "statement 2 failed")
    }

    #[test]
    fn a_failed_non_transactional_run_resumes_after_its_completed_statements() {
        let m = mig(1, NON_TX, TransactionMode::NonTransactional);
        let known = leak(vec![m]);
        let history = [failed_after(&known[0], 1)];
        assert_eq!(
            versions(&plan(known, &history, &policy()).unwrap()),
            vec![(1, 1)]
        );
        // A failed record's checksum may differ: that is the fix.
        let history = [failed_after(&known[0], 0)];
        assert_eq!(
            versions(&plan(known, &history, &policy()).unwrap()),
            vec![(1, 0)]
        );
    }

    #[test]
    fn resume_is_refused_when_a_completed_statement_changed() {
        let before = mig(1, NON_TX, TransactionMode::NonTransactional);
        let history = [failed_after(&before, 2)];
        let edited = NON_TX.replace("ON t (b)", "ON t (b, a)");
        let known = leak(vec![mig(1, &edited, TransactionMode::NonTransactional)]);
        let err = plan(known, &history, &policy()).unwrap_err();
        let text = err.to_string();
        assert!(matches!(
            err,
            Error::ResumeRefused {
                version: 1,
                statements_done: 2,
                ..
            }
        ));
        assert!(
            text.contains("statement 2 (line 2) is not the one that ran"),
            "{text}"
        );
        assert!(
            text.contains("DELETE FROM \"public\".\"pgstrata_schema_history\" WHERE version = 1"),
            "{text}"
        );
        // Editing only the statement that failed (3) is fine.
        let fixed = NON_TX.replace("ON t (c)", "ON t (c, a)");
        let known = leak(vec![mig(1, &fixed, TransactionMode::NonTransactional)]);
        assert_eq!(
            versions(&plan(known, &history, &policy()).unwrap()),
            vec![(1, 2)]
        );
    }

    #[test]
    fn resume_is_refused_when_the_build_made_it_transactional_or_shorter() {
        let before = mig(1, NON_TX, TransactionMode::NonTransactional);
        let history = [failed_after(&before, 2)];
        let known = leak(vec![mig(1, NON_TX, TransactionMode::Transactional)]);
        let err = plan(known, &history, &policy()).unwrap_err();
        assert!(err.to_string().contains("inside one transaction"), "{err}");

        let known = leak(vec![mig(
            1,
            "CREATE INDEX CONCURRENTLY a ON t (a)",
            TransactionMode::NonTransactional,
        )]);
        let err = plan(known, &history, &policy()).unwrap_err();
        assert!(err.to_string().contains("has only 1 statements"), "{err}");
    }

    #[test]
    fn failed_records_beyond_the_target_are_left_alone() {
        let known = leak(vec![
            tx(1),
            mig(2, NON_TX, TransactionMode::NonTransactional),
        ]);
        let history = [applied(&known[0]), failed_after(&known[1], 1)];
        let p = Policy {
            target: Target::Version(1),
            ..policy()
        };
        assert!(plan(known, &history, &p).unwrap().is_empty());
    }
}
