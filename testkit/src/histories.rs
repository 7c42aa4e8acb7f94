//! Every migration history the tests hold the catalog to the server with: the example's
//! migrations, the catalog's own fixtures, the four seed schemas and each corpus set
//! that is there (a missing one is skipped as `corpora::sets` says).

use crate::corpora::{self, migrations_dir, needs_sqlx_table};
use std::path::{Path, PathBuf};

/// One history: its name, migrations directory and display name.
pub struct History {
    pub name: String,
    pub dir: PathBuf,
    /// How the analyzer names the directory (`migrations`, `tests/fixtures/chat`).
    pub display: String,
    /// It expects sqlx's bookkeeping table (`corpora::SQLX_TABLE`) before its first
    /// migration.
    pub sqlx_table: bool,
}

/// The repository's histories, relative to its root: the example's, the forms the
/// catalog follows (`catalog_forms`) and the typed module is tested on (`typed_forms`),
/// and the seed schemas, each a directory of `NNN_<revision>_<name>.sql` or
/// `NNN-<name>.sql` files.
const IN_THE_REPOSITORY: [(&str, &str); 7] = [
    ("migrations (the example)", "migrations"),
    ("catalog_forms", "tests/fixtures/catalog_forms"),
    ("typed_forms", "tests/fixtures/typed_forms"),
    ("neuroagent", "tests/fixtures/neuroagent"),
    ("agent_prompt_train", "tests/fixtures/agent_prompt_train"),
    (
        "live_conversational_threads",
        "tests/fixtures/live_conversational_threads",
    ),
    ("chat", "tests/fixtures/chat"),
];

/// The repository's histories, then the corpus sets that are there.
pub fn histories() -> Vec<History> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut histories: Vec<History> = IN_THE_REPOSITORY
        .iter()
        .map(|(name, display)| History {
            name: name.to_string(),
            dir: root.join(display),
            display: display.to_string(),
            sqlx_table: false,
        })
        .collect();
    histories.extend(corpus_histories());
    histories
}

/// The corpus sets that are there.
pub fn corpus_histories() -> Vec<History> {
    corpora::sets()
        .into_iter()
        .map(|set| {
            let (dir, display) = migrations_dir(&set);
            History {
                name: corpora::name(&set),
                dir,
                display,
                sqlx_table: needs_sqlx_table(&set),
            }
        })
        .collect()
}
