//! The suite's report: agreement per kind, the time each set took, every disagreement.

use super::corpus::CorpusSet;
use super::judge::{Timing, Verdict};
use super::mutants::{Kind, Mutant};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// A finished run of the suite.
pub(super) struct Run<'a> {
    pub(super) seed: u64,
    pub(super) per_kind: usize,
    pub(super) sets: &'a [CorpusSet],
    pub(super) mutants: &'a [Mutant],
    /// By mutant index.
    pub(super) verdicts: &'a BTreeMap<usize, Verdict>,
    /// By set index.
    pub(super) timings: &'a BTreeMap<usize, Timing>,
    /// Reading the sets and choosing the mutants.
    pub(super) prepared: Duration,
    pub(super) elapsed: Duration,
}

/// What the suite prints, and the agreement over every mutant.
pub(super) struct Report {
    pub(super) overall: Tally,
    /// A table per kind, where each set's time went, and the sets' own errors.
    pub(super) summary: String,
    /// Every disagreement with both verdicts.
    pub(super) disagreements: String,
    /// Every mutant with both verdicts (empty unless `verbose`).
    pub(super) listing: String,
}

pub(super) fn report(run: &Run, verbose: bool) -> Report {
    let (sets, mutants) = (run.sets, run.mutants);
    let mut listing = String::new();
    let mut summary = String::new();
    let mut disagreements = String::new();
    let mut overall = Tally::default();
    let mut by_kind: BTreeMap<Kind, Tally> = BTreeMap::new();
    for (id, verdict) in run.verdicts {
        let mutant = &mutants[*id];
        by_kind.entry(mutant.kind).or_default().add(verdict);
        overall.add(verdict);
        if verbose {
            let _ = writeln!(
                listing,
                "{:<5} [{}] {} {}: {}\n      analyzer: {}\n      server:   {}",
                if verdict.agrees() { "ok" } else { "DIFF" },
                mutant.kind.id(),
                sets[mutant.set].name,
                mutant.file,
                mutant.description,
                verdict
                    .analyzer_errors
                    .first()
                    .map_or("no error", |e| e.lines().next().unwrap_or("")),
                verdict.server_error.as_deref().unwrap_or("applied cleanly"),
            );
        }
        if !verdict.agrees() {
            let analyzer = match verdict.analyzer_errors.first() {
                Some(first) => first.clone(),
                None => "no error".to_string(),
            };
            let server = verdict.server_error.as_deref().unwrap_or("applied cleanly");
            let _ = writeln!(
                disagreements,
                "[{}] {} {}: {}\n  analyzer: {}\n  server:   {}\n",
                mutant.kind.id(),
                sets[mutant.set].name,
                mutant.file,
                mutant.description,
                analyzer.replace('\n', "\n            "),
                server.replace('\n', "\n            "),
            );
        }
    }
    let _ = writeln!(
        summary,
        "mutation suite: seed {:#x}, up to {} mutants per kind, {} sets, {:.0?}",
        run.seed,
        run.per_kind,
        sets.len(),
        run.elapsed
    );
    let _ = writeln!(
        summary,
        "{:<20} {:>7} {:>7} {:>11} {:>9} {:>13} {:>11} {:>9}",
        "kind",
        "mutants",
        "agreed",
        "both broken",
        "both fine",
        "analyzer-only",
        "server-only",
        "agreement"
    );
    for (kind, tally) in &by_kind {
        summary.push_str(&tally.row(kind.id()));
    }
    summary.push_str(&overall.row("all"));
    let _ = writeln!(
        summary,
        "time: {:.1?} reading the sets and choosing mutants; per set (walking the \
         untouched history; writing, analyzing, copying a database for, applying and \
         dropping the mutants):",
        run.prepared
    );
    for (set, timing) in run.timings {
        let count = mutants.iter().filter(|m| m.set == *set).count();
        let _ = writeln!(
            summary,
            "  {:<30} {count:>3} mutants  {:>6.1?} {:>6.1?} {:>6.1?} {:>6.1?} {:>6.1?} {:>6.1?}",
            sets[*set].name,
            timing.walk,
            timing.write,
            timing.analyzer,
            timing.copy_db,
            timing.apply,
            timing.drop_db
        );
    }
    for set in sets {
        if !set.baseline_errors.is_empty() {
            let _ = writeln!(
                summary,
                "{}: the untouched set has {} error(s), left out of every verdict: {:?}",
                set.name,
                set.baseline_errors.len(),
                set.baseline_errors
            );
        }
    }
    Report {
        overall,
        summary,
        disagreements,
        listing,
    }
}

/// Agreement counts over some mutants.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) mutants: usize,
    pub(super) both_broken: usize,
    pub(super) both_fine: usize,
    pub(super) analyzer_only: usize,
    pub(super) server_only: usize,
}

impl Tally {
    pub(super) fn add(&mut self, verdict: &Verdict) {
        self.mutants += 1;
        match (
            !verdict.analyzer_errors.is_empty(),
            verdict.server_error.is_some(),
        ) {
            (true, true) => self.both_broken += 1,
            (false, false) => self.both_fine += 1,
            (true, false) => self.analyzer_only += 1,
            (false, true) => self.server_only += 1,
        }
    }

    pub(super) fn agreed(&self) -> usize {
        self.both_broken + self.both_fine
    }

    pub(super) fn rate(&self) -> f64 {
        if self.mutants == 0 {
            1.0
        } else {
            self.agreed() as f64 / self.mutants as f64
        }
    }

    pub(super) fn row(&self, label: &str) -> String {
        format!(
            "{label:<20} {:>7} {:>7} {:>11} {:>9} {:>13} {:>11} {:>8.1}%\n",
            self.mutants,
            self.agreed(),
            self.both_broken,
            self.both_fine,
            self.analyzer_only,
            self.server_only,
            100.0 * self.rate()
        )
    }
}
