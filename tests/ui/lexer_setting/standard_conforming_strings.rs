mod db {
    pgstrata::migrations!("tests/ui/fixtures/lexer_setting");
}

fn main() {}
