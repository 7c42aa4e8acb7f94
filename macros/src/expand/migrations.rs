//! `migrations!`: resolve the directory, analyze it, emit the embedded migrations,
//! the runner and the staleness guard (and any errors).

use super::tokens::EmbeddedMigration;
use crate::args::Args;
use crate::error::to_compile_errors;
use pgstrata_analyzer::{analyze, Config};
use proc_macro2::TokenStream;
use quote::quote;
use std::path::{Component, Path, PathBuf};

pub fn expand(args: &Args) -> TokenStream {
    let started = std::time::Instant::now();
    let span = args.dir.span();
    let relative = args.dir.value();
    let dir = match resolve(&relative) {
        Ok(dir) => dir,
        Err(message) => return syn::Error::new(span, message).to_compile_error(),
    };
    let mut config = Config::default();
    for rule in &args.allow {
        let id = rule.value();
        if pgstrata_analyzer::rules::find(&id).is_none_or(|r| !r.allowable) {
            return syn::Error::new(
                rule.span(),
                format!("`{id}` is not a rule that can be allowed"),
            )
            .to_compile_error();
        }
        config.allow.insert(id);
    }
    if let Some(baseline) = &args.baseline {
        match baseline.base10_parse::<i64>() {
            Ok(version) => config.baseline = Some(version),
            Err(e) => return e.to_compile_error(),
        }
    }

    let analysis = analyze(&dir, relative.trim_end_matches('/'), &config);
    let mut errors = to_compile_errors(&analysis.diagnostics, span);
    // A crate-wide allow that allows nothing hides the next real problem of its kind.
    for rule in &args.allow {
        if !analysis.has_errors() && !analysis.used_allows.contains(rule.value().as_str()) {
            let message = format!(
                "`allow = [\"{}\"]` allows nothing in `{relative}`; remove it",
                rule.value()
            );
            errors.extend(syn::Error::new(rule.span(), message).to_compile_error());
        }
    }
    let schema = super::schema::generate(&analysis.catalog, super::schema::Features::enabled());
    let migrations = analysis.migrations.iter().map(EmbeddedMigration);
    let files = &analysis.considered_files;
    let dir_literal = dir.to_string_lossy().into_owned();
    // Emitted even when there are errors, so code that names `MIGRATIONS` or
    // `runner()` does not add a cascade of "cannot find" errors to the real ones.
    let tokens = quote! {
        #errors

        #schema

        /// Every migration of the directory, embedded and ordered as its tool orders them.
        pub static MIGRATIONS: &[::pgstrata::Migration] = &[#(#migrations),*];

        /// The files the macro read, relative to the migrations directory.
        #[doc(hidden)]
        #[allow(dead_code)]
        pub const EMBEDDED_FILES: &[&str] = &[#(#files),*];

        /// A runner for [`MIGRATIONS`]. Debug builds first check that the directory
        /// still holds the files that were embedded (a new file needs a rebuild).
        pub fn runner() -> ::pgstrata::Runner {
            #[cfg(debug_assertions)]
            ::pgstrata::__private::assert_embedded_current(#dir_literal, EMBEDDED_FILES);
            ::pgstrata::Runner::new(MIGRATIONS)
        }

        #[cfg(test)]
        #[test]
        fn embedded_migrations_match_their_directory() {
            if let Err(stale) = ::pgstrata::check_embedded(::std::path::Path::new(#dir_literal), EMBEDDED_FILES) {
                panic!("{stale}");
            }
        }
    };
    record_expansion_time(started);
    tokens
}

/// For the benchmark (`bench/`, issue 2): with `PGSTRATA_EXPANSION_TIMING=<file>` set,
/// appends one line to that file with the microseconds from the start of `expand` to
/// the tokens being ready (argument checks, the whole analysis, code generation; an
/// expansion that stops at a bad argument records nothing).
/// Errors writing it are ignored: timing must never fail a build. Cargo does not
/// track this variable, so setting it does not rebuild anything by itself.
fn record_expansion_time(started: std::time::Instant) {
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
        let _ = writeln!(file, "{micros}");
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
