//! Compile-time behaviour of `migrations!`, pinned by trybuild: every failing
//! fixture's exact error text is in its `.stderr` (regenerate with
//! `TRYBUILD=overwrite cargo test --test it -- ui::`), and passing fixtures run.

#[test]
fn ui() {
    // trybuild compiles the fixtures in a crate under target/, so the macro is told
    // where this crate is to resolve "tests/ui/fixtures/...".
    std::env::set_var("PGSTRATA_MANIFEST_DIR", env!("CARGO_MANIFEST_DIR"));
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/syntax/*.rs");
    t.compile_fail("tests/ui/layout/*.rs");
    t.compile_fail("tests/ui/transaction/*.rs");
    t.compile_fail("tests/ui/lexer_setting/*.rs");
    t.compile_fail("tests/ui/allow/*.rs");
    t.compile_fail("tests/ui/non_idempotent/*.rs");
    t.compile_fail("tests/ui/catalog/*.rs");
    t.compile_fail("tests/ui/reversible/*.rs");
    t.compile_fail("tests/ui/types/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
