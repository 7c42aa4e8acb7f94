//! `migrations!`: resolve the directory, analyze it, emit the embedded migrations,
//! the runner and the staleness guard (and any errors).

use super::embedded::embedded_migration;
use super::schema::literal;
use crate::args::Args;
use crate::error::to_compile_errors;
use pgstrata_analyzer::{analyze, Analysis, Config};
use proc_macro2::TokenStream;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

pub fn expand(args: &Args) -> TokenStream {
    let started = std::time::Instant::now();
    let span = args.dir.span();
    let relative = args.dir.value();
    let dir = match resolve(&relative) {
        Ok(dir) => dir,
        Err(message) => return syn::Error::new(span, message).to_compile_error(),
    };
    let baseline = match args.baseline.as_ref().map(syn::LitInt::base10_parse::<i64>) {
        Some(Err(e)) => return e.to_compile_error(),
        Some(Ok(version)) => Some(version),
        None => None,
    };
    let allow: Vec<String> = args.allow.iter().map(syn::LitStr::value).collect();
    let config = match Config::new(&allow, baseline) {
        Ok(config) => config,
        Err(error) => {
            let at = args.allow.iter().find(|rule| rule.value() == error.rule());
            return syn::Error::new(at.map_or(span, syn::LitStr::span), error).to_compile_error();
        }
    };

    let analysis = analyze(&dir, relative.trim_end_matches('/'), &config);
    let mut errors = to_compile_errors(&analysis.diagnostics, span);
    let code = code(&analysis, &dir.to_string_lossy());
    let code_bytes = code.len();
    write_expansion(&code);
    match code.parse::<TokenStream>() {
        Ok(code) => errors.extend(code),
        // Only a bug in the generator gets here: say so rather than panic.
        Err(error) => errors.extend(
            syn::Error::new(
                span,
                format!(
                    "pgstrata generated code that rustc cannot read ({error}); please report it"
                ),
            )
            .to_compile_error(),
        ),
    }
    record_expansion_time(started, code_bytes);
    errors
}

/// The code of a directory, as Rust source: the typed schema module, the embedded
/// migrations, the runner and the staleness guard. Emitted even when there are
/// errors, so code that names `MIGRATIONS` or `runner()` does not add a cascade of
/// "cannot find" errors to the real ones.
fn code(analysis: &Analysis, dir: &str) -> String {
    let mut out = super::schema::generate(&analysis.catalog, super::schema::Features::enabled());
    out.push_str(
        "\n/// Every migration of the directory, embedded and ordered as its tool orders them.\n\
         pub static MIGRATIONS: &[::pgstrata::Migration] = &[\n",
    );
    for migration in &analysis.migrations {
        embedded_migration(&mut out, migration);
        out.push_str(",\n");
    }
    let files: Vec<String> = analysis
        .considered_files
        .iter()
        .map(|f| literal(f))
        .collect();
    let dir = literal(dir);
    let _ = write!(
        out,
        "];\n\n/// The files the macro read, relative to the migrations directory.\n\
         #[doc(hidden)]\n#[allow(dead_code)]\n\
         pub const EMBEDDED_FILES: &[&str] = &[{files}];\n\n\
         /// A runner for [`MIGRATIONS`]. Debug builds first check that the directory\n\
         /// still holds the files that were embedded (a new file needs a rebuild).\n\
         pub fn runner() -> ::pgstrata::Runner {{\n    \
         #[cfg(debug_assertions)]\n    \
         ::pgstrata::__private::assert_embedded_current({dir}, EMBEDDED_FILES);\n    \
         ::pgstrata::Runner::new(MIGRATIONS)\n}}\n\n\
         #[cfg(test)]\n#[test]\n\
         fn embedded_migrations_match_their_directory() {{\n    \
         if let ::core::result::Result::Err(stale) = ::pgstrata::check_embedded(::std::path::Path::new({dir}), EMBEDDED_FILES) {{\n        \
         ::core::panic!(\"{{}}\", stale);\n    }}\n}}\n",
        files = files.join(", "),
    );
    out
}

/// With `PGSTRATA_EXPAND_TO=<file>` set, writes the generated code to that file (the
/// last expansion wins), to read it or to lint it as plain source, as
/// `tests/generated_code.rs` does. Errors writing it are ignored.
fn write_expansion(code: &str) {
    if let Some(path) = std::env::var_os("PGSTRATA_EXPAND_TO") {
        let _ = std::fs::write(path, code);
    }
}

/// For the benchmark (`bench/`, issue 2): with `PGSTRATA_EXPANSION_TIMING=<file>` set,
/// appends one line to that file: the microseconds from the start of `expand` to the
/// tokens being ready (argument checks, the whole analysis, code generation and
/// rustc's lexing of it; an expansion that stops at a bad argument records nothing),
/// and the size of the generated code in bytes.
/// Errors writing it are ignored: timing must never fail a build. Cargo does not
/// track this variable, so setting it does not rebuild anything by itself.
fn record_expansion_time(started: std::time::Instant, code_bytes: usize) {
    use std::io::Write;
    let Some(path) = std::env::var_os("PGSTRATA_EXPANSION_TIMING") else {
        return;
    };
    let micros = started.elapsed().as_micros();
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{micros} {code_bytes}");
    }
}

/// The directory relative to the invoking crate. It must stay inside the crate:
/// an absolute path or `..` would make the build depend on the machine.
fn resolve(relative: &str) -> Result<PathBuf, String> {
    let path = Path::new(relative);
    if path.is_absolute() || path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(format!(
            "`{relative}` must be a path inside the crate, relative to its Cargo.toml"
        ));
    }
    // `PGSTRATA_MANIFEST_DIR` lets a test harness that builds fixtures elsewhere
    // (trybuild) point at the crate that holds them.
    let manifest_dir = std::env::var_os("PGSTRATA_MANIFEST_DIR")
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .ok_or("CARGO_MANIFEST_DIR is not set; build with cargo")?;
    Ok(PathBuf::from(manifest_dir).join(path))
}
