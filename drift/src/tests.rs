//! The check's steps without a server: the rows a server would return, by hand.

use crate::{Change, Check, DriftError, ObjectKind, Options, Rows};
use pgstrata_analyzer::catalog::fold;
use pgstrata_analyzer::source::SourceFile;

fn catalog(sql: &str) -> pgstrata_analyzer::catalog::Catalog {
    fold(&[SourceFile::new(
        "V1__t.sql".into(),
        "V1__t.sql".to_string(),
        sql.to_string(),
    )])
}

fn row(values: &[Option<&str>]) -> Vec<Option<String>> {
    values.iter().map(|v| v.map(str::to_string)).collect()
}

/// The rows of a database with schema `public` and table `public.t (flag boolean
/// DEFAULT <default>)`.
fn database(default: &str) -> Rows {
    vec![
        row(&[Some("config"), Some("public")]),
        row(&[Some("server"), Some("150004")]),
        row(&[Some("schema"), Some("public")]),
        row(&[
            Some("relation"),
            Some("public"),
            Some("t"),
            Some("r"),
            Some("p"),
            None,
        ]),
        row(&[
            Some("column"),
            Some("public"),
            Some("t"),
            Some("flag"),
            Some("boolean"),
            Some("f"),
            Some(default),
            Some(""),
            Some(""),
            None,
            Some("bboolean"),
        ]),
    ]
}

#[test]
fn equal_schemas_take_one_query() {
    let mut check = Check::new(
        catalog("CREATE TABLE t (flag boolean DEFAULT false)"),
        Options::default(),
    );
    assert!(check
        .next_query()
        .is_some_and(|q| q.contains("pg_catalog.pg_class")));
    check.take_rows(database("false")).unwrap();
    assert_eq!(check.next_query(), None);
    assert_eq!(check.take_rows(Vec::new()), Err(DriftError::NoQueryPending));
    assert!(check.finish().is_empty());
}

#[test]
fn literals_written_differently_are_settled_by_the_server() {
    let expected = catalog("CREATE TABLE t (flag boolean DEFAULT 'f')");
    let settle = |printed: [&str; 2]| {
        let mut check = Check::new(expected.clone(), Options::default());
        check.take_rows(database("false")).unwrap();
        let sql = check.next_query().unwrap();
        assert!(sql.contains("CAST(l.v AS boolean)"), "{sql}");
        check
            .take_rows(vec![
                row(&[Some("literal"), Some("0"), Some(printed[0])]),
                row(&[Some("literal"), Some("1"), Some(printed[1])]),
            ])
            .unwrap();
        assert_eq!(check.next_query(), None);
        check.finish().differences
    };
    assert!(settle(["false", "false"]).is_empty());
    let differences = settle(["false", "true"]);
    assert_eq!(differences.len(), 1);
    assert_eq!(differences[0].kind, ObjectKind::Column);
    assert_eq!(
        differences[0].change,
        Change::Different {
            property: "default".to_string(),
            expected: "'f'".to_string(),
            actual: "false".to_string(),
        }
    );
}

#[test]
fn a_missing_table_stands_for_its_columns() {
    let mut check = Check::new(
        catalog("CREATE TABLE t (flag boolean); CREATE TABLE u (id int PRIMARY KEY)"),
        Options::default(),
    );
    check.take_rows(database("false")).unwrap();
    let drift = check.finish();
    let found: Vec<String> = drift.differences.iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "table public.u: missing from the database (the migrations build it)",
            "column public.t.flag: default differs: the migrations build `-`, the database has `false`",
        ]
    );
}

#[test]
fn rows_the_check_did_not_ask_for_are_refused() {
    let mut check = Check::new(catalog("CREATE TABLE t (id int)"), Options::default());
    let refused = check.take_rows(vec![row(&[Some("gossip")])]);
    assert!(matches!(refused, Err(DriftError::MalformedRow { .. })));
    let mut check = Check::new(catalog("CREATE TABLE t (id int)"), Options::default());
    let short = check.take_rows(vec![row(&[Some("schema")])]);
    assert!(matches!(short, Err(DriftError::MalformedRow { .. })));
}

#[test]
fn what_the_catalog_could_not_follow_is_not_compared() {
    let expected = catalog(
        "CREATE TABLE t (flag boolean DEFAULT false);\n\
         DO $$ BEGIN EXECUTE 'CREATE TABLE ' || 'u (id int)'; END $$;",
    );
    let mut check = Check::new(expected, Options::default());
    let mut rows = database("false");
    rows.push(row(&[
        Some("relation"),
        Some("public"),
        Some("u"),
        Some("r"),
        Some("p"),
        None,
    ]));
    check.take_rows(rows).unwrap();
    let drift = check.finish();
    assert!(drift.differences.is_empty(), "{:?}", drift.differences);
    assert!(!drift.not_compared.is_empty());
}
