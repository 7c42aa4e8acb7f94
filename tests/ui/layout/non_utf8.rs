mod db {
    pgstrata::migrations!("tests/ui/fixtures/non_utf8");
}

fn main() {}
