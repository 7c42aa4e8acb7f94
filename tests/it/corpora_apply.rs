//! Every real-world history in `../shared/corpora`, applied by the runner to a fresh
//! database, must produce the schema PostgreSQL 15 produced for it
//! (`_meta/pg15-schema.sql`, a `pg_dump --schema-only`).

use pgstrata::Runner;
use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::corpora::{self, migrations_dir, needs_sqlx_table, SQLX_TABLE};
use pgstrata_testkit::{normalize_dump, runtime_migrations, TestDb};

/// The runner's own history lives in a schema of its own, left out of the dump.
pub(crate) const HISTORY_SCHEMA: &str = "pgstrata_history";

/// Where two normalized dumps first differ, with a few lines of each around it.
pub(crate) fn first_difference(expected: &[String], actual: &[String]) -> String {
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
    for set in corpora::sets() {
        let name = corpora::name(&set);
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
