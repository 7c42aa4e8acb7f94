//! `pgstrata check` prints what the macro reports and exits 1 on any error.

use std::path::Path;
use std::process::{Command, Output};

fn check(dir: &str, extra: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new(env!("CARGO_BIN_EXE_pgstrata"))
        .current_dir(&root)
        .arg("check")
        .arg(dir)
        .args(extra)
        .output()
        .expect("run pgstrata")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_syntax_error_is_printed_like_rustc_and_exits_1() {
    let output = check("tests/ui/fixtures/syntax_error", &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "error[syntax]: syntax error at or near \",\"\n \
         --> tests/ui/fixtures/syntax_error/V2__messages.sql:3:69\n  \
         |\n\
         3 |     id bigint PRIMARY KEY, thread_id bigint REFERENCES threads (id),,\n  \
         |                                                                     ^\n  \
         |\n  \
         = help: PostgreSQL's parser rejects this; fix the statement (the caret is where PostgreSQL stopped)\n\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "1 error in 2 migrations\n"
    );
}

#[test]
fn the_macro_and_the_cli_print_the_same_text() {
    // The trybuild expectations hold the macro's text: its first line is `error:
    // [rule] message` where the CLI prints `error[rule]: message`, and rustc indents
    // the lines below it by 7 columns.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (fixture, expectation) in [
        ("begin", "transaction/begin"),
        ("non_idempotent", "non_idempotent/statements"),
        ("unused_allow", "allow/allows_nothing"),
        ("two_files", "syntax/errors_in_two_files"),
        ("catalog", "catalog/unknown_names"),
    ] {
        let expected =
            std::fs::read_to_string(root.join(format!("tests/ui/{expectation}.stderr"))).unwrap();
        let output = check(&format!("tests/ui/fixtures/{fixture}"), &[]);
        assert_eq!(output.status.code(), Some(1));
        let mut seen = 0;
        for line in stdout(&output).lines().filter(|l| !l.trim().is_empty()) {
            let in_macro = match line.strip_prefix("error[") {
                Some(rest) => {
                    let (rule, message) = rest.split_once("]: ").unwrap();
                    format!("error: [{rule}] {message}")
                }
                None => format!("       {line}"),
            };
            assert!(
                expected.contains(&in_macro),
                "{fixture}: {in_macro:?} is not in the macro's output"
            );
            seen += 1;
        }
        assert!(seen > 5, "{fixture}: the CLI printed too little");
    }
}

#[test]
fn allow_turns_a_rule_off_and_unknown_rules_are_refused() {
    let output = check("tests/ui/fixtures/begin", &["--allow", "transaction"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let output = check("tests/ui/fixtures/begin", &["--allow", "transactoin"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`transactoin` is not a rule"));
}

#[test]
fn an_allow_that_allows_nothing_is_an_error_as_in_the_macro() {
    // The macro's `allow = ["transaction"]` on this directory fails the same way
    // (tests/ui/allow/crate_allow_allows_nothing).
    let output = check("tests/ui/fixtures/guards", &["--allow", "transaction"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        "error[allow]: `transaction` is allowed in every migration but allows nothing in \
         `tests/ui/fixtures/guards`\n \
         = help: remove it from `allow = [...]` (`--allow` for `pgstrata check`): the rule \
         reports nothing there\n\n"
    );
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("1 error in "));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let in_macro =
        std::fs::read_to_string(root.join("tests/ui/allow/crate_allow_allows_nothing.stderr"))
            .unwrap();
    let first_line =
        stdout(&output)
            .lines()
            .next()
            .unwrap()
            .replacen("error[allow]: ", "error: [allow] ", 1);
    assert!(in_macro.starts_with(&first_line), "{in_macro}");
    // Allowed where it is used, the same rule passes.
    let output = check("tests/ui/fixtures/begin", &["--allow", "transaction"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn rules_that_cannot_be_allowed_are_refused_with_the_macros_text() {
    for rule in ["syntax", "no-such-rule"] {
        let output = check("tests/ui/fixtures/good", &["--allow", rule]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("error: `{rule}` is not a rule that can be allowed (see `pgstrata rules`)\n")
        );
    }
}

#[test]
fn the_example_migrations_are_clean() {
    let output = check("migrations", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "5 migrations checked, no errors\n"
    );
}
