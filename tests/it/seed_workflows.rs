//! The four seed teams' workflows, end to end on the server, with the down files their
//! guides describe. The reversible histories are `tests/fixtures/reversible/<seed>/`:
//! each up file is the flat fixture's (`tests/fixtures/<seed>/`) byte for byte, beside
//! a down file translated from the guide's Alembic `downgrade()`, or written as the
//! faithful inverse of the up file where the guide gives none.
//!
//! - Every down file gives back the schema its up file started from (`pg_dump
//!   --schema-only` before the up and after the down), and every seed goes down to
//!   nothing with its rows in place.
//! - Neuroagent (Prisma): deploy, status, adopting a database that has the schema
//!   (baseline at head, and at an earlier version), a failed migration undone by hand
//!   and resolved as rolled back, and the last migration rolled back by its down file.
//! - Live Conversational Threads (Alembic): `upgrade head`, `downgrade base`, `+1`,
//!   `-1`, `current`, `history`, the offline script run by psql, `stamp head`.
//! - Chat: upgrade, downgrade -1, upgrade; the foreign keys as the guide lists them.
//! - Agent Prompt Train (numbered scripts): a partly applied database whose
//!   non-transactional migration failed, as status reports it, then finished.

use pgstrata::{
    AppliedBy, AppliedMigration, Error, Migration, MigrationState, Resolution, Runner, Status,
    Target, TransactionMode,
};
use pgstrata_analyzer::{analyze, render, Config};
use pgstrata_testkit::{runtime_migrations, TempDir, TestDb};
use postgres::Client;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::seed_fixtures::{insert, rows, SeedRows};

/// The runner's history lives apart, so that a dump of `public` is the seed's schema.
const HISTORY_SCHEMA: &str = "pgstrata_history";
const HISTORY_TABLE: &str = "pgstrata_history.pgstrata_schema_history";

const SEEDS: [&str; 4] = [
    "neuroagent",
    "live_conversational_threads",
    "chat",
    "agent_prompt_train",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The runtime migrations of a directory that must analyze without an error (the
/// `reversible` warnings of a column re-added at the end of its table are expected:
/// `every_down_file_restores_the_schema_its_up_file_started_from` lists them).
pub fn migrations_of(dir: &Path, display: &str) -> &'static [Migration] {
    let analysis = analyze(dir, display, &Config::default());
    let diagnostics: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(render)
        .collect();
    assert!(
        diagnostics.is_empty(),
        "{display}: the analyzer reports\n{}",
        diagnostics.join("\n")
    );
    runtime_migrations(&analysis)
}

/// A seed's reversible history: every migration has its down file.
fn reversible(seed: &str) -> &'static [Migration] {
    let display = format!("tests/fixtures/reversible/{seed}");
    let migrations = migrations_of(&fixtures().join("reversible").join(seed), &display);
    for m in migrations {
        assert!(m.down.is_some(), "{display}: {} has no down file", m.path);
    }
    migrations
}

pub fn runner(migrations: &'static [Migration]) -> Runner {
    Runner::new(migrations).history_schema(HISTORY_SCHEMA)
}

/// The schema as `pg_dump --schema-only` prints it, without the runner's history.
pub fn schema(db: &TestDb) -> Vec<String> {
    db.dump(&[
        "--schema-only",
        "--no-owner",
        "--exclude-schema",
        HISTORY_SCHEMA,
    ])
}

/// The lines each dump has and the other lacks, for a failure message.
pub fn difference(expected: &[String], actual: &[String]) -> String {
    let only = |a: &[String], b: &[String]| {
        a.iter()
            .filter(|line| !b.contains(line))
            .map(|line| format!("    {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "expected but missing:\n{}\nthere but not expected:\n{}",
        only(expected, actual),
        only(actual, expected)
    )
}

/// The dump with the columns of each `CREATE TABLE` sorted: equal for two schemas that
/// differ only in the order of some table's columns.
fn columns_unordered(dump: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(dump.len());
    let mut columns: Option<Vec<String>> = None;
    for line in dump {
        match columns.as_mut() {
            Some(block) if line.starts_with(')') => {
                block.sort();
                out.append(block);
                out.push(line.clone());
                columns = None;
            }
            Some(block) => block.push(line.trim_end_matches(',').to_string()),
            None => {
                out.push(line.clone());
                if line.starts_with("CREATE TABLE ") && line.ends_with('(') {
                    columns = Some(Vec::new());
                }
            }
        }
    }
    out
}

pub fn versions(done: &[AppliedMigration]) -> Vec<i64> {
    done.iter().map(|m| m.version).collect()
}

fn all_versions(migrations: &[Migration]) -> Vec<i64> {
    migrations.iter().map(|m| m.version).collect()
}

fn states(status: &Status) -> Vec<(i64, MigrationState)> {
    status
        .migrations
        .iter()
        .map(|m| (m.version, m.state.clone()))
        .collect()
}

/// Each migration's state and what recorded it, for whole-history assertions.
fn states_by(status: &Status) -> Vec<(i64, &'static str, Option<AppliedBy>)> {
    status
        .migrations
        .iter()
        .map(|m| (m.version, m.state.label(), m.applied_by))
        .collect()
}

/// The history's rows as the offline script must write them too.
type HistoryRow = (i64, String, String, bool, u32, Vec<String>, AppliedBy);

fn history_rows(runner: &Runner, client: &mut Client) -> Vec<HistoryRow> {
    runner
        .history(client)
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.version,
                r.name,
                r.checksum,
                r.success,
                r.statements_done,
                r.statement_checksums,
                r.applied_by,
            )
        })
        .collect()
}

/// Runs an SQL file with `psql -v ON_ERROR_STOP=1 -f`, as a DBA runs the script.
pub fn psql_file(db: &TestDb, sql: &str) {
    let dir = TempDir::new("seed-script");
    dir.write("script.sql", sql);
    let output = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(db.url())
        .arg("-f")
        .arg(dir.path().join("script.sql"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
    assert!(
        output.status.success(),
        "psql -v ON_ERROR_STOP=1 -f failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `pg_dump --schema-only` as it comes, ready to restore, without the history.
fn restorable_schema(db: &TestDb) -> String {
    db.raw_dump(&[
        "--schema-only",
        "--no-owner",
        "--exclude-schema",
        HISTORY_SCHEMA,
    ])
}

/// The relations of the database outside the system schemas, as `schema.name`.
fn relations(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') \
             AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
             AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Every relation, constraint, type and function of `public` with its kind, and every
/// column with its type, nullability and default.
fn schema_objects(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT 'relation ' || c.relkind::text || ' ' || c.relname FROM pg_class c \
             WHERE c.relnamespace = 'public'::regnamespace \
             UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || contype::text \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             UNION ALL SELECT 'type ' || typname FROM pg_type \
             WHERE typnamespace = 'public'::regnamespace \
             UNION ALL SELECT 'function ' || p.oid::regprocedure FROM pg_proc p \
             WHERE p.pronamespace = 'public'::regnamespace \
             UNION ALL SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' \
                 || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull \
                 || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 \
               AND NOT a.attisdropped \
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

fn exists(client: &mut Client, relation: &str) -> bool {
    client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&relation])
        .unwrap()
        .get(0)
}

/// Copies a fixture directory's files into `dir`.
fn copy_fixture(relative: &str, dir: &TempDir) {
    let source = fixtures().join(relative);
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        dir.write(entry.file_name(), std::fs::read(entry.path()).unwrap());
    }
}

fn sql_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_reversible_fixtures_are_the_seed_fixtures_with_down_files() {
    for seed in SEEDS {
        let flat_dir = fixtures().join(seed);
        let reversible_dir = fixtures().join("reversible").join(seed);
        let flat_files = sql_files(&flat_dir);
        let mut expected = Vec::new();
        for file in &flat_files {
            let stem = file.strip_suffix(".sql").unwrap();
            let up = format!("{stem}.up.sql");
            assert_eq!(
                std::fs::read(flat_dir.join(file)).unwrap(),
                std::fs::read(reversible_dir.join(&up))
                    .unwrap_or_else(|e| panic!("{seed}: no {up}: {e}")),
                "{seed}: {up} is not {file} byte for byte"
            );
            expected.push(format!("{stem}.down.sql"));
            expected.push(up);
        }
        expected.sort();
        assert_eq!(sql_files(&reversible_dir), expected, "{seed}");

        let flat = migrations_of(&flat_dir, seed);
        let paired = reversible(seed);
        let identity = |ms: &[Migration]| -> Vec<(i64, String, String, TransactionMode)> {
            ms.iter()
                .map(|m| {
                    (
                        m.version,
                        m.name.to_string(),
                        m.checksum.to_string(),
                        m.transaction,
                    )
                })
                .collect()
        };
        assert_eq!(
            identity(flat),
            identity(paired),
            "{seed}: a database migrated with the flat fixtures is at home with the reversible ones"
        );
    }
}

#[test]
fn every_down_file_restores_the_schema_its_up_file_started_from() {
    let mut checked = 0;
    let mut only_column_order = Vec::new();
    for seed in SEEDS {
        let migrations = reversible(seed);
        let runner = runner(migrations);
        let db = TestDb::new("pgstrata_seed_downs");
        let mut client = db.connect();
        for m in migrations {
            let before = schema(&db);
            let up = runner.up(&mut client, Target::Forward(1)).unwrap();
            assert_eq!(versions(&up.applied), [m.version], "{seed}");
            let after_up = schema(&db);
            assert_ne!(after_up, before, "{seed}: {} changes no schema", m.path);

            let down = runner.down(&mut client, Target::Back(1)).unwrap();
            assert_eq!(versions(&down.reverted), [m.version], "{seed}");
            let down_path = m.down.as_ref().map(|d| d.path);
            assert_eq!(Some(down.reverted[0].path), down_path);
            let after_down = schema(&db);
            if after_down != before {
                assert_eq!(
                    columns_unordered(&after_down),
                    columns_unordered(&before),
                    "{seed}: {} does not give back the schema before {}\n{}",
                    down_path.unwrap_or_default(),
                    m.path,
                    difference(&before, &after_down)
                );
                only_column_order.push(format!("{seed} {}", m.version));
            }
            // And up again, from the state the down left, to the next one.
            let again = runner.up(&mut client, Target::Forward(1)).unwrap();
            assert_eq!(versions(&again.applied), [m.version], "{seed}");
            assert_eq!(
                schema(&db),
                after_up,
                "{seed}: {} again after its down",
                m.path
            );
            checked += 1;
        }
        assert!(runner.status(&mut client).unwrap().is_up_to_date());
    }
    eprintln!(
        "seed_workflows: {checked} down files give back the schema before their up file; \
         {} of them only up to the order of columns: {}",
        only_column_order.len(),
        only_column_order.join(", ")
    );
    // PostgreSQL adds a column at the end of its table: the two Neuroagent downs that
    // put back a dropped column (messages."order", messages.model) cannot put it back in
    // its place. Every other down gives back the dump line for line.
    assert_eq!(only_column_order, ["neuroagent 4", "neuroagent 11"]);
}

#[test]
fn every_seed_goes_down_to_nothing_with_its_rows_in_place() {
    let empty = schema(&TestDb::new("pgstrata_seed_empty"));
    let seeds: [(&str, &SeedRows); 4] = [
        ("neuroagent", &rows::NEUROAGENT),
        (
            "live_conversational_threads",
            &rows::LIVE_CONVERSATIONAL_THREADS,
        ),
        ("chat", &rows::CHAT_TABLES),
        ("agent_prompt_train", &rows::AGENT_PROMPT_TRAIN),
    ];
    for (seed, seed_rows) in seeds {
        let migrations = reversible(seed);
        let runner = runner(migrations);
        let db = TestDb::new("pgstrata_seed_down_rows");
        let mut client = db.connect();
        runner.up(&mut client, Target::Latest).unwrap();
        for row in seed_rows.rows {
            insert(&mut client, row);
        }
        let mut down = runner.down(&mut client, Target::Base);
        if seed == "neuroagent" {
            // A token count billed as CALL_WITHIN_TOOL has no task before 12bd7610cbc2:
            // its down file stops at the cast, in its transaction, and says so.
            match &down {
                Err(Error::MigrationFailed {
                    version: 13,
                    reverting: true,
                    transaction: TransactionMode::Transactional,
                    source,
                    ..
                }) => assert!(
                    source.message.contains("CALL_WITHIN_TOOL"),
                    "{}",
                    source.message
                ),
                other => panic!("neuroagent: the down of 13 must refuse the row: {other:?}"),
            }
            let status = runner.status(&mut client).unwrap();
            let current = status.current();
            assert_eq!(current, Some(13), "14 reverted, 13 rolled back whole");
            client
                .batch_execute(
                    "UPDATE token_consumption SET task = 'TOOL_SELECTION' \
                     WHERE task = 'CALL_WITHIN_TOOL'",
                )
                .unwrap();
            down = runner.down(&mut client, Target::Base);
        }
        let down = down.unwrap_or_else(|e| panic!("{seed}: {e}"));
        let mut expected: Vec<i64> = all_versions(migrations);
        if seed == "neuroagent" {
            expected.pop();
        }
        expected.reverse();
        assert_eq!(versions(&down.reverted), expected, "{seed}");
        assert_eq!(relations(&mut client), [HISTORY_TABLE], "{seed}");
        assert!(runner.history(&mut client).unwrap().is_empty(), "{seed}");
        assert_eq!(
            schema(&db),
            empty,
            "{seed}: down to base leaves something\n{}",
            difference(&empty, &schema(&db))
        );
    }
}

/// Applies the first `count` up files by hand, as a database managed by another tool
/// got its schema.
fn apply_by_hand(client: &mut Client, migrations: &[Migration], count: usize) {
    for m in &migrations[..count] {
        assert_eq!(m.transaction, TransactionMode::Transactional);
        client
            .batch_execute(&format!("BEGIN;\n{}\n;\nCOMMIT", m.sql))
            .unwrap_or_else(|e| panic!("{}: {e}", m.path));
    }
}

/// Lookups of a thread's messages, built online. The first version's second index is
/// unique, which the seed's messages are not.
const THREAD_LOOKUPS: &str = "-- Lookups of a thread's messages, built online.\n\
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_messages_thread_created ON messages (thread_id, creation_date);\n\
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_messages_thread_content ON messages (thread_id, content);\n";
const THREAD_LOOKUPS_FIXED: &str = "-- Lookups of a thread's messages, built online.\n\
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_messages_thread_created ON messages (thread_id, creation_date);\n\
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_messages_thread_content ON messages (thread_id, content);\n";
const THREAD_LOOKUPS_DOWN: &str = "DROP INDEX CONCURRENTLY IF EXISTS ix_messages_thread_content;\n\
DROP INDEX CONCURRENTLY IF EXISTS ix_messages_thread_created;\n";
const THREAD_LOOKUPS_FILE: &str = "015_3e5c0a9d4b21_thread_lookups";

#[test]
fn neuroagent_deploys_adopts_recovers_and_rolls_back() {
    let migrations = reversible("neuroagent");
    let every = all_versions(migrations);
    let runner = runner(migrations);

    // `prisma migrate deploy`, then `prisma migrate status`.
    let deployed = TestDb::new("pgstrata_seed_neuro");
    let mut client = deployed.connect();
    let report = runner.up(&mut client, Target::Latest).unwrap();
    assert_eq!(versions(&report.applied), every);
    assert!(report.locked);
    let status = runner.status(&mut client).unwrap();
    assert!(status.is_up_to_date(), "{status}");
    assert_eq!(status.current(), every.last().copied());
    assert_eq!(status.pending(), 0);
    for m in &status.migrations {
        assert_eq!(m.state, MigrationState::Applied, "{}", m.version);
        assert_eq!(m.applied_by, Some(AppliedBy::Run), "{}", m.version);
        assert!(m.has_down && m.execution_ms.is_some() && m.applied_at.is_some());
    }
    let again = runner.up(&mut client, Target::Latest).unwrap();
    assert!(again.applied.is_empty() && !again.locked);
    assert_eq!(again.round_trips, 1, "nothing to do costs one read");
    let head = schema(&deployed);

    // A database whose schema an earlier tool built: recorded, not run.
    let adopted = TestDb::new("pgstrata_seed_neuro_adopt");
    let mut adopted_client = adopted.connect();
    apply_by_hand(&mut adopted_client, migrations, migrations.len());
    assert_eq!(
        schema(&adopted),
        head,
        "the SQL by hand builds what up builds"
    );
    let baseline = runner
        .baseline(&mut adopted_client, Target::Latest)
        .unwrap();
    assert_eq!(baseline.baselined, every);
    let status = runner.status(&mut adopted_client).unwrap();
    assert!(status.is_up_to_date(), "{status}");
    for m in &status.migrations {
        assert_eq!(m.applied_by, Some(AppliedBy::Baseline), "{}", m.version);
        assert_eq!(m.execution_ms, None, "{}: it never ran", m.version);
    }
    assert!(status.to_string().contains("baseline"), "{status}");
    let later = runner.run(&mut adopted_client).unwrap();
    assert!(later.applied.is_empty() && !later.locked);

    // Adopted at an earlier version: up applies the rest.
    let partly = TestDb::new("pgstrata_seed_neuro_partly");
    let mut partly_client = partly.connect();
    let adopted_count = 10;
    apply_by_hand(&mut partly_client, migrations, adopted_count);
    let baseline = runner
        .baseline(
            &mut partly_client,
            Target::Version(every[adopted_count - 1]),
        )
        .unwrap();
    assert_eq!(baseline.baselined, every[..adopted_count]);
    let rest = runner.up(&mut partly_client, Target::Latest).unwrap();
    assert_eq!(versions(&rest.applied), every[adopted_count..]);
    let by: Vec<Option<AppliedBy>> = runner
        .status(&mut partly_client)
        .unwrap()
        .migrations
        .iter()
        .map(|m| m.applied_by)
        .collect();
    let mut expected_by = vec![Some(AppliedBy::Baseline); adopted_count];
    expected_by.resize(every.len(), Some(AppliedBy::Run));
    assert_eq!(by, expected_by);
    assert_eq!(schema(&partly), head);

    // A new migration fails at its second statement, outside a transaction.
    client
        .batch_execute(
            "INSERT INTO threads (thread_id, title, creation_date, update_date, user_id) \
             VALUES ('3f0b6a4c-2d1e-4c8a-9b7f-1a2b3c4d5e6f', 'Spikes', now(), now(), gen_random_uuid());
             INSERT INTO messages (thread_id, entity, content, creation_date) VALUES
             ('3f0b6a4c-2d1e-4c8a-9b7f-1a2b3c4d5e6f', 'USER', 'again', now()),
             ('3f0b6a4c-2d1e-4c8a-9b7f-1a2b3c4d5e6f', 'USER', 'again', now())",
        )
        .unwrap();
    let dir = TempDir::new("seed-neuro-broken");
    copy_fixture("reversible/neuroagent", &dir);
    dir.write(format!("{THREAD_LOOKUPS_FILE}.up.sql"), THREAD_LOOKUPS);
    dir.write(
        format!("{THREAD_LOOKUPS_FILE}.down.sql"),
        THREAD_LOOKUPS_DOWN,
    );
    let broken = migrations_of(dir.path(), "migrations");
    let new = broken.last().unwrap();
    assert_eq!(new.transaction, TransactionMode::NonTransactional);
    let error = Runner::new(broken)
        .history_schema(HISTORY_SCHEMA)
        .up(&mut client, Target::Latest)
        .unwrap_err();
    match &error {
        Error::MigrationFailed {
            version,
            statement: Some(statement),
            reverting: false,
            ..
        } => {
            assert_eq!((*version, statement.number), (new.version, 2), "{error}");
        }
        other => panic!("expected the failure of statement 2: {other}"),
    }
    assert_eq!(error.sqlstate(), Some("23505"), "{error}");
    let status = Runner::new(broken)
        .history_schema(HISTORY_SCHEMA)
        .status(&mut client)
        .unwrap();
    match &status.migrations.last().unwrap().state {
        MigrationState::Failed {
            statement: 2,
            error: Some(recorded),
        } => assert!(recorded.contains("statement 2"), "{recorded}"),
        other => panic!("expected failed at statement 2: {other:?}"),
    }
    // A failed migration is not reverted by its down file: it is not applied.
    let refused = Runner::new(broken)
        .history_schema(HISTORY_SCHEMA)
        .down(&mut client, Target::Back(1))
        .unwrap_err();
    assert!(
        matches!(refused, Error::FailedInRange { version, .. } if version == new.version),
        "{refused}"
    );

    // Fixed, undone by hand (statement 1's index, and the invalid index statement 2
    // left), and resolved as rolled back (`prisma migrate resolve --rolled-back`).
    dir.write(
        format!("{THREAD_LOOKUPS_FILE}.up.sql"),
        THREAD_LOOKUPS_FIXED,
    );
    let fixed = migrations_of(dir.path(), "migrations");
    let fixed_runner = Runner::new(fixed).history_schema(HISTORY_SCHEMA);
    for index in ["ix_messages_thread_content", "ix_messages_thread_created"] {
        client
            .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"))
            .unwrap();
    }
    assert_eq!(schema(&deployed), head, "undone by hand");
    let resolved = fixed_runner
        .resolve(&mut client, new.version, Resolution::RolledBack)
        .unwrap();
    assert_eq!(
        (resolved.version, resolved.resolution),
        (new.version, Resolution::RolledBack)
    );
    let status = fixed_runner.status(&mut client).unwrap();
    assert_eq!(
        status.migrations.last().unwrap().state,
        MigrationState::Pending
    );
    assert_eq!(status.pending(), 1);
    let deploy = fixed_runner.up(&mut client, Target::Latest).unwrap();
    assert_eq!(versions(&deploy.applied), [new.version]);
    assert_eq!(deploy.applied[0].resumed_from, None, "run afresh");
    assert!(fixed_runner.status(&mut client).unwrap().is_up_to_date());

    // Rolled back by its down file: the schema before its up.
    let down = fixed_runner.down(&mut client, Target::Back(1)).unwrap();
    assert_eq!(versions(&down.reverted), [new.version]);
    assert!(down.reverted[0].path.ends_with(".down.sql"));
    assert_eq!(
        down.reverted[0].transaction,
        TransactionMode::NonTransactional
    );
    assert_eq!(schema(&deployed), head);

    // And the seed's own last migration, cd5a73ea91db, by its down file: the schema
    // of a database migrated to the one before it.
    let previous = TestDb::new("pgstrata_seed_neuro_previous");
    let before_last = every[every.len() - 2];
    runner
        .up(&mut previous.connect(), Target::Version(before_last))
        .unwrap();
    let down = runner.down(&mut client, Target::Back(1)).unwrap();
    assert_eq!(versions(&down.reverted), [*every.last().unwrap()]);
    let status = runner.status(&mut client).unwrap();
    assert_eq!(status.current(), Some(before_last));
    assert_eq!(status.pending(), 1);
    assert_eq!(
        schema(&deployed),
        schema(&previous),
        "{}",
        difference(&schema(&previous), &schema(&deployed))
    );
}

#[test]
fn live_conversational_threads_moves_up_and_down_like_alembic() {
    let migrations = reversible("live_conversational_threads");
    let every = all_versions(migrations);
    let runner = runner(migrations);
    let db = TestDb::new("pgstrata_seed_lct");
    let mut client = db.connect();
    let empty = schema(&db);

    // alembic upgrade head
    let up = runner.up(&mut client, Target::Latest).unwrap();
    assert_eq!(versions(&up.applied), every);
    assert_eq!(
        runner.status(&mut client).unwrap().current(),
        every.last().copied()
    );
    let head = schema(&db);

    // alembic downgrade base: only the (empty) history table is left.
    let down = runner.down(&mut client, Target::Base).unwrap();
    let mut reversed = every.clone();
    reversed.reverse();
    assert_eq!(versions(&down.reverted), reversed);
    assert_eq!(relations(&mut client), [HISTORY_TABLE]);
    let count: i64 = client
        .query_one(&format!("SELECT count(*) FROM {HISTORY_TABLE}"), &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 0);
    assert_eq!(schema(&db), empty, "{}", difference(&empty, &schema(&db)));
    let status = runner.status(&mut client).unwrap();
    assert!(status.history_exists);
    assert_eq!((status.current(), status.pending()), (None, every.len()));

    // alembic upgrade +1, twice; alembic current.
    let first = runner.up(&mut client, Target::Forward(1)).unwrap();
    assert_eq!(versions(&first.applied), [every[0]]);
    let after_first = schema(&db);
    assert_eq!(
        runner.status(&mut client).unwrap().current(),
        Some(every[0])
    );
    let second = runner.up(&mut client, Target::Forward(1)).unwrap();
    assert_eq!(versions(&second.applied), [every[1]]);
    let status = runner.status(&mut client).unwrap();
    assert_eq!(status.current(), Some(every[1]));
    assert_eq!(
        states(&status),
        [
            (every[0], MigrationState::Applied),
            (every[1], MigrationState::Applied),
            (every[2], MigrationState::Pending),
            (every[3], MigrationState::Pending),
        ]
    );

    // alembic downgrade -1; alembic history.
    let back = runner.down(&mut client, Target::Back(1)).unwrap();
    assert_eq!(versions(&back.reverted), [every[1]]);
    assert_eq!(
        runner.status(&mut client).unwrap().current(),
        Some(every[0])
    );
    assert_eq!(schema(&db), after_first);
    let history = runner.history(&mut client).unwrap();
    assert_eq!(history.len(), 1);
    let record = &history[0];
    assert_eq!(
        (
            record.version,
            record.name.as_str(),
            record.checksum.as_str(),
            record.success,
            record.applied_by
        ),
        (
            migrations[0].version,
            migrations[0].name,
            migrations[0].checksum,
            true,
            AppliedBy::Run
        )
    );

    // And up to head again: the same schema as the first time.
    let rest = runner.up(&mut client, Target::Latest).unwrap();
    assert_eq!(versions(&rest.applied), every[1..]);
    assert_eq!(schema(&db), head);

    // alembic downgrade <revision>: that revision stays applied.
    let to_first = runner.down(&mut client, Target::Version(every[0])).unwrap();
    assert_eq!(versions(&to_first.reverted), reversed[..every.len() - 1]);
    assert_eq!(
        runner.status(&mut client).unwrap().current(),
        Some(every[0])
    );
    assert_eq!(schema(&db), after_first);
}

#[test]
fn live_conversational_threads_offline_script_builds_what_up_builds() {
    let migrations = reversible("live_conversational_threads");
    let runner = runner(migrations);

    // alembic upgrade head --sql, run by a DBA with psql.
    let script = runner.script(Target::Base, Target::Latest).unwrap();
    let scripted = TestDb::new("pgstrata_seed_lct_script");
    psql_file(&scripted, &script);
    let ran = TestDb::new("pgstrata_seed_lct_up");
    runner.up(&mut ran.connect(), Target::Latest).unwrap();

    assert_eq!(
        schema(&scripted),
        schema(&ran),
        "{}",
        difference(&schema(&ran), &schema(&scripted))
    );
    let history_table =
        |db: &TestDb| db.dump(&["--schema-only", "--no-owner", "--schema", HISTORY_SCHEMA]);
    assert_eq!(history_table(&scripted), history_table(&ran));
    let scripted_rows = history_rows(&runner, &mut scripted.connect());
    assert_eq!(scripted_rows, history_rows(&runner, &mut ran.connect()));
    assert_eq!(scripted_rows.len(), migrations.len());
    let status = runner.status(&mut scripted.connect()).unwrap();
    assert!(status.is_up_to_date(), "{status}");

    // The script's schema alone, restored elsewhere, then alembic stamp head.
    let stamped = TestDb::new("pgstrata_seed_lct_stamp");
    psql_file(&stamped, &restorable_schema(&scripted));
    let mut client = stamped.connect();
    // Not the dumps line for line: a restored `col IN ('a', 'b')` on a varchar column
    // prints its array differently from the one the up file created (PostgreSQL's
    // deparse does not round-trip), though it is the same constraint.
    assert_eq!(
        schema_objects(&mut client),
        schema_objects(&mut ran.connect())
    );
    let baseline = runner.baseline(&mut client, Target::Latest).unwrap();
    assert_eq!(baseline.baselined, all_versions(migrations));
    let status = runner.status(&mut client).unwrap();
    assert!(status.is_up_to_date(), "{status}");
    assert!(status
        .migrations
        .iter()
        .all(|m| m.applied_by == Some(AppliedBy::Baseline)));
    let later = runner.up(&mut client, Target::Latest).unwrap();
    assert!(later.applied.is_empty() && !later.locked);
    // alembic downgrade base --sql: the way back, by the same script machinery.
    let empty = schema(&TestDb::new("pgstrata_seed_lct_empty"));
    let back = runner.script(Target::Latest, Target::Base).unwrap();
    psql_file(&scripted, &back);
    assert_eq!(
        schema(&scripted),
        empty,
        "{}",
        difference(&empty, &schema(&scripted))
    );
    assert!(runner.history(&mut scripted.connect()).unwrap().is_empty());
}

/// The offline script and `up` build the same schema and the same history rows, for
/// every seed; and the script back down empties both.
#[test]
fn every_seed_s_offline_script_matches_up_both_ways() {
    for seed in SEEDS {
        let migrations = reversible(seed);
        let runner = runner(migrations);
        let scripted = TestDb::new("pgstrata_seed_script");
        psql_file(
            &scripted,
            &runner.script(Target::Base, Target::Latest).unwrap(),
        );
        let ran = TestDb::new("pgstrata_seed_script_up");
        runner.up(&mut ran.connect(), Target::Latest).unwrap();
        assert_eq!(
            schema(&scripted),
            schema(&ran),
            "{seed}: {}",
            difference(&schema(&ran), &schema(&scripted))
        );
        assert_eq!(
            history_rows(&runner, &mut scripted.connect()),
            history_rows(&runner, &mut ran.connect()),
            "{seed}"
        );

        // Down by script on one, by the runner on the other.
        psql_file(
            &scripted,
            &runner.script(Target::Latest, Target::Base).unwrap(),
        );
        runner.down(&mut ran.connect(), Target::Base).unwrap();
        assert_eq!(schema(&scripted), schema(&ran), "{seed}");
        assert!(runner.history(&mut scripted.connect()).unwrap().is_empty());
    }
}

#[test]
fn chat_upgrades_downgrades_and_upgrades_again() {
    let migrations = reversible("chat");
    let every = all_versions(migrations);
    let runner = runner(migrations);
    let db = TestDb::new("pgstrata_seed_chat");
    let mut client = db.connect();

    // alembic upgrade head; alembic downgrade -1; alembic upgrade head
    let up = runner.up(&mut client, Target::Latest).unwrap();
    assert_eq!(versions(&up.applied), every);
    let head = schema(&db);
    let down = runner.down(&mut client, Target::Back(1)).unwrap();
    assert_eq!(versions(&down.reverted), [every[2]]);
    for (table, present) in [
        ("accounts", true),
        ("users", true),
        ("agents", true),
        ("chats", false),
        ("chat_messages", false),
    ] {
        assert_eq!(exists(&mut client, table), present, "{table}");
    }
    assert_eq!(
        runner.status(&mut client).unwrap().current(),
        Some(every[1])
    );
    let again = runner.up(&mut client, Target::Latest).unwrap();
    assert_eq!(versions(&again.applied), [every[2]]);
    assert_eq!(schema(&db), head);
    assert!(runner.status(&mut client).unwrap().is_up_to_date());

    // The guide's foreign keys: table, column, referenced table, ON DELETE CASCADE.
    let foreign_keys: Vec<(String, String, String, String)> = client
        .query(
            "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, \
                    c.confdeltype::text \
             FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.contype = 'f' \
               AND c.conrelid IN ('chats'::regclass, 'chat_messages'::regclass) \
             ORDER BY 1, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let key = |table: &str, column: &str, target: &str| {
        (
            table.to_string(),
            column.to_string(),
            target.to_string(),
            "c".to_string(),
        )
    };
    assert_eq!(
        foreign_keys,
        [
            key("chat_messages", "chat_id", "chats"),
            key("chats", "account_id", "accounts"),
            key("chats", "agent_id", "agents"),
            key("chats", "user_id", "users"),
        ]
    );
    let indexes: Vec<String> = client
        .query(
            "SELECT indexname::text FROM pg_indexes \
             WHERE tablename IN ('chats', 'chat_messages') AND indexname LIKE 'ix_%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        indexes,
        [
            "ix_chat_messages_chat_id",
            "ix_chats_account_id",
            "ix_chats_agent_id",
            "ix_chats_user_id"
        ]
    );

    // The cascade the guide promises: deleting an agent deletes its chats and their
    // messages.
    for row in rows::CHAT_TABLES.rows {
        insert(&mut client, row);
    }
    let count = |client: &mut Client, table: &str| -> i64 {
        client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .unwrap()
            .get(0)
    };
    assert!(count(&mut client, "chat_messages") > 0);
    client.batch_execute("DELETE FROM agents").unwrap();
    assert_eq!(count(&mut client, "chats"), 0);
    assert_eq!(count(&mut client, "chat_messages"), 0);
}

#[test]
fn agent_prompt_train_status_names_what_is_applied_pending_and_failed() {
    let migrations = reversible("agent_prompt_train");
    let every = all_versions(migrations);
    let runner = runner(migrations);
    let online = migrations
        .iter()
        .position(|m| m.transaction == TransactionMode::NonTransactional)
        .expect("009 builds its index outside a transaction");
    let online_version = every[online];
    let db = TestDb::new("pgstrata_seed_apt");
    let mut client = db.connect();

    // The scripts before the online one were run.
    let first = runner
        .up(&mut client, Target::Version(every[online - 1]))
        .unwrap();
    assert_eq!(versions(&first.applied), every[..online]);

    // A session holding api_requests keeps CREATE INDEX CONCURRENTLY waiting past the
    // runner session's lock_timeout: the online migration fails at its statement 1.
    let mut blocker = db.connect();
    blocker
        .batch_execute("BEGIN; LOCK TABLE api_requests IN SHARE MODE")
        .unwrap();
    client.batch_execute("SET lock_timeout = '300ms'").unwrap();
    let error = runner.up(&mut client, Target::Latest).unwrap_err();
    match &error {
        Error::MigrationFailed {
            version,
            statement: Some(statement),
            transaction: TransactionMode::NonTransactional,
            reverting: false,
            ..
        } => assert_eq!((*version, statement.number), (online_version, 1), "{error}"),
        other => panic!("expected the online migration to fail: {other}"),
    }
    assert_eq!(
        error.sqlstate(),
        Some("55P03"),
        "lock_not_available: {error}"
    );
    blocker.batch_execute("ROLLBACK").unwrap();

    let mut observer = db.connect();
    let status = runner.status(&mut observer).unwrap();
    let mut expected = Vec::new();
    for (position, &version) in every.iter().enumerate() {
        let state = match position.cmp(&online) {
            std::cmp::Ordering::Less => "applied",
            std::cmp::Ordering::Equal => "failed",
            std::cmp::Ordering::Greater => "pending",
        };
        expected.push((version, state));
    }
    let labels: Vec<(i64, &str)> = states_by(&status)
        .into_iter()
        .map(|(version, label, _)| (version, label))
        .collect();
    assert_eq!(labels, expected);
    match &status.migrations[online].state {
        MigrationState::Failed {
            statement: 1,
            error: Some(recorded),
        } => assert!(recorded.contains("lock timeout"), "{recorded}"),
        other => panic!("expected failed at statement 1: {other:?}"),
    }
    assert_eq!(status.current(), Some(every[online - 1]));
    assert_eq!(status.pending(), every.len() - online - 1);
    assert!(!status.is_up_to_date() && status.has_problems());
    let text = status.to_string();
    assert!(text.contains("failed at statement 1"), "{text}");
    let record = runner
        .history(&mut observer)
        .unwrap()
        .into_iter()
        .find(|r| r.version == online_version)
        .unwrap();
    assert_eq!(
        (record.success, record.transactional, record.statements_done),
        (false, false, 0)
    );
    let invalid: i64 = observer
        .query_one("SELECT count(*) FROM pg_index WHERE NOT indisvalid", &[])
        .unwrap()
        .get(0);
    assert_eq!(invalid, 0, "the index build never started");
    // Nothing applied after it can be reverted while it is failed.
    let refused = runner.down(&mut observer, Target::Back(1)).unwrap_err();
    assert_eq!(refused.version(), Some(online_version), "{refused}");

    // The next run starts the failed one again and applies the rest.
    let rest = runner.up(&mut observer, Target::Latest).unwrap();
    assert_eq!(versions(&rest.applied), every[online..]);
    assert!(runner.status(&mut observer).unwrap().is_up_to_date());
}
