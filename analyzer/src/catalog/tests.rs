//! The fold, statement form by statement form.

use super::*;
use crate::parse::parse_file;
use crate::source::SourceFile;

/// Folds `files` (each a migration's SQL) in order; the catalog and every problem's
/// message.
fn fold(files: &[&str]) -> (Catalog, Vec<String>) {
    let mut folder = Folder::new();
    let mut problems = Vec::new();
    for (i, sql) in files.iter().enumerate() {
        let file = SourceFile::new(
            format!("/m/{i}.sql").into(),
            format!("m/{i}.sql"),
            sql.to_string(),
        );
        let parsed = parse_file(&file);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        folder.begin_file(true);
        for statement in &parsed.statements {
            if let Some(node) = &statement.node {
                problems.extend(folder.apply(node).iter().map(Problem::message));
            }
        }
        folder.end_file();
    }
    (folder.into_catalog(), problems)
}

fn table<'a>(catalog: &'a Catalog, name: &str) -> &'a Table {
    catalog
        .tables
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn column<'a>(catalog: &'a Catalog, table_name: &str, name: &str) -> &'a Column {
    table(catalog, table_name)
        .columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {table_name}.{name}"))
}

#[test]
fn smoke() {
    let (catalog, problems) = fold(&["CREATE TABLE threads (id bigserial PRIMARY KEY, title text NOT NULL DEFAULT 'x');
        CREATE TABLE messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, thread_id bigint REFERENCES threads ON DELETE CASCADE, body varchar(255), UNIQUE (thread_id, body));
        CREATE INDEX ON messages (lower(body));"]);
    assert_eq!(problems, Vec::<String>::new());
    println!("{}", serde_json::to_string_pretty(&catalog).unwrap());
    assert_eq!(
        column(&catalog, "threads", "id").default.as_deref(),
        Some("nextval('threads_id_seq'::regclass)")
    );
}

/// The relation name set must hold every relation after every statement of every
/// set the tests know (a creating site that forgot to note its relation would make
/// lookups miss it).
#[test]
fn every_relation_is_noted_after_every_statement() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        here.join("../tests/fixtures/catalog_forms"),
        here.join("../migrations"),
    ];
    let corpora = std::env::var_os("PGSTRATA_CORPORA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| here.join("../../shared/corpora"));
    for entry in std::fs::read_dir(&corpora).into_iter().flatten().flatten() {
        let order = entry.path().join("_meta/order.txt");
        let Ok(text) = std::fs::read_to_string(&order) else {
            continue;
        };
        let first = text.lines().next().unwrap_or_default();
        let mut parts: Vec<&str> = first.split('/').collect();
        if matches!(parts.pop(), Some("up.sql" | "migration.sql")) {
            parts.pop();
        }
        dirs.push(entry.path().join(parts.join("/")));
    }
    assert!(
        dirs.len() > 2,
        "the corpora are missing at {}",
        corpora.display()
    );
    for dir in dirs {
        let discovery = crate::discover::discover(&dir, "m");
        let mut folder = Folder::new();
        for migration in &discovery.migrations {
            let file = SourceFile::read(&migration.up.path, &migration.up.display).unwrap();
            let parsed = parse_file(&file);
            folder.begin_file(true);
            for statement in &parsed.statements {
                if let Some(node) = &statement.node {
                    folder.apply(node);
                    let mut unnoted = folder.unnoted_relations();
                    unnoted.extend(folder.unnoted_constraints());
                    assert!(
                        unnoted.is_empty(),
                        "{}:{}: {unnoted:?}",
                        file.display,
                        statement.line
                    );
                }
            }
            folder.end_file();
        }
    }
}
