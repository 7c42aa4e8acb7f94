//! The rule end to end: positions, hints, allows, and the fold across files.

use crate::{analyze, render, Config};
use pgstrata_testkit::TempDir;

/// A migrations directory holding `files` (name, text), removed when dropped.
fn dir_with(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new("catalog-rule");
    for (name, text) in files {
        dir.write(name, text);
    }
    dir
}

/// `(line, column, message, help)` of each catalog diagnostic.
fn catalog_errors(files: &[(&str, &str)]) -> Vec<(usize, usize, String, String)> {
    let dir = dir_with(files);
    let analysis = analyze(dir.path(), "migrations", &Config::default());
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.rule == "catalog")
        .map(|d| {
            let location = d.location.as_ref().expect("a location");
            (
                location.line,
                location.column,
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn an_unknown_column_is_reported_where_it_is_written_with_a_close_name() {
    let errors = catalog_errors(&[
        ("V1__threads.sql", "CREATE TABLE threads (id bigint PRIMARY KEY);\nCREATE TABLE messages (id bigint PRIMARY KEY, thread_id bigint REFERENCES threads);\n"),
        ("V2__index.sql", "-- an index\nCREATE INDEX messages_thread_idx ON messages (thred_id);\n"),
    ]);
    assert_eq!(
        errors,
        vec![(
            2,
            47,
            "column `thred_id` of relation `messages` does not exist".to_string(),
            "did you mean `thread_id`?".to_string()
        )]
    );
}

#[test]
fn an_unknown_table_points_at_its_name() {
    let errors = catalog_errors(&[
        ("V1__threads.sql", "CREATE TABLE threads (id bigint PRIMARY KEY);\n"),
        ("V2__messages.sql", "CREATE TABLE messages (\n    id bigint PRIMARY KEY,\n    thread_id bigint REFERENCES public.thread (id)\n);\n"),
    ]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (line, column, message, help) = &errors[0];
    assert_eq!((*line, *column), (3, 33));
    assert_eq!(message, "relation `public.thread` does not exist");
    assert_eq!(help, "did you mean `threads`?");
}

#[test]
fn an_object_created_twice_is_reported() {
    let errors = catalog_errors(&[
        ("V1__a.sql", "CREATE TYPE mood AS ENUM ('a');\n"),
        ("V2__b.sql", "CREATE TYPE mood AS ENUM ('b');\n"),
    ]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].2, "type `mood` already exists");
}

#[test]
fn an_object_created_twice_points_at_its_name() {
    let errors = catalog_errors(&[
        (
            "V1__a.sql",
            "CREATE EXTENSION citext;\nCREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();\nCREATE DOMAIN email AS text;\n",
        ),
        (
            "V2__b.sql",
            "CREATE EXTENSION citext;\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();\nCREATE DOMAIN email AS text;\nCREATE TYPE missing.mood AS ENUM ('a');\n",
        ),
    ]);
    let places: Vec<(usize, usize, &str)> = errors
        .iter()
        .map(|(line, column, message, _)| (*line, *column, message.as_str()))
        .collect();
    assert_eq!(
        places,
        vec![
            (1, 18, "extension `citext` already exists"),
            (2, 17, "function `f()` already exists"),
            (3, 16, "trigger `t_touch` for relation `t` already exists"),
            (4, 15, "type `email` already exists"),
            (5, 13, "schema `missing` does not exist"),
        ]
    );
}

#[test]
fn the_allow_comment_silences_it() {
    let errors = catalog_errors(&[(
        "V1__a.sql",
        "-- pgstrata:allow(catalog)\nALTER TABLE made_by_hand ADD COLUMN note text;\n",
    )]);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn a_problem_inside_a_do_block_points_at_the_block() {
    let dir = dir_with(&[(
        "V1__a.sql",
        "CREATE TABLE t (id int);\nDO $$ BEGIN\n  ALTER TABLE t ADD COLUMN id int;\nEND $$;\n",
    )]);
    let analysis = analyze(dir.path(), "migrations", &Config::default());
    let rendered: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.rule == "catalog")
        .map(render)
        .collect();
    assert_eq!(rendered.len(), 1, "{rendered:?}");
    assert!(
        rendered[0].contains("column `id` of relation `t` already exists"),
        "{}",
        rendered[0]
    );
    assert!(
        rendered[0].contains("migrations/V1__a.sql:2:1"),
        "{}",
        rendered[0]
    );
}
