//! What the catalog costs next to parsing (the goal: at most 20% more), on the
//! generated corpus and on crates.io's real history: file by file, as the pipeline
//! does on one thread, each file parsed, its statement rules run (they parse a `DO`
//! block's PL/pgSQL once for the fold too, through the file's `ParseCache`), and the
//! file folded; the parse and the fold are timed.

use super::{ms, Timing};
use pgstrata_analyzer::catalog::CatalogBuilder;
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
    // The share is the median of each run's own fold / parse: the two halves of a run
    // are timed within a second of each other, so a burst of load on the machine
    // weighs on both, where medians taken apart can come from different bursts.
    let share = median_ratio(&fold, &raw);
    let share_of_parse_file = median_ratio(&fold, &parse);
    let (raw, parse, fold) = (Timing::of(raw), Timing::of(parse), Timing::of(fold));
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
        "  the catalog adds {:.0}% to raw parsing, {:.0}% to parse_file (median of the runs' ratios; goal ≤ {:.0}%: {})",
        100.0 * share,
        100.0 * share_of_parse_file,
        100.0 * GOAL,
        if share <= GOAL {
            "goal met"
        } else {
            "GOAL MISSED"
        }
    );
    Ok(())
}

/// The median of `part[i] / whole[i]` over the runs.
fn median_ratio(part: &[Duration], whole: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = part
        .iter()
        .zip(whole)
        .map(|(p, w)| p.as_secs_f64() / w.as_secs_f64().max(f64::MIN_POSITIVE))
        .collect();
    ratios.sort_by(f64::total_cmp);
    let mid = ratios.len() / 2;
    match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios[mid],
        _ => (ratios[mid - 1] + ratios[mid]) / 2.0,
    }
}

/// Each file parsed, its statement rules run, then folded into one catalog, as the
/// pipeline does on one thread; the parse's time, the fold's and the catalog's table
/// count.
fn parse_and_fold(files: &[SourceFile]) -> (Duration, Duration, usize) {
    let mut builder = CatalogBuilder::new();
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
        builder.begin_file(true);
        let ((), parses) = parses.scope(|| {
            for node in file.statements.iter().filter_map(|s| s.node.as_ref()) {
                black_box(builder.apply(node));
            }
        });
        builder.end_file();
        folding += start.elapsed();
        // Freeing the file's PL/pgSQL parses (the rules made them, the fold read them)
        // is left out of the fold's time, as freeing the file's trees is.
        drop(parses);
    }
    let catalog = builder.into_catalog();
    (parsing, folding, catalog.tables.len())
}
