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
}
