//! Step one of the pipeline: find the migrations in a directory, in the order their
//! tool applies them, and report every layout problem with the file it concerns.

mod name;

pub use name::{parse_stem, NameError, ParsedName, VersionStyle};

use crate::diagnostics::Diagnostic;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const RULE: &str = "layout";

/// One migration as found on disk, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMigration {
    pub version: i64,
    pub name: String,
    pub up: FoundFile,
    pub down: Option<FoundFile>,
    /// diesel's `metadata.toml` says `run_in_transaction = false`.
    pub metadata_no_transaction: bool,
}

/// A file with its absolute path and the path users know (relative to their crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    pub path: PathBuf,
    pub display: String,
    /// Relative to the migrations directory, `/`-separated.
    pub relative: String,
}

/// Everything discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Ordered by version.
    pub migrations: Vec<FoundMigration>,
    /// Every file that discovery considered (sorted, relative, `/`-separated): the
    /// runtime guard lists the directory the same way to notice files added since.
    pub considered_files: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The shape of a migrations directory. Two shapes in one directory is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layout {
    /// `0003_add_users.sql`, `V3__add_users.sql`
    Files,
    /// `0003_add_users.up.sql` + `0003_add_users.down.sql`
    ReversibleFiles,
    /// `0003_add_users/up.sql` (+ `down.sql`), `0_init/migration.sql`
    Directories,
}

impl Layout {
    fn describe(self) -> &'static str {
        match self {
            Layout::Files => "plain migration files",
            Layout::ReversibleFiles => "reversible `.up.sql`/`.down.sql` files",
            Layout::Directories => "one directory per migration",
        }
    }
}

/// A candidate before the checks that need the whole directory.
struct Candidate {
    parsed: ParsedName,
    layout: Layout,
    up: Option<FoundFile>,
    down: Option<FoundFile>,
    metadata_no_transaction: bool,
    /// The name to report problems against.
    display: String,
}

/// Lists `dir` (`display_dir` is how users name it, e.g. `migrations`).
pub fn discover(dir: &Path, display_dir: &str) -> Discovery {
    let mut out = Discovery::default();
    let entries = match read_dir_sorted(dir, display_dir, &mut out.diagnostics) {
        Ok(entries) => entries,
        Err(e) => {
            out.diagnostics.push(
                Diagnostic::error(
                    RULE,
                    format!("cannot read the migrations directory `{display_dir}`: {e}"),
                )
                .help("the path is relative to the crate's Cargo.toml"),
            );
            return out;
        }
    };

    let mut candidates = Vec::new();
    let mut unversioned_files = Vec::new();
    for (file_name, path, is_dir) in entries {
        let display = format!("{display_dir}/{file_name}");
        if is_dir {
            if let Some(candidate) = directory_candidate(&path, &file_name, &display, &mut out) {
                candidates.push(candidate);
            }
        } else if let Some(stem) = sql_stem(&file_name) {
            out.considered_files.push(file_name.clone());
            let (stem, layout, is_down) = split_direction(stem);
            let found = FoundFile {
                path: path.clone(),
                display: display.clone(),
                relative: file_name.clone(),
            };
            match parse_stem(stem) {
                Ok(parsed) => candidates.push(Candidate {
                    parsed,
                    layout,
                    up: (!is_down).then(|| found.clone()),
                    down: is_down.then_some(found),
                    metadata_no_transaction: false,
                    display,
                }),
                Err(NameError::NoVersion) => unversioned_files.push(display),
                Err(NameError::VersionTooLarge) => {
                    out.diagnostics.push(version_too_large(&display))
                }
            }
        }
    }

    let layouts: BTreeMap<Layout, usize> = candidates.iter().fold(BTreeMap::new(), |mut m, c| {
        *m.entry(c.layout).or_default() += 1;
        m
    });
    // Diesel ignores loose files beside its directories (crates.io keeps a data script
    // there), so only a loose file that looks like a migration is reported.
    if layouts.len() == 1 && layouts.contains_key(&Layout::Directories) {
        unversioned_files.clear();
    }
    for display in unversioned_files {
        out.diagnostics.push(
            Diagnostic::error(RULE, format!("`{display}` does not start with a version"))
                .in_file(&display)
                .help("name migrations `<version>_<name>.sql` (or `V<version>__<name>.sql`); the version orders them"),
        );
    }
    report_mixed(&candidates, &layouts, &mut out.diagnostics);
    report_mixed_styles(&candidates, &mut out.diagnostics);

    out.migrations = pair_and_order(candidates, &mut out.diagnostics);
    out.considered_files.sort();
    out
}

/// Hidden files, editor leftovers and non-SQL files are not migrations.
fn sql_stem(file_name: &str) -> Option<&str> {
    if is_hidden_or_backup(file_name) {
        return None;
    }
    file_name.strip_suffix(".sql")
}

fn is_hidden_or_backup(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~')
}

/// `x.up.sql` / `x.down.sql` belong to the reversible layout.
fn split_direction(stem: &str) -> (&str, Layout, bool) {
    if let Some(s) = stem.strip_suffix(".up") {
        (s, Layout::ReversibleFiles, false)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Layout::ReversibleFiles, true)
    } else {
        (stem, Layout::Files, false)
    }
}

fn directory_candidate(
    path: &Path,
    dir_name: &str,
    display: &str,
    out: &mut Discovery,
) -> Option<Candidate> {
    if is_hidden_or_backup(dir_name) {
        return None;
    }
    let parsed = match parse_stem(dir_name) {
        Ok(parsed) => parsed,
        // A folder without a version (notes, fixtures) is not a migration.
        Err(NameError::NoVersion) => return None,
        Err(NameError::VersionTooLarge) => {
            out.diagnostics.push(version_too_large(display));
            return None;
        }
    };
    let file = |name: &str| {
        let p = path.join(name);
        p.is_file().then(|| FoundFile {
            path: p,
            display: format!("{display}/{name}"),
            relative: format!("{dir_name}/{name}"),
        })
    };
    let up_sql = file("up.sql");
    let migration_sql = file("migration.sql");
    let down = file("down.sql");
    for f in [&up_sql, &migration_sql, &down].into_iter().flatten() {
        out.considered_files.push(f.relative.clone());
    }
    let up = match (up_sql, migration_sql) {
        (Some(up), Some(other)) => {
            out.diagnostics.push(
                Diagnostic::error(
                    RULE,
                    format!("`{display}` holds both `up.sql` and `migration.sql`"),
                )
                .in_file(&other.display)
                .help("keep one: `up.sql` (diesel) or `migration.sql` (Prisma)"),
            );
            Some(up)
        }
        (up, other) => up.or(other),
    };
    if up.is_none() && down.is_none() {
        out.diagnostics.push(
            Diagnostic::error(RULE, format!("`{display}` has no `up.sql` or `migration.sql`"))
                .in_file(display)
                .help("a migration directory holds `up.sql` (and optionally `down.sql`) or `migration.sql`"),
        );
        return None;
    }
    Some(Candidate {
        parsed,
        layout: Layout::Directories,
        up,
        down,
        metadata_no_transaction: reads_no_transaction(&path.join("metadata.toml")),
        display: display.to_string(),
    })
}

/// diesel's `metadata.toml` with `run_in_transaction = false`. A one-key file; reading
/// it by line avoids a TOML parser in every build that uses the macro.
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

fn version_too_large(display: &str) -> Diagnostic {
    Diagnostic::error(
        RULE,
        format!("the version of `{display}` does not fit in a 64-bit integer"),
    )
    .in_file(display)
    .help("versions are signed 64-bit integers; dotted versions allow at most 6 parts of up to 999")
}

fn report_mixed(
    candidates: &[Candidate],
    layouts: &BTreeMap<Layout, usize>,
    out: &mut Vec<Diagnostic>,
) {
    let Some((&majority, _)) = layouts
        .iter()
        .max_by_key(|(layout, count)| (**count, std::cmp::Reverse(**layout)))
    else {
        return;
    };
    for c in candidates.iter().filter(|c| c.layout != majority) {
        out.push(
            Diagnostic::error(
                RULE,
                format!(
                    "`{}` is laid out as {}, but this directory uses {}",
                    c.display,
                    c.layout.describe(),
                    majority.describe()
                ),
            )
            .in_file(&c.display)
            .help("use one layout per migrations directory"),
        );
    }
}

fn report_mixed_styles(candidates: &[Candidate], out: &mut Vec<Diagnostic>) {
    let mut counts: BTreeMap<VersionStyle, usize> = BTreeMap::new();
    for c in candidates {
        *counts.entry(c.parsed.style).or_default() += 1;
    }
    let Some((&majority, _)) = counts
        .iter()
        .max_by_key(|(style, count)| (**count, std::cmp::Reverse(**style)))
    else {
        return;
    };
    for c in candidates.iter().filter(|c| c.parsed.style != majority) {
        out.push(
            Diagnostic::error(
                RULE,
                format!(
                    "`{}` writes its version differently from the other migrations here",
                    c.display
                ),
            )
            .in_file(&c.display)
            .help("use one naming scheme per directory: `V<n>__name`, `<n>_name` or `<x.y.z>_<nn>_name`"),
        );
    }
}

/// Joins `.up.sql`/`.down.sql` halves, reports a down without an up and duplicate
/// versions, and orders the migrations the way their tool does: by version, never by
/// file name. Diesel (one directory per migration) compares its versions as text,
/// which differs from numbers only where their lengths differ; the flat layouts'
/// tools compare numbers.
fn pair_and_order(candidates: Vec<Candidate>, out: &mut Vec<Diagnostic>) -> Vec<FoundMigration> {
    let textual_order = candidates.iter().all(|c| c.layout == Layout::Directories);
    let mut by_version: BTreeMap<i64, Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        by_version.entry(c.parsed.version).or_default().push(c);
    }
    let mut migrations = Vec::new();
    for (version, group) in by_version {
        let mut merged: Option<Candidate> = None;
        for c in group {
            match &mut merged {
                None => merged = Some(c),
                Some(m)
                    if m.layout == Layout::ReversibleFiles
                        && c.layout == Layout::ReversibleFiles
                        && m.parsed.name == c.parsed.name
                        && (m.up.is_none() != c.up.is_none()) =>
                {
                    m.up = m.up.take().or(c.up);
                    m.down = m.down.take().or(c.down);
                }
                Some(m) => out.push(
                    Diagnostic::error(
                        RULE,
                        format!(
                            "`{}` has version {version}, like `{}`",
                            c.display, m.display
                        ),
                    )
                    .in_file(&c.display)
                    .help("every migration needs its own version; renumber one of them"),
                ),
            }
        }
        let Some(m) = merged else { continue };
        match m.up {
            Some(up) => migrations.push((
                m.parsed.digits.clone(),
                FoundMigration {
                    version,
                    name: m.parsed.name,
                    up,
                    down: m.down,
                    metadata_no_transaction: m.metadata_no_transaction,
                },
            )),
            None => {
                let display = m.down.map_or(m.display, |d| d.display);
                out.push(
                    Diagnostic::error(
                        RULE,
                        format!("`{display}` is a down migration without an up migration"),
                    )
                    .in_file(&display)
                    .help("add the matching up migration, or remove the down file"),
                );
            }
        }
    }
    if textual_order {
        migrations.sort_by(|(a, _), (b, _)| a.cmp(b));
    }
    migrations.into_iter().map(|(_, m)| m).collect()
}

/// The directory's entries as (name, path, is_dir), sorted by name so diagnostics come
/// out in a stable order. A name that is not UTF-8 cannot be embedded in Rust source
/// (`include_str!` takes a string), so it is reported instead.
fn read_dir_sorted(
    dir: &Path,
    display_dir: &str,
    out: &mut Vec<Diagnostic>,
) -> std::io::Result<Vec<(String, PathBuf, bool)>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let is_dir = path.is_dir();
        match entry.file_name().into_string() {
            Ok(name) => entries.push((name, path, is_dir)),
            Err(os_name) => {
                let display = format!("{display_dir}/{}", os_name.to_string_lossy());
                out.push(
                    Diagnostic::error(RULE, format!("the name of `{display}` is not valid UTF-8"))
                        .in_file(&display)
                        .help("rename it with UTF-8 characters only"),
                );
            }
        }
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests;
