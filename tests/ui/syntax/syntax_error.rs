mod db {
    pgstrata::migrations!("tests/ui/fixtures/syntax_error");
}

fn main() {}
