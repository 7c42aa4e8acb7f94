//! The one call into libpg_query that the `pg_query` crate does not expose whole.
//!
//! `pg_query::parse` keeps only the error's message and drops `cursorpos`, the
//! position PostgreSQL points its caret at, and it walks the whole tree again to list
//! tables and functions we never use. Calling `pg_query_parse_protobuf` (which the
//! `pg_query` crate links in) keeps the position and skips that walk.

use pg_query::protobuf::ParseResult;
use prost::Message;
use std::ffi::{c_char, c_int, CStr, CString};

#[repr(C)]
struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobuf {
    len: usize,
    data: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobufParseResult {
    parse_tree: PgQueryProtobuf,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

extern "C" {
    fn pg_query_parse_protobuf(input: *const c_char) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
}

/// PostgreSQL's own error for a statement it cannot parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParserError {
    pub message: String,
    /// 1-based character position in the input, as PostgreSQL reports it; 0 when the
    /// parser gave none.
    pub cursor: usize,
}

/// Parses `input` into PostgreSQL's parse tree.
pub fn parse(input: &str) -> Result<ParseResult, ParserError> {
    let c_input = CString::new(input).map_err(|e| ParserError {
        message: "a NUL byte cannot appear in SQL text".to_string(),
        cursor: input[..e.nul_position()].chars().count() + 1,
    })?;
    // SAFETY: the input is a valid NUL-terminated string that outlives the call; the
    // result is read before it is freed exactly once, and every pointer is checked
    // for NULL before it is read.
    unsafe {
        let result = pg_query_parse_protobuf(c_input.as_ptr());
        let outcome = if !result.error.is_null() {
            let error = &*result.error;
            let message = if error.message.is_null() {
                "the parser failed without a message".to_string()
            } else {
                CStr::from_ptr(error.message).to_string_lossy().into_owned()
            };
            Err(ParserError {
                message,
                cursor: usize::try_from(error.cursorpos).unwrap_or(0),
            })
        } else if result.parse_tree.data.is_null() {
            Ok(ParseResult::default())
        } else {
            let data = std::slice::from_raw_parts(
                result.parse_tree.data as *const u8,
                result.parse_tree.len,
            );
            ParseResult::decode(data).map_err(|e| ParserError {
                message: format!("the parse tree could not be decoded: {e}"),
                cursor: 0,
            })
        };
        pg_query_free_protobuf_parse_result(result);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_statements_with_their_locations() {
        let tree = parse("select 1;\ncreate table t (id int);").unwrap();
        assert_eq!(tree.stmts.len(), 2);
        // PostgreSQL 18 starts a statement at its first token, past the newline.
        assert_eq!(tree.stmts[1].stmt_location, 10);
    }

    #[test]
    fn keeps_the_error_position() {
        let err = parse("select 1;\nselect * form t;").unwrap_err();
        assert_eq!(err.message, "syntax error at or near \"form\"");
        assert_eq!(err.cursor, 20);
    }

    #[test]
    fn nul_bytes_are_an_error_with_a_position() {
        let err = parse("select\0 1").unwrap_err();
        assert_eq!(err.cursor, 7);
    }
}
