//! What a migrations directory is, for every part of pgstrata that reads one: the
//! `migrations!` macro and the `pgstrata` command (both through the analyzer), and the
//! runtime's check that a binary's embedded files still match its directory. They all
//! list a directory with [`MigrationDir::read`], so they cannot disagree about which
//! files count.
//!
//! - Names: a version, then a name, in each tool's spelling ([`parse_stem`]).
//! - Layouts ([`Layout`]): plain files (`0003_add_users.sql`, `V3__add_users.sql`),
//!   reversible files (`0003_add_users.up.sql` + `0003_add_users.down.sql`), or one
//!   directory per migration holding `up.sql` (diesel) or `migration.sql` (Prisma), an
//!   optional `down.sql` and diesel's `metadata.toml`. One layout per directory.
//! - Not migrations: hidden entries and editor leftovers (`.x`, `#x#`, `x~`), files
//!   that are not `.sql`, directories whose name has no version (notes, fixtures),
//!   and unversioned `.sql` files beside migration directories (diesel ignores them
//!   too, but they are in the list of files considered). A name that is not UTF-8 is
//!   left out and reported: it cannot be embedded.
//! - Order: by version, never by name. Diesel compares its versions' digits as text,
//!   so one directory per migration is ordered that way; the flat layouts' tools
//!   compare numbers.
//!
//! Problems are typed [`Problem`] values naming the entry they concern; the analyzer
//! words them for users. The crate has no dependencies: the runtime links it into
//! every application.

mod listing;
mod name;
mod ordering;

pub use name::{parse_stem, NameError, ParsedName, VersionStyle};

use std::path::{Path, PathBuf};

/// A migrations directory as found on disk, before any file is read.
#[derive(Debug, Default)]
pub struct MigrationDir {
    /// In the order their tool applies them.
    pub migrations: Vec<FoundMigration>,
    /// Every file that counts, relative to the directory, `/`-separated and sorted:
    /// the `.sql` files at the top (versioned or not) and the `up.sql`,
    /// `migration.sql` and `down.sql` of each directory whose name has a version. A
    /// build embeds this list to notice later that the directory changed.
    pub considered_files: Vec<String>,
    /// Everything that does not fit, in the order found.
    pub problems: Vec<Problem>,
}

/// One migration: its version, its name and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMigration {
    pub version: i64,
    pub name: String,
    pub up: FoundFile,
    pub down: Option<FoundFile>,
    /// diesel's `metadata.toml` says `run_in_transaction = false`.
    pub metadata_no_transaction: bool,
}

/// A file of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    pub path: PathBuf,
    /// Relative to the migrations directory, `/`-separated.
    pub relative: String,
}

/// The shape of a migrations directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layout {
    /// `0003_add_users.sql`, `V3__add_users.sql`
    Files,
    /// `0003_add_users.up.sql` + `0003_add_users.down.sql`
    ReversibleFiles,
    /// `0003_add_users/up.sql` (+ `down.sql`), `0_init/migration.sql`
    Directories,
}

/// Something in the directory that does not fit. Every path is relative to the
/// migrations directory and `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An entry whose name is not UTF-8 (shown with the invalid bytes replaced); it
    /// is left out, since `include_str!` takes a string.
    NonUtf8Name { name: String },
    /// A `.sql` file whose name does not start with a version.
    NoVersion { file: String },
    /// A file or directory whose version does not fit in an `i64`; it is left out.
    VersionTooLarge { entry: String },
    /// A migration directory holding both `up.sql` and `migration.sql`; `up.sql` is
    /// kept and `ignored` (its `migration.sql`) is not.
    UpAndMigrationSql { dir: String, ignored: String },
    /// A directory with a version but no `up.sql`, `migration.sql` or `down.sql`.
    NoUpFile { dir: String },
    /// A migration laid out differently from most of the directory.
    MixedLayout {
        entry: String,
        layout: Layout,
        majority: Layout,
    },
    /// A migration whose version is written differently from most of the directory.
    MixedVersionStyle {
        entry: String,
        style: VersionStyle,
        majority: VersionStyle,
    },
    /// A second migration with the version of `first`; it is left out.
    DuplicateVersion {
        entry: String,
        version: i64,
        first: String,
    },
    /// A down file (`x.down.sql`, or a directory's `down.sql`) without its up file.
    DownWithoutUp { file: String },
}

impl Problem {
    /// The file or directory the problem concerns.
    pub fn entry(&self) -> &str {
        match self {
            Problem::NonUtf8Name { name } => name,
            Problem::NoVersion { file } | Problem::DownWithoutUp { file } => file,
            Problem::NoUpFile { dir } => dir,
            Problem::UpAndMigrationSql { ignored, .. } => ignored,
            Problem::VersionTooLarge { entry }
            | Problem::MixedLayout { entry, .. }
            | Problem::MixedVersionStyle { entry, .. }
            | Problem::DuplicateVersion { entry, .. } => entry,
        }
    }
}

impl MigrationDir {
    /// Lists `dir`. `Err` is the directory itself being unreadable (missing, not a
    /// directory, no permission); everything inside it that does not fit is a
    /// [`Problem`].
    pub fn read(dir: &Path) -> std::io::Result<MigrationDir> {
        let listing = listing::list(dir)?;
        Ok(ordering::check_and_order(listing))
    }
}

#[cfg(test)]
mod tests;
