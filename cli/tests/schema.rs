//! `pgstrata schema` prints the catalog: JSON with the documented fields, a listing, or
//! the code `migrations!` generates.

use pgstrata_analyzer::{analyze, Config};
use pgstrata_codegen::Features;
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

/// What the generator gives for `set` (relative to the workspace), as the CLI run
/// from the workspace's root resolves it.
fn generated(set: &str, features: Features) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace's root");
    let dir = root.join(set);
    let analysis = analyze(&dir, set, &Config::default());
    pgstrata_codegen::generate(&analysis, &dir, features)
}

/// The two texts are the same, or the first line where they differ is shown.
fn same_code(printed: &str, generated: &str) {
    let differs = printed
        .lines()
        .zip(generated.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b);
    if let Some((line, (a, b))) = differs {
        panic!(
            "line {}: printed\n{a}\nbut the generator gives\n{b}",
            line + 1
        );
    }
    assert_eq!(
        printed.len(),
        generated.len(),
        "one is a prefix of the other"
    );
}

#[test]
fn rust_prints_the_code_the_macro_generates() {
    let output = schema("tests/fixtures/typed_forms", &["--rust"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let file: syn::File = syn::parse_file(&text).expect("the output parses as Rust");
    let names: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            syn::Item::Static(s) => Some(s.ident.to_string()),
            syn::Item::Const(c) => Some(c.ident.to_string()),
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            "schema",
            "MIGRATIONS",
            "EMBEDDED_FILES",
            "runner",
            "embedded_migrations_match_their_directory"
        ]
    );
    // pgstrata's default features: the `postgres` client and `chrono`.
    same_code(
        &text,
        &generated("tests/fixtures/typed_forms", Features::FACADE_DEFAULT),
    );
    assert!(text.contains("__p::chrono::"), "{text}");
}

#[test]
fn rust_follows_the_features_named() {
    let output = schema(
        "tests/fixtures/typed_forms",
        &[
            "--rust",
            "--no-default-features",
            "--features",
            "time,uuid,serde_json",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    syn::parse_file(&text).expect("the output parses as Rust");
    let features = Features {
        time: true,
        uuid: true,
        serde_json: true,
        ..Features::NONE
    };
    same_code(&text, &generated("tests/fixtures/typed_forms", features));
    assert!(text.contains("__p::time::") && !text.contains("__p::chrono::"));
    // Without the `postgres` client, rows are neither read nor written.
    assert!(!text.contains("fn from_row"), "{text}");
}

#[test]
fn features_need_rust_and_rust_is_not_json() {
    assert_eq!(
        schema("migrations", &["--features", "uuid"]).status.code(),
        Some(2)
    );
    assert_eq!(
        schema("migrations", &["--rust", "--json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        schema("migrations", &["--rust", "--features", "diesel"])
            .status
            .code(),
        Some(2)
    );
}
