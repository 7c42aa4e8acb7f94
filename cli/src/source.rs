//! Reading the migrations directory as the macro reads it, for every command: the
//! analyzer with the macro's checks and checksums, its diagnostics printed as `check`
//! prints them, and the migrations as the runner takes them.

use crate::args::{HistoryTable, Source};
use pgstrata_analyzer::{analyze, render, Analysis, Config};
use pgstrata_runtime::{Migration, Runner};
use std::path::Path;

/// An analyzed directory.
pub struct Loaded {
    pub analysis: Analysis,
    /// The directory as the user named it (paths in messages start with it).
    pub display: String,
    pub errors: usize,
}

impl Loaded {
    /// The migrations as an application built with `migrations!` embeds them.
    pub fn migrations(&self) -> &'static [Migration] {
        pgstrata_codegen::runtime::leaked_migrations(&self.analysis)
    }

    /// Prints the diagnostics as `check` does: to stdout, or to stderr when stdout
    /// holds JSON.
    pub fn print_diagnostics(&self, to_stderr: bool) {
        for diagnostic in &self.analysis.diagnostics {
            if to_stderr {
                eprintln!("{}\n", render(diagnostic));
            } else {
                println!("{}\n", render(diagnostic));
            }
        }
    }

    /// `N errors in M migrations`, as `check` ends.
    pub fn error_summary(&self) -> String {
        let migrations = self.analysis.migrations.len();
        format!(
            "{} error{} in {migrations} migration{}",
            self.errors,
            plural(self.errors),
            plural(migrations)
        )
    }

    /// For the commands that run or record migrations: `Err` with the summary when
    /// the files have errors (the diagnostics are printed first).
    pub fn refuse_errors(&self, json: bool) -> Result<(), String> {
        if self.errors == 0 {
            return Ok(());
        }
        self.print_diagnostics(json);
        Err(format!(
            "{}: nothing was done (see `pgstrata check {}`)",
            self.error_summary(),
            self.display
        ))
    }
}

/// Analyzes the directory with the macro's configuration; `Err` is a usage problem
/// (a rule that cannot be allowed, no such directory).
pub fn load(source: &Source) -> Result<Loaded, String> {
    let config = Config::new(&source.allow, source.exempt_until)
        .map_err(|e| format!("{e} (see `pgstrata rules`)"))?;
    load_with(&source.dir, &config)
}

pub fn load_with(dir: &Path, config: &Config) -> Result<Loaded, String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    let display = dir.to_string_lossy().trim_end_matches('/').to_string();
    let analysis = analyze(dir, &display, config);
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    Ok(Loaded {
        analysis,
        display,
        errors,
    })
}

/// A runner over `migrations` with the history table the user named.
pub fn runner(migrations: &'static [Migration], history: &HistoryTable) -> Runner {
    let mut runner = Runner::new(migrations);
    if let Some(schema) = &history.history_schema {
        runner = runner.history_schema(schema);
    }
    if let Some(table) = &history.history_table {
        runner = runner.history_table(table);
    }
    runner
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
