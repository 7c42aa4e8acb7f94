mod db {
    pgstrata::migrations!("tests/ui/fixtures/guards");
}

mod adopted {
    // V1 and V2 ran long ago, once; from V3 on every statement must be re-runnable.
    pgstrata::migrations!("tests/ui/fixtures/baseline", baseline = 2);
}

fn main() {
    assert_eq!(db::MIGRATIONS.len(), 5);
    assert_eq!(adopted::MIGRATIONS.len(), 3);
}
