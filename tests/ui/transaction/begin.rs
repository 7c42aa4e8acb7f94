mod db {
    pgstrata::migrations!("tests/ui/fixtures/begin");
}

fn main() {}
