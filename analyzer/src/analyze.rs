//! The pipeline end to end: discover, read, parse, check, for a whole directory.

use crate::catalog::{Catalog, CatalogBuilder};
use crate::config::Config;
use crate::diagnostics::{self, Diagnostic};
use crate::discover::{discover, FoundFile};
use crate::parallel;
use crate::parse::{parse_file, ParsedFile, Statement};
use crate::plpgsql::ParseCache;
use crate::rules::{self, allow, transaction, Finding, StatementContext};
use crate::source::SourceFile;
use pg_query::NodeEnum;
use std::collections::BTreeSet;
use std::path::Path;

/// The rules a baseline exempts: those about running a migration again.
pub const RERUN_RULES: &[&str] = &["non-idempotent"];

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
    /// The down file, when the layout pairs one with the up file.
    pub down: Option<DownMigration>,
    pub statements: Vec<Statement>,
    pub checksum: String,
    pub transaction: TransactionMode,
}

/// A migration's down file: what the runner needs to run it (its statements and how
/// it must be applied), as [`Migration`] has it for the up file.
#[derive(Debug, Clone)]
pub struct DownMigration {
    pub file: SourceFile,
    pub statements: Vec<Statement>,
    pub checksum: String,
    pub transaction: TransactionMode,
}

/// Everything the analyzer learnt about a directory.
#[derive(Debug, Default)]
pub struct Analysis {
    pub migrations: Vec<Migration>,
    /// The files discovery considered, for the runtime's check of the embedded files.
    pub considered_files: Vec<String>,
    /// Every problem in every file, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The rules of `Config::allow` that allowed something somewhere.
    pub used_allows: BTreeSet<&'static str>,
    /// The schema after the last migration, folded from every up migration in order.
    pub catalog: Catalog,
}

/// One checked up migration.
#[derive(Debug)]
pub struct CheckedFile {
    pub parsed: ParsedFile,
    pub transaction: TransactionMode,
    /// Unsorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The rules of `Config::allow` that allowed something in this file.
    pub used_allows: BTreeSet<&'static str>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Analyzes the migrations in `dir`; `display_dir` is how users name it (`migrations`).
/// A rule of `config.allow` that allowed nothing is an error when nothing else failed.
///
/// Files are read, parsed and checked alone on several threads (PostgreSQL's parser
/// keeps its state per thread); the catalog, which needs every earlier migration,
/// folds them in order on this one as they become ready.
pub fn analyze(dir: &Path, display_dir: &str, config: &Config) -> Analysis {
    let discovery = discover(dir, display_dir);
    let mut analysis = Analysis {
        considered_files: discovery.considered_files,
        diagnostics: discovery.diagnostics,
        ..Analysis::default()
    };
    let baseline_position = match config.baseline {
        Some(version) => match discovery
            .migrations
            .iter()
            .position(|m| m.version == version)
        {
            Some(position) => Some(position),
            None => {
                analysis.diagnostics.push(
                    Diagnostic::error(rules::layout::RULE.id, format!("the baseline version {version} is not a migration in `{display_dir}`"))
                        .help("name the version of the last migration the existing databases already have"),
                );
                None
            }
        },
        None => None,
    };
    let found = discovery.migrations;
    let mut builder = CatalogBuilder::new();
    let mut fold = |position: usize, prepared: PreparedMigration| {
        analysis.diagnostics.extend(prepared.diagnostics);
        let Some((up, down, file)) = prepared.files else {
            return Vec::new();
        };
        let exempt = baseline_position.is_some_and(|last| position <= last);
        let mut checked = fold_file(&up, file, config, exempt, &mut builder);
        let trees: Vec<NodeEnum> = if config.keep_trees {
            Vec::new()
        } else {
            checked
                .parsed
                .statements
                .iter_mut()
                .filter_map(|statement| statement.node.take())
                .collect()
        };
        analysis.diagnostics.extend(checked.diagnostics);
        analysis.used_allows.extend(checked.used_allows);
        let found = &found[position];
        analysis.migrations.push(Migration {
            version: found.version,
            name: found.name.clone(),
            statements: checked.parsed.statements,
            checksum: checked.parsed.checksum,
            transaction: checked.transaction,
            up,
            down,
        });
        trees
    };
    parallel::in_order(found.len(), |i| prepare_migration(&found[i]), &mut fold);
    analysis.catalog = builder.into_catalog();
    // An error can hide what an allow is for (a file that does not parse is not
    // checked), so allows are judged only when nothing else failed.
    if !analysis.has_errors() {
        let unused = config.unused_allows(&analysis.used_allows, display_dir);
        analysis.diagnostics.extend(unused);
    }
    diagnostics::sort(&mut analysis.diagnostics);
    analysis
}

/// A discovered migration, read, parsed and checked alone: everything but the
/// catalog, which needs the migrations before it.
struct PreparedMigration {
    /// Read errors, and the down file's syntax errors.
    diagnostics: Vec<Diagnostic>,
    /// The up and down files and the up file's checks; `None` when the up file
    /// cannot be read.
    files: Option<(SourceFile, Option<DownMigration>, PreparedFile)>,
}

fn prepare_migration(found: &crate::discover::FoundMigration) -> PreparedMigration {
    let mut diagnostics = Vec::new();
    let up = match read(&found.up) {
        Ok(file) => file,
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            return PreparedMigration {
                diagnostics,
                files: None,
            };
        }
    };
    let down = found.down.as_ref().and_then(|down| match read(down) {
        Ok(file) => {
            // A down file is checked for syntax only: it runs on a later schema.
            let mut parsed = parse_file(&file);
            diagnostics.append(&mut parsed.diagnostics);
            let transaction = transaction_mode(&file, &parsed, false);
            for statement in &mut parsed.statements {
                statement.node = None;
            }
            Some(DownMigration {
                file,
                statements: parsed.statements,
                checksum: parsed.checksum,
                transaction,
            })
        }
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            None
        }
    });
    let file = prepare_file(&up, found.metadata_no_transaction);
    PreparedMigration {
        diagnostics,
        files: Some((up, down, file)),
    }
}

/// Parses and checks one up migration: its statements, its transaction mode and its
/// diagnostics. The per-file half of [`analyze`], also what the fuzzer drives; the
/// catalog starts empty.
pub fn check_migration(
    up: &SourceFile,
    metadata_no_transaction: bool,
    config: &Config,
) -> CheckedFile {
    let prepared = prepare_file(up, metadata_no_transaction);
    fold_file(up, prepared, config, false, &mut CatalogBuilder::new())
}

fn read(file: &FoundFile) -> Result<SourceFile, Box<Diagnostic>> {
    SourceFile::read(&file.path, &file.display)
}

/// One up file after the checks that need only the file itself.
struct PreparedFile {
    parsed: ParsedFile,
    transaction: TransactionMode,
    directives: allow::Directives,
    /// Syntax errors, malformed directives, an empty file.
    diagnostics: Vec<Diagnostic>,
    /// The statement rules' findings, by statement index, before any allow.
    findings: Vec<(usize, Finding)>,
    /// The `DO` blocks the rules parsed, for the catalog.
    parses: ParseCache,
}

/// Parses a file, reads its directives, decides its transaction mode and runs the
/// statement rules.
fn prepare_file(file: &SourceFile, metadata_no_transaction: bool) -> PreparedFile {
    let parsed = parse_file(file);
    let mut diagnostics = parsed.diagnostics.clone();
    if parsed.statements.is_empty() && parsed.diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                rules::layout::RULE.id,
                format!("`{}` has no statements", file.display),
            )
            .in_file(&file.display)
            .help("an empty migration is usually a mistake; write its SQL or remove the file"),
        );
    }
    let directives = allow::read(file, &parsed, &mut diagnostics);
    let transaction = transaction_mode(
        file,
        &parsed,
        metadata_no_transaction || directives.no_transaction,
    );
    let (findings, parses) = ParseCache::default().scope(|| {
        let mut findings = Vec::new();
        let mut state = rules::FileState::default();
        let mut out = Vec::new();
        for (index, statement) in parsed.statements.iter().enumerate() {
            let ctx = StatementContext { file, statement };
            rules::check_statement(&ctx, &mut state, &mut out);
            findings.extend(out.drain(..).map(|f| (index, f)));
        }
        findings
    });
    PreparedFile {
        parses,
        parsed,
        transaction,
        directives,
        diagnostics,
        findings,
    }
}

/// Folds a prepared file into the catalog (the `catalog` rule's findings come from
/// there), then turns the findings into diagnostics. A finding is dropped when the
/// baseline exempts its rule, the crate allows it, or a comment does; a comment that
/// allowed nothing is reported.
fn fold_file(
    file: &SourceFile,
    prepared: PreparedFile,
    config: &Config,
    exempt: bool,
    builder: &mut CatalogBuilder,
) -> CheckedFile {
    let PreparedFile {
        parsed,
        transaction,
        directives,
        mut diagnostics,
        mut findings,
        parses,
    } = prepared;
    builder.begin_file(transaction == TransactionMode::Transactional);
    parses.scope(|| {
        let mut out = Vec::new();
        for (index, statement) in parsed.statements.iter().enumerate() {
            let ctx = StatementContext { file, statement };
            rules::catalog::check(&ctx, builder, &mut out);
            findings.extend(out.drain(..).map(|f| (index, f)));
        }
    });
    builder.end_file();
    // Statement order, as when every rule ran statement by statement.
    findings.sort_by_key(|(index, _)| *index);
    let mut used_allows = BTreeSet::new();
    let mut used_comments = vec![false; directives.allows.len()];
    for (index, finding) in findings {
        if exempt && RERUN_RULES.contains(&finding.rule) {
            continue;
        }
        if let Some(comment) = directives.allowing(index, finding.rule) {
            used_comments[comment] = true;
            continue;
        }
        if config.allow.contains(finding.rule) {
            used_allows.insert(finding.rule);
            continue;
        }
        diagnostics.push(
            Diagnostic::error(finding.rule, finding.message)
                .at(file.location(finding.range))
                .help(finding.help),
        );
    }
    for (allow, used) in directives.allows.iter().zip(used_comments) {
        if !used {
            diagnostics.push(allow::unused(file, allow));
        }
    }
    CheckedFile {
        parsed,
        transaction,
        diagnostics,
        used_allows,
    }
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
