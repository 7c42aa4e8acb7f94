// A down file that forgets part of its up file: the error points at the statement of
// the up file whose change is left behind, and names the down file.
mod db {
    pgstrata::migrations!("tests/ui/fixtures/reversible");
}

fn main() {}
