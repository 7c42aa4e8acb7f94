//! Step one of the pipeline: find the migrations in a directory, in the order their
//! tool applies them, and report every layout problem with the file it concerns.
//! What a migrations directory is lives in `pgstrata-layout`, which the runtime shares;
//! this module words its problems as diagnostics and names files as users know them.

pub use pgstrata_layout::{parse_stem, Layout, NameError, ParsedName, Problem, VersionStyle};

use crate::diagnostics::Diagnostic;
use pgstrata_layout::MigrationDir;
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
    /// In the order their tool applies them.
    pub migrations: Vec<FoundMigration>,
    /// Every file that discovery considered (sorted, relative, `/`-separated): the
    /// runtime's check of the embedded files lists the directory the same way to
    /// notice files added since.
    pub considered_files: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lists `dir` (`display_dir` is how users name it, e.g. `migrations`).
pub fn discover(dir: &Path, display_dir: &str) -> Discovery {
    let listing = match MigrationDir::read(dir) {
        Ok(listing) => listing,
        Err(e) => {
            return Discovery {
                diagnostics: vec![Diagnostic::error(
                    RULE,
                    format!("cannot read the migrations directory `{display_dir}`: {e}"),
                )
                .help("the path is relative to the crate's Cargo.toml")],
                ..Discovery::default()
            }
        }
    };
    let found_file = |file: pgstrata_layout::FoundFile| FoundFile {
        display: format!("{display_dir}/{}", file.relative),
        path: file.path,
        relative: file.relative,
    };
    Discovery {
        migrations: listing
            .migrations
            .into_iter()
            .map(|m| FoundMigration {
                version: m.version,
                name: m.name,
                up: found_file(m.up),
                down: m.down.map(found_file),
                metadata_no_transaction: m.metadata_no_transaction,
            })
            .collect(),
        considered_files: listing.considered_files,
        diagnostics: listing
            .problems
            .iter()
            .map(|problem| diagnostic(problem, display_dir))
            .collect(),
    }
}

/// A layout problem as users read it; paths are shown under `display_dir`.
pub fn diagnostic(problem: &Problem, display_dir: &str) -> Diagnostic {
    let shown = |relative: &str| format!("{display_dir}/{relative}");
    let (message, help) = match problem {
        Problem::NonUtf8Name { name } => (
            format!("the name of `{}` is not valid UTF-8", shown(name)),
            "rename it with UTF-8 characters only",
        ),
        Problem::NoVersion { file } => (
            format!("`{}` does not start with a version", shown(file)),
            "name migrations `<version>_<name>.sql` (or `V<version>__<name>.sql`); the version orders them",
        ),
        Problem::VersionTooLarge { entry } => (
            format!("the version of `{}` does not fit in a 64-bit integer", shown(entry)),
            "versions are signed 64-bit integers; dotted versions allow at most 6 parts of up to 999",
        ),
        Problem::UpAndMigrationSql { dir, .. } => (
            format!("`{}` holds both `up.sql` and `migration.sql`", shown(dir)),
            "keep one: `up.sql` (diesel) or `migration.sql` (Prisma)",
        ),
        Problem::NoUpFile { dir } => (
            format!("`{}` has no `up.sql` or `migration.sql`", shown(dir)),
            "a migration directory holds `up.sql` (and optionally `down.sql`) or `migration.sql`",
        ),
        Problem::MixedLayout {
            entry,
            layout,
            majority,
        } => (
            format!(
                "`{}` is laid out as {}, but this directory uses {}",
                shown(entry),
                describe(*layout),
                describe(*majority)
            ),
            "use one layout per migrations directory",
        ),
        Problem::MixedVersionStyle { entry, .. } => (
            format!(
                "`{}` writes its version differently from the other migrations here",
                shown(entry)
            ),
            "use one naming scheme per directory: `V<n>__name`, `<n>_name` or `<x.y.z>_<nn>_name`",
        ),
        Problem::DuplicateVersion {
            entry,
            version,
            first,
        } => (
            format!(
                "`{}` has version {version}, like `{}`",
                shown(entry),
                shown(first)
            ),
            "every migration needs its own version; renumber one of them",
        ),
        Problem::DownWithoutUp { file } => (
            format!(
                "`{}` is a down migration without an up migration",
                shown(file)
            ),
            "add the matching up migration, or remove the down file",
        ),
    };
    Diagnostic::error(RULE, message)
        .in_file(shown(problem.entry()))
        .help(help)
}

fn describe(layout: Layout) -> &'static str {
    match layout {
        Layout::Files => "plain migration files",
        Layout::ReversibleFiles => "reversible `.up.sql`/`.down.sql` files",
        Layout::Directories => "one directory per migration",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Message, file and help of a problem's diagnostic.
    fn worded(problem: Problem) -> (String, String, String) {
        let d = diagnostic(&problem, "migrations");
        assert_eq!(d.rule, "layout");
        (
            d.message,
            d.file.unwrap_or_default(),
            d.help.unwrap_or_default(),
        )
    }

    #[test]
    fn each_problem_names_its_file_under_the_directory_users_know() {
        let cases = [
            (
                Problem::NonUtf8Name {
                    name: "2_\u{fffd}.sql".into(),
                },
                "the name of `migrations/2_\u{fffd}.sql` is not valid UTF-8",
                "migrations/2_\u{fffd}.sql",
            ),
            (
                Problem::NoVersion {
                    file: "add_users.sql".into(),
                },
                "`migrations/add_users.sql` does not start with a version",
                "migrations/add_users.sql",
            ),
            (
                Problem::VersionTooLarge {
                    entry: "99999999999999999999_x".into(),
                },
                "the version of `migrations/99999999999999999999_x` does not fit in a 64-bit integer",
                "migrations/99999999999999999999_x",
            ),
            (
                Problem::UpAndMigrationSql {
                    dir: "1_a".into(),
                    ignored: "1_a/migration.sql".into(),
                },
                "`migrations/1_a` holds both `up.sql` and `migration.sql`",
                "migrations/1_a/migration.sql",
            ),
            (
                Problem::NoUpFile { dir: "1_a".into() },
                "`migrations/1_a` has no `up.sql` or `migration.sql`",
                "migrations/1_a",
            ),
            (
                Problem::MixedLayout {
                    entry: "3_c".into(),
                    layout: Layout::Directories,
                    majority: Layout::Files,
                },
                "`migrations/3_c` is laid out as one directory per migration, but this directory uses plain migration files",
                "migrations/3_c",
            ),
            (
                Problem::MixedLayout {
                    entry: "3_c.up.sql".into(),
                    layout: Layout::ReversibleFiles,
                    majority: Layout::Files,
                },
                "`migrations/3_c.up.sql` is laid out as reversible `.up.sql`/`.down.sql` files, but this directory uses plain migration files",
                "migrations/3_c.up.sql",
            ),
            (
                Problem::MixedVersionStyle {
                    entry: "3_c.sql".into(),
                    style: VersionStyle::Numbered,
                    majority: VersionStyle::Prefixed,
                },
                "`migrations/3_c.sql` writes its version differently from the other migrations here",
                "migrations/3_c.sql",
            ),
            (
                Problem::DuplicateVersion {
                    entry: "1_b.sql".into(),
                    version: 1,
                    first: "0001_a.sql".into(),
                },
                "`migrations/1_b.sql` has version 1, like `migrations/0001_a.sql`",
                "migrations/1_b.sql",
            ),
            (
                Problem::DownWithoutUp {
                    file: "1_a/down.sql".into(),
                },
                "`migrations/1_a/down.sql` is a down migration without an up migration",
                "migrations/1_a/down.sql",
            ),
        ];
        for (problem, message, file) in cases {
            let (got_message, got_file, help) = worded(problem);
            assert_eq!((got_message.as_str(), got_file.as_str()), (message, file));
            assert!(!help.is_empty(), "{message}");
        }
    }

    #[test]
    fn found_files_are_shown_under_the_directory_users_know() {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ui/fixtures/down_without_up");
        let d = discover(&fixture, "tests/ui/fixtures/down_without_up");
        let up = &d.migrations[0].up;
        assert_eq!(up.path, fixture.join(&up.relative));
        assert_eq!(
            up.display,
            format!("tests/ui/fixtures/down_without_up/{}", up.relative)
        );
        assert_eq!(
            d.diagnostics.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
            vec!["`tests/ui/fixtures/down_without_up/0002_second.down.sql` is a down migration without an up migration"]
        );
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let d = discover(Path::new("/nonexistent/pgstrata"), "migrations");
        assert_eq!(d.diagnostics.len(), 1);
        assert!(d.diagnostics[0]
            .message
            .starts_with("cannot read the migrations directory `migrations`"));
        assert!(d.diagnostics[0].file.is_none());
    }
}
