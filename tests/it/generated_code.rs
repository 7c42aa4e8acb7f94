//! The code `migrations!` generates, taken out of the macro (`PGSTRATA_EXPAND_TO`) and
//! compiled as plain source under `#![deny(warnings)]` and `cargo clippy -D warnings`:
//! inside a macro expansion clippy keeps quiet, so this is where its lints would show.
//! For the example's migrations, the four seed schemas and `tests/fixtures/typed_forms`
//! (domains, awkward names), with every type feature on; and with `time` in place of
//! `chrono` for the sets that have dates and timestamps.

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

fn cargo(krate: &Path, target: &Path, args: &[&str], env: &[(&str, &Path)]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    for (key, value) in env {
        command.env(key, value);
    }
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
    features: &'static str,
    sets: &'static [&'static str],
    uses: &'static str,
}

const VARIANTS: [Variant; 2] = [
    Variant {
        work: "pgstrata-generated-code",
        features: r#""uuid", "chrono", "serde_json", "rust_decimal""#,
        sets: SETS,
        uses: "__p::chrono::",
    },
    // `time` beside the default `chrono` takes its place, on the sets with dates and
    // timestamps.
    Variant {
        work: "pgstrata-generated-code-time",
        features: r#""uuid", "time", "serde_json", "rust_decimal""#,
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
    let work = workspace.join("target").join(variant.work);
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
        let expanded = work.join(format!("{}.rs", set.replace('/', "_")));
        let _ = std::fs::remove_file(&expanded);
        // The macro reads `set` relative to the workspace, and writes what it generates.
        std::fs::write(
            krate.join("src/lib.rs"),
            format!("pub mod db {{\n    pgstrata::migrations!({set:?});\n}}\n"),
        )
        .unwrap();
        cargo(
            &krate,
            &target,
            &["build", "--quiet"],
            &[
                ("PGSTRATA_MANIFEST_DIR", &workspace),
                ("PGSTRATA_EXPAND_TO", &expanded),
            ],
        );
        let code = std::fs::read_to_string(&expanded).unwrap_or_else(|e| {
            panic!(
                "{set}: the macro wrote no code to {}: {e}",
                expanded.display()
            )
        });
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
            &[("PGSTRATA_MANIFEST_DIR", &workspace)],
        );
    }
}
