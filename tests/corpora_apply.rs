//! Every real-world history in `../shared/corpora`, applied by the runner to a fresh
//! database, must produce the schema PostgreSQL 15 produced for it
//! (`_meta/pg15-schema.sql`, a `pg_dump --schema-only`).

use pgstrata::Runner;
use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::{normalize_dump, runtime_migrations, TestDb};
use std::path::{Path, PathBuf};

/// The runner's own history lives in a schema of its own, left out of the dump.
const HISTORY_SCHEMA: &str = "pgstrata_history";

fn corpora_root() -> PathBuf {
    let root = std::env::var_os("PGSTRATA_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora"));
    assert!(
        root.is_dir(),
        "the corpora are missing at {}",
        root.display()
    );
    root
}

/// The migrations directory of a set, from the first line of its `order.txt`.
fn migrations_dir(set: &Path) -> (PathBuf, String) {
    let order = std::fs::read_to_string(set.join("_meta/order.txt")).unwrap();
    let first = order.lines().next().unwrap_or_default();
    let mut parts: Vec<&str> = first.split('/').collect();
    if matches!(parts.pop(), Some("up.sql" | "migration.sql")) {
        parts.pop();
    }
    let relative = parts.join("/");
    (set.join(&relative), relative)
}

/// sqlx's bookkeeping table, which matrix-authentication-service and underway expect.
fn needs_sqlx_table(set: &Path) -> bool {
    ["_meta/NOTES", "_meta/SOURCE"].iter().any(|f| {
        std::fs::read_to_string(set.join(f)).is_ok_and(|t| t.contains("public._sqlx_migrations"))
    })
}

const SQLX_TABLE: &str = "CREATE TABLE public._sqlx_migrations (version BIGINT PRIMARY KEY, \
    description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), \
    success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)";

fn first_difference(expected: &[String], actual: &[String]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let window = |lines: &[String]| {
        lines
            .iter()
            .skip(at.saturating_sub(3))
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "first difference at normalized line {at}\n--- expected\n{}\n--- actual\n{}",
        window(expected),
        window(actual)
    )
}

#[test]
fn every_set_applies_to_the_schema_postgres_15_produced() {
    let root = corpora_root();
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("_meta/order.txt").is_file())
        .collect();
    sets.sort();
    assert_eq!(sets.len(), 11);
    for set in sets {
        let name = set.file_name().unwrap().to_string_lossy().into_owned();
        let (dir, display) = migrations_dir(&set);
        let analysis = analyze(&dir, &display, &Config::default());
        let migrations = runtime_migrations(&analysis);

        let db = TestDb::new("pgstrata_corpus");
        let mut client = db.connect();
        if needs_sqlx_table(&set) {
            client.batch_execute(SQLX_TABLE).unwrap();
        }
        let report = Runner::new(migrations)
            .history_schema(HISTORY_SCHEMA)
            .run(&mut client)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.applied.len(), migrations.len(), "{name}");
        drop(client);

        let expected =
            normalize_dump(&std::fs::read_to_string(set.join("_meta/pg15-schema.sql")).unwrap());
        let actual = db.dump(&[
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-schema",
            HISTORY_SCHEMA,
        ]);
        assert!(
            expected == actual,
            "{name}: schema differs\n{}",
            first_difference(&expected, &actual)
        );
        eprintln!(
            "{name}: {} migrations applied, schema identical ({} lines)",
            migrations.len(),
            actual.len()
        );
    }
}
