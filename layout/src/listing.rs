//! Reading a directory's entries into candidate migrations: which names count, the
//! three layouts, and the files of each.

use crate::name::{parse_stem, NameError, ParsedName};
use crate::{FoundFile, Layout, Problem};
use std::io;
use std::path::{Path, PathBuf};

/// A migration, or one half of a reversible one, before the checks that need the
/// whole directory.
pub(crate) struct Candidate {
    pub parsed: ParsedName,
    pub layout: Layout,
    pub up: Option<FoundFile>,
    pub down: Option<FoundFile>,
    pub metadata_no_transaction: bool,
    /// What problems are reported against: the file, or the migration's directory.
    pub entry: String,
}

/// Everything read from the directory itself.
pub(crate) struct Listing {
    pub candidates: Vec<Candidate>,
    /// `.sql` files at the top whose name has no version.
    pub unversioned_files: Vec<String>,
    /// Unsorted.
    pub considered_files: Vec<String>,
    pub problems: Vec<Problem>,
}

/// The files of a migration directory, in the order they are looked for.
const DIRECTORY_FILES: [&str; 3] = ["up.sql", "migration.sql", "down.sql"];

pub(crate) fn list(dir: &Path) -> io::Result<Listing> {
    let mut listing = Listing {
        candidates: Vec::new(),
        unversioned_files: Vec::new(),
        considered_files: Vec::new(),
        problems: Vec::new(),
    };
    for (file_name, path, is_dir) in read_dir_sorted(dir, &mut listing.problems)? {
        if is_ignored(&file_name) {
            continue;
        }
        if is_dir {
            if let Some(candidate) = directory_candidate(&path, &file_name, &mut listing) {
                listing.candidates.push(candidate);
            }
            continue;
        }
        let Some(stem) = file_name.strip_suffix(".sql") else {
            continue;
        };
        listing.considered_files.push(file_name.clone());
        let (stem, layout, is_down) = split_direction(stem);
        match parse_stem(stem) {
            Ok(parsed) => {
                let found = FoundFile {
                    path,
                    relative: file_name.clone(),
                };
                let (up, down) = if is_down {
                    (None, Some(found))
                } else {
                    (Some(found), None)
                };
                listing.candidates.push(Candidate {
                    parsed,
                    layout,
                    up,
                    down,
                    metadata_no_transaction: false,
                    entry: file_name,
                });
            }
            Err(NameError::NoVersion) => listing.unversioned_files.push(file_name),
            Err(NameError::VersionTooLarge) => listing
                .problems
                .push(Problem::VersionTooLarge { entry: file_name }),
        }
    }
    Ok(listing)
}

/// Hidden entries and editor leftovers (`.x`, `#x#`, `x~`) are never migrations.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~')
}

/// `x.up.sql` / `x.down.sql` belong to the reversible layout; the flag says down.
fn split_direction(stem: &str) -> (&str, Layout, bool) {
    if let Some(s) = stem.strip_suffix(".up") {
        (s, Layout::ReversibleFiles, false)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Layout::ReversibleFiles, true)
    } else {
        (stem, Layout::Files, false)
    }
}

fn directory_candidate(path: &Path, dir_name: &str, listing: &mut Listing) -> Option<Candidate> {
    let parsed = match parse_stem(dir_name) {
        Ok(parsed) => parsed,
        // A folder without a version (notes, fixtures) is not a migration.
        Err(NameError::NoVersion) => return None,
        Err(NameError::VersionTooLarge) => {
            listing.problems.push(Problem::VersionTooLarge {
                entry: dir_name.to_string(),
            });
            return None;
        }
    };
    let [up_sql, migration_sql, down] = DIRECTORY_FILES.map(|name| {
        let file = path.join(name);
        file.is_file().then(|| FoundFile {
            path: file,
            relative: format!("{dir_name}/{name}"),
        })
    });
    for file in [&up_sql, &migration_sql, &down].into_iter().flatten() {
        listing.considered_files.push(file.relative.clone());
    }
    let up = match (up_sql, migration_sql) {
        (Some(up), Some(other)) => {
            listing.problems.push(Problem::UpAndMigrationSql {
                dir: dir_name.to_string(),
                ignored: other.relative,
            });
            Some(up)
        }
        (up, other) => up.or(other),
    };
    if up.is_none() && down.is_none() {
        listing.problems.push(Problem::NoUpFile {
            dir: dir_name.to_string(),
        });
        return None;
    }
    Some(Candidate {
        parsed,
        layout: Layout::Directories,
        up,
        down,
        metadata_no_transaction: reads_no_transaction(&path.join("metadata.toml")),
        entry: dir_name.to_string(),
    })
}

/// diesel's `metadata.toml` with `run_in_transaction = false`. A one-key file; reading
/// it by line keeps a TOML parser out of every build that uses the macro.
fn reads_no_transaction(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines().any(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut parts = line.splitn(2, '=').map(str::trim);
        parts.next() == Some("run_in_transaction") && parts.next() == Some("false")
    })
}

/// The directory's entries as (name, path, is_dir), sorted by name so problems come
/// out in a stable order. A name that is not UTF-8 is left out and reported.
fn read_dir_sorted(
    dir: &Path,
    problems: &mut Vec<Problem>,
) -> io::Result<Vec<(String, PathBuf, bool)>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let is_dir = path.is_dir();
        match entry.file_name().into_string() {
            Ok(name) => entries.push((name, path, is_dir)),
            Err(os_name) => problems.push(Problem::NonUtf8Name {
                name: os_name.to_string_lossy().into_owned(),
            }),
        }
    }
    entries.sort();
    Ok(entries)
}
