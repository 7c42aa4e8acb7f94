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
    // What the catalog could not follow (dynamic SQL, an extension's objects) may be
    // missing from the squash or wrong in it.
    for u in &catalog.uncertain {
        if u.reason.contains("migration tool's own table") {
            continue;
        }
        let noted = catalog
            .tables
            .iter()
            .any(|t| format!("{}.{}", t.schema, t.name) == u.name);
        if !noted {
            script.note(format!(
                "{} {}: the catalog could not follow it ({}); check it by hand.",
                u.kind, u.name, u.reason
            ));
        }
    }
    script.render(SQUASH_HEADER)
}
