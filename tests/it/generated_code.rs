//! The code `migrations!` generates, written by the generator the macro calls
//! (`pgstrata-codegen`) and compiled as plain source under `#![deny(warnings)]` and
//! `cargo clippy -D warnings`: inside a macro expansion clippy keeps quiet, so this is
//! where its lints would show.
//! For the example's migrations, the four seed schemas and `tests/fixtures/typed_forms`
//! (domains, awkward names), with every type feature on; and with `time` in place of
//! `chrono` for the sets that have dates and timestamps.

use pgstrata_analyzer::{analyze, Config};
use pgstrata_codegen::Features;
use std::path::{Path, PathBuf};
use std::process::Command;

const SETS: &[&str] = &[
    "migrations",
    "tests/fixtures/neuroagent",
    "tests/fixtures/agent_prompt_train",
    "tests/fixtures/live_conversational_threads",
    "tests/fixtures/chat",
    "tests/fixtures/typed_forms",
];

fn cargo(krate: &Path, target: &Path, args: &[&str]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {} in {} failed:\n{}",
        args.join(" "),
        krate.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A crate's type features, the sets its code is generated for, and a path the code
/// must use (so the feature is seen to choose the types).
struct Variant {
    /// The work directory under `target/`.
    work: &'static str,
    /// The crate's features of `pgstrata`, beside the default ones.
    features: &'static str,
    /// The same, as the macro passes them to the generator.
    generated_for: Features,
    sets: &'static [&'static str],
    uses: &'static str,
}

const VARIANTS: [Variant; 2] = [
    Variant {
        work: "pgstrata-generated-code",
        features: r#""uuid", "chrono", "serde_json", "rust_decimal", "tokio-postgres""#,
        generated_for: Features {
            tokio_postgres: true,
            uuid: true,
            serde_json: true,
            rust_decimal: true,
            ..Features::FACADE_DEFAULT
        },
        sets: SETS,
        uses: "__p::chrono::",
    },
    // `time` beside the default `chrono` takes its place, on the sets with dates and
    // timestamps.
    Variant {
        work: "pgstrata-generated-code-time",
        features: r#""uuid", "time", "serde_json", "rust_decimal""#,
        generated_for: Features {
            uuid: true,
            time: true,
            serde_json: true,
            rust_decimal: true,
            ..Features::FACADE_DEFAULT
        },
        sets: &["tests/fixtures/neuroagent", "tests/fixtures/typed_forms"],
        uses: "__p::time::",
    },
];

/// One variant after the other: two cargo builds at once would share two cores.
#[test]
fn the_generated_code_passes_deny_warnings_and_clippy() {
    for variant in &VARIANTS {
        check(variant);
    }
}

fn check(variant: &Variant) {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // Under the workspace's target directory, where a warm one may already be.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| workspace.join("target"), |t| workspace.join(t));
    let work = target_dir.join(variant.work);
    let krate = work.join("crate");
    let target = work.join("target");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"pgstrata-generated-code\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\npgstrata = {{ path = {:?}, features = [{}] }}\n\n\
         [profile.dev.build-override]\nopt-level = 3\n\n[workspace]\n",
        workspace.to_string_lossy(),
        variant.features
    );
    std::fs::write(krate.join("Cargo.toml"), manifest).unwrap();
    if !krate.join("Cargo.lock").exists() {
        std::fs::copy(workspace.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    }
    for set in variant.sets {
        let dir = workspace.join(set);
        let analysis = analyze(&dir, set, &Config::default());
        assert!(!analysis.has_errors(), "{set}: {:#?}", analysis.diagnostics);
        let code = pgstrata_codegen::generate(&analysis, &dir, variant.generated_for);
        assert!(code.contains("pub mod schema"), "{set}: {code}");
        assert!(
            code.contains(variant.uses),
            "{set}: the code uses no `{}`",
            variant.uses
        );
        std::fs::write(
            krate.join("src/lib.rs"),
            format!("#![deny(warnings)]\n\npub mod db {{\n{code}\n}}\n"),
        )
        .unwrap();
        cargo(
            &krate,
            &target,
            &["clippy", "--quiet", "--", "-D", "warnings"],
        );
    }
}
