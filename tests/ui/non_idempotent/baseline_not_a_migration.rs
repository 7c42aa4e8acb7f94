mod db {
    pgstrata::migrations!("tests/ui/fixtures/baseline", baseline = 7);
}

fn main() {}
