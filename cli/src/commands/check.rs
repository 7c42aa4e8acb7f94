//! `pgstrata check DIR`: the macro's diagnostics, printed, with exit code 1 on error.

use crate::source::{load_with, plural};
use pgstrata_analyzer::Config;
use std::path::Path;
use std::process::ExitCode;

/// `allow` and `baseline` are checked as the macro checks its `allow = [...]` and
/// `baseline = N`: a rule that cannot be allowed is refused, and one that allows
/// nothing is an error printed with the others.
pub fn run(dir: &Path, allow: &[String], baseline: Option<i64>) -> Result<ExitCode, String> {
    let config = Config::new(allow, baseline).map_err(|e| format!("{e} (see `pgstrata rules`)"))?;
    let loaded = load_with(dir, &config)?;
    loaded.print_diagnostics(false);
    if loaded.errors > 0 {
        eprintln!("{}", loaded.error_summary());
        Ok(ExitCode::from(1))
    } else {
        let migrations = loaded.analysis.migrations.len();
        eprintln!(
            "{migrations} migration{} checked, no errors",
            plural(migrations)
        );
        Ok(ExitCode::SUCCESS)
    }
}
