//! The four schemas of the seed documents (`../shared/seeds/`), written as migration
//! histories under `tests/fixtures/`: Neuroagent, Agent Prompt Train, Live
//! Conversational Threads and Chat. Each set must
//!
//! - compile: `migrations!` accepts it and generates a typed module for every table
//!   (the modules below, and the `NAME` of each table's module in the tests);
//! - analyze without a single diagnostic;
//! - apply with the runner, and apply again with nothing pending;
//! - take one realistic row in every table, and give it back;
//! - survive a replay of every migration by hand (every statement is re-runnable),
//!   leaving the rows as they were.
//!
//! The rows are plain SQL, all in `seed_fixtures::rows`, which `seed_types` shares:
//! it reads them back through the typed `schema` module and writes them again with it.

use pgstrata::Runner;
use pgstrata_analyzer::{analyze, render, Analysis, Config, TransactionMode};
use pgstrata_testkit::{runtime_migrations, TestDb};
use postgres::Client;
use std::path::Path;

use crate::seed_fixtures::{
    agent_prompt_train, chat, every_table, insert, live_conversational_threads, neuroagent,
    read_back, rows, Row, SeedRows,
};

fn analyze_fixture(name: &str) -> Analysis {
    let display = format!("tests/fixtures/{name}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(&display);
    let analysis = analyze(&dir, &display, &Config::default());
    let diagnostics: Vec<String> = analysis.diagnostics.iter().map(render).collect();
    assert!(
        diagnostics.is_empty(),
        "{name}: the analyzer reports\n{}",
        diagnostics.join("\n")
    );
    assert!(
        analysis.migrations.len() >= 3,
        "{name}: a history, not a dump"
    );
    analysis
}

/// Runs every migration again by hand, as an operator replaying files would: in a
/// transaction unless the migration cannot run in one, then statement by statement.
fn replay(client: &mut Client, analysis: &Analysis, name: &str) {
    for migration in &analysis.migrations {
        let text = migration.up.text.as_str();
        let replayed = match migration.transaction {
            TransactionMode::Transactional => client
                .transaction()
                .and_then(|mut tx| tx.batch_execute(text).and_then(|()| tx.commit())),
            TransactionMode::NonTransactional { .. } => migration
                .statements
                .iter()
                .try_for_each(|s| client.batch_execute(&text[s.range.clone()])),
        };
        if let Err(e) = replayed {
            panic!("{name}: {} fails when run again: {e}", migration.up.display);
        }
    }
}

fn row_counts(client: &mut Client, rows: &[Row]) -> Vec<(String, i64)> {
    let mut tables: Vec<&str> = rows.iter().map(|r| r.table).collect();
    tables.dedup();
    tables
        .into_iter()
        .map(|t| {
            let count: i64 = client
                .query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .unwrap()
                .get(0);
            (t.to_string(), count)
        })
        .collect()
}

fn check_seed(
    name: &str,
    seed: &SeedRows,
    compiled: &[pgstrata::Migration],
    typed_tables: &[&str],
) {
    let analysis = analyze_fixture(name);
    let migrations = runtime_migrations(&analysis);
    assert_eq!(
        compiled.len(),
        migrations.len(),
        "{name}: the macro and the analyzer see the same migrations"
    );

    let db = TestDb::new("pgstrata_seed");
    let mut client = db.connect();
    let report = Runner::new(migrations)
        .run(&mut client)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(report.applied.len(), migrations.len(), "{name}");
    let again = Runner::new(migrations)
        .run(&mut client)
        .unwrap_or_else(|e| panic!("{name}, second run: {e}"));
    assert!(again.applied.is_empty(), "{name}: nothing is pending");

    let mut tables: Vec<String> = seed.rows.iter().map(|r| r.table.to_string()).collect();
    tables.sort();
    tables.dedup();
    let in_database = every_table(&mut client);
    assert_eq!(tables, in_database, "{name}: one row for every table");
    let mut typed: Vec<String> = typed_tables.iter().map(|t| t.to_string()).collect();
    typed.sort();
    assert_eq!(
        typed, in_database,
        "{name}: the typed module has a module for every table"
    );
    for row in seed.rows {
        insert(&mut client, row);
    }
    for row in seed.rows {
        let stored = read_back(&mut client, row);
        eprintln!("{name}.{}: {stored}", row.table);
    }
    for view in seed.materialized_views {
        client
            .batch_execute(&format!("REFRESH MATERIALIZED VIEW {view}"))
            .unwrap_or_else(|e| panic!("{name}: {view}: {e}"));
        let count: i64 = client
            .query_one(&format!("SELECT count(*) FROM {view}"), &[])
            .unwrap()
            .get(0);
        assert_eq!(count, 1, "{name}: {view} summarises the row");
    }

    let before = row_counts(&mut client, seed.rows);
    replay(&mut client, &analysis, name);
    assert_eq!(
        before,
        row_counts(&mut client, seed.rows),
        "{name}: a replay leaves the rows"
    );
    for row in seed.rows {
        read_back(&mut client, row);
    }
    eprintln!(
        "{name}: {} migrations applied, applied again with nothing pending, replayed; {} tables round-tripped",
        migrations.len(),
        tables.len()
    );
}

#[test]
fn neuroagent() {
    use neuroagent::schema::*;
    check_seed(
        "neuroagent",
        &rows::NEUROAGENT,
        neuroagent::MIGRATIONS,
        &[
            alembic_version::NAME,
            threads::NAME,
            messages::NAME,
            tool_calls::NAME,
            tool_selection::NAME,
            complexity_estimation::NAME,
            token_consumption::NAME,
        ],
    );
}

#[test]
fn agent_prompt_train() {
    use agent_prompt_train::schema::*;
    check_seed(
        "agent_prompt_train",
        &rows::AGENT_PROMPT_TRAIN,
        agent_prompt_train::MIGRATIONS,
        &[
            api_requests::NAME,
            streaming_chunks::NAME,
            conversation_analyses::NAME,
            trains::NAME,
            anthropic_credentials::NAME,
            train_accounts::NAME,
            train_api_keys::NAME,
            train_members::NAME,
        ],
    );
    // The materialized view has its module too.
    assert_eq!(hourly_stats::NAME, "hourly_stats");
}

#[test]
fn live_conversational_threads() {
    use live_conversational_threads::schema::*;
    check_seed(
        "live_conversational_threads",
        &rows::LIVE_CONVERSATIONAL_THREADS,
        live_conversational_threads::MIGRATIONS,
        &[
            conversations::NAME,
            utterances::NAME,
            nodes::NAME,
            relationships::NAME,
            clusters::NAME,
            edits_log::NAME,
            api_calls_log::NAME,
        ],
    );
}

#[test]
fn chat() {
    use chat::schema::*;
    check_seed(
        "chat",
        &rows::CHAT_TABLES,
        chat::MIGRATIONS,
        &[
            accounts::NAME,
            users::NAME,
            agents::NAME,
            chats::NAME,
            chat_messages::NAME,
        ],
    );
}
