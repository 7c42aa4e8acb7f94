mod db {
    pgstrata::migrations!("tests/ui/fixtures/guards", allow = ["transaction"]);
}

fn main() {}
