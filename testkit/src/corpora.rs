//! The real-world histories in `../shared/corpora` (or `PGSTRATA_CORPORA`), as the
//! tests that apply, compare and mutate them find them. They are this team's data, not
//! part of the repository: a fresh clone has none, so a test skips each missing set
//! with one line saying so and passes. CI sets `PGSTRATA_REQUIRE_CORPORA=1`, under
//! which a missing set fails the test: CI must not pass by testing nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The eleven sets, by their directory names.
pub const SETS: [&str; 11] = [
    "apalis-postgres",
    "atuin",
    "crates.io",
    "documenso",
    "eventually-postgres",
    "fang",
    "matrix-authentication-service",
    "procrastinate",
    "sqlxmq",
    "underway",
    "vaultwarden",
];

/// Where the corpora are looked for.
pub const LOCATION_VARIABLE: &str = "PGSTRATA_CORPORA";
/// Set (to anything but `0` or empty) to make a missing set a failure.
pub const REQUIRE_VARIABLE: &str = "PGSTRATA_REQUIRE_CORPORA";

/// sqlx's bookkeeping table, which matrix-authentication-service and underway expect
/// before their first migration (one deletes from it, one copies it with `LIKE`).
pub const SQLX_TABLE: &str = "CREATE TABLE public._sqlx_migrations (version BIGINT PRIMARY KEY, \
    description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), \
    success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)";

/// The directories of the sets that are there, in [`SETS`] order. Each missing set
/// prints `skipped: <set> corpus not found; set PGSTRATA_CORPORA`, or fails the
/// calling test when `PGSTRATA_REQUIRE_CORPORA` is set.
pub fn sets() -> Vec<PathBuf> {
    let root = location();
    let required = required();
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for name in SETS {
        let set = root.join(name);
        if set.join("_meta/order.txt").is_file() {
            present.push(set);
        } else if required {
            missing.push(name);
        } else {
            skip_line(&format!(
                "skipped: {name} corpus not found; set {LOCATION_VARIABLE}"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "{REQUIRE_VARIABLE} is set, and these corpus sets are missing at {}: {}",
        root.display(),
        missing.join(", ")
    );
    present
}

/// Writes `line` to stderr past the test harness's capture (which keeps a passing
/// test's `println!` and `eprintln!` to itself), so a skip is always seen.
pub fn skip_line(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether a missing set fails the test (`PGSTRATA_REQUIRE_CORPORA`, not `0`).
pub fn required() -> bool {
    std::env::var_os(REQUIRE_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The corpora's root when it is there, for tools that can do without them (the bench).
pub fn root_if_present() -> Option<PathBuf> {
    let root = location();
    root.is_dir().then_some(root)
}

/// `PGSTRATA_CORPORA`, else `../shared/corpora` beside the repository.
fn location() -> PathBuf {
    std::env::var_os(LOCATION_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora"))
}

/// A set's name: its directory's.
pub fn name(set: &Path) -> String {
    set.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A set's migrations directory and its path relative to the set, from the first
/// line of its `_meta/order.txt`.
pub fn migrations_dir(set: &Path) -> (PathBuf, String) {
    let order = std::fs::read_to_string(set.join("_meta/order.txt"))
        .unwrap_or_else(|e| panic!("{}: no _meta/order.txt: {e}", set.display()));
    let first = order.lines().next().unwrap_or_default();
    let mut parts: Vec<&str> = first.split('/').collect();
    if matches!(parts.pop(), Some("up.sql" | "migration.sql")) {
        parts.pop();
    }
    let relative = parts.join("/");
    (set.join(&relative), relative)
}

/// Whether the set's notes say it needs [`SQLX_TABLE`].
pub fn needs_sqlx_table(set: &Path) -> bool {
    ["_meta/NOTES", "_meta/SOURCE"].iter().any(|f| {
        std::fs::read_to_string(set.join(f)).is_ok_and(|t| t.contains("public._sqlx_migrations"))
    })
}

/// The rules these histories were not written for, to allow when checking one whose
/// migrations are in `migrations_dir`: `non-idempotent` (none was written to run
/// twice) and, where the set has down files, `reversible` (none was written so that
/// its down files give back the schema exactly; `tests/it/reversible.rs` holds every
/// such finding to the server).
pub fn rules_not_written_for(migrations_dir: &Path) -> BTreeSet<String> {
    let mut rules = BTreeSet::from(["non-idempotent".to_string()]);
    let discovery = pgstrata_analyzer::discover::discover(migrations_dir, "");
    if discovery.migrations.iter().any(|m| m.down.is_some()) {
        rules.insert("reversible".to_string());
    }
    rules
}

/// The down files of the sets that PostgreSQL 15 cannot run, with the rule that
/// reports each (`tests/it/reversible.rs` runs every down file and checks that these
/// are all of them): the set, the file relative to its migrations directory, the rule.
pub const BROKEN_DOWN_FILES: [(&str, &str, &str); 3] = [
    // A statement without its terminating semicolon.
    (
        "crates.io",
        "20170318181441_downloads_need_no_id/down.sql",
        "syntax",
    ),
    // `DROP CONSTRAINT` of a unique index that is not a constraint.
    (
        "crates.io",
        "2024-10-25-112826_make-unique-version-unique/down.sql",
        "catalog",
    ),
    // `DROP TABLE groups` while `groups_users` still references it.
    (
        "vaultwarden",
        "2022-07-27-110000_add_group_support/down.sql",
        "catalog",
    ),
];

/// Whether a diagnostic's file (as the analyzer names it) is a down file.
pub fn is_down_file(file: &str) -> bool {
    file.ends_with("/down.sql") || file.ends_with(".down.sql") || file == "down.sql"
}
