//! The offline script (`Runner::script`) against the runner, on the real server. For
//! the example's migrations, the seed fixtures, the resume fixture (statement by
//! statement), `tests/fixtures/psql_script` (what psql's own lexer could read wrongly:
//! backslashes, `:name`, comments, `BEGIN ATOMIC`, rules, files ending in a comment)
//! and every real-world set, the script run with
//! `psql -v ON_ERROR_STOP=1 -X -q -f` must leave the schema (`pg_dump --schema-only`,
//! history schema included) and the history rows (all but `applied_at`, and
//! `execution_ms` only as set or not) that the runner leaves:
//!
//! - up from nothing to the latest migration;
//! - up from a version in the middle (reached by the runner) to the latest;
//! - down the newest three, where they all have down files.
//!
//! And the script, like the runner, must be safe to run twice: a second run of the same
//! up script on a database it already brought up changes neither the schema nor a
//! single history row (not even `applied_at`); two runs at once must leave no invalid
//! index; and a file that psql runs differently from the runner (a `SET` that changes
//! how the rest is lexed, `RESET ALL`) must be refused by the analyzer or agree.
//!
//! The sets run in parallel threads once, for the first two tests (`outcomes`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use pgstrata::{HistoryRecord, Runner, Target};
use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::corpora::{self, migrations_dir, needs_sqlx_table, skip_line, SQLX_TABLE};
use pgstrata_testkit::{runtime_migrations, TempDir, TestDb};

use crate::corpora_apply::{first_difference, HISTORY_SCHEMA};

/// How many down files the down check runs.
const DOWN_STEPS: u32 = 3;

/// Sets checked at once: the server and pg_dump do most of the work, on two cores.
const WORKERS: usize = 3;

/// One history of migrations to check.
struct Source {
    name: String,
    dir: PathBuf,
    display: String,
    needs_sqlx_table: bool,
}

/// The example's migrations, the fixtures and the corpora
/// that are there (each missing one prints its skip line).
fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let local = |display: &str| Source {
        name: display.to_string(),
        dir: root.join(display),
        display: display.to_string(),
        needs_sqlx_table: false,
    };
    let mut sources = vec![local("migrations")];
    for fixture in [
        "neuroagent",
        "live_conversational_threads",
        "chat",
        "agent_prompt_train",
        "resume",
        "psql_script",
    ] {
        sources.push(local(&format!("tests/fixtures/{fixture}")));
    }
    for set in corpora::sets() {
        let (dir, display) = migrations_dir(&set);
        sources.push(Source {
            name: corpora::name(&set),
            dir,
            display,
            needs_sqlx_table: needs_sqlx_table(&set),
        });
    }
    sources
}

/// What was found for one source.
struct Outcome {
    name: String,
    /// The one-line summary, printed as soon as the source is done.
    summary: String,
    /// Where the script left something other than the runner.
    differences: Vec<String>,
    /// What a second run of the same up script did, when it changed something (or
    /// could not be tried).
    rerun_problem: Option<String>,
}

/// Every source, checked once for both tests.
fn outcomes() -> &'static [Outcome] {
    static OUTCOMES: OnceLock<Vec<Outcome>> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let started = Instant::now();
        let sources = sources();
        let next = AtomicUsize::new(0);
        let done = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..WORKERS.min(sources.len()) {
                scope.spawn(|| {
                    while let Some(source) = sources.get(next.fetch_add(1, Ordering::SeqCst)) {
                        let outcome = check_source(source);
                        skip_line(&outcome.summary);
                        done.lock().unwrap_or_else(|e| e.into_inner()).push(outcome);
                    }
                });
            }
        });
        let mut outcomes = done.into_inner().unwrap_or_else(|e| e.into_inner());
        outcomes.sort_by_key(|o| {
            sources
                .iter()
                .position(|s| s.name == o.name)
                .unwrap_or(usize::MAX)
        });
        skip_line(&format!(
            "offline script: {} sets checked in {:.1?}",
            outcomes.len(),
            started.elapsed()
        ));
        outcomes
    })
}

/// Runs [`check`], turning a panic (a database that cannot be created, a dump that
/// fails) into a difference of this source alone.
fn check_source(source: &Source) -> Outcome {
    let started = Instant::now();
    match catch_unwind(AssertUnwindSafe(|| check(source))) {
        Ok(outcome) => outcome,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string());
            Outcome {
                name: source.name.clone(),
                summary: format!(
                    "{}: FAILED after {:.1?}: {message}",
                    source.name,
                    started.elapsed()
                ),
                differences: vec![format!("{}: {message}", source.name)],
                rerun_problem: Some(format!("{}: not tried: {message}", source.name)),
            }
        }
    }
}

fn check(source: &Source) -> Outcome {
    let started = Instant::now();
    let name = &source.name;
    let analysis = analyze(&source.dir, &source.display, &Config::default());
    let diagnostics = analysis.diagnostics.len();
    let migrations = runtime_migrations(&analysis);
    assert!(migrations.len() >= 2, "{name}: fewer than 2 migrations");
    let runner = Runner::new(migrations).history_schema(HISTORY_SCHEMA);
    let files = TempDir::new("offline-script");
    let mut differences = Vec::new();
    let mut checked = Vec::new();
    let script = |from: Target, to: Target| {
        runner
            .script(from, to)
            .unwrap_or_else(|e| panic!("{name}: script from {from} to {to}: {e}"))
    };

    // Up from nothing: the runner on A, the script on B.
    let a = fresh_db(source);
    runner
        .up(&mut a.connect(), Target::Latest)
        .unwrap_or_else(|e| panic!("{name}: the runner: {e}"));
    let latest = State::of(&runner, &a);
    let b = fresh_db(source);
    let up_script = script(Target::Base, Target::Latest);
    let up_file = files.path().join("up.sql");
    let step = format!("up from base ({} migrations)", migrations.len());
    match psql(&b, &up_file, &up_script) {
        Ok(()) => compare(&step, &latest, &State::of(&runner, &b), &mut differences),
        Err(e) => differences.push(format!("{step}: {e}")),
    }
    checked.push("up");

    // Up from a version in the middle, reached by the runner. Then, on that database
    // (now where B is), the up script from nothing again: a second run of B's script.
    let middle = migrations[(migrations.len() - 1) / 2].version;
    let c = fresh_db(source);
    runner
        .up(&mut c.connect(), Target::Version(middle))
        .unwrap_or_else(|e| panic!("{name}: the runner up to {middle}: {e}"));
    let step = format!("up from {middle}");
    let middle_file = files.path().join("middle.sql");
    let middle_script = script(Target::Version(middle), Target::Latest);
    let rerun_problem = match psql(&c, &middle_file, &middle_script) {
        Ok(()) => {
            let after = State::of(&runner, &c);
            compare(&step, &latest, &after, &mut differences);
            rerun(&runner, &c, &up_file, &up_script, &after)
        }
        Err(e) => {
            differences.push(format!("{step}: {e}"));
            Some(format!("not tried: the first run failed ({e})"))
        }
    };
    checked.push("middle");

    // Down the newest ones, where they have down files.
    let steps = DOWN_STEPS.min(u32::try_from(migrations.len()).unwrap_or(u32::MAX));
    let newest = &migrations[migrations.len() - steps as usize..];
    let without_down: Vec<String> = newest
        .iter()
        .filter(|m| m.down.is_none())
        .map(|m| m.version.to_string())
        .collect();
    if without_down.is_empty() {
        runner
            .down(&mut a.connect(), Target::Back(steps))
            .unwrap_or_else(|e| panic!("{name}: the runner down {steps}: {e}"));
        let reverted = State::of(&runner, &a);
        let step = format!("down {steps} from latest");
        let down_file = files.path().join("down.sql");
        match psql(&b, &down_file, &script(Target::Latest, Target::Back(steps))) {
            Ok(()) => compare(&step, &reverted, &State::of(&runner, &b), &mut differences),
            Err(e) => differences.push(format!("{step}: {e}")),
        }
        checked.push("down");
    } else {
        skip_line(&format!(
            "skipped: {name}: down not checked: of the newest {steps} migrations, {} have no \
             down file",
            without_down.join(", ")
        ));
    }

    let verdict = if differences.is_empty() {
        "identical".to_string()
    } else {
        format!("DIFFERENT ({})", differences.len())
    };
    let rerun = match &rerun_problem {
        None => "second run changes nothing".to_string(),
        Some(_) => "second run CHANGES things".to_string(),
    };
    Outcome {
        name: name.clone(),
        summary: format!(
            "{name}: {} migrations ({diagnostics} diagnostics), {} ({}), {rerun}, {:.1?}",
            migrations.len(),
            verdict,
            checked.join(", "),
            started.elapsed()
        ),
        differences: differences
            .into_iter()
            .map(|d| format!("{name}: {d}"))
            .collect(),
        rerun_problem: rerun_problem.map(|p| format!("{name}: {p}")),
    }
}

/// A new database with what the source expects before its first migration.
fn fresh_db(source: &Source) -> TestDb {
    let db = TestDb::new("pgstrata_script");
    if source.needs_sqlx_table {
        db.connect()
            .batch_execute(SQLX_TABLE)
            .unwrap_or_else(|e| panic!("{}: creating the sqlx table: {e}", source.name));
    }
    db
}

/// What the runner and the script must agree on.
struct State {
    schema: Vec<String>,
    /// As read, timings included.
    history: Vec<HistoryRecord>,
}

impl State {
    fn of(runner: &Runner, db: &TestDb) -> State {
        let history = runner
            .history(&mut db.connect())
            .unwrap_or_else(|e| panic!("reading the history of {}: {e}", db.name));
        State {
            schema: db.dump(&["--schema-only", "--no-owner", "--no-privileges"]),
            history,
        }
    }

    /// The history without what differs between two runs of the same migrations: when
    /// they ran and how long they took (only whether the time was recorded).
    fn history_without_timings(&self) -> Vec<HistoryRecord> {
        self.history
            .iter()
            .cloned()
            .map(|mut record| {
                record.applied_at.clear();
                record.execution_ms = record.execution_ms.map(|_| 0);
                record
            })
            .collect()
    }
}

/// Records where `actual` (the script's) differs from `expected` (the runner's).
fn compare(step: &str, expected: &State, actual: &State, differences: &mut Vec<String>) {
    if expected.schema != actual.schema {
        differences.push(format!(
            "{step}: schema differs\n{}",
            first_difference(&expected.schema, &actual.schema)
        ));
    }
    let (expected, actual) = (
        expected.history_without_timings(),
        actual.history_without_timings(),
    );
    if expected != actual {
        let at = expected
            .iter()
            .zip(&actual)
            .position(|(e, a)| e != a)
            .unwrap_or(expected.len().min(actual.len()));
        differences.push(format!(
            "{step}: history differs ({} rows by the runner, {} by the script); first \
             difference at row {at}:\n--- runner\n{:?}\n--- script\n{:?}",
            expected.len(),
            actual.len(),
            expected.get(at),
            actual.get(at)
        ));
    }
}

/// Runs the up script from nothing a second time on `db`, which is at the latest
/// migration (`after`, the state the script's first run leaves): `None` when
/// that changed nothing (whether psql stopped or not), else what changed.
fn rerun(runner: &Runner, db: &TestDb, file: &Path, script: &str, after: &State) -> Option<String> {
    let second = psql(db, file, script);
    let again = State::of(runner, db);
    let mut changed = Vec::new();
    if again.schema != after.schema {
        changed.push(format!(
            "the schema changed\n{}",
            first_difference(&after.schema, &again.schema)
        ));
    }
    let rewritten: Vec<String> = again
        .history
        .iter()
        .filter(|record| !after.history.contains(record))
        .map(|record| record.version.to_string())
        .collect();
    if !rewritten.is_empty() || again.history.len() != after.history.len() {
        changed.push(format!(
            "{} of {} history rows rewritten (versions {})",
            rewritten.len(),
            after.history.len(),
            rewritten.join(", ")
        ));
    }
    let how = match second {
        Ok(()) => "psql exited 0".to_string(),
        Err(e) => format!("psql failed: {e}"),
    };
    (!changed.is_empty()).then(|| format!("second run: {how}; {}", changed.join("; ")))
}

/// `psql -v ON_ERROR_STOP=1 -X -q -f <file>` of `script` against `db`; on failure
/// psql's exit code, its error and the migration of the script it stopped in.
fn psql(db: &TestDb, file: &Path, script: &str) -> Result<(), String> {
    std::fs::write(file, script).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    let started = Instant::now();
    let output = Command::new("psql")
        .args(["-v", "ON_ERROR_STOP=1", "-X", "-q", "-f"])
        .arg(file)
        .arg(db.url())
        .output()
        .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error = stderr
        .lines()
        .find(|l| l.contains("ERROR:") || l.contains("FATAL:"))
        .unwrap_or_else(|| stderr.lines().last().unwrap_or("no message"));
    Err(format!(
        "psql exited with {} after {:.1?} in {}: {error}",
        output.status,
        started.elapsed(),
        migration_at(script, error).unwrap_or("the script's preamble")
    ))
}

/// The `-- apply`/`-- revert` heading above the line psql names in
/// `psql:<file>:<line>: ERROR: ...`.
fn migration_at<'s>(script: &'s str, error: &str) -> Option<&'s str> {
    let line: usize = error.split(':').nth(2)?.trim().parse().ok()?;
    script
        .lines()
        .take(line)
        .filter(|l| l.starts_with("-- apply ") || l.starts_with("-- revert "))
        .last()
}

#[test]
fn the_script_leaves_the_schema_and_history_the_runner_leaves() {
    let differences: Vec<&str> = outcomes()
        .iter()
        .flat_map(|o| o.differences.iter().map(String::as_str))
        .collect();
    assert!(
        differences.is_empty(),
        "the script and the runner differ:\n\n{}",
        differences.join("\n\n")
    );
}

#[test]
fn a_second_run_of_the_same_script_changes_nothing() {
    let problems: Vec<&str> = outcomes()
        .iter()
        .filter_map(|o| o.rerun_problem.as_deref())
        .collect();
    assert!(
        problems.is_empty(),
        "running the same up script twice applied things twice (the runner would do \
         nothing the second time):\n\n{}",
        problems.join("\n\n")
    );
}

/// Files that use what psql and the runner's one query string treat differently. Either
/// the analyzer refuses such a file or the script leaves what the runner leaves.
///
/// - `psql_lexer_settings` turns `standard_conforming_strings` off: psql sends the
///   file statement by statement, so the server (and psql's own lexer) reads the
///   statements after the `SET` with it off, while the runner's query string is lexed
///   whole before its `SET` runs (and the analyzer always reads with it on).
/// - `psql_reset_all` runs `RESET ALL`, which also clears the session setting where
///   the script keeps the `search_path` it restores after each file.
#[test]
fn a_file_psql_runs_differently_is_refused_or_agrees() {
    let mut problems = Vec::new();
    for fixture in ["psql_lexer_settings", "psql_reset_all"] {
        let display = format!("tests/fixtures/{fixture}");
        let source = Source {
            name: display.clone(),
            dir: Path::new(env!("CARGO_MANIFEST_DIR")).join(&display),
            display: display.clone(),
            needs_sqlx_table: false,
        };
        let refused = analyze(&source.dir, &display, &Config::default())
            .diagnostics
            .iter()
            .any(|d| d.severity == pgstrata_analyzer::Severity::Error);
        if refused {
            skip_line(&format!("{display}: refused by the analyzer"));
            continue;
        }
        let outcome = check_source(&source);
        skip_line(&outcome.summary);
        problems.extend(outcome.differences);
    }
    assert!(
        problems.is_empty(),
        "the analyzer accepts these files, and the script and the runner differ:\n\n{}",
        problems.join("\n\n")
    );
}

/// Two runs of the same script at once (two operators, or a retry while the first is
/// still going) must not break a `CREATE INDEX CONCURRENTLY`: the second waits for the
/// first's lock, and a session blocked in that wait is one the index build waits for.
/// Whatever the two runs print, every index must end valid and every migration
/// recorded as applied.
#[test]
fn two_runs_of_a_script_at_once_leave_every_index_valid() {
    let files = TempDir::new("offline-script-twice");
    // The first migration gives the second run time to start waiting for the lock
    // (longer than the server's deadlock_timeout) before the index is built.
    files.write(
        "migrations/V1__accounts.sql",
        "CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, email text);\n\
         SELECT pg_catalog.pg_sleep(2);\n",
    );
    files.write(
        "migrations/V2__email_index.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email ON accounts (email);\n",
    );
    let dir = files.path().join("migrations");
    let analysis = analyze(&dir, "migrations", &Config::default());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let migrations = runtime_migrations(&analysis);
    let runner = Runner::new(migrations).history_schema(HISTORY_SCHEMA);
    let script = runner
        .script(Target::Base, Target::Latest)
        .unwrap_or_else(|e| panic!("script: {e}"));

    let db = TestDb::new("pgstrata_script_twice");
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| psql(&db, &files.path().join("first.sql"), &script));
        std::thread::sleep(std::time::Duration::from_millis(500));
        let second = scope.spawn(|| psql(&db, &files.path().join("second.sql"), &script));
        (first.join(), second.join())
    });
    let outcome = |run: std::thread::Result<Result<(), String>>| match run {
        Ok(Ok(())) => "exit 0".to_string(),
        Ok(Err(e)) => e,
        Err(_) => "panicked".to_string(),
    };
    let (first, second) = (outcome(first), outcome(second));
    skip_line(&format!("two runs at once: first {first}; second {second}"));

    let mut client = db.connect();
    let invalid: Vec<String> = client
        .query(
            "SELECT indexrelid::regclass::text FROM pg_catalog.pg_index WHERE NOT indisvalid",
            &[],
        )
        .unwrap_or_else(|e| panic!("reading pg_index: {e}"))
        .iter()
        .map(|row| row.get(0))
        .collect();
    let history = runner
        .history(&mut client)
        .unwrap_or_else(|e| panic!("reading the history: {e}"));
    let applied = history.iter().filter(|r| r.success).count();
    assert!(
        invalid.is_empty() && applied == migrations.len(),
        "two runs of the script at once left invalid indexes {invalid:?} and {applied} of {} \
         migrations recorded as applied (first run: {first}; second run: {second})",
        migrations.len()
    );
}
