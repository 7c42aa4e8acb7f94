//! The pipeline end to end: discover, read, parse, check, for a whole directory.

use crate::diagnostics::{self, Diagnostic};
use crate::discover::{discover, FoundFile};
use crate::parse::{parse_file, ParsedFile, Statement};
use crate::rules::{self, allow, transaction, Finding, StatementContext};
use crate::source::SourceFile;
use std::collections::BTreeSet;
use std::path::Path;

/// What the caller decides: rules allowed for every file (the macro's `allow = [...]`,
/// the CLI's `--allow`).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub allow: BTreeSet<String>,
}

/// How the runner must apply a migration, read from its statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionMode {
    Transactional,
    /// Outside a transaction, statement by statement; says why.
    NonTransactional {
        reason: String,
    },
}

/// One checked migration.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    pub name: String,
    pub up: SourceFile,
    pub down: Option<SourceFile>,
    pub statements: Vec<Statement>,
    pub checksum: String,
    pub transaction: TransactionMode,
}

/// Everything the analyzer learnt about a directory.
#[derive(Debug, Default)]
pub struct Analysis {
    pub migrations: Vec<Migration>,
    /// The files discovery considered, for the runtime's stale-embedding guard.
    pub considered_files: Vec<String>,
    /// Every problem in every file, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Analyzes the migrations in `dir`; `display_dir` is how users name it (`migrations`).
pub fn analyze(dir: &Path, display_dir: &str, config: &Config) -> Analysis {
    let discovery = discover(dir, display_dir);
    let mut analysis = Analysis {
        considered_files: discovery.considered_files,
        diagnostics: discovery.diagnostics,
        ..Analysis::default()
    };
    for found in discovery.migrations {
        let up = match read(&found.up) {
            Ok(file) => file,
            Err(diagnostic) => {
                analysis.diagnostics.push(*diagnostic);
                continue;
            }
        };
        let down = found.down.as_ref().and_then(|down| match read(down) {
            Ok(file) => {
                // A down file is checked for syntax only: it runs on a later schema.
                analysis.diagnostics.extend(parse_file(&file).diagnostics);
                Some(file)
            }
            Err(diagnostic) => {
                analysis.diagnostics.push(*diagnostic);
                None
            }
        });
        let (parsed, transaction, diagnostics) =
            check_migration(&up, found.metadata_no_transaction, config);
        analysis.diagnostics.extend(diagnostics);
        analysis.migrations.push(Migration {
            version: found.version,
            name: found.name,
            statements: parsed.statements,
            checksum: parsed.checksum,
            transaction,
            up,
            down,
        });
    }
    diagnostics::sort(&mut analysis.diagnostics);
    analysis
}

/// Parses and checks one up migration: its statements, its transaction mode and its
/// diagnostics (unsorted). The per-file half of [`analyze`], also what the fuzzer drives.
pub fn check_migration(
    up: &SourceFile,
    metadata_no_transaction: bool,
    config: &Config,
) -> (ParsedFile, TransactionMode, Vec<Diagnostic>) {
    let parsed = parse_file(up);
    let (transaction, mut diagnostics) = check_file(up, &parsed, metadata_no_transaction, config);
    if parsed.statements.is_empty() && parsed.diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                rules::layout::RULE.id,
                format!("`{}` has no statements", up.display),
            )
            .in_file(&up.display)
            .help("an empty migration is usually a mistake; write its SQL or remove the file"),
        );
    }
    (parsed, transaction, diagnostics)
}

fn read(file: &FoundFile) -> Result<SourceFile, Box<Diagnostic>> {
    SourceFile::read(&file.path, &file.display)
}

/// Runs the rules over one parsed file and decides its transaction mode.
fn check_file(
    file: &SourceFile,
    parsed: &ParsedFile,
    metadata_no_transaction: bool,
    config: &Config,
) -> (TransactionMode, Vec<Diagnostic>) {
    let mut diagnostics = parsed.diagnostics.clone();
    let directives = allow::read(file, parsed, &mut diagnostics);

    let mut findings: Vec<(usize, Finding)> = Vec::new();
    for (index, statement) in parsed.statements.iter().enumerate() {
        let mut out = Vec::new();
        rules::check_statement(
            &StatementContext {
                file,
                statement,
                earlier: &parsed.statements[..index],
            },
            &mut out,
        );
        findings.extend(out.into_iter().map(|f| (index, f)));
    }
    for (index, finding) in findings {
        if config.allow.contains(finding.rule) || directives.allows(Some(index), finding.rule) {
            continue;
        }
        diagnostics.push(
            Diagnostic::error(finding.rule, finding.message)
                .at(file.location(finding.range))
                .help(finding.help),
        );
    }

    let mode = transaction_mode(
        file,
        parsed,
        metadata_no_transaction || directives.no_transaction,
    );
    (mode, diagnostics)
}

fn transaction_mode(file: &SourceFile, parsed: &ParsedFile, forced: bool) -> TransactionMode {
    let refusing = parsed.statements.iter().find_map(|statement| {
        let what = transaction::needs_no_transaction(statement.node.as_ref()?)?;
        Some(format!(
            "{what} at {}:{} cannot run inside a transaction block",
            file.display, statement.line
        ))
    });
    match (refusing, forced) {
        (Some(reason), _) => TransactionMode::NonTransactional { reason },
        (None, true) => TransactionMode::NonTransactional {
            reason: format!("{} asks for no transaction", file.display),
        },
        (None, false) => TransactionMode::Transactional,
    }
}
