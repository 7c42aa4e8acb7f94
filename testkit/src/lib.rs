//! What pgstrata's integration tests share: a fresh database per test on the server
//! that `pgstrata-tempdb` finds, dropped afterwards; runtime migrations built from the
//! analyzer's model exactly as the macro builds them; the real-world corpora (skipped
//! set by set where they are missing); a temporary directory and a seeded generator.

use pgstrata_analyzer::parse::parse_file;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::Analysis;
use pgstrata_runtime::{Migration, TransactionMode};
use postgres::{Client, Config, NoTls};
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod corpora;
mod histories;
mod rng;
mod temp_dir;

pub use histories::{corpus_histories, histories, History};
pub use rng::Rng;
pub use temp_dir::TempDir;

/// The server the tests use: `DATABASE_URL`, else the local default when it answers,
/// else a throwaway cluster (`PGSTRATA_THROWAWAY=1` forces it), as `pgstrata-tempdb`
/// finds it for the example too.
pub fn server_url() -> String {
    pgstrata_tempdb::server_url()
}

/// The server's connection settings.
pub fn server_config() -> Config {
    server_url()
        .parse()
        .unwrap_or_else(|e| panic!("DATABASE_URL is not a connection string: {e}"))
}

/// A database created for one test and dropped (`WITH (FORCE)`) when this is dropped,
/// so tests run in parallel and leave nothing behind.
pub struct TestDb {
    pub name: String,
}

impl TestDb {
    /// A new empty database whose name starts with `prefix`.
    pub fn new(prefix: &str) -> TestDb {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "{prefix}_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = connect(&server_config());
        if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")) {
            panic!("cannot create test database {name}: {e}");
        }
        TestDb { name }
    }

    /// The settings of an existing database (a child process joining its parent's test).
    pub fn config_of(name: &str) -> Config {
        let mut config = server_config();
        config.dbname(name);
        config
    }

    pub fn config(&self) -> Config {
        TestDb::config_of(&self.name)
    }

    pub fn connect(&self) -> Client {
        connect(&self.config())
    }

    /// A `postgres://` URL for tools such as `pg_dump`.
    pub fn url(&self) -> String {
        let server = server_url();
        match server.rsplit_once('/') {
            Some((base, _)) if base.contains("://") && !base.ends_with('/') => {
                format!("{base}/{}", self.name)
            }
            _ => format!("{server}/{}", self.name),
        }
    }
}

impl TestDb {
    /// `pg_dump` of this database with `args` (the server's own major version, which
    /// Debian keeps out of PATH), without what differs between runs and versions:
    /// comments, `SET` lines, `\restrict` keys and blank lines.
    pub fn dump(&self, args: &[&str]) -> Vec<String> {
        normalize_dump(&self.raw_dump(args))
    }

    /// `pg_dump` of this database with `args`, as it comes (ready to restore).
    pub fn raw_dump(&self, args: &[&str]) -> String {
        let output = std::process::Command::new(pg_dump_binary())
            .args(args)
            .arg(self.url())
            .output()
            .unwrap_or_else(|e| panic!("cannot run pg_dump: {e}"));
        assert!(
            output.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// A dump's lines without comments, `SET` lines, `\restrict` keys and blank lines.
pub fn normalize_dump(dump: &str) -> Vec<String> {
    dump.lines()
        .filter(|l| {
            !(l.starts_with("--")
                || l.starts_with("SET ")
                || l.starts_with("SELECT pg_catalog.set_config")
                || l.starts_with("\\restrict")
                || l.starts_with("\\unrestrict")
                || l.trim().is_empty())
        })
        .map(str::to_string)
        .collect()
}

fn pg_dump_binary() -> std::path::PathBuf {
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/pg_dump"))
        .filter(|p| p.is_file())
        .max();
    newest.unwrap_or_else(|| "pg_dump".into())
}

fn connect(config: &Config) -> Client {
    config
        .connect(NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test server ({}): {e}", server_url()))
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped = server_config().connect(NoTls).and_then(|mut admin| {
            admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
        });
        if let Err(e) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// The analyzed migrations as the runtime's `Migration`s, read as the macro reads them
/// and built as the `pgstrata` command builds them (`pgstrata_codegen::runtime`; the
/// macro embeds them as statics, the command and the tests leak them).
pub fn runtime_migrations(analysis: &Analysis) -> &'static [Migration] {
    pgstrata_codegen::runtime::leaked_migrations(analysis)
}

/// A migration of hand-written SQL, named `migrations/V{version}__{name}.sql`, applied
/// as `transaction` says: its statements' spans and its checksum are the analyzer's
/// parse of `sql`, as the macro would embed them, and no rule is run.
pub fn migration_of_sql(
    version: i64,
    name: &str,
    sql: &str,
    transaction: TransactionMode,
) -> Migration {
    migration_with_down(version, name, sql, transaction, None)
}

/// As [`migration_of_sql`], with a down file `migrations/V{version}__{name}.down.sql`
/// of `down.0`, reverted as `down.1` says.
pub fn migration_with_down(
    version: i64,
    name: &str,
    sql: &str,
    transaction: TransactionMode,
    down: Option<(&str, TransactionMode)>,
) -> Migration {
    let parse = |path: String, sql: &str| {
        let file = SourceFile::new(path.clone().into(), path, sql.to_string());
        let parsed = parse_file(&file);
        assert!(
            parsed.diagnostics.is_empty(),
            "the test's SQL of {name} does not parse: {:?}",
            parsed.diagnostics
        );
        (file, parsed)
    };
    let mode = |transaction: TransactionMode| match transaction {
        TransactionMode::Transactional => pgstrata_analyzer::TransactionMode::Transactional,
        TransactionMode::NonTransactional => pgstrata_analyzer::TransactionMode::NonTransactional {
            reason: "the test says so".to_string(),
        },
    };
    let (up, parsed) = parse(format!("migrations/V{version}__{name}.sql"), sql);
    let down = down.map(|(sql, transaction)| {
        let (file, parsed) = parse(format!("migrations/V{version}__{name}.down.sql"), sql);
        pgstrata_analyzer::DownMigration {
            file,
            statements: parsed.statements,
            checksum: parsed.checksum,
            transaction: mode(transaction),
        }
    });
    runtime_migration(&pgstrata_analyzer::Migration {
        version,
        name: name.to_string(),
        up,
        down,
        statements: parsed.statements,
        checksum: parsed.checksum,
        transaction: mode(transaction),
    })
}

/// One analyzed migration as the runtime's `Migration` (its texts leaked), as the
/// `pgstrata` command builds it.
pub fn runtime_migration(migration: &pgstrata_analyzer::Migration) -> Migration {
    pgstrata_codegen::runtime::leaked_migration(migration)
}
