mod file_level {
    pgstrata::migrations!("tests/ui/fixtures/allowed");
}

mod statement_level {
    pgstrata::migrations!("tests/ui/fixtures/good");
}

mod crate_level {
    pgstrata::migrations!("tests/ui/fixtures/begin", allow = ["transaction"]);
}

fn main() {
    assert_eq!(file_level::MIGRATIONS.len(), 1);
    assert_eq!(statement_level::MIGRATIONS.len(), 2);
    assert_eq!(crate_level::MIGRATIONS[0].name, "begin");
    // The checksum is computed at compile time over the tokens.
    assert_eq!(crate_level::MIGRATIONS[0].checksum.len(), 64);
}
