//! `migrations!`: resolve the directory, analyze it, and hand the analysis to the
//! generator (`pgstrata-codegen`); diagnostics become `compile_error!`s.

use crate::args::Args;
use crate::error::to_compile_errors;
use pgstrata_analyzer::{analyze, Config};
use pgstrata_codegen::Features;
use proc_macro2::TokenStream;
use std::path::{Component, Path, PathBuf};

pub fn expand(args: &Args) -> TokenStream {
    let started = std::time::Instant::now();
    let span = args.dir.span();
    let relative = args.dir.value();
    let dir = match resolve(&relative) {
        Ok(dir) => dir,
        Err(message) => return syn::Error::new(span, message).to_compile_error(),
    };
    let config = match config(args) {
        Ok(config) => config,
        Err(error) => return error.to_compile_error(),
    };

    let analysis = analyze(&dir, relative.trim_end_matches('/'), &config);
    let mut errors = to_compile_errors(&analysis.diagnostics, span);
    let code = pgstrata_codegen::generate(&analysis, &dir, features());
    let code_bytes = code.len();
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

/// The analyzer's configuration from the macro's arguments, validated as the CLI
/// validates its flags (`Config::new`); an error points at the rule it names.
fn config(args: &Args) -> Result<Config, syn::Error> {
    let baseline = args
        .baseline
        .as_ref()
        .map(syn::LitInt::base10_parse::<i64>)
        .transpose()?;
    let allow: Vec<String> = args.allow.iter().map(syn::LitStr::value).collect();
    Config::new(&allow, baseline).map_err(|error| {
        let at = args.allow.iter().find(|rule| rule.value() == error.rule());
        syn::Error::new(at.map_or(args.dir.span(), syn::LitStr::span), error)
    })
}

/// The facade's features, which this crate's mirror: the crates the generated code
/// may use.
fn features() -> Features {
    Features {
        postgres: cfg!(feature = "postgres"),
        tokio_postgres: cfg!(feature = "tokio-postgres"),
        uuid: cfg!(feature = "uuid"),
        chrono: cfg!(feature = "chrono"),
        time: cfg!(feature = "time"),
        serde_json: cfg!(feature = "serde_json"),
        rust_decimal: cfg!(feature = "rust_decimal"),
    }
}

/// With `PGSTRATA_EXPANSION_TIMING=<file>` set, appends one line to that file: the
/// microseconds from the start of `expand` to the tokens being ready (argument checks,
/// the whole analysis, code generation and rustc's lexing of it; an expansion that
/// stops at a bad argument records nothing), and the size of the generated code in
/// bytes. It stays an environment variable because the bench's expansion figure is the
/// time inside rustc (its allocator, the build-override profile, its lexer), which a
/// direct call to the generator cannot measure.
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
    // `PGSTRATA_MANIFEST_DIR` lets a test harness that builds fixtures in a crate of
    // its own (trybuild, under `target/`) point at the crate that holds the fixtures'
    // migrations; nothing else can tell the macro where they are.
    let manifest_dir = std::env::var_os("PGSTRATA_MANIFEST_DIR")
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .ok_or("CARGO_MANIFEST_DIR is not set; build with cargo")?;
    Ok(PathBuf::from(manifest_dir).join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Args {
        syn::parse_str(text).expect("valid arguments")
    }

    #[test]
    fn the_config_holds_the_allowed_rules_and_the_baseline() {
        let config =
            config(&args(r#""m", allow = ["transaction"], baseline = 3"#)).expect("a valid config");
        assert!(config.allow.contains("transaction"));
        assert_eq!(config.baseline, Some(3));
    }

    #[test]
    fn a_rule_that_cannot_be_allowed_is_refused() {
        let error = config(&args(r#""m", allow = ["no-such-rule"]"#)).err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("`no-such-rule` is not a rule that can be allowed")
        );
    }

    #[test]
    fn the_directory_stays_inside_the_crate() {
        assert!(resolve("../elsewhere").is_err());
        assert!(resolve("/abs").is_err());
    }
}
