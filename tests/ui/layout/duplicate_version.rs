mod db {
    pgstrata::migrations!("tests/ui/fixtures/duplicate_version");
}

fn main() {}
