mod db {
    pgstrata::migrations!("tests/ui/fixtures/unused_allow");
}

fn main() {}
