//! The eleven real-world migration histories in `../shared/corpora` apply cleanly on
//! PostgreSQL 15, so the analyzer must discover them in their tool's order and report
//! no error on them but for the down files that PostgreSQL cannot run
//! (`corpora::BROKEN_DOWN_FILES`, which `tests/it/reversible.rs` proves on the server).

use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::corpora;
use std::path::PathBuf;

/// Each set that is there with its migrations directory, derived from
/// `_meta/order.txt`; a missing set is skipped with a line saying so (or fails, under
/// `PGSTRATA_REQUIRE_CORPORA`).
fn sets() -> Vec<(String, PathBuf, String, Vec<String>)> {
    let mut sets = Vec::new();
    for set in corpora::sets() {
        let order = set.join("_meta/order.txt");
        let entries: Vec<String> = std::fs::read_to_string(&order)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        let dir = migrations_dir(&entries[0]);
        assert!(
            entries.iter().all(|e| migrations_dir(e) == dir),
            "one directory per set"
        );
        sets.push((corpora::name(&set), set, dir, entries));
    }
    sets.sort();
    sets
}

fn migrations_dir(entry: &str) -> String {
    let mut parts: Vec<&str> = entry.split('/').collect();
    let file = parts.pop().unwrap_or_default();
    if matches!(file, "up.sql" | "migration.sql") {
        parts.pop();
    }
    parts.join("/")
}

/// Whether a diagnostic is about one of the down files PostgreSQL cannot run.
fn is_broken_down_file(set: &str, diagnostic: &pgstrata_analyzer::Diagnostic) -> bool {
    let file = diagnostic.file.as_deref().unwrap_or_default();
    corpora::BROKEN_DOWN_FILES
        .iter()
        .any(|(broken_set, broken, rule)| {
            *broken_set == set && file.ends_with(broken) && diagnostic.rule == *rule
        })
}

#[test]
fn every_set_is_discovered_in_its_tools_order_without_false_errors() {
    for (name, set, dir, expected) in sets() {
        let migrations_dir = if dir.is_empty() {
            set.clone()
        } else {
            set.join(&dir)
        };
        // None of these histories was written to be re-runnable, nor to be rolled back
        // exactly: every other rule is on.
        let not_written_for = Config {
            allow: corpora::rules_not_written_for(&migrations_dir),
            ..Config::default()
        };
        let analysis = analyze(&migrations_dir, &dir, &not_written_for);
        let found: Vec<String> = analysis
            .migrations
            .iter()
            .map(|m| {
                let relative = m.up.path.strip_prefix(&set).unwrap();
                relative.to_string_lossy().replace('\\', "/")
            })
            .collect();
        assert_eq!(
            found, expected,
            "{name}: order differs from _meta/order.txt"
        );

        let reported: Vec<(String, &str)> = analysis
            .diagnostics
            .iter()
            .map(|d| {
                let file = d.file.as_deref().unwrap_or_default();
                let relative = file.strip_prefix(&format!("{dir}/")).unwrap_or(file);
                (relative.to_string(), d.rule)
            })
            .collect();
        let broken: Vec<(String, &str)> = corpora::BROKEN_DOWN_FILES
            .iter()
            .filter(|(set, _, _)| *set == name)
            .map(|(_, file, rule)| (file.to_string(), *rule))
            .collect();
        let rendered: Vec<String> = analysis
            .diagnostics
            .iter()
            .map(pgstrata_analyzer::render)
            .collect();
        assert_eq!(reported, broken, "{name}: {rendered:#?}");
        for diagnostic in &analysis.diagnostics {
            let location = diagnostic.location.as_ref().unwrap();
            assert!(location.line > 0 && location.column > 0, "{rendered:#?}");
        }
    }
}

#[test]
fn the_non_idempotent_rule_flags_histories_not_written_to_run_twice() {
    let mut total = 0;
    eprintln!(
        "{:<32} {:>10} {:>10} {:>9}",
        "set", "migrations", "statements", "flagged"
    );
    for set in corpora::sets() {
        let (dir, display) = corpora::migrations_dir(&set);
        let name = corpora::name(&set);
        let analysis = analyze(&dir, &display, &Config::default());
        let flagged = analysis
            .diagnostics
            .iter()
            .filter(|d| d.rule == "non-idempotent")
            .count();
        let others: Vec<&str> = analysis
            .diagnostics
            .iter()
            .filter(|d| {
                !matches!(d.rule, "non-idempotent" | "reversible") && !is_broken_down_file(&name, d)
            })
            .map(|d| d.message.as_str())
            .collect();
        assert!(others.is_empty(), "{name}: {others:?}");
        let statements: usize = analysis.migrations.iter().map(|m| m.statements.len()).sum();
        eprintln!(
            "{name:<32} {:>10} {statements:>10} {flagged:>9}",
            analysis.migrations.len()
        );
        assert!(
            flagged > 0,
            "{name}: a history written without guards has something to flag"
        );
        total += flagged;
    }
    eprintln!("{:<32} {:>10} {:>10} {total:>9}", "all", "", "");
}

#[test]
fn the_catalog_rule_finds_no_false_errors_in_histories_that_apply() {
    eprintln!(
        "{:<32} {:>10} {:>7} {:>6} {:>6} {:>9} {:>7}",
        "set", "statements", "tables", "views", "enums", "uncertain", "errors"
    );
    for set in corpora::sets() {
        let (dir, display) = corpora::migrations_dir(&set);
        let name = corpora::name(&set);
        let analysis = analyze(&dir, &display, &Config::default());
        let errors: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.rule == "catalog" && !is_broken_down_file(&name, d))
            .map(pgstrata_analyzer::render)
            .collect();
        let catalog = &analysis.catalog;
        let statements: usize = analysis.migrations.iter().map(|m| m.statements.len()).sum();
        eprintln!(
            "{name:<32} {statements:>10} {:>7} {:>6} {:>6} {:>9} {:>7}",
            catalog.tables.len(),
            catalog.views.len(),
            catalog.enums.len(),
            catalog.uncertain.len(),
            errors.len()
        );
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert!(
            !catalog.tables.is_empty(),
            "{name}: the catalog holds the history's tables"
        );
        // What the catalog could not follow stays small and named.
        assert!(
            catalog.uncertain.iter().all(|u| u.name != "*"),
            "{name}: {:?}",
            catalog.uncertain
        );
    }
}

/// `fold` gives, without the rules, exactly the catalog `analyze` builds.
#[test]
fn folding_the_up_files_gives_the_catalog_of_the_analysis() {
    for set in corpora::sets() {
        let (dir, display) = corpora::migrations_dir(&set);
        let name = corpora::name(&set);
        let analysis = analyze(&dir, &display, &Config::default());
        let ups: Vec<_> = analysis.migrations.iter().map(|m| m.up.clone()).collect();
        assert!(!ups.is_empty(), "{name}: no migrations");
        let folded = pgstrata_analyzer::catalog::fold(&ups);
        assert!(
            folded == analysis.catalog,
            "{name}: the folded catalog differs"
        );
    }
}
