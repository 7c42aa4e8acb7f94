//! `pgstrata-bench`: how long PostgreSQL's parser, the analyzer and the `migrations!`
//! expansion take over a generated history of 1,000 migrations.
//!
//! ```sh
//! cargo run --release -p pgstrata-bench    # the analyzer optimised
//! cargo run -p pgstrata-bench              # the dev profile (pg_query still at opt-level 3)
//! cargo run --release -p pgstrata-bench --no-default-features   # the system's malloc
//! ```
//!
//! In-process figures are measured with jemalloc, the allocator the macro runs with
//! inside rustc; `--no-default-features` measures with the system's malloc instead.
//!
//! Options: `--seed N` for another corpus of the same shape, `--runs N` (default 11)
//! rounds of the in-process measurements, `--rebuilds N` (default 5) timed rebuilds of
//! the expansion crate, `--no-expansion` to skip the crate, `--expansion` to only
//! build it, `--catalog` to only measure the catalog's cost, `--crates-io`
//! to measure it on crates.io's history alone, `--walks` to time the ways of walking a
//! parse tree, `--drift` to time the drift check on both, migrated into a fresh
//! database of the tests' server. It prints
//! figures and never judges them beyond saying whether each goal is met.

mod catalog;
mod corpus;
mod drift;
mod walks;

use pgstrata_analyzer::parse::parse_file;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::{analyze, check_migration, discover::discover, Config, THREADS_VARIABLE};
use pgstrata_codegen::Features;
use pgstrata_testkit::corpora;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime};

#[cfg(feature = "rustc-allocator")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator the figures are measured with.
const ALLOCATOR_NAME: &str = if cfg!(feature = "rustc-allocator") {
    "jemalloc, as in rustc where the macro runs"
} else {
    "the system's malloc (--no-default-features)"
};

const FILES: usize = 1000;
const SEED: u64 = 1;
/// The goals the figures are held to.
const ANALYZER_GOAL: f64 = 1.5;
const EXPANSION_GOAL_MS: f64 = 332.0;

struct Options {
    seed: u64,
    runs: usize,
    rebuilds: usize,
    in_process: bool,
    expansion: bool,
    /// Only the catalog's cost: the short run to profile.
    catalog_only: bool,
    /// Whether the catalog's cost is measured on the generated corpus too.
    catalog_on_generated: bool,
    /// Only the cost of the ways of walking a parse tree.
    walks_only: bool,
    /// Only the drift check's cost, which needs a server.
    drift_only: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        seed: SEED,
        runs: 11,
        rebuilds: 5,
        in_process: true,
        expansion: true,
        catalog_only: false,
        catalog_on_generated: true,
        walks_only: false,
        drift_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n > 0)
                .ok_or(format!("{name} needs a positive number"))
        };
        match arg.as_str() {
            "--seed" => options.seed = number("--seed")? as u64,
            "--runs" => options.runs = number("--runs")?,
            "--rebuilds" => options.rebuilds = number("--rebuilds")?,
            "--no-expansion" => options.expansion = false,
            "--expansion" => options.in_process = false,
            "--catalog" => {
                options.catalog_only = true;
                options.expansion = false;
            }
            "--walks" => {
                options.walks_only = true;
                options.expansion = false;
            }
            "--drift" => {
                options.drift_only = true;
                options.expansion = false;
            }
            "--crates-io" => {
                options.catalog_only = true;
                options.expansion = false;
                options.catalog_on_generated = false;
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}`; usage: pgstrata-bench [--seed N] [--runs N] [--rebuilds N] [--no-expansion | --expansion | --catalog | --crates-io | --walks | --drift]"
                ))
            }
        }
    }
    Ok(options)
}

/// Internal: `pgstrata-bench --cold-analyze DIR` runs `analyze()` and then the
/// generator once in this fresh process, as the macro does in a fresh rustc, and
/// prints the microseconds of each.
const COLD_ANALYZE: &str = "--cold-analyze";

/// The features the expansion crates build `pgstrata` with: its defaults.
const FEATURES: Features = Features::FACADE_DEFAULT;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir] = &args[..] {
        if flag == COLD_ANALYZE {
            let dir = Path::new(dir);
            let start = Instant::now();
            let analysis = analyze(dir, "migrations", &Config::default());
            let analyzed = start.elapsed();
            let start = Instant::now();
            let code = pgstrata_codegen::generate(&analysis, dir, FEATURES);
            let generated = start.elapsed();
            println!(
                "{} {} {} {}",
                analyzed.as_micros(),
                generated.as_micros(),
                analysis.migrations.len(),
                code.len()
            );
            return ExitCode::SUCCESS;
        }
    }
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the workspace")
        .to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                workspace.join(t)
            }
        })
        .unwrap_or_else(|| workspace.join("target"));
    let corpus_dir = target.join("pgstrata-bench").join("corpus");

    let files = corpus::generate(FILES, options.seed);
    corpus::write(&corpus_dir, &files)
        .map_err(|e| format!("cannot write the corpus to {}: {e}", corpus_dir.display()))?;
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();

    // The analyzer must accept every file: a diagnostic means the generator wrote
    // something PostgreSQL rejects or a rule fires, and the figures would be wrong.
    let analysis = analyze(&corpus_dir, "migrations", &Config::default());
    if !analysis.diagnostics.is_empty() {
        for diagnostic in analysis.diagnostics.iter().take(20) {
            eprintln!("{}", pgstrata_analyzer::render(diagnostic));
        }
        return Err(format!(
            "the analyzer reported {} diagnostic(s) on the generated corpus; fix the generator",
            analysis.diagnostics.len()
        ));
    }
    if analysis.migrations.len() != FILES {
        return Err(format!(
            "the analyzer found {} migrations, not {FILES}",
            analysis.migrations.len()
        ));
    }
    let statements: usize = analysis.migrations.iter().map(|m| m.statements.len()).sum();
    let non_transactional = analysis
        .migrations
        .iter()
        .filter(|m| m.transaction != pgstrata_analyzer::TransactionMode::Transactional)
        .count();
    drop(analysis);

    println!(
        "pgstrata-bench, profile {} ({}); allocator: {ALLOCATOR_NAME}",
        profile(),
        if cfg!(debug_assertions) {
            "analyzer and bench unoptimised, pg_query at opt-level 3"
        } else {
            "everything optimised"
        }
    );
    println!(
        "corpus: {FILES} files, {} statements (counted by the analyzer), {} bytes, {non_transactional} non-transactional; {}",
        thousands(statements),
        thousands(bytes),
        corpus_dir.display()
    );

    if options.walks_only {
        return walks::cost(&corpus_dir, options.runs);
    }
    if options.drift_only {
        drift::cost(
            "generated corpus",
            &corpus_dir,
            "migrations",
            drift::CORPUS_ROLES,
            true,
            options.runs,
        )?;
        return match crates_io() {
            Some(dir) => drift::cost("crates.io", &dir, "migrations", "", false, options.runs),
            None => {
                println!(
                    "crates.io: not found (set PGSTRATA_CORPORA to ../shared/corpora); skipped"
                );
                Ok(())
            }
        };
    }
    if options.in_process {
        if !options.catalog_only {
            in_process(options.runs, &corpus_dir, statements)?;
            println!();
        }
        if options.catalog_on_generated {
            catalog::cost("generated corpus", &corpus_dir, options.runs)?;
        }
        match crates_io() {
            Some(dir) => catalog::cost("crates.io", &dir, options.runs)?,
            None => println!(
                "crates.io: not found (set PGSTRATA_CORPORA to ../shared/corpora); skipped"
            ),
        }
    }
    if options.expansion {
        expansion(options.rebuilds, &workspace, &target, &files, statements)?;
    }
    Ok(())
}

/// crates.io's migrations in the shared corpora, if they are there.
fn crates_io() -> Option<PathBuf> {
    let set = corpora::root_if_present()?.join("crates.io");
    set.join("_meta/order.txt")
        .is_file()
        .then(|| corpora::migrations_dir(&set).0)
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    }
}

/// The median and the fastest of a set of runs.
#[derive(Clone, Copy)]
struct Timing {
    median: Duration,
    min: Duration,
}

impl Timing {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let mid = samples.len() / 2;
        let median = if samples.len() % 2 == 1 {
            samples[mid]
        } else {
            (samples[mid - 1] + samples[mid]) / 2
        };
        Self {
            median,
            min: samples[0],
        }
    }
}

/// Runs every job once to warm up, then `runs` rounds of all of them, timing each:
/// round-robin, so that a burst of load on the machine hits every job alike and the
/// ratios hold up better than the absolute figures.
fn measure_all(runs: usize, jobs: &mut [&mut dyn FnMut()]) -> Vec<Timing> {
    for job in jobs.iter_mut() {
        job();
    }
    let mut samples = vec![Vec::with_capacity(runs); jobs.len()];
    for _ in 0..runs {
        for (job, samples) in jobs.iter_mut().zip(&mut samples) {
            let start = Instant::now();
            job();
            samples.push(start.elapsed());
        }
    }
    samples.into_iter().map(Timing::of).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn in_process(runs: usize, dir: &Path, statements: usize) -> Result<(), String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display())))
        .collect::<Result<_, _>>()?;
    let sources: Vec<SourceFile> = paths
        .iter()
        .zip(&texts)
        .map(|(path, text)| {
            let display = format!("migrations/{}", path.file_name().unwrap().to_string_lossy());
            SourceFile::new(path.clone(), display, text.clone())
        })
        .collect();

    // The tree PostgreSQL returns must hold as many statements as the analyzer saw.
    let raw_statements: usize = texts
        .iter()
        .map(|t| pg_query::parse(t, 0).map(|r| r.protobuf.stmts.len()))
        .sum::<Result<usize, _>>()
        .map_err(|e| format!("pg_query::parse rejected the corpus: {e}"))?;
    if raw_statements != statements {
        return Err(format!(
            "pg_query::parse found {raw_statements} statements, the analyzer {statements}"
        ));
    }

    let config = Config::default();
    let timings = measure_all(
        runs,
        &mut [
            &mut || {
                for text in &texts {
                    black_box(pg_query::parse(text, 0).expect("parsed above"));
                }
            },
            &mut || {
                black_box(analyze(dir, "migrations", &config));
            },
            &mut || {
                std::env::set_var(THREADS_VARIABLE, "1");
                black_box(analyze(dir, "migrations", &config));
                std::env::remove_var(THREADS_VARIABLE);
            },
            // Parsing and the rules, per file, as `analyze()` does them, without the
            // files' discovery and reading.
            &mut || {
                for source in &sources {
                    black_box(check_migration(source, false, &config));
                }
            },
            &mut || {
                black_box(discover(dir, "migrations"));
            },
            &mut || {
                for path in &paths {
                    black_box(SourceFile::read(path, "migrations/x.sql").expect("read above"));
                }
            },
            &mut || {
                for source in &sources {
                    black_box(parse_file(source));
                }
            },
            &mut || {
                for text in &texts {
                    black_box(pg_query::scan_tokens(text).expect("scanned by the analyzer"));
                }
            },
        ],
    );
    let [raw, analyzer, one_thread, checking, discovery, reading, parse_in_memory, scanning] =
        timings[..]
    else {
        unreachable!("one timing per job")
    };
    // The generator the macro calls, from one analysis (measured apart, so the
    // analysis it needs is not held while the analyzer is timed).
    let analysis = analyze(dir, "migrations", &config);
    let [generation] = measure_all(
        runs,
        &mut [&mut || {
            black_box(pgstrata_codegen::generate(&analysis, dir, FEATURES));
        }],
    )[..] else {
        unreachable!("one timing per job")
    };
    drop(analysis);
    // The rules, as the difference (public API only, so that a new rule or a changed
    // rule context does not break the bench). `check_migration` checks a file alone:
    // its statements are folded into an empty catalog.
    let rules = Timing {
        median: checking.median.saturating_sub(parse_in_memory.median),
        min: checking.min.saturating_sub(parse_in_memory.min),
    };

    // What `analyze()` on one thread does beyond the per-file work: folding into the
    // catalog of the whole history rather than an empty one, the `Migration`s
    // assembled and kept, the diagnostics sorted.
    let rest = Timing {
        median: one_thread
            .median
            .saturating_sub(discovery.median + reading.median + checking.median),
        min: one_thread
            .min
            .saturating_sub(discovery.min + reading.min + checking.min),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ratio = |t: Timing| ms(t.median) / ms(raw.median);
    let ratio_min = |t: Timing| ms(t.min) / ms(raw.min);
    println!();
    println!("{runs} rounds after a warm-up, each measure once a round; median and fastest");
    println!(
        "{:<46} {:>10} {:>10} {:>8}",
        "measure", "median", "min", "× raw"
    );
    let row = |name: &str, t: Timing| {
        println!(
            "{:<46} {:>7.1} ms {:>7.1} ms {:>7.2}×",
            name,
            ms(t.median),
            ms(t.min),
            ratio(t)
        );
    };
    row("raw pg_query::parse(text, 0), texts in memory", raw);
    row(
        &format!("analyzer: analyze() end to end ({cores} cores)"),
        analyzer,
    );
    row("analyzer: analyze() on one thread", one_thread);
    row("analyzer: check_migration, texts in memory", checking);
    println!("phases of analyze() on one thread, each timed alone:");
    row("  discover (list, read names, order)", discovery);
    row("  read files (SourceFile::read)", reading);
    row(
        "  parse_file (scan, parse, ranges, checksum)",
        parse_in_memory,
    );
    row("    of which pg_query::scan_tokens", scanning);
    row("  rules, file alone (check_migration - parse)", rules);
    row("  the rest: whole-history catalog, assembly", rest);
    row("code generation: pgstrata_codegen::generate()", generation);
    println!();
    let verdict = if ratio(analyzer) <= ANALYZER_GOAL {
        "goal met"
    } else {
        "GOAL MISSED"
    };
    println!(
        "analyzer / raw parse: {:.2}× end to end on {cores} cores, {:.2}× on one thread (fastest runs: {:.2}×, {:.2}×; goal ≤ {ANALYZER_GOAL}× end to end: {verdict})",
        ratio(analyzer),
        ratio(one_thread),
        ratio_min(analyzer),
        ratio_min(one_thread)
    );
    Ok(())
}

/// What building a crate that invokes `migrations!` measured.
struct CrateFigures {
    /// The macro's own time, as it recorded it.
    expansion: Timing,
    /// `cargo build` after touching `lib.rs`.
    rebuild: Timing,
    /// The generated code's size.
    code_bytes: usize,
}

/// Writes the crate `target/pgstrata-bench/<name>` over `files`, builds it once
/// (compiling its dependencies the first time, into a target directory all the bench's
/// crates share), then touches its `lib.rs` and times `rebuilds` rebuilds.
fn crate_figures(
    rebuilds: usize,
    workspace: &Path,
    target: &Path,
    name: &str,
    files: &[corpus::GeneratedFile],
) -> Result<CrateFigures, String> {
    let krate = target.join("pgstrata-bench").join(name);
    let crate_target = target.join("pgstrata-bench-expand");
    let timing_file = target
        .join("pgstrata-bench")
        .join(format!("{name}-expansion-times.txt"));
    let io = |what: &str, e: std::io::Error| format!("{name}: {what}: {e}");

    let workspace_literal = workspace
        .to_string_lossy()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    let manifest = format!(
        "# Generated by pgstrata-bench: a crate with {} migrations, to time `migrations!`.\n\
         [package]\nname = \"pgstrata-bench-{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n# Default features, as the README has it (the generated schema module needs `postgres`).\npgstrata = {{ path = \"{workspace_literal}\" }}\n\n\
         # The README's recommendation: proc macros and build scripts optimised in debug builds.\n\
         [profile.dev.build-override]\nopt-level = 3\n\n\
         # Not a member of the pgstrata workspace it sits in.\n[workspace]\n",
        files.len()
    );
    let lib = "mod db {\n    pgstrata::migrations!(\"migrations\");\n}\n\n\
               pub fn count() -> usize {\n    db::MIGRATIONS.len()\n}\n";
    let migrations = krate.join("migrations");
    std::fs::create_dir_all(krate.join("src")).map_err(|e| io("creating the crate", e))?;
    write_if_changed(&krate.join("Cargo.toml"), manifest.as_bytes())
        .map_err(|e| io("Cargo.toml", e))?;
    write_if_changed(&krate.join("src/lib.rs"), lib.as_bytes()).map_err(|e| io("lib.rs", e))?;
    // The workspace's lock file pins the same versions (and needs no registry look-up).
    if !krate.join("Cargo.lock").exists() {
        let _ = std::fs::copy(workspace.join("Cargo.lock"), krate.join("Cargo.lock"));
    }
    // A copy of the files, rewritten only where they changed so rebuilds stay warm.
    if migrations.exists() {
        for entry in std::fs::read_dir(&migrations).map_err(|e| io("migrations", e))? {
            let entry = entry.map_err(|e| io("migrations", e))?;
            let file_name = entry.file_name();
            if !files
                .iter()
                .any(|f| file_name.to_str() == Some(f.file_name.as_str()))
            {
                std::fs::remove_file(entry.path()).map_err(|e| io("migrations", e))?;
            }
        }
    }
    std::fs::create_dir_all(&migrations).map_err(|e| io("migrations", e))?;
    for file in files {
        write_if_changed(&migrations.join(&file.file_name), file.text.as_bytes())
            .map_err(|e| io("migrations", e))?;
    }

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let build = |timing: Option<&Path>| -> Result<Duration, String> {
        let mut command = Command::new(&cargo);
        command
            .args(["build", "--quiet"])
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", &crate_target)
            .env_remove("PGSTRATA_MANIFEST_DIR")
            .env_remove("PGSTRATA_EXPANSION_TIMING")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        if let Some(file) = timing {
            command.env("PGSTRATA_EXPANSION_TIMING", file);
        }
        let start = Instant::now();
        let output = command
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            return Err(format!(
                "cargo build of {} failed:\n{}",
                krate.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(elapsed)
    };

    let warm = build(None)?;
    println!(
        "{name}: warm-up build {:.1} s ({})",
        warm.as_secs_f64(),
        krate.display()
    );
    let _ = std::fs::remove_file(&timing_file);
    let mut builds = Vec::new();
    for _ in 0..rebuilds {
        touch(&krate.join("src/lib.rs")).map_err(|e| io("touching lib.rs", e))?;
        builds.push(build(Some(&timing_file))?);
    }
    let lines = std::fs::read_to_string(&timing_file).map_err(|e| {
        format!(
            "{}: {e}; is the macro older than PGSTRATA_EXPANSION_TIMING?",
            timing_file.display()
        )
    })?;
    // `<microseconds> <generated bytes>` per expansion.
    let records: Vec<(u64, usize)> = lines
        .lines()
        .filter_map(|l| {
            let mut fields = l.split_whitespace();
            Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
        })
        .collect();
    if records.len() != rebuilds {
        return Err(format!(
            "{} expansion records in {} for {rebuilds} rebuilds",
            records.len(),
            timing_file.display()
        ));
    }
    Ok(CrateFigures {
        expansion: Timing::of(
            records
                .iter()
                .map(|(micros, _)| Duration::from_micros(*micros))
                .collect(),
        ),
        rebuild: Timing::of(builds),
        code_bytes: records.iter().map(|(_, bytes)| *bytes).max().unwrap_or(0),
    })
}

/// The timed rows of the expansion figures.
fn timing_row(name: &str, t: Timing) {
    println!(
        "{:<46} {:>7.1} ms {:>7.1} ms",
        name,
        ms(t.median),
        ms(t.min)
    );
}

/// Times `migrations!` in a crate with the whole corpus, then the cost of the typed
/// schema module: a crate whose migrations make `SCHEMA_TABLES` tables against one
/// whose migration makes none.
fn expansion(
    rebuilds: usize,
    workspace: &Path,
    target: &Path,
    files: &[corpus::GeneratedFile],
    statements: usize,
) -> Result<(), String> {
    println!();
    println!(
        "macro expansion: a crate with the {FILES} migrations ({} statements), dev profile with [profile.dev.build-override] opt-level = 3; the first build compiles pg_query (minutes)",
        thousands(statements)
    );
    let whole = crate_figures(rebuilds, workspace, target, "expand-crate", files)?;
    println!("{rebuilds} rebuilds after touching src/lib.rs; median and fastest");
    println!("{:<46} {:>10} {:>10}", "measure", "median", "min");
    timing_row("migrations! expansion (inside the macro)", whole.expansion);
    // The split: the analysis alone, cold, as in the macro. Only the release bench has
    // the analyzer optimised like the macro (build-override opt-level 3).
    if cfg!(debug_assertions) {
        println!("(the release bench splits the expansion into the analysis and the rest)");
    } else {
        let exe = std::env::current_exe().map_err(|e| format!("the bench's own path: {e}"))?;
        let migrations = target
            .join("pgstrata-bench")
            .join("expand-crate")
            .join("migrations");
        let mut cold = Vec::new();
        let mut generation = Vec::new();
        for _ in 0..rebuilds {
            let output = Command::new(&exe)
                .arg(COLD_ANALYZE)
                .arg(&migrations)
                .output()
                .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            let mut numbers = stdout.split_whitespace().map(|m| m.parse::<u64>().ok());
            let (Some(Some(analyzed)), Some(Some(generated))) = (numbers.next(), numbers.next())
            else {
                return Err(format!("{COLD_ANALYZE} printed {stdout:?}"));
            };
            cold.push(Duration::from_micros(analyzed));
            generation.push(Duration::from_micros(generated));
        }
        let cold = Timing::of(cold);
        let generation = Timing::of(generation);
        timing_row("  of which analyze(), in a fresh process", cold);
        timing_row("  of which code generation, in a fresh process", generation);
        timing_row(
            "  the rest: rustc's lexing of the code",
            Timing {
                median: whole
                    .expansion
                    .median
                    .saturating_sub(cold.median + generation.median),
                min: whole
                    .expansion
                    .min
                    .saturating_sub(cold.min + generation.min),
            },
        );
    }
    timing_row("cargo build of the crate (wall time)", whole.rebuild);
    println!("generated code: {} bytes", thousands(whole.code_bytes));
    let verdict = if ms(whole.expansion.median) <= EXPANSION_GOAL_MS {
        "goal met"
    } else {
        "GOAL MISSED"
    };
    println!(
        "expansion: {:.1} ms median (goal ≤ {EXPANSION_GOAL_MS} ms, what sqlx::migrate! takes on the same files: {verdict})",
        ms(whole.expansion.median)
    );

    // The typed schema module's compile cost: the first migrations of the
    // corpus up to its `SCHEMA_TABLES`th table, against one migration with no table.
    let prefix = files
        .iter()
        .scan(0, |tables, file| {
            let before = *tables;
            *tables += corpus::tables_created(&file.text);
            (before < SCHEMA_TABLES).then_some(file)
        })
        .cloned()
        .collect::<Vec<_>>();
    let tables: usize = prefix.iter().map(|f| corpus::tables_created(&f.text)).sum();
    let empty = [corpus::GeneratedFile {
        file_name: "V1__schema.sql".to_string(),
        text: "CREATE SCHEMA IF NOT EXISTS app;\n".to_string(),
    }];
    println!();
    println!(
        "the typed schema module's compile cost: the first {} migrations ({tables} tables) against one migration without a table",
        prefix.len()
    );
    let with = crate_figures(rebuilds, workspace, target, "schema-tables", &prefix)?;
    let without = crate_figures(rebuilds, workspace, target, "schema-none", &empty)?;
    println!("{:<46} {:>10} {:>10}", "measure", "median", "min");
    timing_row(&format!("{tables} tables: expansion"), with.expansion);
    timing_row(
        &format!("{tables} tables: cargo build of the crate"),
        with.rebuild,
    );
    timing_row("no table: expansion", without.expansion);
    timing_row("no table: cargo build of the crate", without.rebuild);
    let extra = |t: fn(&Timing) -> Duration| {
        (t(&with.rebuild).saturating_sub(t(&without.rebuild)))
            .saturating_sub(t(&with.expansion).saturating_sub(t(&without.expansion)))
    };
    timing_row(
        "compiling the schema module (rebuild − expansion)",
        Timing {
            median: extra(|t| t.median),
            min: extra(|t| t.min),
        },
    );
    println!(
        "generated code: {} bytes with {tables} tables, {} without",
        thousands(with.code_bytes),
        thousands(without.code_bytes)
    );
    Ok(())
}

/// How many tables the crate of the schema module's cost has.
const SCHEMA_TABLES: usize = 200;

fn write_if_changed(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents)
}

/// Sets a file's modification time to now, so Cargo rebuilds the crate.
fn touch(path: &Path) -> std::io::Result<()> {
    std::fs::File::options()
        .append(true)
        .open(path)?
        .set_modified(SystemTime::now())
}
