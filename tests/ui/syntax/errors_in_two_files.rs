mod db {
    pgstrata::migrations!("tests/ui/fixtures/two_files");
}

fn main() {}
