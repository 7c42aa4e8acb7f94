//! One migration that builds a whole catalog from an empty database: the draft's
//! statements with everything missing.

use crate::draft::{create_everything, Script};
use pgstrata_analyzer::catalog::Catalog;

const SQUASH_HEADER: &str = "\
-- Squashed migration written by pgstrata: it builds, on an empty database, the schema
-- the migrations it replaces build. Review it before replacing them.
";

/// The SQL that builds `catalog` from an empty database (the schema public exists).
pub fn squash(catalog: &Catalog) -> String {
    let mut script = Script::default();
    create_everything(catalog, &mut script);
    script.render(SQUASH_HEADER)
}
