//! The corpus sets as the mutation suite reads them: each set untouched, its files, its
//! analysis and runtime migrations, and the errors it already has.

use pgstrata::Migration;
use pgstrata_analyzer::{analyze, Analysis, Config, Diagnostic};
use pgstrata_testkit::corpora::{self, migrations_dir, needs_sqlx_table};
use pgstrata_testkit::runtime_migrations;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One corpus set as the analyzer sees it untouched.
pub(super) struct CorpusSet {
    pub(super) name: String,
    /// The migrations directory, and how diagnostics name it.
    pub(super) dir: PathBuf,
    pub(super) display: String,
    pub(super) needs_sqlx_table: bool,
    /// Every file under `dir` but `_meta/`, to write mutated copies from.
    pub(super) files: Vec<(PathBuf, Vec<u8>)>,
    pub(super) analysis: Analysis,
    pub(super) runtime: &'static [Migration],
    /// Errors of the untouched set: not the mutants' doing, so left out of their
    /// verdicts.
    pub(super) baseline_errors: Vec<String>,
}

/// The sets that are there (each missing one is skipped with a line saying so, or
/// fails the test under `PGSTRATA_REQUIRE_CORPORA`), in name order.
pub(super) fn load_sets() -> Vec<CorpusSet> {
    let set_dirs = corpora::sets();
    set_dirs
        .into_iter()
        .map(|set| {
            let name = corpora::name(&set);
            let (_, relative) = migrations_dir(&set);
            let dir = set.join(&relative);
            let display = if relative.is_empty() {
                name.clone()
            } else {
                format!("{name}/{relative}")
            };
            let analysis = analyze(&dir, &display, &rerun_allowed());
            let baseline_errors = error_keys(&analysis);
            let mut files = Vec::new();
            read_tree(&dir, Path::new(""), &mut files);
            CorpusSet {
                needs_sqlx_table: needs_sqlx_table(&set),
                runtime: runtime_migrations(&analysis),
                name,
                dir,
                display,
                files,
                analysis,
                baseline_errors,
            }
        })
        .collect()
}

pub(super) fn read_tree(dir: &Path, relative: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir.join(relative)).unwrap() {
        let entry = entry.unwrap();
        let path = relative.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if path != Path::new("_meta") {
                read_tree(dir, &path, out);
            }
        } else {
            out.push((path, std::fs::read(entry.path()).unwrap()));
        }
    }
}

/// These histories were not written to be re-run: every rule but that one is on.
pub(super) fn rerun_allowed() -> Config {
    Config {
        allow: BTreeSet::from(["non-idempotent".to_string()]),
        // The mutations are made on the statements' trees.
        keep_trees: true,
        ..Config::default()
    }
}

/// Whether an error takes part in the analyzer's verdict on a mutant: the re-run and
/// the down files' rules do not (the runner applies the up files once), nor does any
/// error in a down file, which the runner never runs.
pub(super) fn judged(diagnostic: &Diagnostic) -> bool {
    diagnostic.is_error()
        && !matches!(diagnostic.rule, "non-idempotent" | "reversible")
        && !diagnostic
            .file
            .as_deref()
            .is_some_and(corpora::is_down_file)
}

/// The errors of an analysis as rule, file and message (positions move when a
/// mutation edits a line or swaps two files).
pub(super) fn error_keys(analysis: &Analysis) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| judged(d))
        .map(|d| {
            format!(
                "{} {} {}",
                d.rule,
                d.file.as_deref().unwrap_or(""),
                d.message
            )
        })
        .collect()
}
