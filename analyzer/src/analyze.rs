//! The pipeline end to end: discover, read, parse, check, for a whole directory.

use crate::catalog::{Catalog, CatalogBuilder};
use crate::config::Config;
use crate::diagnostics::{self, Diagnostic, Severity};
use crate::discover::{discover, FoundFile};
use crate::parallel;
use crate::parse::{parse_file, ParsedFile, Statement};
use crate::plpgsql::ParseCache;
use crate::rules::{self, allow, reversible, transaction, Finding, StatementContext};
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
    /// The schema after the last migration, folded from every up migration in order
    /// (a down file is folded on a copy and never changes it).
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
        let Some(files) = prepared.files else {
            return Vec::new();
        };
        let exempt = baseline_position.is_some_and(|last| position <= last);
        // Only a migration with a down file pays for the copies: the schema before its
        // up file, and the schema after it for the down file to fold on, so that the
        // main catalog follows the up files alone.
        let before = files.down.as_ref().map(|_| builder.clone());
        let mut up = fold_file(&files.up, files.up_checks, &mut builder);
        let mut down = files.down.map(|(file, checks)| {
            let mut after_down = builder.clone();
            let folded = fold_file(&file, checks, &mut after_down);
            (file, folded, after_down)
        });
        if let (Some(before), Some((down_file, down_folded, after_down))) = (&before, &mut down) {
            if up.folds_cleanly() && down_folded.folds_cleanly() {
                let up_side = reversible::Side {
                    file: &files.up,
                    statements: &up.parsed.statements,
                    transactional: up.transaction == TransactionMode::Transactional,
                };
                let down_side = reversible::Side {
                    file: down_file,
                    statements: &down_folded.parsed.statements,
                    transactional: down_folded.transaction == TransactionMode::Transactional,
                };
                for reported in reversible::check(before, after_down, &up_side, &down_side) {
                    let placed = Placed {
                        statement: reported.statement,
                        finding: reported.finding,
                        severity: reported.severity,
                    };
                    match reported.file {
                        reversible::InFile::Up => up.findings.push(placed),
                        reversible::InFile::Down => down_folded.findings.push(placed),
                    }
                }
            }
        }
        let mut trees = Vec::new();
        let mut checked = finish_file(&files.up, up, config, exempt);
        if !config.keep_trees {
            trees.extend(take_trees(&mut checked.parsed.statements));
        }
        analysis.diagnostics.extend(checked.diagnostics);
        analysis.used_allows.extend(checked.used_allows);
        let down = down.map(|(file, folded, _)| {
            let mut checked = finish_file(&file, folded, config, exempt);
            if !config.keep_trees {
                trees.extend(take_trees(&mut checked.parsed.statements));
            }
            analysis.diagnostics.extend(checked.diagnostics);
            analysis.used_allows.extend(checked.used_allows);
            DownMigration {
                file,
                statements: checked.parsed.statements,
                checksum: checked.parsed.checksum,
                transaction: checked.transaction,
            }
        });
        let found = &found[position];
        analysis.migrations.push(Migration {
            version: found.version,
            name: found.name.clone(),
            statements: checked.parsed.statements,
            checksum: checked.parsed.checksum,
            transaction: checked.transaction,
            up: files.up,
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
    /// Read errors.
    diagnostics: Vec<Diagnostic>,
    /// `None` when the up file cannot be read.
    files: Option<PreparedFiles>,
}

/// A migration's files with the checks that need only each file itself.
struct PreparedFiles {
    up: SourceFile,
    up_checks: PreparedFile,
    /// The down file, when there is one and it can be read.
    down: Option<(SourceFile, PreparedFile)>,
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
    // A down file passes the same checks as an up file: it runs on a real database too.
    let down = found.down.as_ref().and_then(|down| match read(down) {
        Ok(file) => {
            let checks = prepare_file(&file, FileRole::Down, found.metadata_no_transaction);
            Some((file, checks))
        }
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            None
        }
    });
    let up_checks = prepare_file(&up, FileRole::Up, found.metadata_no_transaction);
    PreparedMigration {
        diagnostics,
        files: Some(PreparedFiles {
            up,
            up_checks,
            down,
        }),
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
    let prepared = prepare_file(up, FileRole::Up, metadata_no_transaction);
    let folded = fold_file(up, prepared, &mut CatalogBuilder::new());
    finish_file(up, folded, config, false)
}

/// Folds up migrations, in order, into the schema they build, without running the
/// rules: the catalog [`analyze`] gives for the same files. Each file's transaction mode
/// is read from the file itself (its statements and `-- pgstrata:no-transaction`).
pub fn fold(files: &[SourceFile]) -> Catalog {
    fold_in_modes(files.iter().map(|file| (file, false)))
}

/// As [`fold`], each file with whether its layout's metadata asks for no transaction
/// (diesel's `run_in_transaction = false`), as discovery reports it; the runtime passes
/// whether the embedded migration is non-transactional.
pub fn fold_in_modes<'a>(files: impl IntoIterator<Item = (&'a SourceFile, bool)>) -> Catalog {
    let mut builder = CatalogBuilder::new();
    for (file, metadata_no_transaction) in files {
        let parsed = parse_file(file);
        // Malformed directives are the rules' business, not the fold's.
        let directives = allow::read(file, &parsed, &mut Vec::new());
        let transaction = transaction_mode(
            file,
            &parsed,
            metadata_no_transaction || directives.no_transaction,
        );
        builder.begin_file(transaction == TransactionMode::Transactional);
        for statement in &parsed.statements {
            if let Some(node) = &statement.node {
                builder.apply(node);
            }
        }
        builder.end_file();
    }
    builder.into_catalog()
}

fn read(file: &FoundFile) -> Result<SourceFile, Box<Diagnostic>> {
    SourceFile::read(&file.path, &file.display)
}

/// Which half of a migration a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileRole {
    Up,
    /// An empty down file is how a migration says it cannot be undone: not a mistake.
    Down,
}

/// A rule's finding on one statement of a file, before allows are applied.
#[derive(Debug)]
struct Placed {
    statement: usize,
    finding: Finding,
    severity: Severity,
}

impl Placed {
    fn error(statement: usize, finding: Finding) -> Placed {
        Placed {
            statement,
            finding,
            severity: Severity::Error,
        }
    }
}

/// One file after the checks that need only the file itself.
struct PreparedFile {
    parsed: ParsedFile,
    transaction: TransactionMode,
    directives: allow::Directives,
    /// Syntax errors, malformed directives, an empty file.
    diagnostics: Vec<Diagnostic>,
    /// The statement rules' findings, before any allow.
    findings: Vec<Placed>,
    /// The `DO` blocks the rules parsed, for the catalog.
    parses: ParseCache,
}

/// Parses a file, reads its directives, decides its transaction mode and runs the
/// statement rules.
fn prepare_file(file: &SourceFile, role: FileRole, metadata_no_transaction: bool) -> PreparedFile {
    let parsed = parse_file(file);
    let mut diagnostics = parsed.diagnostics.clone();
    if parsed.statements.is_empty() && parsed.diagnostics.is_empty() && role == FileRole::Up {
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
            findings.extend(out.drain(..).map(|f| Placed::error(index, f)));
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

/// A file folded into a catalog, its findings not yet judged against the allows.
struct FoldedFile {
    parsed: ParsedFile,
    transaction: TransactionMode,
    directives: allow::Directives,
    diagnostics: Vec<Diagnostic>,
    findings: Vec<Placed>,
    /// Whether the file parsed and the catalog took every statement without a problem:
    /// only then is the schema it leaves worth comparing.
    clean: bool,
}

impl FoldedFile {
    fn folds_cleanly(&self) -> bool {
        self.clean
    }
}

/// Folds a prepared file into the catalog (the `catalog` rule's findings come from
/// there).
fn fold_file(
    file: &SourceFile,
    prepared: PreparedFile,
    builder: &mut CatalogBuilder,
) -> FoldedFile {
    let PreparedFile {
        parsed,
        transaction,
        directives,
        diagnostics,
        mut findings,
        parses,
    } = prepared;
    builder.begin_file(transaction == TransactionMode::Transactional);
    let before = findings.len();
    parses.scope(|| {
        let mut out = Vec::new();
        for (index, statement) in parsed.statements.iter().enumerate() {
            let ctx = StatementContext { file, statement };
            rules::catalog::check(&ctx, builder, &mut out);
            findings.extend(out.drain(..).map(|f| Placed::error(index, f)));
        }
    });
    builder.end_file();
    let clean = findings.len() == before && parsed.diagnostics.is_empty();
    FoldedFile {
        parsed,
        transaction,
        directives,
        diagnostics,
        findings,
        clean,
    }
}

/// Turns a folded file's findings into diagnostics. A finding is dropped when the
/// baseline exempts its rule, the crate allows it, or a comment does; a comment that
/// allowed nothing is reported.
fn finish_file(
    file: &SourceFile,
    folded: FoldedFile,
    config: &Config,
    exempt: bool,
) -> CheckedFile {
    let FoldedFile {
        parsed,
        transaction,
        directives,
        mut diagnostics,
        mut findings,
        clean: _,
    } = folded;
    // Statement order, as when every rule ran statement by statement.
    findings.sort_by_key(|placed| placed.statement);
    let mut used_allows = BTreeSet::new();
    let mut used_comments = vec![false; directives.allows.len()];
    for Placed {
        statement,
        finding,
        severity,
    } in findings
    {
        if exempt && RERUN_RULES.contains(&finding.rule) {
            continue;
        }
        if let Some(comment) = directives.allowing(statement, finding.rule) {
            used_comments[comment] = true;
            continue;
        }
        if config.allow.contains(finding.rule) {
            used_allows.insert(finding.rule);
            continue;
        }
        let mut diagnostic = Diagnostic::error(finding.rule, finding.message)
            .at(file.location(finding.range))
            .help(finding.help);
        diagnostic.severity = severity;
        diagnostics.push(diagnostic);
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

/// A file's parse trees, taken out of its statements once nothing needs them.
fn take_trees(statements: &mut [Statement]) -> Vec<NodeEnum> {
    statements
        .iter_mut()
        .filter_map(|statement| statement.node.take())
        .collect()
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
