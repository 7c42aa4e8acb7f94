//! Literals of the runtime's types, built from the analyzer's model, as Rust source.

use super::schema::literal;
use pgstrata_analyzer::{Migration, TransactionMode};
use std::fmt::Write as _;

/// A `::pgstrata::Migration` constant. The SQL is `include_str!`'d by absolute path so
/// that editing a file rebuilds the crate. The statements' spans are written as flat
/// numbers turned into `StatementSpan`s at compile time (`&const { ... }` is `'static`).
pub fn embedded_migration(out: &mut String, m: &Migration) {
    let down = match &m.down {
        Some(down) => format!(
            "::core::option::Option::Some(include_str!({}))",
            literal(&down.path.to_string_lossy())
        ),
        None => "::core::option::Option::None".to_string(),
    };
    let transaction = match m.transaction {
        TransactionMode::Transactional => "Transactional",
        TransactionMode::NonTransactional { .. } => "NonTransactional",
    };
    let _ = write!(
        out,
        "::pgstrata::Migration::__new({}i64, {}, {}, include_str!({}), {down}, {}, ::pgstrata::TransactionMode::{transaction}, &const {{ ::pgstrata::__private::spans::<{}>(&[",
        m.version,
        literal(&m.name),
        literal(&m.up.display),
        literal(&m.up.path.to_string_lossy()),
        literal(&m.checksum),
        m.statements.len(),
    );
    for s in &m.statements {
        let _ = write!(
            out,
            "{},{},{},",
            s.range.start as u32, s.range.end as u32, s.line as u32
        );
    }
    out.push_str("]) })");
}
