//! The DDL side of the drift check against the real server.
//!
//! Squash fidelity: for the example, the four seed schemas and every corpus set, the
//! history is applied to one fresh database and `squash(catalog)` to another; their
//! `pg_dump --schema-only --no-owner` must be the same, line for line.

use pgstrata_analyzer::catalog::Catalog;
use pgstrata_analyzer::{analyze, Config};
use pgstrata_drift::ddl;
use pgstrata_runtime::Runner;
use pgstrata_testkit::corpora::{self, migrations_dir, needs_sqlx_table, SQLX_TABLE};
use pgstrata_testkit::{runtime_migrations, TestDb};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The runner's history, left out of every dump.
const HISTORY_SCHEMA: &str = "pgstrata_history";

const DUMP_ARGS: [&str; 3] = [
    "--schema-only",
    "--no-owner",
    "--exclude-schema=pgstrata_history",
];

struct Set {
    name: String,
    dir: PathBuf,
    display: String,
    sqlx_table: bool,
}

const SEEDS: [&str; 4] = [
    "neuroagent",
    "agent_prompt_train",
    "live_conversational_threads",
    "chat",
];

fn sets() -> Vec<Set> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sets = vec![Set {
        name: "migrations".to_string(),
        dir: root.join("migrations"),
        display: "migrations".to_string(),
        sqlx_table: false,
    }];
    for seed in SEEDS {
        let display = format!("tests/fixtures/{seed}");
        sets.push(Set {
            name: seed.to_string(),
            dir: root.join(&display),
            display,
            sqlx_table: false,
        });
    }
    for set in corpora::sets() {
        let (dir, display) = migrations_dir(&set);
        sets.push(Set {
            name: corpora::name(&set),
            dir,
            display,
            sqlx_table: needs_sqlx_table(&set),
        });
    }
    sets
}

/// A fresh database with the set's history applied by the runner, and the catalog.
fn migrated(set: &Set) -> (TestDb, Catalog) {
    let analysis = analyze(&set.dir, &set.display, &Config::default());
    let db = TestDb::new("pgstrata_reconcile");
    let mut client = db.connect();
    if set.sqlx_table {
        client.batch_execute(SQLX_TABLE).unwrap();
    }
    Runner::new(runtime_migrations(&analysis))
        .history_schema(HISTORY_SCHEMA)
        .run(&mut client)
        .unwrap_or_else(|e| panic!("{}: {e}", set.name));
    (db, analysis.catalog)
}

/// The lines only one dump has, each count of a repeated line compared.
fn dump_difference(left: &[String], right: &[String]) -> (Vec<String>, Vec<String>) {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for line in left {
        *counts.entry(line).or_default() += 1;
    }
    for line in right {
        *counts.entry(line).or_default() -= 1;
    }
    let only_left = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(l, _)| l.to_string())
        .collect();
    let only_right = counts
        .iter()
        .filter(|(_, n)| **n < 0)
        .map(|(l, _)| l.to_string())
        .collect();
    (only_left, only_right)
}

#[test]
fn squash_builds_what_the_history_builds() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for set in sets() {
        let (history_db, catalog) = migrated(&set);
        let history = history_db.dump(&DUMP_ARGS);
        let sql = pgstrata_drift::squash(&catalog);
        let squash_db = TestDb::new("pgstrata_reconcile");
        let mut client = squash_db.connect();
        if set.sqlx_table {
            client.batch_execute(SQLX_TABLE).unwrap();
        }
        if let Err(e) = client.batch_execute(&sql) {
            if let Ok(dir) = std::env::var("PGSTRATA_RECONCILE_OUT") {
                let _ = std::fs::write(format!("{dir}/{}.squash.sql", set.name), &sql);
            }
            failures.push(format!("{}: the squash does not apply: {e:?}", set.name));
            report.push(format!("{:<32} does not apply", set.name));
            continue;
        }
        let squashed = squash_db.dump(&DUMP_ARGS);
        if let Ok(dir) = std::env::var("PGSTRATA_RECONCILE_OUT") {
            let _ = std::fs::write(format!("{dir}/{}.squash.sql", set.name), &sql);
            let _ = std::fs::write(
                format!("{dir}/{}.history.dump", set.name),
                history.join("\n"),
            );
            let _ = std::fs::write(
                format!("{dir}/{}.squash.dump", set.name),
                squashed.join("\n"),
            );
        }
        if history == squashed {
            report.push(format!(
                "{:<32} identical ({} lines)",
                set.name,
                history.len()
            ));
            continue;
        }
        let (only_history, only_squash) = dump_difference(&history, &squashed);
        report.push(format!(
            "{:<32} differs: {} lines only in the history's dump, {} only in the squash's{}",
            set.name,
            only_history.len(),
            only_squash.len(),
            if only_history.is_empty() && only_squash.is_empty() {
                " (same lines, another order)"
            } else {
                ""
            }
        ));
        // What the catalog could not follow, the squash leaves to the reader, saying so.
        let uncertain: Vec<String> = catalog
            .uncertain
            .iter()
            .filter(|u| u.kind == "table" && !u.reason.contains("migration tool's own table"))
            .map(|u| u.name.clone())
            .collect();
        let noted = uncertain.iter().all(|name| {
            let (schema, table) = name.split_once('.').unwrap_or(("public", name));
            sql.contains(&format!(
                "{}: the catalog could not follow it",
                ddl::qualified(schema, table)
            ))
        });
        if !uncertain.is_empty() && noted {
            report.push(format!(
                "{:<32}   (the catalog could not follow {}; the squash says so)",
                "",
                uncertain.join(", ")
            ));
            continue;
        }
        let mut text = format!("{}:\n", set.name);
        for line in only_history.iter().take(40) {
            text.push_str(&format!("  - {line}\n"));
        }
        for line in only_squash.iter().take(40) {
            text.push_str(&format!("  + {line}\n"));
        }
        failures.push(text);
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
