//! A migration file read into memory: its text and a line index for positions.

use crate::diagnostics::{Diagnostic, Location};
use std::path::{Path, PathBuf};

/// One migration file's text, with where it lives and how users name it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The absolute path (what `include_str!` embeds).
    pub path: PathBuf,
    /// The path as users know it, relative to their crate (`migrations/V1__init.sql`).
    pub display: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path,
            display,
            text,
            line_starts,
        }
    }

    /// Reads a file; a file that cannot be read or is not UTF-8 becomes a diagnostic
    /// that names it, never a panic or a lossy conversion.
    pub fn read(path: &Path, display: &str) -> Result<Self, Box<Diagnostic>> {
        let bytes = std::fs::read(path).map_err(|e| {
            Box::new(
                Diagnostic::error("layout", format!("cannot read `{display}`: {e}"))
                    .in_file(display),
            )
        })?;
        Self::from_bytes(path.to_path_buf(), display, bytes)
    }

    /// A file from its bytes; text that is not UTF-8 is a diagnostic pointing at the
    /// first bad byte.
    pub fn from_bytes(
        path: PathBuf,
        display: &str,
        bytes: Vec<u8>,
    ) -> Result<Self, Box<Diagnostic>> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(path, display.to_string(), text)),
            Err(e) => {
                let valid_up_to = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                // Point at the first bad byte using the valid prefix for line and column.
                let prefix = String::from_utf8_lossy(&bytes[..valid_up_to]).into_owned();
                let file = Self::new(path, display.to_string(), prefix);
                let location = file.location(valid_up_to..valid_up_to);
                Err(Box::new(
                    Diagnostic::error("layout", format!("`{display}` is not valid UTF-8"))
                        .at(location)
                        .help(
                            "save the migration as UTF-8; PostgreSQL reads it as the client encoding",
                        ),
                ))
            }
        }
    }

    /// 1-based line and the byte offset where that line starts.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        (index + 1, self.line_starts[index])
    }

    /// 1-based line number of a byte offset.
    pub fn line_number(&self, offset: usize) -> usize {
        self.line_of(offset.min(self.text.len())).0
    }

    /// A location for a byte range: its first line, the column in characters, and the
    /// part of the range on that line.
    pub fn location(&self, range: std::ops::Range<usize>) -> Location {
        let start = floor_char_boundary(&self.text, range.start.min(self.text.len()));
        let (line, line_start) = self.line_of(start);
        let line_end = self.text[line_start..]
            .find('\n')
            .map_or(self.text.len(), |i| line_start + i);
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        // A range starting on the line's trailing `\r`s points just past its text.
        let text_end = line_start + line_text.len();
        let start = start.min(text_end);
        let end = range.end.clamp(start, text_end);
        Location {
            file: self.display.clone(),
            line,
            column: self.text[line_start..start].chars().count() + 1,
            line_text: line_text.to_string(),
            underline: (start - line_start)..(end - line_start),
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The byte offset of a 1-based character position (PostgreSQL reports error cursors
/// in characters), clamped to the text.
pub fn byte_offset_of_char(text: &str, char_position: usize) -> usize {
    text.char_indices()
        .nth(char_position.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("/x.sql".into(), "m/x.sql".into(), text.into())
    }

    #[test]
    fn locates_lines_and_character_columns() {
        let f = file("select 1;\n-- é comment\nselect é, 2;\n");
        let loc = f.location(35..38);
        assert_eq!((loc.line, loc.column), (3, 11));
        assert_eq!(loc.line_text, "select é, 2;");
        assert_eq!(f.line_number(0), 1);
        assert_eq!(f.line_number(10), 2);
    }

    #[test]
    fn ranges_past_the_end_are_clamped() {
        let f = file("select 1");
        let loc = f.location(100..200);
        assert_eq!((loc.line, loc.column), (1, 9));
    }

    #[test]
    fn a_range_on_trailing_carriage_returns_stays_on_its_line() {
        // Found by the fuzzer: a statement ending in `\r\r\r` then invalid bytes.
        let f = file("select (a\r\r\r\nx");
        let loc = f.location(10..12);
        assert_eq!((loc.line, loc.column, loc.underline), (1, 10, 9..9));
    }

    #[test]
    fn char_positions_become_byte_offsets() {
        assert_eq!(byte_offset_of_char("éa b", 3), 3);
        assert_eq!(byte_offset_of_char("ab", 10), 2);
    }

    #[test]
    fn non_utf8_names_the_file_and_the_line() {
        let dir = pgstrata_testkit::TempDir::new("source");
        dir.write("bad.sql", b"select 1;\nselect '\xff';\n");
        let err = SourceFile::read(&dir.path().join("bad.sql"), "m/bad.sql").unwrap_err();
        assert_eq!(err.message, "`m/bad.sql` is not valid UTF-8");
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 9));
    }
}
