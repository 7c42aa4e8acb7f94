//! Step three: every statement of a file through PostgreSQL's own parser, with byte
//! ranges, the comments around them, and a checksum of the tokens.

// The one `unsafe` of the workspace: a call into libpg_query for the error position.
#[allow(unsafe_code)]
mod ffi;

pub use ffi::ParserError;

/// PostgreSQL's parse tree of `sql`, or its error with the cursor position: for SQL
/// found inside other SQL (a `DO` block's statements).
pub fn ffi_parse(sql: &str) -> Result<pg_query::protobuf::ParseResult, ParserError> {
    ffi::parse(sql)
}

use crate::diagnostics::Diagnostic;
use crate::source::{byte_offset_of_char, SourceFile};
use pg_query::protobuf::{ScanToken, Token};
use pg_query::NodeEnum;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// One statement: where it is (first token to last, without the `;`) and its tree.
#[derive(Debug, Clone)]
pub struct Statement {
    pub range: Range<usize>,
    pub line: usize,
    /// The tree; `None` where the statement did not parse, or after `analyze` unless
    /// `Config::keep_trees`.
    pub node: Option<NodeEnum>,
    /// Where, in the file, the text the parser saw starts: the tree's node locations
    /// count from here (the file's start, or a statement's when the file was parsed
    /// statement by statement).
    pub location_base: usize,
}

/// A `--` or `/* */` comment with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub range: Range<usize>,
    pub text: String,
}

/// A parsed file: its statements (all of them, or those that parsed when some did
/// not), its comments, the checksum of its tokens, and its syntax errors.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    pub statements: Vec<Statement>,
    pub comments: Vec<Comment>,
    /// Lowercase hex SHA-256 of the tokens without comments and white space, so a
    /// reformatted or re-commented migration keeps its checksum and any real edit
    /// changes it.
    pub checksum: String,
    pub diagnostics: Vec<Diagnostic>,
}

const RULE: &str = "syntax";

/// Parses a whole file. Never panics: what the parser rejects becomes diagnostics.
pub fn parse_file(file: &SourceFile) -> ParsedFile {
    let text = file.text.as_str();
    let tokens = scan(text);
    let mut parsed = ParsedFile {
        comments: comments(text, &tokens),
        checksum: checksum(text, &tokens),
        ..ParsedFile::default()
    };
    match ffi::parse(text) {
        Ok(tree) => {
            parsed.statements = statements(file, 0, tree.stmts, &tokens);
        }
        Err(error) => parse_piecewise(file, &tokens, error, &mut parsed),
    }
    parsed
}

/// After a failure, parse statement by statement so that every bad statement in the
/// file is reported and the good ones still reach the rules.
fn parse_piecewise(
    file: &SourceFile,
    tokens: &[ScanToken],
    first: ParserError,
    out: &mut ParsedFile,
) {
    let text = file.text.as_str();
    let pieces = match pg_query::split_with_scanner(text) {
        Ok(pieces) if !pieces.is_empty() => pieces,
        // The scanner fails where the parser's error came from the scanner (an
        // unterminated string): the whole-file error is the best we have.
        _ => {
            out.diagnostics.push(syntax_error(file, 0, &first));
            return;
        }
    };
    for piece in pieces {
        let offset = (piece.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        match ffi::parse(piece) {
            Ok(tree) => out
                .statements
                .extend(statements(file, offset, tree.stmts, tokens)),
            Err(error) => out.diagnostics.push(syntax_error(file, offset, &error)),
        }
    }
    if out.diagnostics.is_empty() {
        // Splitting changed the outcome (a `BEGIN ATOMIC` body split at its `;`):
        // report the parser's verdict on the whole file.
        out.diagnostics.push(syntax_error(file, 0, &first));
    }
}

fn syntax_error(file: &SourceFile, offset: usize, error: &ParserError) -> Diagnostic {
    let piece = &file.text[offset..];
    let start = offset + byte_offset_of_char(piece, error.cursor.max(1));
    let start = skip_space(&file.text, start, error.cursor == 0);
    let end = token_end(&file.text, start);
    Diagnostic::error(RULE, error.message.clone())
        .at(file.location(start..end))
        .help("PostgreSQL's parser rejects this; fix the statement (the caret is where PostgreSQL stopped)")
}

/// Without a cursor PostgreSQL points at nothing; start at the statement's first
/// non-blank character instead of the blank lines before it.
fn skip_space(text: &str, start: usize, skip: bool) -> usize {
    if !skip {
        return start;
    }
    start + text[start..].len() - text[start..].trim_start().len()
}

/// The end of the word at `start`, for the underline.
fn token_end(text: &str, start: usize) -> usize {
    let rest = &text[start.min(text.len())..];
    let len = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '(' | ')'))
        .unwrap_or(rest.len());
    start + len.max(rest.chars().next().map_or(0, char::len_utf8))
}

fn statements(
    file: &SourceFile,
    offset: usize,
    raw: Vec<pg_query::protobuf::RawStmt>,
    tokens: &[ScanToken],
) -> Vec<Statement> {
    let piece_end = file.text.len();
    raw.into_iter()
        .map(|stmt| {
            let start = offset + usize::try_from(stmt.stmt_location).unwrap_or(0);
            let end = match usize::try_from(stmt.stmt_len) {
                Ok(0) | Err(_) => piece_end,
                Ok(len) => start + len,
            };
            let range = trim_to_tokens(tokens, start..end.min(piece_end));
            Statement {
                line: file.line_number(range.start),
                range,
                node: stmt.stmt.and_then(|n| n.node),
                location_base: offset,
            }
        })
        .collect()
}

/// The tokens of `text`, or none where the scanner fails (the parser then reports
/// why). `pg_query::scan_tokens` builds a slice from a null pointer when there is no
/// token at all, which panics in debug builds, so blank text never reaches it; any
/// other character is a token or a scanner error.
fn scan(text: &str) -> Vec<ScanToken> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    pg_query::scan_tokens(text).unwrap_or_default()
}

fn is_comment(token: &ScanToken) -> bool {
    token.token == Token::SqlComment as i32 || token.token == Token::CComment as i32
}

fn is_semicolon(token: &ScanToken) -> bool {
    token.token == Token::Ascii59 as i32
}

/// Narrows a statement's range to its first and last token, leaving out the comments
/// and blank lines before it and the `;` after it.
fn trim_to_tokens(tokens: &[ScanToken], range: Range<usize>) -> Range<usize> {
    let first = tokens.partition_point(|t| (t.start as usize) < range.start);
    let inside = tokens[first..]
        .iter()
        .take_while(|t| (t.end as usize) <= range.end)
        .filter(|t| !is_comment(t) && !is_semicolon(t));
    let mut bounds = None;
    for token in inside {
        let (start, _) = bounds.get_or_insert((token.start as usize, token.end as usize));
        bounds = Some((*start, token.end as usize));
    }
    bounds.map_or(range, |(start, end)| start..end)
}

fn comments(text: &str, tokens: &[ScanToken]) -> Vec<Comment> {
    tokens
        .iter()
        .filter(|t| is_comment(t))
        .filter_map(|t| {
            let range = t.start as usize..t.end as usize;
            text.get(range.clone()).map(|s| Comment {
                range,
                text: s.to_string(),
            })
        })
        .collect()
}

fn checksum(text: &str, tokens: &[ScanToken]) -> String {
    let mut hasher = Sha256::new();
    if tokens.is_empty() {
        hasher.update(text.as_bytes());
    }
    for token in tokens.iter().filter(|t| !is_comment(t)) {
        if let Some(bytes) = text.get(token.start as usize..token.end as usize) {
            hasher.update(bytes.as_bytes());
            hasher.update([0]);
        }
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedFile {
        parse_file(&SourceFile::new(
            "/m/1_a.sql".into(),
            "migrations/1_a.sql".into(),
            text.into(),
        ))
    }

    #[test]
    fn statements_span_their_tokens() {
        let text = "-- header\ncreate table t (id int);\n\n/* c */ insert into t values (1)";
        let parsed = parse(text);
        assert!(parsed.diagnostics.is_empty());
        let spans: Vec<&str> = parsed
            .statements
            .iter()
            .map(|s| &text[s.range.clone()])
            .collect();
        assert_eq!(
            spans,
            vec!["create table t (id int)", "insert into t values (1)"]
        );
        assert_eq!(parsed.statements[1].line, 4);
        assert_eq!(parsed.comments.len(), 2);
    }

    #[test]
    fn every_syntax_error_in_a_file_with_its_position() {
        let parsed = parse("select 1;\nselect * form t;\ncreate tabel x (id int);\nselect 2;\n");
        let found: Vec<(usize, usize, &str)> = parsed
            .diagnostics
            .iter()
            .map(|d| {
                let l = d.location.as_ref().unwrap();
                (l.line, l.column, d.message.as_str())
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (2, 10, "syntax error at or near \"form\""),
                (3, 8, "syntax error at or near \"tabel\""),
            ]
        );
        assert_eq!(parsed.statements.len(), 2);
    }

    #[test]
    fn unterminated_strings_are_reported_once() {
        let parsed = parse("select 1;\nselect 'abc;\n");
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].location.as_ref().unwrap().line, 2);
    }

    #[test]
    fn checksum_ignores_layout_and_comments_but_not_edits() {
        let a = parse("create table t (id int);\n").checksum;
        let b = parse("-- a comment\r\nCREATE  table t(\n  id int /* x */ );").checksum;
        let c = parse("create table t (id bigint);").checksum;
        let d = parse("create table t (id int) ;").checksum;
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
        assert_eq!(a, d);
        // Keyword case is an edit of the text; only layout and comments are free.
        assert_ne!(a, b);
        let e = parse("-- a comment\r\ncreate  table t(\n  id int /* x */ );").checksum;
        assert_eq!(a, e);
    }

    #[test]
    fn empty_and_comment_only_files_have_no_statements() {
        assert!(parse("").statements.is_empty());
        assert!(parse("-- nothing\n").statements.is_empty());
    }
}
