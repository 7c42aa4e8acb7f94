//! `pgstrata new [DIR] NAME`: the next migration's file(s), named in the directory's
//! own layout and version scheme, read from its newest migration:
//!
//! - timestamps (sqlx, dbmate, Prisma `20240101120000_name`, diesel
//!   `2024-01-01-120000_name`) get the current UTC time in the same spelling;
//! - sequences (`V3__name`, `0003_name`, `003-name`) get the next number with the same
//!   prefix, zero-padding and separator; procrastinate's `00.05.00_01_name` the next
//!   sequence number of the same release;
//! - reversible files (`.up.sql` + `.down.sql`) and diesel's directories (`up.sql` +
//!   `down.sql`) get a down file too; Prisma's directories get `migration.sql`.
//!
//! An empty or missing directory gets `V1__NAME.sql`: the naming of pgstrata's own
//! examples, and a sequence makes two branches that each add a migration collide on
//! one version, which `migrations!` refuses at compile time, where timestamps would
//! both be accepted and fail at deploy time as out of order.
//!
//! The files hold a comment only: `pgstrata check` reports them as having no
//! statements until the SQL is written.

use pgstrata_layout::{parse_stem, MigrationDir, VersionStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// Creates the files and prints their paths, one a line.
pub fn run(dir: &Path, name: &str) -> Result<ExitCode, String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the system clock is set before 1970".to_string())?;
    let plan = plan(dir, name, UtcTime::from_unix(now.as_secs()))?;
    for path in write(dir, &plan)? {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The files of the next migration, relative to the directory, with their text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewMigration {
    pub version: i64,
    /// A directory to create first (one directory per migration), relative.
    pub directory: Option<String>,
    pub files: Vec<(String, &'static str)>,
}

const UP_TEXT: &str = "-- Write the migration's SQL here.\n";
const DOWN_TEXT: &str = "-- Write the SQL that undoes the up file here.\n";

/// What the next migration looks like, from the directory as it is and the time now.
pub(crate) fn plan(dir: &Path, name: &str, now: UtcTime) -> Result<NewMigration, String> {
    check_name(name)?;
    let listing = match MigrationDir::read(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => MigrationDir::default(),
        Err(e) => return Err(format!("cannot read `{}`: {e}", dir.display())),
    };
    let newest_version = listing.migrations.iter().map(|m| m.version).max();
    let Some(last) = listing.migrations.last() else {
        return finish(Scheme::default_for_empty(), name, None);
    };
    let scheme = Scheme::of(&last.up.relative)?;
    let stem = scheme.next_stem(name, now, newest_version)?;
    finish(scheme, name, Some(stem))
}

/// Checks that the stem reads back as the intended version and name, and lists the
/// files.
fn finish(scheme: Scheme, name: &str, stem: Option<(i64, String)>) -> Result<NewMigration, String> {
    let (version, stem) = match stem {
        Some(stem) => stem,
        None => (1, format!("V1__{name}")),
    };
    match parse_stem(&stem) {
        Ok(parsed) if parsed.version == version && parsed.name == name => {}
        _ => {
            return Err(format!(
            "`{stem}` would not read back as version {version} named `{name}`; pick another name"
        ))
        }
    }
    let migration = match scheme.shape {
        Shape::File => NewMigration {
            version,
            directory: None,
            files: vec![(format!("{stem}.sql"), UP_TEXT)],
        },
        Shape::ReversibleFiles => NewMigration {
            version,
            directory: None,
            files: vec![
                (format!("{stem}.up.sql"), UP_TEXT),
                (format!("{stem}.down.sql"), DOWN_TEXT),
            ],
        },
        Shape::UpAndDownDirectory => NewMigration {
            version,
            files: vec![
                (format!("{stem}/up.sql"), UP_TEXT),
                (format!("{stem}/down.sql"), DOWN_TEXT),
            ],
            directory: Some(stem),
        },
        Shape::MigrationSqlDirectory => NewMigration {
            version,
            files: vec![(format!("{stem}/migration.sql"), UP_TEXT)],
            directory: Some(stem),
        },
    };
    for (file, _) in &migration.files {
        let longest = file.split('/').map(str::len).max().unwrap_or(0);
        if longest > MAX_FILE_NAME_BYTES {
            return Err(format!(
                "`{file}` is longer than {MAX_FILE_NAME_BYTES} bytes, which file systems refuse; pick a shorter name"
            ));
        }
    }
    Ok(migration)
}

/// Most file systems' limit on one path component.
const MAX_FILE_NAME_BYTES: usize = 255;

/// Letters, digits, `_` and `-`: every layout reads them back, and no file system or
/// shell needs them quoted.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the migration's name is empty".to_string());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "`{}` cannot be a migration's name: {} is not allowed (use letters, digits, `_` and `-`)",
            name.escape_debug(),
            describe(bad)
        ));
    }
    Ok(())
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '/' | '\\' => format!("`{c}` (a path separator)"),
        c if c.is_control() => format!("the control character {}", c.escape_debug()),
        c => format!("`{c}`"),
    }
}

/// How the directory spells its migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scheme {
    version: VersionScheme,
    /// Between the version and the name.
    separator: String,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum VersionScheme {
    /// `V3`, `0003`, `3`: the next number, padded to `width` digits.
    Sequence { prefix: String, width: usize },
    /// `20240101120000`, or diesel's `2024-01-01-120000` (with `suffix`, the extra
    /// digits some diesel versions add, as zeros).
    Timestamp { dashed: bool, suffix: String },
    /// procrastinate's `00.05.00_01`: the release `head` and the next sequence number.
    Dotted { head: String, width: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `V3__name.sql`
    File,
    /// `0003_name.up.sql` + `0003_name.down.sql`
    ReversibleFiles,
    /// diesel: `2024-01-01-120000_name/up.sql` + `down.sql`
    UpAndDownDirectory,
    /// Prisma: `20240101120000_name/migration.sql`
    MigrationSqlDirectory,
}

impl Scheme {
    fn default_for_empty() -> Scheme {
        Scheme {
            version: VersionScheme::Sequence {
                prefix: "V".to_string(),
                width: 1,
            },
            separator: "__".to_string(),
            shape: Shape::File,
        }
    }

    /// The scheme of a migration, from its up file's path relative to the directory.
    fn of(up: &str) -> Result<Scheme, String> {
        let (stem, shape) = match up.split_once('/') {
            Some((dir, "migration.sql")) => (dir, Shape::MigrationSqlDirectory),
            Some((dir, _)) => (dir, Shape::UpAndDownDirectory),
            None => match up.strip_suffix(".up.sql") {
                Some(stem) => (stem, Shape::ReversibleFiles),
                None => (up.strip_suffix(".sql").unwrap_or(up), Shape::File),
            },
        };
        let parsed = parse_stem(stem).map_err(|_| format!("cannot read the version of `{up}`"))?;
        // What precedes the name: the version as written and one separator character
        // (none when the name is empty).
        let head = &stem[..stem.len() - parsed.name.len()];
        let (written, separator) = if parsed.name.is_empty() {
            (head, None)
        } else {
            let separator_len = match parsed.style {
                VersionStyle::Prefixed => 2,
                VersionStyle::Numbered | VersionStyle::Dotted => 1,
            };
            let (written, separator) = head.split_at(head.len() - separator_len);
            (written, Some(separator.to_string()))
        };
        let (version, default_separator) = match parsed.style {
            VersionStyle::Prefixed => (
                VersionScheme::Sequence {
                    prefix: written[..1].to_string(),
                    width: parsed.digits.len(),
                },
                "__",
            ),
            VersionStyle::Dotted => {
                let (release, sequence) = written.split_once('_').unwrap_or((written, ""));
                if sequence.is_empty() {
                    return Err(format!(
                        "`{up}` has a release but no sequence number: name the next migration by hand"
                    ));
                }
                (
                    VersionScheme::Dotted {
                        head: release.to_string(),
                        width: sequence.len(),
                    },
                    "_",
                )
            }
            VersionStyle::Numbered if written.contains('-') => (
                VersionScheme::Timestamp {
                    dashed: true,
                    suffix: written
                        .get(DASHED_TIMESTAMP_LEN..)
                        .unwrap_or("")
                        .chars()
                        .map(|c| if c == '-' { '-' } else { '0' })
                        .collect(),
                },
                "_",
            ),
            VersionStyle::Numbered if is_timestamp(written) => (
                VersionScheme::Timestamp {
                    dashed: false,
                    suffix: String::new(),
                },
                "_",
            ),
            VersionStyle::Numbered => (
                VersionScheme::Sequence {
                    prefix: String::new(),
                    width: written.len(),
                },
                "_",
            ),
        };
        Ok(Scheme {
            version,
            separator: separator.unwrap_or_else(|| default_separator.to_string()),
            shape,
        })
    }

    /// The next migration's version and stem (`V4__name`, `2024-01-01-120000_name`).
    fn next_stem(
        &self,
        name: &str,
        now: UtcTime,
        newest: Option<i64>,
    ) -> Result<(i64, String), String> {
        let separator = &self.separator;
        match &self.version {
            VersionScheme::Sequence { prefix, width } => {
                let next = next_after(newest)?;
                Ok((next, format!("{prefix}{next:0width$}{separator}{name}")))
            }
            VersionScheme::Timestamp { dashed, suffix } => {
                let written = if *dashed {
                    format!("{}{suffix}", now.dashed())
                } else {
                    now.compact()
                };
                let digits: String = written.chars().filter(char::is_ascii_digit).collect();
                let version: i64 = digits
                    .parse()
                    .map_err(|_| format!("the timestamp {written} is not a version"))?;
                if let Some(newest) = newest.filter(|&newest| newest >= version) {
                    return Err(format!(
                        "the newest migration's version {newest} is not older than the time now \
                         ({written} UTC): wait a second, or check the clock"
                    ));
                }
                Ok((version, format!("{written}{separator}{name}")))
            }
            VersionScheme::Dotted { head, width } => {
                let release = parse_stem(&format!("{head}_0_x"))
                    .map_err(|_| format!("cannot read the release `{head}`"))?
                    .version;
                let sequence = next_after(newest)? - release;
                if !(0..=999).contains(&sequence) {
                    return Err(format!(
                        "release {head} has no sequence number left: name the next migration by hand"
                    ));
                }
                Ok((
                    release + sequence,
                    format!("{head}_{sequence:0width$}{separator}{name}"),
                ))
            }
        }
    }
}

/// `YYYY-MM-DD-HHMMSS`
const DASHED_TIMESTAMP_LEN: usize = 17;

fn next_after(newest: Option<i64>) -> Result<i64, String> {
    match newest {
        None => Ok(1),
        Some(newest) => newest
            .checked_add(1)
            .ok_or_else(|| format!("version {newest} has no next version")),
    }
}

/// Fourteen digits that read as a date and time from 1970 to 2999: sqlx, dbmate,
/// golang-migrate and Prisma stamp migrations so.
fn is_timestamp(digits: &str) -> bool {
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let field = |range: std::ops::Range<usize>| digits[range].parse::<u32>().unwrap_or(u32::MAX);
    (1970..3000).contains(&field(0..4))
        && (1..=12).contains(&field(4..6))
        && (1..=31).contains(&field(6..8))
        && field(8..10) < 24
        && field(10..12) < 60
        && field(12..14) < 61
}

/// Creates the directory and files, never overwriting; returns the paths created.
fn write(dir: &Path, migration: &NewMigration) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut created = Vec::new();
    if let Some(directory) = &migration.directory {
        let path = dir.join(directory);
        std::fs::create_dir(&path)
            .map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
    }
    for (file, text) in &migration.files {
        let path = dir.join(file);
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
        std::io::Write::write_all(&mut handle, text.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        created.push(path);
    }
    Ok(created)
}

/// A UTC date and time to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UtcTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl UtcTime {
    /// From seconds since 1970-01-01 00:00:00 UTC (days to a civil date by Howard
    /// Hinnant's `civil_from_days`).
    pub(crate) fn from_unix(seconds: u64) -> UtcTime {
        let days = (seconds / 86_400) as i64;
        let of_day = (seconds % 86_400) as u32;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        UtcTime {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
        }
    }

    /// `20240101120000`
    fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `2024-01-01-120000`
    fn dashed(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}-{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests;
