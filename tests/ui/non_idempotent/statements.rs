mod db {
    pgstrata::migrations!("tests/ui/fixtures/non_idempotent");
}

fn main() {}
