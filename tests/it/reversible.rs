//! The `reversible` rule against the truth. For every migration with a down file, in
//! every corpus set and in `tests/fixtures/broken_downs` (downs broken on purpose, one
//! way each), the history is walked once on a fresh database: the schema is read from
//! `pg_catalog` before the up file, the up file runs, the down file runs in a
//! transaction, the schema is read again, and the transaction is rolled back, which
//! leaves the database exactly as after the up file for the next migration (a down
//! file that cannot run in a transaction runs alone, and the up file runs again).
//!
//! The server's verdict is whether the two readings differ, leaving aside the order of
//! the columns; the analyzer's is whether it reports a `reversible` error for the
//! migration. They must agree for every migration, and the analyzer may warn about a
//! column's position only where the server has the columns in another order (a
//! reorder it does not warn about is counted and listed: the rule is silent about a
//! table a conditional `DO` block made uncertain). A down file the server cannot run
//! must be an error of the analyzer in that down file, and an error of another rule in
//! a down file the server runs is a false error.
//!
//! The readings are `catalog_fidelity`'s description of the schema (names, types,
//! constraints, indexes, enums, sequences, triggers: nothing that depends on an OID),
//! with functions and comments added, and the column positions taken apart.

use crate::catalog_fidelity::{database_facts, relations, SKIPPED_SCHEMAS};
use pgstrata_analyzer::{
    analyze, Analysis, Config, Diagnostic, Migration, Severity, TransactionMode,
};
use pgstrata_testkit::corpora::{self, SQLX_TABLE};
use pgstrata_testkit::{corpus_histories, History, TestDb};
use postgres::{Client, GenericClient};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const BROKEN_DOWNS: &str = "tests/fixtures/broken_downs";

fn histories() -> Vec<History> {
    let mut histories = vec![History {
        name: "broken_downs".to_string(),
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join(BROKEN_DOWNS),
        display: BROKEN_DOWNS.to_string(),
        sqlx_table: false,
    }];
    histories.extend(corpus_histories());
    histories
}

/// The schema as the server has it: every fact without column positions, and the
/// columns of each table in order.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    facts: BTreeSet<String>,
    column_order: BTreeMap<String, Vec<String>>,
}

fn snapshot<C: GenericClient>(client: &mut C, preexisting: &BTreeSet<String>) -> Snapshot {
    let mut facts = BTreeSet::new();
    let mut columns: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for fact in database_facts(client, preexisting) {
        if fact.kind != "column" {
            facts.insert(fact.line);
            continue;
        }
        // `column <owner> #<position> <name> ...`: the position goes to the order.
        let mut words = fact.line.splitn(4, ' ');
        let (_, owner, position, rest) = (
            words.next(),
            words.next().unwrap_or_default().to_string(),
            words.next().unwrap_or_default(),
            words.next().unwrap_or_default().to_string(),
        );
        let position: usize = position.trim_start_matches('#').parse().unwrap_or(0);
        let name = rest.split(' ').next().unwrap_or_default().to_string();
        columns
            .entry(owner.clone())
            .or_default()
            .push((position, name));
        facts.insert(format!("column {owner} {rest}"));
    }
    facts.extend(functions_and_comments(client));
    let column_order = columns
        .into_iter()
        .map(|(owner, mut columns)| {
            columns.sort();
            (owner, columns.into_iter().map(|(_, name)| name).collect())
        })
        .collect();
    Snapshot {
        facts,
        column_order,
    }
}

/// What `database_facts` leaves out and the catalog compares: functions (not those of
/// an extension) and comments.
fn functions_and_comments<C: GenericClient>(client: &mut C) -> Vec<String> {
    let queries = [
        format!(
            "SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) \
             || ') ' || p.prokind::text || ' ' || coalesce(pg_get_function_result(p.oid), '-') || ' ' || l.lanname \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang \
             WHERE {SKIPPED_SCHEMAS} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
             AND d.objid = p.oid AND d.deptype = 'e')"
        ),
        format!(
            "SELECT 'comment ' || n.nspname || '.' || c.relname || coalesce('.' || a.attname, '') || ' ' || d.description \
             FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0 \
             WHERE {SKIPPED_SCHEMAS}"
        ),
        format!(
            "SELECT 'comment ' || n.nspname || '.' || t.typname || ' ' || d.description \
             FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND t.oid = d.objoid \
             JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {SKIPPED_SCHEMAS}"
        ),
    ];
    let mut lines = Vec::new();
    for sql in queries {
        let rows = client
            .query(sql.as_str(), &[])
            .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
        lines.extend(rows.iter().map(|row| row.get::<_, String>(0)));
    }
    lines
}

/// Runs one file as the runner would: in one transaction, or statement by statement.
fn run_file(
    client: &mut Client,
    text: &str,
    statements: &[pgstrata_analyzer::parse::Statement],
    transaction: &TransactionMode,
) -> Result<(), postgres::Error> {
    match transaction {
        TransactionMode::Transactional => {
            let mut transaction = client.transaction()?;
            transaction.batch_execute(text)?;
            transaction.commit()
        }
        TransactionMode::NonTransactional { .. } => {
            for statement in statements {
                client.batch_execute(&text[statement.range.clone()])?;
            }
            Ok(())
        }
    }
}

/// What the analyzer says about one migration's down file.
#[derive(Debug, Default)]
struct Verdict {
    /// `reversible` errors, in the up or the down file.
    errors: Vec<String>,
    /// Columns the `reversible` warnings name.
    warned: usize,
    /// Whether an error of another rule (syntax, catalog, ...) points into the down file.
    error_in_down: bool,
}

fn verdict(analysis: &Analysis, migration: &Migration) -> Verdict {
    let down = migration.down.as_ref().map(|d| d.file.display.as_str());
    let ours = |d: &&Diagnostic| {
        let file = d.file.as_deref();
        file == Some(migration.up.display.as_str()) || file == down
    };
    let mut verdict = Verdict::default();
    for diagnostic in analysis.diagnostics.iter().filter(ours) {
        if diagnostic.is_error()
            && diagnostic.rule != "reversible"
            && diagnostic.file.as_deref() == down
        {
            verdict.error_in_down = true;
        }
        if diagnostic.rule != "reversible" {
            continue;
        }
        match diagnostic.severity {
            Severity::Error => verdict.errors.push(format!(
                "{}: {}",
                diagnostic.position().unwrap_or_default(),
                diagnostic.message
            )),
            Severity::Warning => verdict.warned += 1,
        }
    }
    verdict
}

/// A fresh database with the history's preconditions and its first `count` up files.
fn database_after(history: &History, analysis: &Analysis, count: usize) -> (TestDb, Client) {
    let db = TestDb::new("pgstrata_reversible");
    let mut client = db.connect();
    if history.sqlx_table {
        client.batch_execute(SQLX_TABLE).unwrap();
    }
    for migration in &analysis.migrations[..count] {
        run_file(
            &mut client,
            &migration.up.text,
            &migration.statements,
            &migration.transaction,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", migration.up.display));
    }
    (db, client)
}

/// The figures of one history.
#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    agree: usize,
    /// Of the agreements: downs that restore, that do not, that the server refuses.
    restored: usize,
    not_restored: usize,
    refused: usize,
    /// Downs after which the server has a table's columns in another order, and those
    /// of them the analyzer does not warn about.
    reordered: usize,
    reorders_unseen: Vec<String>,
    /// The down files the server refuses, relative to the migrations directory.
    refused_files: Vec<String>,
    disagreements: Vec<String>,
}

fn walk(history: &History) -> Tally {
    // Every rule on but the re-run one (none of these histories was written to run
    // twice): `reversible` must speak for itself here.
    let config = Config {
        allow: ["non-idempotent".to_string()].into(),
        keep_trees: false,
        ..Config::default()
    };
    let analysis = analyze(&history.dir, &history.display, &config);
    let (mut db, mut client) = database_after(history, &analysis, 0);
    let preexisting = relations(&mut client);
    let mut tally = Tally::default();
    for (position, migration) in analysis.migrations.iter().enumerate() {
        let before = migration
            .down
            .as_ref()
            .map(|_| snapshot(&mut client, &preexisting));
        run_file(
            &mut client,
            &migration.up.text,
            &migration.statements,
            &migration.transaction,
        )
        .unwrap_or_else(|e| panic!("{}: the up file does not apply: {e}", migration.up.display));
        let (Some(down), Some(before)) = (&migration.down, before) else {
            continue;
        };
        tally.cases += 1;
        let ours = verdict(&analysis, migration);
        // The server's reading after the down, or why it could not run it.
        let after: Result<Snapshot, String> = match &down.transaction {
            TransactionMode::Transactional => {
                let mut transaction = client.transaction().unwrap();
                match transaction.batch_execute(&down.file.text) {
                    Ok(()) => Ok(snapshot(&mut transaction, &preexisting)),
                    Err(e) => Err(e.to_string()),
                }
                // Dropped: rolled back, the database is as after the up file again.
            }
            TransactionMode::NonTransactional { .. } => {
                let ran = run_file(
                    &mut client,
                    &down.file.text,
                    &down.statements,
                    &down.transaction,
                );
                let after = ran
                    .map(|()| snapshot(&mut client, &preexisting))
                    .map_err(|e| e.to_string());
                let again = run_file(
                    &mut client,
                    &migration.up.text,
                    &migration.statements,
                    &migration.transaction,
                );
                if again.is_err() || after.is_err() {
                    // The down left the database where the up file cannot run again, or
                    // stopped half-way: start over from the history's first file.
                    drop(client);
                    (db, client) = database_after(history, &analysis, position + 1);
                }
                after
            }
        };
        let case = &down.file.display;
        let (agrees, what) = match &after {
            Err(refusal) => (
                ours.error_in_down,
                format!(
                    "the server cannot run it ({refusal}); the analyzer reports {} error in it",
                    if ours.error_in_down { "an" } else { "no" }
                ),
            ),
            Ok(after) => {
                let differs: Vec<String> = before
                    .facts
                    .symmetric_difference(&after.facts)
                    .map(|line| {
                        let side = if before.facts.contains(line) {
                            "before"
                        } else {
                            "after"
                        };
                        format!("{side}: {line}")
                    })
                    .collect();
                let reordered = before
                    .column_order
                    .iter()
                    .filter(|(table, order)| {
                        after.column_order.get(*table).is_some_and(|new| {
                            let common = |a: &[String], b: &[String]| -> Vec<String> {
                                a.iter().filter(|c| b.contains(c)).cloned().collect()
                            };
                            common(order, new) != common(new, order)
                        })
                    })
                    .count();
                let errors_agree = differs.is_empty() == ours.errors.is_empty();
                // A warning only where the server reorders; a reorder the analyzer does
                // not see (the table is uncertain after a conditional `DO` block) is
                // counted, not a disagreement: the rule is silent where it cannot know.
                let order_agrees = reordered > 0 || ours.warned == 0;
                if reordered > 0 {
                    tally.reordered += 1;
                    if ours.warned == 0 {
                        tally.reorders_unseen.push(case.clone());
                    }
                }
                (
                    errors_agree && order_agrees && !ours.error_in_down,
                    format!(
                        "server: {} difference(s) {differs:?}, {reordered} table(s) reordered; analyzer: {:?}, {} position warning(s), error in the down file: {}",
                        differs.len(),
                        ours.errors,
                        ours.warned,
                        ours.error_in_down
                    ),
                )
            }
        };
        if after.is_err() {
            let relative = case
                .strip_prefix(&format!("{}/", history.display))
                .unwrap_or(case);
            tally.refused_files.push(relative.to_string());
        }
        if agrees {
            tally.agree += 1;
            match &after {
                Err(_) => tally.refused += 1,
                Ok(_) if ours.errors.is_empty() => tally.restored += 1,
                Ok(_) => tally.not_restored += 1,
            }
        } else {
            tally.disagreements.push(format!("{case}: {what}"));
        }
    }
    drop(client);
    drop(db);
    tally
}

#[test]
fn the_reversible_rule_agrees_with_running_every_down_file() {
    let mut all = Tally::default();
    for history in histories() {
        let tally = walk(&history);
        eprintln!(
            "{:<32} {} cases, {} agree ({} restore, {} do not, {} refused by the server), {} disagree; {} reorder columns, {} without a warning {:?}",
            history.name,
            tally.cases,
            tally.agree,
            tally.restored,
            tally.not_restored,
            tally.refused,
            tally.disagreements.len(),
            tally.reordered,
            tally.reorders_unseen.len(),
            tally.reorders_unseen
        );
        let known: Vec<&str> = corpora::BROKEN_DOWN_FILES
            .iter()
            .filter(|(set, _, _)| *set == history.name)
            .map(|(_, file, _)| *file)
            .collect();
        if history.name != "broken_downs" {
            assert_eq!(
                tally.refused_files, known,
                "{}: the down files the server refuses are `corpora::BROKEN_DOWN_FILES`",
                history.name
            );
        }
        if history.name == "broken_downs" {
            // Every kind of mistake of the fixture is there, and the fixture is all of it.
            assert!(tally.cases >= 12, "{tally:?}");
            assert!(
                tally.restored >= 3 && tally.not_restored >= 9 && tally.refused >= 1,
                "{tally:?}"
            );
        }
        all.cases += tally.cases;
        all.agree += tally.agree;
        all.disagreements.extend(
            tally
                .disagreements
                .into_iter()
                .map(|d| format!("{}: {d}", history.name)),
        );
    }
    eprintln!(
        "reversible: {} cases, {} agree, {} disagree",
        all.cases,
        all.agree,
        all.disagreements.len()
    );
    assert!(
        all.disagreements.is_empty(),
        "the analyzer and the server disagree:\n{}",
        all.disagreements.join("\n")
    );
}
