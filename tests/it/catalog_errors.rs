//! The `catalog` errors that `tests/ui/catalog/every_kind.rs` pins, held to the real
//! server: after the fixture's first migration, each statement of its second one runs
//! alone on PostgreSQL, and the statements the server rejects must be exactly the ones
//! the analyzer reports, with the server's own message (its double quotes written as
//! the analyzer's backticks).

use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::TestDb;
use std::collections::BTreeMap;
use std::path::Path;

const FIXTURE: &str = "tests/ui/fixtures/catalog_kinds";
const SETUP: &str = "V1__threads.sql";
const MISTAKES: &str = "V2__mistakes.sql";

#[test]
fn every_catalog_error_is_the_one_postgresql_raises() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let config = Config {
        allow: ["non-idempotent".to_string()].into(),
        ..Config::default()
    };
    let analysis = analyze(&dir, FIXTURE, &config);
    let mut reported = BTreeMap::new();
    for diagnostic in &analysis.diagnostics {
        let location = diagnostic
            .location
            .as_ref()
            .unwrap_or_else(|| panic!("no location: {diagnostic:?}"));
        assert_eq!(diagnostic.rule, "catalog", "{diagnostic:?}");
        assert!(location.file.ends_with(MISTAKES), "{diagnostic:?}");
        reported.insert(location.line, diagnostic.message.clone());
    }

    let db = TestDb::new("catalog_errors");
    let mut client = db.connect();
    let setup = std::fs::read_to_string(dir.join(SETUP)).expect("the fixture's first migration");
    client
        .batch_execute(&setup)
        .expect("the first migration applies");
    let mistakes = std::fs::read_to_string(dir.join(MISTAKES)).expect("the second migration");
    let mut rejected = BTreeMap::new();
    for (index, statement) in mistakes.lines().enumerate() {
        // One statement a line in this fixture; each runs alone and is rolled back, so
        // every one meets the schema the first migration built.
        let mut transaction = client.transaction().expect("a transaction");
        if let Err(error) = transaction.batch_execute(statement) {
            let message = error
                .as_db_error()
                .map(|e| e.message().replace('"', "`"))
                .unwrap_or_else(|| panic!("not a server error: {error}"));
            rejected.insert(index + 1, message);
        }
        drop(transaction);
    }

    assert_eq!(
        mistakes.lines().count(),
        rejected.len(),
        "every statement of the fixture is a mistake the server rejects: {rejected:#?}"
    );
    assert_eq!(reported, rejected);
}
