mod db {
    pgstrata::migrations!("tests/ui/fixtures/down_without_up");
}

fn main() {}
