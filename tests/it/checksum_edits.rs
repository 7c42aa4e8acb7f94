//! The checksum is computed at compile time over the statements' tokens: reformatting
//! or re-commenting an applied migration is not a divergence, any real edit is, and a
//! divergent history stops the run before anything is applied.

use pgstrata::{Error, Runner};
use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::{runtime_migrations, TempDir, TestDb};

/// The runtime migrations of the directory's files, which must analyze clean.
fn migrations(dir: &TempDir) -> &'static [pgstrata::Migration] {
    let analysis = analyze(dir.path(), "migrations", &Config::default());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    runtime_migrations(&analysis)
}

const ORIGINAL: &str =
    "CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, email text NOT NULL);\n\
                        CREATE INDEX IF NOT EXISTS accounts_email ON accounts (email);\n";

#[test]
fn whitespace_and_comment_edits_keep_the_checksum() {
    let dir = TempDir::new("checksum-layout");
    dir.write("V1__accounts.sql", ORIGINAL);
    let db = TestDb::new("pgstrata_checksum");
    let mut client = db.connect();
    assert_eq!(
        Runner::new(migrations(&dir))
            .run(&mut client)
            .unwrap()
            .applied
            .len(),
        1
    );

    dir.write(
        "V1__accounts.sql",
        "-- Accounts, one per e-mail address.\r\n\
         CREATE TABLE IF NOT EXISTS accounts (\r\n\
         \tid bigint PRIMARY KEY, /* the key */\r\n\
         \temail text NOT NULL\r\n\
         );\r\n\r\n\
         CREATE INDEX IF NOT EXISTS accounts_email\r\n    ON accounts (email); -- lookups by e-mail\r\n",
    );
    let report = Runner::new(migrations(&dir)).run(&mut client).unwrap();
    assert!(report.applied.is_empty());
}

#[test]
fn a_real_edit_is_divergent_and_nothing_is_applied() {
    let dir = TempDir::new("checksum-edit");
    dir.write("V1__accounts.sql", ORIGINAL);
    let db = TestDb::new("pgstrata_checksum");
    let mut client = db.connect();
    Runner::new(migrations(&dir)).run(&mut client).unwrap();

    dir.write(
        "V1__accounts.sql",
        ORIGINAL.replace("email text", "email varchar(320)"),
    );
    dir.write(
        "V2__sessions.sql",
        "CREATE TABLE IF NOT EXISTS sessions (id bigint);\n",
    );
    let error = Runner::new(migrations(&dir)).run(&mut client).unwrap_err();
    assert!(
        matches!(error, Error::Divergent { version: 1, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("accounts") && message.contains("migrations/V1__accounts.sql"),
        "{message}"
    );
    let sessions: bool = client
        .query_one("SELECT to_regclass('sessions') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert!(!sessions, "nothing may be applied after a divergence");
}
