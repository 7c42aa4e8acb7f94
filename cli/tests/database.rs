//! The database commands, run as the built binary against a fresh database each:
//! their output, JSON and exit codes; the offline script against `up`; one history
//! shared with an application built with `migrations!`; refusals; and that a password
//! never shows.

use pgstrata_testkit::{TempDir, TestDb};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An application's migrations, embedded by the macro over the fixture the command
/// reads too.
mod app {
    pgstrata::migrations!("tests/fixtures/reversible");
}

const FIXTURE: &str = "cli/tests/fixtures/reversible";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `pgstrata args...` from the workspace root with `DATABASE_URL` set to `url`
/// (or unset).
fn pgstrata(url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pgstrata"));
    command
        .current_dir(root())
        .args(args)
        .env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run pgstrata")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The exit code, with the output in the message when it is not `expected`.
fn assert_exit(output: &Output, expected: i32) {
    assert_eq!(
        output.status.code(),
        Some(expected),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(output)))
}

/// `(version, name, checksum, transactional, success, applied_by)` of each history row.
fn history_rows(db: &TestDb) -> Vec<(i64, String, String, bool, bool, String)> {
    db.connect()
        .query(
            "SELECT version, name, checksum, transactional, success, applied_by \
             FROM public.pgstrata_schema_history ORDER BY version",
            &[],
        )
        .expect("read the history table")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

fn versions(report: &Value, key: &str) -> Vec<i64> {
    report[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in {report}"))
        .iter()
        .map(|m| m["version"].as_i64().unwrap())
        .collect()
}

#[test]
fn status_up_and_history_on_the_repos_migrations() {
    let db = TestDb::new("cli_status");
    let url = db.url();
    let status = pgstrata(Some(&url), &["status"]);
    assert_exit(&status, 3);
    assert!(
        stdout(&status).ends_with("5 pending (nothing applied): `pgstrata up` applies them\n"),
        "{}",
        stdout(&status)
    );

    let up = pgstrata(Some(&url), &["up", "--steps", "1", "--json"]);
    assert_exit(&up, 0);
    let report = json(&up);
    assert_eq!(versions(&report, "applied"), [1]);
    assert_eq!(
        report["applied"][0]["path"],
        "migrations/V1__threads_and_messages.sql"
    );
    assert_eq!(report["locked"], true);

    let status = json(&pgstrata(Some(&url), &["status", "--json"]));
    assert_eq!(
        (
            &status["current"],
            &status["pending"],
            &status["up_to_date"]
        ),
        (&Value::from(1), &Value::from(4), &Value::from(false))
    );
    assert_eq!(status["migrations"][0]["state"], "applied");
    assert_eq!(status["migrations"][0]["applied_by"], "run");
    assert_eq!(status["migrations"][1]["state"], "pending");

    let up = pgstrata(Some(&url), &["up", "--to", "4"]);
    assert_exit(&up, 0);
    assert!(
        stdout(&up).contains("Applied 4 message_search"),
        "{}",
        stdout(&up)
    );
    let up = pgstrata(Some(&url), &["up"]);
    assert_exit(&up, 0);
    assert!(
        stdout(&up)
            .contains("Applied 5 message_thread_index (migrations/V5__message_thread_index.sql, ")
            && stdout(&up).contains("statement by statement"),
        "{}",
        stdout(&up)
    );
    let status = pgstrata(Some(&url), &["status"]);
    assert_exit(&status, 0);
    assert!(
        stdout(&status).ends_with("Up to date (at version 5)\n"),
        "{}",
        stdout(&status)
    );
    let again = pgstrata(Some(&url), &["up", "--json"]);
    assert_exit(&again, 0);
    assert_eq!(versions(&json(&again), "applied"), Vec::<i64>::new());

    let history = json(&pgstrata(Some(&url), &["history", "--json"]));
    assert_eq!(history["current"], 5);
    let records = history["records"].as_array().unwrap();
    assert_eq!(records.len(), 5);
    assert_eq!(records[4]["name"], "message_thread_index");
    assert_eq!(records[4]["transactional"], false);
    assert_eq!(records[4]["success"], true);
    let text = pgstrata(Some(&url), &["history"]);
    assert_exit(&text, 0);
    assert!(
        stdout(&text).ends_with("Current version: 5\n"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn down_by_steps_and_to_base_and_up_again() {
    let db = TestDb::new("cli_down");
    let url = db.url();
    assert_exit(&pgstrata(Some(&url), &["up", FIXTURE]), 0);

    let down = pgstrata(Some(&url), &["down", FIXTURE, "--steps", "1", "--json"]);
    assert_exit(&down, 0);
    let report = json(&down);
    assert_eq!(versions(&report, "reverted"), [3]);
    assert_eq!(
        report["reverted"][0]["path"],
        format!("{FIXTURE}/0003_orders_by_account.down.sql")
    );
    let status = pgstrata(Some(&url), &["status", FIXTURE]);
    assert_exit(&status, 3);

    let down = pgstrata(Some(&url), &["down", FIXTURE, "--to", "base"]);
    assert_exit(&down, 0);
    assert_eq!(
        stdout(&down)
            .lines()
            .filter(|l| l.starts_with("Reverted"))
            .map(|l| l.split(' ').nth(1).unwrap())
            .collect::<Vec<_>>(),
        ["2", "1"]
    );
    assert!(history_rows(&db).is_empty());
    let tables: i64 = db
        .connect()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('accounts', 'orders')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);

    // `down` refuses to guess how far.
    let unguessed = pgstrata(Some(&url), &["down", FIXTURE]);
    assert_exit(&unguessed, 2);
    assert!(
        stderr(&unguessed).contains("--to"),
        "{}",
        stderr(&unguessed)
    );
    // Up to a version, then down to one: that version stays.
    assert_exit(&pgstrata(Some(&url), &["up", FIXTURE, "--to", "2"]), 0);
    assert_exit(&pgstrata(Some(&url), &["down", FIXTURE, "--to", "1"]), 0);
    let rows: Vec<i64> = history_rows(&db).into_iter().map(|r| r.0).collect();
    assert_eq!(rows, [1]);
}

/// `psql`, of the server's own major version where Debian keeps it out of PATH.
fn psql_binary() -> PathBuf {
    std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/psql"))
        .filter(|p| p.is_file())
        .max()
        .unwrap_or_else(|| "psql".into())
}

fn psql_file(db: &TestDb, file: &Path) {
    let output = Command::new(psql_binary())
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(db.url())
        .arg("-f")
        .arg(file)
        .output()
        .expect("run psql");
    assert!(output.status.success(), "psql: {}", stderr(&output));
}

#[test]
fn the_offline_script_through_psql_records_what_up_records() {
    for dir in ["migrations", FIXTURE] {
        let by_up = TestDb::new("cli_sql_up");
        assert_exit(&pgstrata(Some(&by_up.url()), &["up", dir]), 0);

        let by_script = TestDb::new("cli_sql_psql");
        // No database: the script needs none.
        let script = pgstrata(None, &["sql", dir]);
        assert_exit(&script, 0);
        let temp = TempDir::new("cli-sql");
        temp.write("up.sql", &script.stdout);
        psql_file(&by_script, &temp.path().join("up.sql"));

        let without_times = |db: &TestDb| history_rows(db);
        assert_eq!(without_times(&by_script), without_times(&by_up), "{dir}");
        assert_eq!(
            by_script.dump(&["--schema-only"]),
            by_up.dump(&["--schema-only"]),
            "{dir}"
        );
        assert_exit(&pgstrata(Some(&by_script.url()), &["status", dir]), 0);
    }
    // Part of the way, and back down.
    let db = TestDb::new("cli_sql_steps");
    let temp = TempDir::new("cli-sql");
    for (file, args) in [
        ("to2.sql", &["sql", FIXTURE, "--to", "2"][..]),
        ("to3.sql", &["sql", FIXTURE, "--from", "2", "--to", "+1"]),
        ("back.sql", &["sql", FIXTURE, "--from", "3", "--to", "-2"]),
    ] {
        let script = pgstrata(None, args);
        assert_exit(&script, 0);
        temp.write(file, &script.stdout);
        psql_file(&db, &temp.path().join(file));
    }
    let rows: Vec<i64> = history_rows(&db).into_iter().map(|r| r.0).collect();
    assert_eq!(rows, [1]);
    assert_exit(&pgstrata(Some(&db.url()), &["status", FIXTURE]), 3);
}

#[test]
fn the_command_and_an_application_share_one_history() {
    // The command applies; the application's runner finds nothing to do.
    let db = TestDb::new("cli_shared");
    assert_exit(&pgstrata(Some(&db.url()), &["up", FIXTURE]), 0);
    let mut client = db.connect();
    let status = app::runner().status(&mut client).unwrap();
    assert!(status.is_up_to_date(), "{status}");
    let report = app::runner().run(&mut client).unwrap();
    assert!(report.applied.is_empty());
    let by_command = history_rows(&db);

    // The application applies; the command finds nothing to do.
    let db = TestDb::new("cli_shared");
    let mut client = db.connect();
    let report = app::runner().run(&mut client).unwrap();
    assert_eq!(report.applied.len(), 3);
    assert_exit(&pgstrata(Some(&db.url()), &["status", FIXTURE]), 0);
    let up = pgstrata(Some(&db.url()), &["up", FIXTURE, "--json"]);
    assert_exit(&up, 0);
    assert_eq!(versions(&json(&up), "applied"), Vec::<i64>::new());
    assert_eq!(history_rows(&db), by_command);
    // The checksums are the embedded ones.
    let embedded: Vec<&str> = app::MIGRATIONS.iter().map(|m| m.checksum).collect();
    let recorded: Vec<String> = by_command.into_iter().map(|r| r.2).collect();
    assert_eq!(recorded, embedded);
    // And the application reverts what the command applied, with the same down files.
    let down = app::runner()
        .down(&mut client, pgstrata::Target::Base)
        .unwrap();
    assert_eq!(down.reverted.len(), 3);
    assert_exit(&pgstrata(Some(&db.url()), &["status", FIXTURE]), 3);
}

/// The fixture, copied to a directory the test may change.
fn fixture_copy() -> TempDir {
    let temp = TempDir::new("cli-db");
    for entry in std::fs::read_dir(root().join(FIXTURE)).unwrap() {
        let entry = entry.unwrap();
        temp.write(entry.file_name(), std::fs::read(entry.path()).unwrap());
    }
    temp
}

#[test]
fn errors_in_the_files_refuse_up_and_status_still_shows_the_database() {
    let db = TestDb::new("cli_refuse");
    let url = db.url();
    let temp = fixture_copy();
    let dir = temp.path().to_str().unwrap().to_string();
    temp.write(
        "0004_bad.up.sql",
        "CREATE TABLE payments (id bigint PRIMARY KEY);\n",
    );
    temp.write("0004_bad.down.sql", "DROP TABLE IF EXISTS payments;\n");

    let check = pgstrata(None, &["check", &dir]);
    assert_exit(&check, 1);
    for command in ["up", "baseline"] {
        let refused = pgstrata(Some(&url), &[command, &dir]);
        assert_exit(&refused, 1);
        // The diagnostics exactly as `check` prints them.
        assert_eq!(stdout(&refused), stdout(&check));
        assert!(
            stderr(&refused).contains("1 error in 4 migrations: nothing was done"),
            "{}",
            stderr(&refused)
        );
    }
    let refused = pgstrata(None, &["sql", &dir]);
    assert_exit(&refused, 1);
    assert_eq!(stdout(&refused), "");
    // Nothing ran: the history table does not exist.
    let exists: bool = db
        .connect()
        .query_one(
            "SELECT to_regclass('public.pgstrata_schema_history') IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!exists);

    let status = pgstrata(Some(&url), &["status", &dir]);
    assert_exit(&status, 1);
    assert!(stdout(&status).starts_with(&stdout(&check)));
    assert!(
        stdout(&status).contains("4 pending (nothing applied)"),
        "{}",
        stdout(&status)
    );
}

#[test]
fn baseline_resolve_and_a_divergent_file() {
    let db = TestDb::new("cli_resolve");
    let url = db.url();
    let temp = fixture_copy();
    let dir = temp.path().to_str().unwrap().to_string();

    let baseline = pgstrata(Some(&url), &["baseline", &dir, "--to", "2", "--json"]);
    assert_exit(&baseline, 0);
    assert_eq!(json(&baseline)["baselined"], serde_json::json!([1, 2]));
    let rows = history_rows(&db);
    assert_eq!(
        rows.iter().map(|r| (r.0, r.5.as_str())).collect::<Vec<_>>(),
        [(1, "baseline"), (2, "baseline")]
    );
    // Recorded, not run: the tables do not exist, and the next migration is pending.
    assert_exit(&pgstrata(Some(&url), &["status", &dir]), 3);
    db.connect()
        .batch_execute(
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);
             CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, total numeric NOT NULL DEFAULT 0);",
        )
        .unwrap();
    assert_exit(&pgstrata(Some(&url), &["up", &dir]), 0);

    // A file changed after it was applied: divergent, exit 1, until accepted.
    temp.write(
        "0002_orders.up.sql",
        "CREATE TABLE IF NOT EXISTS orders (\n    id bigint PRIMARY KEY,\n    account_id bigint NOT NULL REFERENCES accounts (id),\n    total numeric NOT NULL DEFAULT 0,\n    note text\n);\n",
    );
    let status = pgstrata(Some(&url), &["status", &dir, "--json"]);
    assert_exit(&status, 1);
    let status = json(&status);
    assert_eq!(status["migrations"][1]["state"], "divergent");
    let old = rows[1].2.clone();
    assert_eq!(status["migrations"][1]["applied_checksum"], old.as_str());
    assert_exit(&pgstrata(Some(&url), &["up", &dir]), 1);
    let resolved = pgstrata(
        Some(&url),
        &["resolve", &dir, "2", "--accept-checksum", "--json"],
    );
    assert_exit(&resolved, 0);
    let resolved = json(&resolved);
    assert_eq!(resolved["resolution"], "accept_checksum");
    assert_eq!(resolved["previous_checksum"], old.as_str());
    assert_ne!(resolved["checksum"], old.as_str());
    assert_exit(&pgstrata(Some(&url), &["status", &dir]), 0);
    let history = json(&pgstrata(Some(&url), &["history", &dir, "--json"]));
    assert_eq!(history["records"][1]["previous_checksum"], old.as_str());

    // Resolving what needs no resolving is refused, and one of the three is required.
    let refused = pgstrata(Some(&url), &["resolve", &dir, "3", "--rolled-back"]);
    assert_exit(&refused, 1);
    assert_eq!(
        stderr(&refused),
        "error: cannot resolve migration 3: it is applied, not failed; to revert it, use down\n"
    );
    assert_exit(&pgstrata(Some(&url), &["resolve", &dir, "3"]), 2);
}

#[test]
fn a_failed_statement_by_statement_migration_is_resolved_as_rolled_back() {
    let db = TestDb::new("cli_failed");
    let url = db.url();
    let temp = fixture_copy();
    let dir = temp.path().to_str().unwrap().to_string();
    temp.write(
        "0004_backfill.up.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total ON orders (total);\n\
         SELECT 1 / (SELECT count(*) FROM accounts);\n",
    );
    let up = pgstrata(Some(&url), &["up", &dir]);
    assert_exit(&up, 1);
    assert!(stderr(&up).contains("division by zero"), "{}", stderr(&up));
    let status = pgstrata(Some(&url), &["status", &dir, "--json"]);
    assert_exit(&status, 1);
    let failed = &json(&status)["migrations"][3];
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["statement"], 2);
    // Undone by hand, then resolved: the next `up` runs it afresh.
    db.connect()
        .batch_execute("DROP INDEX orders_total; INSERT INTO accounts VALUES (1, 'a@example.com')")
        .unwrap();
    let resolved = pgstrata(Some(&url), &["resolve", &dir, "4", "--rolled-back"]);
    assert_exit(&resolved, 0);
    assert_exit(&pgstrata(Some(&url), &["status", &dir]), 3);
    assert_exit(&pgstrata(Some(&url), &["up", &dir]), 0);
    assert_exit(&pgstrata(Some(&url), &["status", &dir]), 0);
}

#[test]
fn new_and_usage_errors_need_no_database() {
    let temp = fixture_copy();
    let dir = temp.path().to_str().unwrap().to_string();
    let new = pgstrata(None, &["new", &dir, "add_refunds"]);
    assert_exit(&new, 0);
    assert_eq!(
        stdout(&new),
        format!("{dir}/0004_add_refunds.up.sql\n{dir}/0004_add_refunds.down.sql\n")
    );
    let bad = pgstrata(None, &["new", &dir, "add refunds"]);
    assert_exit(&bad, 2);
    assert!(stderr(&bad).contains("a space"), "{}", stderr(&bad));
    // A target the other way is a usage error, found before connecting.
    for (args, expected) in [
        (
            &["up", FIXTURE, "--to", "base"][..],
            "`base` and `-N` are for `down`",
        ),
        (
            &["down", FIXTURE, "--to", "latest"],
            "`latest` and `+N` are for `up`",
        ),
        (
            &["down", FIXTURE, "--steps", "0"],
            "--steps must be at least 1",
        ),
        (&["sql", FIXTURE, "--to", "abc"], "`abc` is not a target"),
    ] {
        let output = pgstrata(None, args);
        assert_exit(&output, 2);
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // A database command without a database says how to give one.
    let no_database = pgstrata(None, &["status", FIXTURE]);
    assert_exit(&no_database, 2);
    assert_eq!(
        stderr(&no_database),
        "error: no database: pass --database-url URL or set DATABASE_URL\n"
    );
}

/// Every way to give a password, each to a server that refuses the connection: the
/// password appears in neither stdout nor stderr.
#[test]
fn a_password_never_appears_in_any_output() {
    let server = pgstrata_testkit::server_config();
    let host = match &server.get_hosts()[0] {
        postgres::config::Host::Tcp(host) => host.clone(),
        postgres::config::Host::Unix(path) => path.display().to_string(),
    };
    let port = server.get_ports().first().copied().unwrap_or(5432);
    let secret = "Sw0rdfish-4271";
    let encoded = "Sw0rd%66ish-4271";
    let cases: Vec<(Option<String>, Vec<String>, i32)> = vec![
        // A wrong port: nothing answers.
        (
            None,
            vec![
                "--database-url".into(),
                format!("postgres://postgres:{secret}@{host}:1/postgres"),
            ],
            2,
        ),
        // The right server, a database that does not exist.
        (
            Some(format!(
                "postgres://postgres:{encoded}@{host}:{port}/no_such_database_4271"
            )),
            vec![],
            2,
        ),
        // key=value settings, quoted.
        (
            None,
            vec![
                "--database-url".into(),
                format!("host={host} port=1 user=postgres password='{secret}' dbname=x"),
            ],
            2,
        ),
        // A URL that does not parse (a port that is not a number).
        (
            Some(format!("postgres://postgres:{secret}@{host}:port/x")),
            vec![],
            2,
        ),
        // The URL given where the directory goes.
        (
            None,
            vec![format!(
                "postgres://postgres:{secret}@{host}:{port}/postgres"
            )],
            2,
        ),
    ];
    for (env, args, code) in cases {
        for command in ["status", "up", "history"] {
            let mut all = vec![command.to_string()];
            all.extend(args.iter().cloned());
            if args.len() == 2 {
                all.push(FIXTURE.to_string());
            }
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            let output = pgstrata(env.as_deref(), &all);
            assert_exit(&output, code);
            let text = format!("{}{}", stdout(&output), stderr(&output));
            assert!(
                !text.contains(secret) && !text.contains(encoded),
                "{all:?}: {text}"
            );
            assert!(text.contains("error: "), "{all:?}: {text}");
        }
    }
    // `--help` does not show DATABASE_URL's value.
    let url = format!("postgres://postgres:{secret}@{host}:{port}/postgres");
    let help = pgstrata(Some(&url), &["up", "--help"]);
    assert_exit(&help, 0);
    assert!(
        stdout(&help).contains("[env: DATABASE_URL]"),
        "{}",
        stdout(&help)
    );
    assert!(!stdout(&help).contains(secret));
}

#[test]
fn drift_names_each_hand_change_and_its_draft_converges() {
    let db = TestDb::new("cli_drift");
    let url = db.url();
    assert_exit(&pgstrata(Some(&url), &["up"]), 0);
    let clean = pgstrata(Some(&url), &["drift"]);
    assert_exit(&clean, 0);
    assert!(stdout(&clean).contains("No drift"), "{}", stdout(&clean));

    db.connect()
        .batch_execute(
            "ALTER TABLE threads ADD COLUMN archived boolean; \
             CREATE INDEX messages_content ON messages (content); \
             ALTER TABLE messages ALTER COLUMN content DROP NOT NULL",
        )
        .unwrap();
    let drift = pgstrata(Some(&url), &["drift"]);
    assert_exit(&drift, 4);
    let text = stdout(&drift);
    for object in [
        "column public.threads.archived: extra",
        "index public.messages_content: extra",
        "column public.messages.content: nullable differs",
    ] {
        assert!(text.contains(object), "{object} in:\n{text}");
    }
    assert!(text.contains("3 difference(s)"), "{text}");
    assert!(text.contains("-- DRAFT migration"), "{text}");

    let report = json(&pgstrata(Some(&url), &["drift", "--json"]));
    assert_eq!(report["version"], 5);
    assert_eq!(report["differences"].as_array().map(Vec::len), Some(3));
    assert_eq!(report["differences"][0]["change"], "different");

    let temp = TempDir::new("pgstrata-cli-drift");
    let draft = temp.path().join("draft.sql");
    let written = pgstrata(Some(&url), &["drift", "--draft", draft.to_str().unwrap()]);
    assert_exit(&written, 4);
    psql_file(&db, &draft);
    assert_exit(&pgstrata(Some(&url), &["drift"]), 0);
}

#[test]
fn baseline_verify_records_only_the_schema_the_migrations_build() {
    let db = TestDb::new("cli_verify");
    let url = db.url();
    // The database another tool built: the first two migrations' SQL, run by hand,
    // and one table of its own.
    let mut client = db.connect();
    for file in [
        "migrations/V1__threads_and_messages.sql",
        "migrations/V2__tool_calls.sql",
    ] {
        let sql = std::fs::read_to_string(root().join(file)).unwrap();
        client.batch_execute(&sql).unwrap();
    }
    client
        .batch_execute("CREATE TABLE legacy (id int)")
        .unwrap();

    let refused = pgstrata(Some(&url), &["baseline", "--to", "2", "--verify"]);
    assert_exit(&refused, 1);
    assert!(
        stderr(&refused).contains("table public.legacy: extra in the database"),
        "{}",
        stderr(&refused)
    );
    let recorded: bool = client
        .query_one(
            "SELECT to_regclass('public.pgstrata_schema_history') IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        !recorded,
        "nothing may be recorded, not even the history table"
    );

    client.batch_execute("DROP TABLE legacy").unwrap();
    let verified = pgstrata(Some(&url), &["baseline", "--to", "2", "--verify"]);
    assert_exit(&verified, 0);
    assert!(
        stdout(&verified).contains("is the one the migrations build"),
        "{}",
        stdout(&verified)
    );
    assert_eq!(
        history_rows(&db)
            .iter()
            .map(|r| (r.0, r.5.as_str()))
            .collect::<Vec<_>>(),
        [(1, "baseline"), (2, "baseline")]
    );
    assert_exit(&pgstrata(Some(&url), &["up"]), 0);
    assert_exit(&pgstrata(Some(&url), &["drift"]), 0);
}

/// The Neuroagent seed's path, with pgstrata in Prisma's place: a database built by
/// the 14 Alembic revisions' SQL (run by psql, as Alembic's `--sql` output would be),
/// the revisions squashed into one `V1__init.sql`, the database adopted with
/// `baseline --verify`, then a new migration added and applied.
#[test]
fn the_neuroagent_database_is_adopted_through_a_squash_and_a_verified_baseline() {
    let db = TestDb::new("cli_adopt");
    let url = db.url();
    let revisions = root().join("tests/fixtures/neuroagent");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&revisions)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 14);
    for file in &files {
        psql_file(&db, file);
    }
    // Production data, which adoption must leave alone.
    db.connect()
        .batch_execute(
            "INSERT INTO threads (title, user_id, creation_date, update_date) \
             VALUES ('kept', gen_random_uuid(), now(), now())",
        )
        .unwrap();

    let adopted = TempDir::new("pgstrata-cli-adopt");
    let init = adopted.path().join("V1__init.sql");
    let squash = pgstrata(
        None,
        &[
            "squash",
            "tests/fixtures/neuroagent",
            "--out",
            init.to_str().unwrap(),
        ],
    );
    assert_exit(&squash, 0);
    let dir = adopted.path().to_str().unwrap().to_string();
    assert_exit(&pgstrata(None, &["check", &dir]), 0);

    let baseline = pgstrata(Some(&url), &["baseline", &dir, "--verify", "--json"]);
    assert_exit(&baseline, 0);
    assert_eq!(json(&baseline)["baselined"], serde_json::json!([1]));
    assert_exit(&pgstrata(Some(&url), &["drift", &dir]), 0);

    let new = pgstrata(None, &["new", &dir, "thread_rating"]);
    assert_exit(&new, 0);
    adopted.write(
        "V2__thread_rating.sql",
        "ALTER TABLE threads ADD COLUMN IF NOT EXISTS rating smallint CHECK (rating BETWEEN 1 AND 5);\n",
    );
    let up = pgstrata(Some(&url), &["up", &dir, "--json"]);
    assert_exit(&up, 0);
    assert_eq!(versions(&json(&up), "applied"), [2]);
    assert_exit(&pgstrata(Some(&url), &["status", &dir]), 0);
    assert_exit(&pgstrata(Some(&url), &["drift", &dir]), 0);
    // The data is the database's own, untouched; the new column is there, empty.
    let row = db
        .connect()
        .query_one("SELECT title, rating FROM threads", &[])
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, Option<i16>>(1)),
        ("kept".to_string(), None)
    );
}
