//! A non-transactional migration survives being cut off at any statement: for every
//! statement in turn, the backend is terminated just before it and just after it; a
//! new runner then resumes, and the schema and data must equal an uninterrupted run's.

use pgstrata::{Driver, DriverError, Rows, Runner, TransactionMode};
use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::{runtime_migrations, TestDb};
use std::future::{ready, Future};
use std::path::Path;
use std::task::{Context, Poll, Waker};

const HISTORY_SCHEMA: &str = "pgstrata_history";

/// Forwards to a client, and terminates that client's backend when the statement
/// `target` is about to be sent (or was just sent).
struct KillAt<'a> {
    inner: &'a mut postgres::Client,
    killer: postgres::Client,
    pid: i32,
    target: String,
    after: bool,
    fired: bool,
}

impl KillAt<'_> {
    fn kill(&mut self) {
        self.fired = true;
        self.killer
            .execute("SELECT pg_terminate_backend($1)", &[&self.pid])
            .expect("terminate the runner's backend");
    }
}

impl Driver for KillAt<'_> {
    fn simple(&mut self, sql: &str) -> impl Future<Output = Result<Rows, DriverError>> + Send {
        let hit = !self.fired && sql.trim() == self.target;
        if hit && !self.after {
            self.kill();
        }
        // The postgres driver does its work when called and returns a ready future.
        let result = {
            let mut future = std::pin::pin!(self.inner.simple(sql));
            match future
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
            {
                Poll::Ready(result) => result,
                Poll::Pending => Err(DriverError::new(
                    "the sync driver returned a pending future",
                )),
            }
        };
        if hit && self.after {
            self.kill();
        }
        ready(result)
    }
}

fn dump(db: &TestDb) -> Vec<String> {
    db.dump(&["--no-owner", "--exclude-schema", HISTORY_SCHEMA])
}

#[test]
fn a_non_transactional_migration_resumes_after_a_kill_at_any_statement() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resume");
    let analysis = analyze(&dir, "tests/fixtures/resume", &Config::default());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let migrations = runtime_migrations(&analysis);
    let online = &migrations[1];
    assert_eq!(online.transaction, TransactionMode::NonTransactional);
    let statements: Vec<&str> = online.statements().map(|(_, _, sql)| sql).collect();
    assert_eq!(statements.len(), 6);

    let reference = TestDb::new("pgstrata_kill_ref");
    Runner::new(migrations)
        .history_schema(HISTORY_SCHEMA)
        .run(&mut reference.connect())
        .unwrap();
    let expected = dump(&reference);

    let mut runs = 0;
    for (index, statement) in statements.iter().enumerate() {
        for after in [false, true] {
            let db = TestDb::new("pgstrata_kill");
            let mut client = db.connect();
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .unwrap()
                .get(0);
            let mut driver = KillAt {
                inner: &mut client,
                killer: db.connect(),
                pid,
                target: statement.trim().to_string(),
                after,
                fired: false,
            };
            let runner = Runner::new(migrations).history_schema(HISTORY_SCHEMA);
            let cut = runner.run_with(&mut driver);
            let when = if after { "after" } else { "before" };
            assert!(driver.fired, "statement {} was never sent", index + 1);
            assert!(
                cut.is_err(),
                "the run cut off {when} statement {} reported success",
                index + 1
            );

            let report = runner.run(&mut db.connect()).unwrap_or_else(|e| {
                panic!("resume after a kill {when} statement {}: {e}", index + 1)
            });
            assert_eq!(
                report.applied.len(),
                1,
                "only the interrupted migration is left"
            );
            assert_eq!(
                dump(&db),
                expected,
                "schema or data differ after a kill {when} statement {}",
                index + 1
            );
            runs += 1;
        }
    }
    eprintln!(
        "kill_resume: {runs} runs cut off and resumed, each identical to the uninterrupted run"
    );
}
