mod db {
    pgstrata::migrations!("tests/ui/fixtures/diesel_layout");
}

use pgstrata::TransactionMode;

fn main() {
    let order: Vec<(i64, &str)> = db::MIGRATIONS.iter().map(|m| (m.version, m.name)).collect();
    // diesel's order: versions compared as text, dashes dropped; names with spaces work.
    assert_eq!(
        order,
        [
            (0, "diesel_initial_setup"),
            (20170305095748, "create_crates"),
            (20170318181441, "add crate owners"),
            (202511190914440000, "index_owners"),
            (20260120162913, "later"),
        ]
    );
    assert!(db::MIGRATIONS[0].down.is_some());
    assert_eq!(db::MIGRATIONS[3].transaction, TransactionMode::NonTransactional);
    assert_eq!(db::MIGRATIONS[2].path, "tests/ui/fixtures/diesel_layout/2017-03-18-181441_add crate owners/up.sql");
}
