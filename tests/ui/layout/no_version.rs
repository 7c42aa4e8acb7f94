mod db {
    pgstrata::migrations!("tests/ui/fixtures/no_version");
}

fn main() {}
