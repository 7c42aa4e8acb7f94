//! `pgstrata check DIR`: the macro's diagnostics, printed, with exit code 1 on error.

use pgstrata_analyzer::{analyze, render, Config};
use std::path::Path;
use std::process::ExitCode;

/// `allow` and `baseline` are checked as the macro checks its `allow = [...]` and
/// `baseline = N`: a rule that cannot be allowed is refused, and one that allows
/// nothing is an error printed with the others.
pub fn run(dir: &Path, allow: &[String], baseline: Option<i64>) -> Result<ExitCode, String> {
    let config = Config::new(allow, baseline).map_err(|e| format!("{e} (see `pgstrata rules`)"))?;
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    let display = dir.to_string_lossy().trim_end_matches('/').to_string();
    let analysis = analyze(dir, &display, &config);
    for diagnostic in &analysis.diagnostics {
        println!("{}\n", render(diagnostic));
    }
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    let migrations = analysis.migrations.len();
    if errors > 0 {
        eprintln!(
            "{errors} error{} in {migrations} migrations",
            plural(errors)
        );
        Ok(ExitCode::from(1))
    } else {
        eprintln!(
            "{migrations} migration{} checked, no errors",
            plural(migrations)
        );
        Ok(ExitCode::SUCCESS)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
