//! The eleven real-world migration histories in `../shared/corpora` apply cleanly on
//! PostgreSQL 15, so the analyzer must discover them in their tool's order and report
//! no syntax error on them (but for the one `down.sql` that is really broken).

use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::corpora;
use std::collections::BTreeSet;
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

#[test]
fn every_set_is_discovered_in_its_tools_order_without_false_errors() {
    for (name, set, dir, expected) in sets() {
        let migrations_dir = if dir.is_empty() {
            set.clone()
        } else {
            set.join(&dir)
        };
        // None of these histories was written to be re-runnable: every other rule is on.
        let rerun_allowed = Config {
            allow: BTreeSet::from(["non-idempotent".to_string()]),
            ..Config::default()
        };
        let analysis = analyze(&migrations_dir, &dir, &rerun_allowed);
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

        let diagnostics: Vec<String> = analysis
            .diagnostics
            .iter()
            .map(pgstrata_analyzer::render)
            .collect();
        if name == "crates.io" {
            assert_eq!(diagnostics.len(), 1, "{name}: {diagnostics:#?}");
            let broken = &analysis.diagnostics[0];
            assert_eq!(broken.rule, "syntax");
            let location = broken.location.as_ref().unwrap();
            assert!(location.file.ends_with("/down.sql"), "{diagnostics:#?}");
            assert!(location.line > 0 && location.column > 0);
        } else {
            assert!(diagnostics.is_empty(), "{name}: {diagnostics:#?}");
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
    for (name, set, dir, _) in sets() {
        let migrations_dir = if dir.is_empty() {
            set.clone()
        } else {
            set.join(&dir)
        };
        let analysis = analyze(&migrations_dir, &dir, &Config::default());
        let flagged = analysis
            .diagnostics
            .iter()
            .filter(|d| d.rule == "non-idempotent")
            .count();
        let others: Vec<&str> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.rule != "non-idempotent" && d.rule != "syntax")
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
    for (name, set, dir, _) in sets() {
        let migrations_dir = if dir.is_empty() {
            set.clone()
        } else {
            set.join(&dir)
        };
        let analysis = analyze(&migrations_dir, &dir, &Config::default());
        let errors: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.rule == "catalog")
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
