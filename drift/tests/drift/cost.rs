//! What a check costs on a large real schema: crates.io's corpus, migrated, checked
//! against its catalog. Time is printed, never asserted; round trips are at most two.

use crate::support::check;
use pgstrata_analyzer::catalog::fold;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::{analyze, Config};
use pgstrata_drift::Options;
use pgstrata_runtime::Runner;
use pgstrata_testkit::{histories, runtime_migrations, TestDb};
use std::time::Instant;

#[test]
fn what_a_check_of_crates_io_costs() {
    let Some(set) = histories().into_iter().find(|s| s.name == "crates.io") else {
        return;
    };
    let analysis = analyze(&set.dir, &set.display, &Config::default());
    let db = TestDb::new("pgstrata_drift_cost");
    let mut client = db.connect();
    Runner::new(runtime_migrations(&analysis))
        .run(&mut client)
        .unwrap();
    let ups: Vec<SourceFile> = analysis.migrations.iter().map(|m| m.up.clone()).collect();
    let started = Instant::now();
    let expected = fold(&ups);
    let folded = started.elapsed();
    let mut timings = Vec::new();
    let mut round_trips = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let checked = check(&mut client, expected.clone(), Options::default());
        timings.push(started.elapsed());
        round_trips = checked.round_trips;
        assert!(checked.drift.is_empty(), "{:?}", checked.drift.differences);
    }
    timings.sort();
    eprintln!(
        "crates.io ({} migrations, {} tables): fold {folded:?}; check {round_trips} round trip(s), median {:?} (min {:?}, max {:?}) over {} runs",
        ups.len(),
        expected.tables.len(),
        timings[timings.len() / 2],
        timings[0],
        timings[timings.len() - 1],
        timings.len()
    );
    // The catalog read, and the literal defaults written differently (`'f'`, `false`).
    assert!(round_trips <= 2, "{round_trips} round trips");
}
