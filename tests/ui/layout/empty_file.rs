mod db {
    pgstrata::migrations!("tests/ui/fixtures/empty_file");
}

fn main() {}
