//! Whether the files a build embedded still match its migrations directory.
//! `include_str!` makes cargo rebuild when an embedded file changes, but not when a
//! file is added to the migrations directory (that takes a `cargo:rerun-if-changed`
//! from build.rs). The macro embeds the list of files it considered; this lists the
//! directory with the same code (`pgstrata-layout`) and says what was added or
//! removed since.

use pgstrata_layout::MigrationDir;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The migrations directory no longer matches what the build embedded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StaleEmbedding {
    #[error(
        "the migrations in {} changed since this binary was built ({}); rebuild it, and to \
         have cargo rebuild by itself when a migration file is added, emit \
         `cargo:rerun-if-changed=<migrations dir>` from build.rs",
        root.display(),
        describe(added, removed)
    )]
    Changed {
        root: PathBuf,
        /// Relative, `/`-separated, sorted.
        added: Vec<String>,
        removed: Vec<String>,
    },
    #[error("cannot list the migrations directory {}: {message}", root.display())]
    Unreadable { root: PathBuf, message: String },
}

fn describe(added: &[String], removed: &[String]) -> String {
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added: {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed: {}", removed.join(", ")));
    }
    parts.join("; ")
}

/// Compares the files under `root` that count as migrations with `embedded` (the
/// macro's sorted list, paths relative to `root`, `/`-separated). A `root` that does
/// not exist passes: a binary deployed without its sources has nothing to compare with.
pub fn check_embedded(root: &Path, embedded: &[&str]) -> Result<(), StaleEmbedding> {
    match MigrationDir::read(root) {
        Ok(listing) => compare(root, &listing.considered_files, embedded),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !root.exists() => Ok(()),
        Err(e) => Err(StaleEmbedding::Unreadable {
            root: root.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

fn compare(root: &Path, on_disk: &[String], embedded: &[&str]) -> Result<(), StaleEmbedding> {
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    let embedded: BTreeSet<&str> = embedded.iter().copied().collect();
    let added: Vec<String> = on_disk
        .difference(&embedded)
        .map(|f| f.to_string())
        .collect();
    let removed: Vec<String> = embedded
        .difference(&on_disk)
        .map(|f| f.to_string())
        .collect();
    if added.is_empty() && removed.is_empty() {
        Ok(())
    } else {
        Err(StaleEmbedding::Changed {
            root: root.to_path_buf(),
            added,
            removed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn the_same_files_pass() {
        let root = Path::new("migrations");
        let on_disk = files(&["0001_init/down.sql", "0001_init/up.sql", "V2__users.sql"]);
        let embedded = ["0001_init/down.sql", "0001_init/up.sql", "V2__users.sql"];
        assert_eq!(compare(root, &on_disk, &embedded), Ok(()));
    }

    #[test]
    fn added_and_removed_files_are_reported() {
        let root = Path::new("migrations");
        let on_disk = files(&["0001_init.sql", "0003_new.sql"]);
        let err = compare(root, &on_disk, &["0001_init.sql", "0002_gone.sql"]).unwrap_err();
        match &err {
            StaleEmbedding::Changed { added, removed, .. } => {
                assert_eq!(added, &["0003_new.sql"]);
                assert_eq!(removed, &["0002_gone.sql"]);
            }
            other => panic!("{other}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("added: 0003_new.sql; removed: 0002_gone.sql"),
            "{text}"
        );
        assert!(text.contains("rerun-if-changed"), "{text}");
    }

    #[test]
    fn a_missing_directory_passes() {
        let root = std::env::temp_dir().join(format!(
            "pgstrata-no-such-migrations-{}",
            std::process::id()
        ));
        assert_eq!(check_embedded(&root, &["V1__x.sql"]), Ok(()));
    }

    #[test]
    fn a_directory_is_listed_as_the_macro_lists_it() {
        // The runtime's own sources stand in for a migrations directory: no `.sql` file
        // at the top and no versioned directory, so nothing counts.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        assert_eq!(check_embedded(&root, &[]), Ok(()));
        let err = check_embedded(&root, &["V1__x.sql"]).unwrap_err();
        assert!(matches!(
            err,
            StaleEmbedding::Changed { ref added, ref removed, .. }
                if added.is_empty() && removed == &["V1__x.sql"]
        ));
    }
}
