//! The embedded migrations, the runner and the check of the embedded files, as Rust source.

use super::literal;
use crate::{EmbeddedMigration, StatementSpan};
use std::fmt::Write as _;

/// `MIGRATIONS`, `EMBEDDED_FILES`, `runner()` and the test that the embedded files are
/// still those of `dir` (the directory's absolute path).
pub fn migrations(
    out: &mut String,
    migrations: &[EmbeddedMigration<'_>],
    considered_files: &[String],
    dir: &str,
) {
    out.push_str(
        "\n/// Every migration of the directory, embedded and ordered as its tool orders them.\n\
         pub static MIGRATIONS: &[::pgstrata::Migration] = &[\n",
    );
    for migration in migrations {
        embedded_migration(out, migration);
        out.push_str(",\n");
    }
    let files: Vec<String> = considered_files.iter().map(|f| literal(f)).collect();
    let dir = literal(dir);
    let _ = write!(
        out,
        "];\n\n/// The files the macro read, relative to the migrations directory.\n\
         #[doc(hidden)]\n#[allow(dead_code)]\n\
         pub const EMBEDDED_FILES: &[&str] = &[{files}];\n\n\
         /// A runner for [`MIGRATIONS`]. Debug builds first check that the directory\n\
         /// still holds the files that were embedded (a new file needs a rebuild).\n\
         pub fn runner() -> ::pgstrata::Runner {{\n    \
         #[cfg(debug_assertions)]\n    \
         ::pgstrata::__private::assert_embedded_current({dir}, EMBEDDED_FILES);\n    \
         ::pgstrata::Runner::new(MIGRATIONS)\n}}\n\n\
         #[cfg(test)]\n#[test]\n\
         fn embedded_migrations_match_their_directory() {{\n    \
         if let ::core::result::Result::Err(stale) = ::pgstrata::check_embedded(::std::path::Path::new({dir}), EMBEDDED_FILES) {{\n        \
         ::core::panic!(\"{{}}\", stale);\n    }}\n}}\n",
        files = files.join(", "),
    );
}

/// A `::pgstrata::Migration` constant. The SQL is `include_str!`'d by absolute path so
/// that editing a file rebuilds the crate.
fn embedded_migration(out: &mut String, m: &EmbeddedMigration<'_>) {
    let down = match &m.down {
        Some(down) => format!(
            "::core::option::Option::Some(::pgstrata::Down::__new({}, include_str!({}), {}, {}))",
            literal(&down.file.display),
            literal(&down.file.path.to_string_lossy()),
            transaction_mode(down.transactional),
            spans(&down.statements),
        ),
        None => "::core::option::Option::None".to_string(),
    };
    let _ = write!(
        out,
        "::pgstrata::Migration::__new({}i64, {}, {}, include_str!({}), {down}, {}, {}, {})",
        m.version,
        literal(m.name),
        literal(&m.up.display),
        literal(&m.up.path.to_string_lossy()),
        literal(m.checksum),
        transaction_mode(m.transactional),
        spans(&m.statements),
    );
}

fn transaction_mode(transactional: bool) -> &'static str {
    if transactional {
        "::pgstrata::TransactionMode::Transactional"
    } else {
        "::pgstrata::TransactionMode::NonTransactional"
    }
}

/// The spans as flat numbers turned into `StatementSpan`s at compile time (`&const {
/// ... }` is `'static`).
fn spans(statements: &[StatementSpan]) -> String {
    let mut out = format!(
        "&const {{ ::pgstrata::__private::spans::<{}>(&[",
        statements.len()
    );
    for s in statements {
        let _ = write!(out, "{},{},{},", s.start, s.end, s.line);
    }
    out.push_str("]) }");
    out
}
