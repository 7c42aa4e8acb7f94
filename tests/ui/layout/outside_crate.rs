mod db {
    pgstrata::migrations!("../migrations");
}

fn main() {}
