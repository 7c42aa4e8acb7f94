//! `pgstrata schema` prints the catalog: JSON with the documented fields, or a listing.

use std::path::Path;
use std::process::{Command, Output};

fn schema(dir: &str, extra: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new(env!("CARGO_BIN_EXE_pgstrata"))
        .current_dir(&root)
        .arg("schema")
        .arg(dir)
        .args(extra)
        .output()
        .expect("run pgstrata")
}

#[test]
fn the_json_is_the_catalog_with_its_documented_fields() {
    let output = schema("migrations", &["--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for field in [
        "schemas",
        "extensions",
        "tables",
        "views",
        "enums",
        "domains",
        "composite_types",
        "sequences",
        "functions",
        "triggers",
        "uncertain",
    ] {
        assert!(json.get(field).is_some(), "{field}");
    }
    let tables = json["tables"].as_array().unwrap();
    assert!(!tables.is_empty());
    let table = &tables[0];
    for field in [
        "schema",
        "name",
        "kind",
        "columns",
        "primary_key",
        "unique",
        "foreign_keys",
        "checks",
        "indexes",
    ] {
        assert!(table.get(field).is_some(), "table.{field}");
    }
    let column = &table["columns"][0];
    for field in [
        "name",
        "type",
        "base_type",
        "array_dimensions",
        "nullable",
        "default",
        "identity",
        "generated",
        "serial",
    ] {
        assert!(column.get(field).is_some(), "column.{field}");
    }
    let enums = json["enums"].as_array().unwrap();
    assert!(enums
        .iter()
        .all(|e| e["labels"].as_array().is_some_and(|l| !l.is_empty())));
}

#[test]
fn the_listing_names_tables_columns_and_keys() {
    let output = schema("tests/ui/fixtures/catalog", &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("table public.threads\n"), "{text}");
    assert!(text.contains("  id     bigint not null\n"), "{text}");
    assert!(text.contains("  primary key threads_pkey (id)\n"), "{text}");
    // The fixture refers to tables and columns that do not exist: exit 1, with a pointer.
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pgstrata check"));
}

#[test]
fn a_missing_directory_is_a_usage_error() {
    let output = schema("no/such/dir", &["--json"]);
    assert_eq!(output.status.code(), Some(2));
}
