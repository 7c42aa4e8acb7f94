mod db {
    pgstrata::migrations!("tests/ui/fixtures/mixed_layouts");
}

fn main() {}
