//! Rendering in rustc's style (`error[rule]: message`, `--> file:line:col`, the line,
//! a caret, `= help:`), the same text for the macro and the CLI.

use super::{Diagnostic, Severity};
use annotate_snippets::{Level, Renderer, Snippet};

/// Renders one diagnostic as plain text (no colour: it ends up inside `compile_error!`).
pub fn render(diagnostic: &Diagnostic) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    let file_note = diagnostic.file.as_ref().map(|f| format!("in {f}"));
    let mut message = level.title(&diagnostic.message).id(diagnostic.rule);
    let shown = diagnostic.location.as_ref().map(|location| {
        let underline = clamp_to_line(&location.line_text, location.underline.clone());
        displayable(&location.line_text, underline)
    });
    if let (Some(location), Some((line_text, underline))) = (&diagnostic.location, &shown) {
        let underline = underline.clone();
        message = message.snippet(
            Snippet::source(line_text)
                .line_start(location.line)
                .origin(&location.file)
                .annotation(level.span(underline)),
        );
    } else if let Some(note) = &file_note {
        message = message.footer(Level::Note.title(note));
    }
    if let Some(help) = &diagnostic.help {
        message = message.footer(Level::Help.title(help));
    }
    let rendered = Renderer::plain().render(message).to_string();
    rendered
}

/// The line as a terminal can show it, as rustc does: a tab becomes four spaces, other
/// white space one space, a control character its Unicode picture (`\0` is `␀`), with
/// the underline moved to match. Zero-width characters in the margin also made the
/// renderer's width arithmetic overflow (found by fuzzing).
fn displayable(line: &str, range: std::ops::Range<usize>) -> (String, std::ops::Range<usize>) {
    let mut shown = String::with_capacity(line.len());
    let (mut start, mut end) = (None, None);
    for (i, c) in line.char_indices() {
        if i == range.start {
            start = Some(shown.len());
        }
        if i == range.end {
            end = Some(shown.len());
        }
        match c {
            '\t' => shown.push_str("    "),
            c if c.is_whitespace() => shown.push(' '),
            c if (c as u32) < 0x20 => {
                shown.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'))
            }
            '\u{7f}' => shown.push('\u{2421}'),
            c if c.is_control() => shown.push('\u{fffd}'),
            c => shown.push(c),
        }
    }
    let start = start.unwrap_or(shown.len());
    let end = end.unwrap_or(shown.len()).max(start);
    (shown, start..end)
}

/// A range that is non-empty, inside the line and on character boundaries, so the
/// renderer always has something to point at.
fn clamp_to_line(line: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut start = range.start.min(line.len());
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, line.len());
    while !line.is_char_boundary(end) {
        end += 1;
    }
    if end == start {
        end = line[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Location;

    #[test]
    fn renders_like_rustc() {
        let diagnostic = Diagnostic::error("syntax", "syntax error at or near \"FORM\"")
            .at(Location {
                file: "migrations/V2__b.sql".into(),
                line: 3,
                column: 10,
                line_text: "SELECT 1 FORM t;".into(),
                underline: 9..13,
            })
            .help("check the statement against PostgreSQL's grammar");
        assert_eq!(
            render(&diagnostic),
            "error[syntax]: syntax error at or near \"FORM\"\n \
             --> migrations/V2__b.sql:3:10\n  \
             |\n\
             3 | SELECT 1 FORM t;\n  \
             |          ^^^^\n  \
             |\n  \
             = help: check the statement against PostgreSQL's grammar"
        );
    }

    #[test]
    fn control_characters_and_tabs_are_shown_as_rustc_shows_them() {
        assert_eq!(
            displayable("\ta\0b", 2..3),
            ("    a\u{2400}b".to_string(), 5..8)
        );
        let line = "\x0c\x0c<< \x7f\0-- pgstrata:allow(x) select 1";
        let diagnostic = Diagnostic::error("allow", "unknown rule").at(Location {
            file: "m.sql".into(),
            line: 1,
            column: 9,
            line_text: line.into(),
            underline: 8..27,
        });
        assert!(render(&diagnostic).contains("  << \u{2421}\u{2400}-- pgstrata"));
    }

    #[test]
    fn an_empty_or_outside_span_still_points_at_something() {
        assert_eq!(clamp_to_line("abc", 5..5), 3..3);
        assert_eq!(clamp_to_line("abc", 1..1), 1..2);
        assert_eq!(clamp_to_line("é", 1..1), 0..2);
    }
}
