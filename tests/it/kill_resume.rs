//! A non-transactional migration survives being cut off at any statement: for every
//! statement in turn, the backend is terminated just before it and just after it; a
//! new runner then resumes, and the schema and data must equal an uninterrupted run's.

use crate::kill_at::KillAt;
use pgstrata::{Runner, TransactionMode};
use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::{runtime_migrations, TestDb};
use std::path::Path;

const HISTORY_SCHEMA: &str = "pgstrata_history";

fn dump(db: &TestDb) -> Vec<String> {
    db.dump(&["--no-owner", "--exclude-schema", HISTORY_SCHEMA])
}

#[test]
fn a_non_transactional_migration_resumes_after_a_kill_at_any_statement() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resume");
    let analysis = analyze(&dir, "tests/fixtures/resume", &Config::default());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let migrations = runtime_migrations(&analysis);
    let online = &migrations[1];
    assert_eq!(online.transaction, TransactionMode::NonTransactional);
    let statements: Vec<&str> = online.statements().map(|(_, _, sql)| sql).collect();
    assert_eq!(statements.len(), 6);

    let reference = TestDb::new("pgstrata_kill_ref");
    Runner::new(migrations)
        .history_schema(HISTORY_SCHEMA)
        .run(&mut reference.connect())
        .unwrap();
    let expected = dump(&reference);

    let mut runs = 0;
    for (index, statement) in statements.iter().enumerate() {
        for after in [false, true] {
            let db = TestDb::new("pgstrata_kill");
            let mut client = db.connect();
            let mut driver = KillAt::new(&mut client, db.connect(), statement, after);
            let runner = Runner::new(migrations).history_schema(HISTORY_SCHEMA);
            let cut = runner.run_with(&mut driver);
            let when = if after { "after" } else { "before" };
            assert!(driver.fired, "statement {} was never sent", index + 1);
            assert!(
                cut.is_err(),
                "the run cut off {when} statement {} reported success",
                index + 1
            );

            let report = runner.run(&mut db.connect()).unwrap_or_else(|e| {
                panic!("resume after a kill {when} statement {}: {e}", index + 1)
            });
            assert_eq!(
                report.applied.len(),
                1,
                "only the interrupted migration is left"
            );
            assert_eq!(
                dump(&db),
                expected,
                "schema or data differ after a kill {when} statement {}",
                index + 1
            );
            runs += 1;
        }
    }
    eprintln!(
        "kill_resume: {runs} runs cut off and resumed, each identical to the uninterrupted run"
    );
}
