mod db {
    pgstrata::migrations!("tests/ui/fixtures/baseline_broken", baseline = 1);
}

fn main() {}
