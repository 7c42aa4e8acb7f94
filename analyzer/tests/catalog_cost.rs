//! What the catalog fold costs next to parsing, on the bench's generated corpus (or
//! any directory in `PGSTRATA_COST_DIR`). Prints figures, asserts none; ignored by
//! default: `cargo test --release -p pgstrata-analyzer --test catalog_cost -- --ignored --nocapture`.

use pgstrata_analyzer::catalog::Folder;
use pgstrata_analyzer::discover::discover;
use pgstrata_analyzer::parse::parse_file;
use pgstrata_analyzer::rules::{self, StatementContext};
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::ParseCache;
use std::path::PathBuf;
use std::time::Instant;

#[test]
#[ignore]
fn the_fold_next_to_parsing() {
    let dir = std::env::var_os("PGSTRATA_COST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pgstrata-bench/corpus")
        });
    let discovery = discover(&dir, "corpus");
    let files: Vec<SourceFile> = discovery
        .migrations
        .iter()
        .map(|m| SourceFile::read(&m.up.path, &m.up.display).unwrap())
        .collect();
    let mut best_parse = f64::MAX;
    let mut best_fold = f64::MAX;
    for _ in 0..7 {
        let start = Instant::now();
        let parsed: Vec<_> = files.iter().map(parse_file).collect();
        best_parse = best_parse.min(start.elapsed().as_secs_f64());
        // The other rules run first, as in the pipeline (they share a DO block's
        // parse with the fold through the file's `ParseCache`); only the fold is timed.
        let mut fold = std::time::Duration::ZERO;
        let mut by_kind: std::collections::BTreeMap<String, (usize, std::time::Duration)> =
            Default::default();
        let mut folder = Folder::new();
        let mut problems = 0;
        for (file, source) in parsed.iter().zip(&files) {
            folder.begin_file(true);
            let ((), parses) = ParseCache::default().scope(|| {
                let mut state = rules::FileState::default();
                for statement in &file.statements {
                    let ctx = StatementContext {
                        file: source,
                        statement,
                    };
                    rules::check_statement(&ctx, &mut state, &mut Vec::new());
                }
            });
            let ((), _) = parses.scope(|| {
                for statement in &file.statements {
                    if let Some(node) = &statement.node {
                        let start = Instant::now();
                        problems += folder.apply(node).len();
                        let took = start.elapsed();
                        fold += took;
                        let kind = format!("{node:?}");
                        let kind = kind.split('(').next().unwrap_or_default().to_string();
                        let entry = by_kind
                            .entry(kind)
                            .or_insert((0usize, std::time::Duration::ZERO));
                        entry.0 += 1;
                        entry.1 += took;
                    }
                }
            });
            folder.end_file();
        }
        if fold.as_secs_f64() < best_fold {
            let mut kinds: Vec<_> = by_kind.iter().collect();
            kinds.sort_by_key(|(_, (_, d))| std::cmp::Reverse(*d));
            for (kind, (count, took)) in kinds.iter().take(12) {
                eprintln!(
                    "  {kind:<24} {count:>6} {:>8.2} ms",
                    took.as_secs_f64() * 1000.0
                );
            }
        }
        best_fold = best_fold.min(fold.as_secs_f64());
        std::hint::black_box((folder.into_catalog(), problems));
    }
    eprintln!(
        "{} files: parse_file {:.1} ms, catalog fold {:.1} ms ({:.0}% of parsing)",
        files.len(),
        best_parse * 1000.0,
        best_fold * 1000.0,
        100.0 * best_fold / best_parse
    );
}

/// The fold alone, many times over one parse: for profiling (`perf record`).
#[test]
#[ignore]
fn the_fold_alone() {
    let dir = std::env::var_os("PGSTRATA_COST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pgstrata-bench/corpus")
        });
    let discovery = discover(&dir, "corpus");
    let parsed: Vec<_> = discovery
        .migrations
        .iter()
        .map(|m| parse_file(&SourceFile::read(&m.up.path, &m.up.display).unwrap()))
        .collect();
    // `PGSTRATA_COST_ONLY=CreateStmt,DoStmt` folds only the statements of these kinds.
    let only = std::env::var("PGSTRATA_COST_ONLY").ok();
    let selected: Vec<Vec<bool>> = parsed
        .iter()
        .map(|file| {
            file.statements
                .iter()
                .map(|s| {
                    let kind = format!("{:?}", s.node);
                    only.as_deref().is_none_or(|o| {
                        o.split(',').any(|o| kind.starts_with(&format!("Some({o}")))
                    })
                })
                .collect()
        })
        .collect();
    let start = Instant::now();
    for _ in 0..20 {
        let mut folder = Folder::new();
        for (file, selected) in parsed.iter().zip(&selected) {
            folder.begin_file(true);
            for (statement, selected) in file.statements.iter().zip(selected) {
                if let (Some(node), true) = (&statement.node, selected) {
                    std::hint::black_box(folder.apply(node));
                }
            }
            folder.end_file();
        }
        std::hint::black_box(folder.into_catalog());
    }
    eprintln!(
        "fold: {:.1} ms a round",
        start.elapsed().as_secs_f64() * 1000.0 / 20.0
    );
}
