mod db {
    pgstrata::migrations!("tests/ui/fixtures/concurrently");
}

use pgstrata::TransactionMode;

fn main() {
    assert_eq!(db::MIGRATIONS.len(), 2);
    assert_eq!(db::MIGRATIONS[0].transaction, TransactionMode::Transactional);
    assert_eq!(db::MIGRATIONS[1].transaction, TransactionMode::NonTransactional);
    assert_eq!(db::MIGRATIONS[1].version, 2);
    assert_eq!(db::MIGRATIONS[1].statements.len(), 1);
    // What the check of the embedded files compares with the directory.
    assert_eq!(db::EMBEDDED_FILES, ["V1__table.sql", "V2__index.sql"]);
    let dir = concat!(env!("PGSTRATA_MANIFEST_DIR"), "/tests/ui/fixtures/concurrently");
    assert!(pgstrata::check_embedded(std::path::Path::new(dir), db::EMBEDDED_FILES).is_ok());
}
