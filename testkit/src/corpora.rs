//! The real-world histories in `../shared/corpora`, as the tests that apply, compare
//! and mutate them find them. Their absence is a failure, not a skip: CI must not pass
//! by testing nothing.

use std::path::{Path, PathBuf};

/// sqlx's bookkeeping table, which matrix-authentication-service and underway expect
/// before their first migration (one deletes from it, one copies it with `LIKE`).
pub const SQLX_TABLE: &str = "CREATE TABLE public._sqlx_migrations (version BIGINT PRIMARY KEY, \
    description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), \
    success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)";

/// `../shared/corpora` beside the repository, or `PGSTRATA_CORPORA`.
pub fn root() -> PathBuf {
    let root = location();
    assert!(
        root.is_dir(),
        "the corpora are missing at {}",
        root.display()
    );
    root
}

/// The corpora's root when it is there, for tools that can do without them (the bench).
pub fn root_if_present() -> Option<PathBuf> {
    let root = location();
    root.is_dir().then_some(root)
}

fn location() -> PathBuf {
    std::env::var_os("PGSTRATA_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora"))
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
