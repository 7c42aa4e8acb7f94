//! Building SQL text safely. The runner talks over the simple query protocol (one
//! round trip can carry several statements, and non-transactional statements must go
//! alone), which has no bind parameters, so every value is written into the text. These
//! helpers make that safe whatever the value and whatever the session's settings.

use sha2::{Digest, Sha256};

/// A quoted identifier: `"` around it, inner `"` doubled. Works for any name the server
/// accepts (capitals, spaces, quotes, keywords).
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A text value as an expression that no quote, backslash or setting can break. ASCII
/// without `$` is dollar-quoted (`$v$it's$v$`: nothing in it can end the quote, and a
/// DBA reading the offline script reads the value); anything else is
/// `pg_catalog.convert_from(pg_catalog.decode('<hex>', 'hex'), 'UTF8')`, whose literal
/// holds only hex digits, so neither the client's encoding nor
/// `standard_conforming_strings` nor a `$` in the value matters.
pub(crate) fn text(value: &str) -> String {
    if value.is_ascii() && !value.contains('$') && !value.contains('\0') {
        return format!("$v${value}$v$");
    }
    format!(
        "pg_catalog.convert_from(pg_catalog.decode('{}', 'hex'), 'UTF8')",
        hex(value.as_bytes())
    )
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Sets the session's `search_path` back to `value` after a migration. A migration
/// that sets it for the session (`SET search_path`, pg_dump's `set_config`) would
/// otherwise change it for the migrations after it in the same run but not in a later
/// run, where each starts from the connection's setting: the analyzer's catalog folds
/// each file from that setting, so the runner applies each file from it too.
pub(crate) fn restore_search_path(value: &str) -> String {
    format!(
        "SELECT pg_catalog.set_config('search_path', {}, false)",
        text(value)
    )
}

/// The checksum of one statement of a non-transactional migration, stored once the
/// statement has run: lowercase hex sha256 of its text with surrounding whitespace
/// trimmed. Any other edit (even inside a comment in the statement) counts as a change,
/// which errs on the safe side: resuming runs only when the statements already run are
/// exactly the ones in this build.
pub(crate) fn statement_checksum(statement: &str) -> String {
    hex(&Sha256::digest(statement.trim().as_bytes()))
}

/// The advisory lock key for a history table: the first 8 bytes (big-endian) of the
/// sha256 of a fixed prefix and the quoted, schema-qualified table name. Two
/// applications with different history tables in one database do not block each other;
/// every runtime version must derive the same key for the same table, so this formula
/// is part of the on-disk contract and must never change.
pub(crate) fn lock_key(qualified_table: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(b"pgstrata advisory lock\0")
        .chain_update(qualified_table.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_with_inner_quotes_doubled() {
        assert_eq!(ident("history"), "\"history\"");
        assert_eq!(ident("my \"odd\" Table"), "\"my \"\"odd\"\" Table\"");
    }

    #[test]
    fn text_values_are_dollar_quoted_or_carry_only_hex_digits() {
        assert_eq!(text("it's a \\ test"), "$v$it's a \\ test$v$");
        assert_eq!(
            text("costs $5"),
            "pg_catalog.convert_from(pg_catalog.decode('636f737473202435', 'hex'), 'UTF8')"
        );
        assert_eq!(
            text("é"),
            "pg_catalog.convert_from(pg_catalog.decode('c3a9', 'hex'), 'UTF8')"
        );
    }

    #[test]
    fn statement_checksum_ignores_surrounding_whitespace_only() {
        assert_eq!(
            statement_checksum("SELECT 1"),
            statement_checksum("\n  SELECT 1 \n")
        );
        assert_ne!(
            statement_checksum("SELECT 1"),
            statement_checksum("SELECT  1")
        );
        assert_eq!(statement_checksum("").len(), 64);
    }

    #[test]
    fn lock_key_is_stable_and_depends_on_the_table() {
        let a = lock_key("\"public\".\"pgstrata_schema_history\"");
        assert_eq!(a, lock_key("\"public\".\"pgstrata_schema_history\""));
        assert_ne!(a, lock_key("\"public\".\"other_history\""));
        // Pinned: changing the formula would let two runtime versions run at once.
        assert_eq!(a, LOCK_KEY_OF_DEFAULT_TABLE);
    }

    const LOCK_KEY_OF_DEFAULT_TABLE: i64 = -7_490_935_689_056_345_778;
}
