//! The mutation suite: the real-world histories in `../shared/corpora`, made wrong the
//! way people make migrations wrong, each mutant judged by the analyzer and by the real
//! server. The analyzer is right when it agrees with the server: both say the mutated
//! history is broken, or both say it is fine.
//!
//! Mutations, chosen with a fixed seed (`PGSTRATA_MUTATION_SEED` changes it), at most
//! `PGSTRATA_MUTATIONS_PER_KIND` (default 40) per kind, spread over the sets in turn:
//!
//! - `alter-column-typo`: a column named by `ALTER TABLE` (`ALTER COLUMN`, `DROP
//!   COLUMN`, `RENAME COLUMN`, the key columns of `ADD CONSTRAINT`) misspelt;
//! - `index-column-typo`: a column of `CREATE INDEX` misspelt;
//! - `fk-column-typo`: a referenced column of a foreign key (`REFERENCES t (col)`)
//!   misspelt;
//! - `drop-then-use`: `DROP TABLE` of a table appended to the migration just before the
//!   first later migration that uses it;
//! - `swap-adjacent`: two adjacent migrations swapped where the later one uses what the
//!   earlier one creates (a table, a column, a type, a function);
//! - `duplicate-create`: a `CREATE TABLE` copied to the end of the next migration (of
//!   its own when it is the last).
//!
//! Misspellings are the usual slips: two letters swapped, one dropped or doubled, a
//! neighbouring key. A misspelling may name another real column; the server then
//! accepts it, and so should the analyzer.
//!
//! `PGSTRATA_MUTATIONS_VERBOSE=1` lists every mutant with both verdicts.
//!
//! The analyzer's verdict: an error in an up file other than `non-idempotent` and
//! `reversible` (these histories were not written to be re-run or rolled back) that
//! the untouched set does not have; the runner never runs the down files. The server's verdict: the runner
//! fails to apply the mutated set to a fresh database; to save time that database is a
//! copy of one the runner brought to just before the mutant's first changed migration.
//! The suite prints a table per kind, every disagreement, and fails below 95% agreement.

mod corpus;
mod judge;
mod misspell;
mod mutants;
mod report;
mod statements;

use corpus::load_sets;
use judge::judge_all;
use mutants::choose_mutants;
use report::{report, Run};
use std::time::Instant;

const REQUIRED_AGREEMENT: f64 = 0.95;
const DEFAULT_PER_KIND: usize = 40;
/// The seed the suite was first run with.
const DEFAULT_SEED: u64 = 0x5EED_0000_0003;

#[test]
fn the_analyzer_agrees_with_the_server_on_broken_corpora() {
    let started = Instant::now();
    let seed = env_number("PGSTRATA_MUTATION_SEED").unwrap_or(DEFAULT_SEED);
    let per_kind =
        env_number("PGSTRATA_MUTATIONS_PER_KIND").map_or(DEFAULT_PER_KIND, |n| n as usize);
    let sets = load_sets();
    if sets.is_empty() {
        // Each missing set said it was skipped.
        return;
    }
    let mutants = choose_mutants(&sets, per_kind, seed);
    assert!(!mutants.is_empty(), "the corpora give no mutant");
    let prepared = started.elapsed();

    let (verdicts, timings) = judge_all(&sets, &mutants);
    assert_eq!(verdicts.len(), mutants.len(), "every mutant judged");

    let verbose = std::env::var_os("PGSTRATA_MUTATIONS_VERBOSE").is_some();
    let report = report(
        &Run {
            seed,
            per_kind,
            sets: &sets,
            mutants: &mutants,
            verdicts: &verdicts,
            timings: &timings,
            prepared,
            elapsed: started.elapsed(),
        },
        verbose,
    );
    if verbose {
        eprintln!("{}", report.listing);
    }
    eprintln!("{}", report.summary);
    if !report.disagreements.is_empty() {
        eprintln!("disagreements:\n{}", report.disagreements);
    }
    assert!(
        report.overall.rate() >= REQUIRED_AGREEMENT,
        "the analyzer agrees with the server on {:.1}% of the mutants, below {:.0}%\n{}",
        100.0 * report.overall.rate(),
        100.0 * REQUIRED_AGREEMENT,
        report.summary
    );
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name} must be a number, not {value:?}")))
}
