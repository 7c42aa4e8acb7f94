mod db {
    pgstrata::migrations!("tests/ui/fixtures/good", allow = ["non-idempotnet"]);
}

fn main() {}
