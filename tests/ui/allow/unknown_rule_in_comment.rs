mod db {
    pgstrata::migrations!("tests/ui/fixtures/unknown_allow");
}

fn main() {}
