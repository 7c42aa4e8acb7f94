//! What the drift check costs at run time on a large schema: the history migrated into
//! a fresh database, then checked against the schema its embedded SQL builds, end to
//! end through `Runner::drift` and split into its parts: the fold of the embedded SQL
//! (as the runtime does it), the catalog read (the round trip and the rows), and the
//! comparison (reading the rows into facts and comparing them, `take_rows` and
//! `finish`). Needs the server the tests use (`DATABASE_URL` or the local default).

use super::{ms, Timing};
use pgstrata_analyzer::{analyze, Config};
use pgstrata_drift::{Check, Options, Rows};
use pgstrata_runtime::{expected_schema, Migration, Runner};
use pgstrata_testkit::{runtime_migrations, TestDb};
use postgres::{Client, SimpleQueryMessage};
use std::path::Path;
use std::time::{Duration, Instant};

/// One check driven by hand, timed part by part.
struct Parts {
    fold: Duration,
    /// Every query's round trip, with the rows turned into text.
    read: Duration,
    /// `take_rows` of every query, and `finish`.
    compare: Duration,
    queries: usize,
    rows: usize,
    bytes: usize,
    differences: usize,
    tables: usize,
}

/// The roles the generated corpus grants to without always creating them first: they
/// belong to the cluster, as an application's roles would.
pub const CORPUS_ROLES: &str = "DO $$ DECLARE r text; BEGIN \
    FOREACH r IN ARRAY ARRAY['reporting', 'app_readonly', 'support_agent'] LOOP \
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN \
    EXECUTE format('CREATE ROLE %I NOLOGIN', r); END IF; END LOOP; END $$";

/// Migrates `dir` into a new database, after running `setup` there (statement by
/// statement when `leniently`, see [`apply_leniently`]), and prints what `runs` checks
/// of it cost.
pub fn cost(
    label: &str,
    dir: &Path,
    display: &str,
    setup: &str,
    leniently: bool,
    runs: usize,
) -> Result<(), String> {
    let analysis = analyze(dir, display, &Config::default());
    let migrations = runtime_migrations(&analysis);
    let runner = Runner::new(migrations);
    let db = TestDb::new("pgstrata_bench_drift");
    let mut client = db.connect();
    client
        .batch_execute(setup)
        .map_err(|e| format!("{label}: the setup failed: {e}"))?;
    let started = Instant::now();
    let rejected = if !leniently {
        runner
            .run(&mut client)
            .map_err(|e| format!("{label}: cannot apply the migrations: {e}"))?;
        None
    } else {
        Some(apply_leniently(&mut client, &runner, migrations, label)?)
    };
    let applied = started.elapsed();

    let (mut end_to_end, mut folds, mut reads, mut compares) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    let mut round_trips = 0;
    // One round to warm up (the server's catalog caches, the allocator), then `runs`.
    for round in 0..=runs {
        let started = Instant::now();
        let report = runner
            .drift(&mut client)
            .map_err(|e| format!("{label}: the drift check failed: {e}"))?;
        let whole = started.elapsed();
        if rejected.is_none() && !report.is_empty() {
            return Err(format!(
                "{label}: the check found drift on a database the migrations built:\n{report}"
            ));
        }
        round_trips = report.round_trips;
        let parts = by_hand(&mut client, migrations)?;
        if round > 0 {
            end_to_end.push(whole);
            folds.push(parts.fold);
            reads.push(parts.read);
            compares.push(parts.compare);
        }
        last = Some(parts);
    }
    let Some(parts) = last else {
        return Ok(());
    };
    let row = |name: &str, samples: Vec<Duration>| {
        let (max, timing) = (samples.iter().max().copied(), Timing::of(samples));
        println!(
            "  {name:<34} {:>8.1} ms (fastest {:.1}, slowest {:.1})",
            ms(timing.median),
            ms(timing.min),
            ms(max.unwrap_or_default())
        );
    };
    println!(
        "{label}: {} migrations applied in {:.1} s; {} tables in the expected catalog; median of {runs}",
        migrations.len(),
        applied.as_secs_f64(),
        parts.tables
    );
    if let Some(rejected) = rejected {
        println!(
            "  applied statement by statement: the server rejected {rejected} statement(s) \
             (the generator's seed rows and what depends on rejected statements), so the \
             check finds differences"
        );
    }
    row("Runner::drift, end to end", end_to_end);
    row("  fold of the embedded SQL", folds);
    row("  catalog read (round trips, rows)", reads);
    row("  comparison (take_rows, finish)", compares);
    println!(
        "  round trips: {round_trips} end to end (history, catalog{}); the check's own: {}; {} rows, {} bytes of text read; {} difference(s)",
        if parts.queries > 1 { ", literals" } else { "" },
        parts.queries,
        parts.rows,
        parts.bytes,
        parts.differences
    );
    Ok(())
}

/// The generated corpus was written for the parser, not for a server: some of its seed
/// rows break its own constraints. Each statement runs alone and a rejected one is
/// skipped, then the history records every migration as applied (a baseline), so the
/// check compares a database of nearly the same size. Returns how many were rejected.
fn apply_leniently(
    client: &mut Client,
    runner: &Runner,
    migrations: &[Migration],
    label: &str,
) -> Result<usize, String> {
    let mut rejected = 0;
    for migration in migrations {
        for (_, _, statement) in migration.statements() {
            if client.batch_execute(statement).is_err() {
                rejected += 1;
            }
        }
    }
    runner
        .baseline(client, pgstrata_runtime::Target::Latest)
        .map_err(|e| format!("{label}: cannot record the baseline: {e}"))?;
    Ok(rejected)
}

/// The check as `Runner::drift` runs it (the fold as the runtime folds the embedded
/// migrations, the default history table ignored), each part timed.
fn by_hand(client: &mut Client, migrations: &[Migration]) -> Result<Parts, String> {
    let started = Instant::now();
    let expected = expected_schema(migrations);
    let fold = started.elapsed();
    let tables = expected.tables.len();

    let mut check = Check::new(expected, Options::default());
    let (mut read, mut compare) = (Duration::ZERO, Duration::ZERO);
    let (mut queries, mut rows_read, mut bytes) = (0, 0, 0);
    while let Some(sql) = check.next_query() {
        queries += 1;
        let started = Instant::now();
        let messages = client
            .simple_query(&sql)
            .map_err(|e| format!("the check's query failed: {e}"))?;
        let rows: Rows = messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        read += started.elapsed();
        rows_read += rows.len();
        bytes += rows
            .iter()
            .flatten()
            .map(|v| v.as_ref().map_or(0, String::len))
            .sum::<usize>();
        let started = Instant::now();
        check
            .take_rows(rows)
            .map_err(|e| format!("the check cannot read its rows: {e}"))?;
        compare += started.elapsed();
    }
    let started = Instant::now();
    let drift = check.finish();
    compare += started.elapsed();
    Ok(Parts {
        fold,
        read,
        compare,
        queries,
        rows: rows_read,
        bytes,
        differences: drift.differences.len(),
        tables,
    })
}
