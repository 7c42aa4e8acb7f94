//! Noticing a stale build. `include_str!` makes cargo rebuild when an embedded file
//! changes, but not when a file is added to the migrations directory (that takes a
//! `cargo:rerun-if-changed` from build.rs). The macro embeds the list of files it read;
//! this lists the directory the same way and says what was added or removed since.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The migrations directory no longer matches what the build embedded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StaleEmbedding {
    #[error(
        "the migrations in {} changed since this binary was built ({}); rebuild it, and to \
         have cargo rebuild by itself when a migration file is added, emit \
         `cargo:rerun-if-changed=<migrations dir>` from build.rs (the build helper does it)",
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

/// Compares the `.sql` files under `root` with `embedded` (the macro's sorted list,
/// paths relative to `root`, `/`-separated). A `root` that does not exist passes: a
/// binary deployed without its sources has nothing to compare with.
pub fn check_embedded(root: &Path, embedded: &[&str]) -> Result<(), StaleEmbedding> {
    let on_disk = match list(root) {
        Ok(files) => files,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !root.exists() => return Ok(()),
        Err(e) => {
            return Err(StaleEmbedding::Unreadable {
                root: root.to_path_buf(),
                message: e.to_string(),
            })
        }
    };
    let embedded: BTreeSet<&str> = embedded.iter().copied().collect();
    let added: Vec<String> = on_disk
        .iter()
        .filter(|f| !embedded.contains(f.as_str()))
        .cloned()
        .collect();
    let removed: Vec<String> = embedded
        .iter()
        .filter(|f| !on_disk.contains(**f))
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

/// The files the macro's discovery reads: `*.sql` at the top, and `up.sql`,
/// `migration.sql`, `down.sql` in directories whose name starts with a version.
/// Hidden entries and editor leftovers (`.x`, `#x#`, `x~`) and names that are not
/// UTF-8 (which the macro refuses) are skipped.
fn list(root: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut files = BTreeSet::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_hidden_or_backup(&name) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            if has_version(&name) {
                for file in ["up.sql", "migration.sql", "down.sql"] {
                    if path.join(file).is_file() {
                        files.insert(format!("{name}/{file}"));
                    }
                }
            }
        } else if name.ends_with(".sql") {
            files.insert(name);
        }
    }
    Ok(files)
}

fn is_hidden_or_backup(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~')
}

/// `V3__x`, `0003_x`, `003-x`, `2024-01-01-120000_x`, `00.05.00_01_x`: what the macro
/// reads a version from. A folder without one (notes, fixtures) is not a migration.
fn has_version(name: &str) -> bool {
    if let Some((digits, _)) = name
        .strip_prefix(['V', 'v'])
        .and_then(|rest| rest.split_once("__"))
    {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return true;
        }
    }
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && matches!(
            name.as_bytes().get(digits),
            None | Some(b'_' | b'-' | b' ' | b'.')
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let dir = std::env::temp_dir().join(format!(
                "pgstrata-guard-{}-{}-{nanos}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ));
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self, relative: &str) -> &Self {
            let path = self.0.join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "SELECT 1;").unwrap();
            self
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn matching_listing_passes() {
        let dir = TempDir::new();
        dir.file("V1__init.sql")
            .file("V2__users.sql")
            .file("README.md")
            .file(".V9__hidden.sql")
            .file("V3__draft.sql~")
            .file("#V4__autosave.sql#")
            .file(".git/V5__x.sql");
        assert_eq!(
            check_embedded(&dir.0, &["V1__init.sql", "V2__users.sql"]),
            Ok(())
        );
    }

    #[test]
    fn added_and_removed_files_are_reported() {
        let dir = TempDir::new();
        dir.file("0001_init.sql").file("0003_new.sql");
        let err = check_embedded(&dir.0, &["0001_init.sql", "0002_gone.sql"]).unwrap_err();
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
    fn migration_directories_are_listed_with_slashes() {
        let dir = TempDir::new();
        dir.file("0001_init/up.sql")
            .file("0001_init/down.sql")
            .file("0002_prisma/migration.sql")
            .file("0002_prisma/notes.sql")
            .file("fixtures/up.sql")
            .file(".hidden_1/up.sql");
        let embedded = [
            "0001_init/down.sql",
            "0001_init/up.sql",
            "0002_prisma/migration.sql",
        ];
        assert_eq!(check_embedded(&dir.0, &embedded), Ok(()));
        let err = check_embedded(&dir.0, &embedded[..2]).unwrap_err();
        assert!(matches!(
            err,
            StaleEmbedding::Changed { ref added, .. } if added == &["0002_prisma/migration.sql"]
        ));
    }

    #[test]
    fn a_missing_directory_passes() {
        let dir = TempDir::new();
        assert_eq!(check_embedded(&dir.0.join("nope"), &["V1__x.sql"]), Ok(()));
    }

    #[test]
    fn versions_are_recognised_like_the_macro_does() {
        for yes in [
            "V3__x",
            "v12__y",
            "0003_x",
            "003-x",
            "2024-01-01-120000_x",
            "00.05.00_01_x",
            "7",
        ] {
            assert!(has_version(yes), "{yes}");
        }
        for no in ["fixtures", "2fa", "V3_x", "V__x", ""] {
            assert!(!has_version(no), "{no}");
        }
    }
}
