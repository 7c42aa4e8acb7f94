mod db {
    pgstrata::migrations!("tests/ui/fixtures/catalog");
}

fn main() {}
