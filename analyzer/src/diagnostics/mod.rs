//! What the analyzer tells the user, and where.
//!
//! A diagnostic carries everything needed to render it (the offending line included),
//! so it can be rendered long after the file it came from was dropped, by the macro
//! or the CLI alike.

mod render;

pub use render::render;

/// How bad a finding is. Every rule is an error by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a migration file: the file as the user knows it (relative to the crate),
/// a 1-based line and column, the text of that line and the byte range to underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub line_text: String,
    pub underline: std::ops::Range<usize>,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub location: Option<Location>,
    /// A file the finding is about when there is no line to point at (layout problems).
    pub file: Option<String>,
}

impl Diagnostic {
    pub fn error(rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            location: None,
            file: None,
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.file = Some(location.file.clone());
        self.location = Some(location);
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` or just the file, for one-line summaries.
    pub fn position(&self) -> Option<String> {
        match (&self.location, &self.file) {
            (Some(loc), _) => Some(format!("{}:{}:{}", loc.file, loc.line, loc.column)),
            (None, Some(file)) => Some(file.clone()),
            (None, None) => None,
        }
    }
}

/// Diagnostics in the order users read them: by file, then position, then rule.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.file.clone().unwrap_or_default(),
                d.location.as_ref().map_or((0, 0), |l| (l.line, l.column)),
                d.rule,
            )
        };
        key(a).cmp(&key(b))
    });
}
