//! The embedded migrations, the runner and the check of the embedded files, as Rust source.

use super::literal;
use crate::EmbeddedMigration;
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
/// that editing a file rebuilds the crate. The statements' spans are written as flat
/// numbers turned into `StatementSpan`s at compile time (`&const { ... }` is `'static`).
fn embedded_migration(out: &mut String, m: &EmbeddedMigration<'_>) {
    let down = match m.down {
        Some(down) => format!(
            "::core::option::Option::Some(include_str!({}))",
            literal(&down.path.to_string_lossy())
        ),
        None => "::core::option::Option::None".to_string(),
    };
    let transaction = if m.transactional {
        "Transactional"
    } else {
        "NonTransactional"
    };
    let _ = write!(
        out,
        "::pgstrata::Migration::__new({}i64, {}, {}, include_str!({}), {down}, {}, ::pgstrata::TransactionMode::{transaction}, &const {{ ::pgstrata::__private::spans::<{}>(&[",
        m.version,
        literal(m.name),
        literal(&m.up.display),
        literal(&m.up.path.to_string_lossy()),
        literal(m.checksum),
        m.statements.len(),
    );
    for s in &m.statements {
        let _ = write!(out, "{},{},{},", s.start, s.end, s.line);
    }
    out.push_str("]) })");
}
