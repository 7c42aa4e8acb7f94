//! What the catalog costs next to parsing (issue 3's goal: at most 20% more), on the
//! generated corpus and on crates.io's real history: file by file, as the pipeline
//! does on one thread, each file parsed, its statement rules run (they parse a `DO`
//! block's PL/pgSQL once for the fold too, through the file's `ParseCache`), and the
//! file folded; the parse and the fold are timed.

use super::{ms, Timing};
use pgstrata_analyzer::catalog::Folder;
use pgstrata_analyzer::discover::discover;
use pgstrata_analyzer::parse::parse_file;
use pgstrata_analyzer::rules::{self, StatementContext};
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::ParseCache;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// The goal: the fold adds at most this share of the parse.
const GOAL: f64 = 0.20;

/// Prints the fold's cost for the migrations in `dir`.
pub fn cost(label: &str, dir: &Path, runs: usize) -> Result<(), String> {
    let discovery = discover(dir, "migrations");
    let files: Vec<SourceFile> = discovery
        .migrations
        .iter()
        .map(|m| SourceFile::read(&m.up.path, &m.up.display).map_err(|d| d.message.clone()))
        .collect::<Result<_, _>>()?;
    let texts: Vec<&str> = files.iter().map(|f| f.text.as_str()).collect();
    let (mut raw, mut parse, mut fold) = (Vec::new(), Vec::new(), Vec::new());
    let mut tables = 0;
    for _ in 0..runs {
        let start = Instant::now();
        for text in &texts {
            // A file PostgreSQL rejects (crates.io has none among its up files) only
            // costs its error.
            let _ = black_box(pg_query::parse(text, 0));
        }
        raw.push(start.elapsed());
        let (parsing, folding, catalog_tables) = parse_and_fold(&files);
        parse.push(parsing);
        fold.push(folding);
        tables = catalog_tables;
    }
    let (raw, parse, fold) = (Timing::of(raw), Timing::of(parse), Timing::of(fold));
    let share = ms(fold.median) / ms(raw.median);
    println!(
        "{label}: {} migrations, {tables} tables in the catalog; median of {runs} (fastest)",
        files.len()
    );
    println!(
        "  raw pg_query::parse {:>7.1} ms ({:.1}) · parse_file {:>7.1} ms ({:.1}) · catalog fold {:>6.1} ms ({:.1})",
        ms(raw.median),
        ms(raw.min),
        ms(parse.median),
        ms(parse.min),
        ms(fold.median),
        ms(fold.min)
    );
    println!(
        "  the catalog adds {:.0}% to raw parsing, {:.0}% to parse_file (goal ≤ {:.0}%: {})",
        100.0 * share,
        100.0 * ms(fold.median) / ms(parse.median),
        100.0 * GOAL,
        if share <= GOAL {
            "goal met"
        } else {
            "GOAL MISSED"
        }
    );
    Ok(())
}

/// Each file parsed, its statement rules run, then folded into one catalog, as the
/// pipeline does on one thread; the parse's time, the fold's and the catalog's table
/// count.
fn parse_and_fold(files: &[SourceFile]) -> (Duration, Duration, usize) {
    let mut folder = Folder::new();
    let (mut parsing, mut folding) = (Duration::ZERO, Duration::ZERO);
    for source in files {
        let start = Instant::now();
        let file = parse_file(source);
        parsing += start.elapsed();
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
        let start = Instant::now();
        folder.begin_file(true);
        let ((), _) = parses.scope(|| {
            for node in file.statements.iter().filter_map(|s| s.node.as_ref()) {
                black_box(folder.apply(node));
            }
        });
        folder.end_file();
        folding += start.elapsed();
    }
    let catalog = folder.into_catalog();
    (parsing, folding, catalog.tables.len())
}
