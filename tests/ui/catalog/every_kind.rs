// One mistake of each kind the `catalog` rule reports, after a first migration that
// is right: the unknown names get a hint where a close name exists.
mod db {
    pgstrata::migrations!("tests/ui/fixtures/catalog_kinds", allow = ["non-idempotent"]);
}

fn main() {}
