mod db {
    pgstrata::migrations!("tests/ui/fixtures/does_not_exist");
}

fn main() {}
