use super::*;
use pgstrata_testkit::TempDir;

/// A directory holding `files` (relative paths), each a one-statement SQL file.
fn dir_with(files: &[&str]) -> TempDir {
    let dir = TempDir::new("layout");
    for file in files {
        dir.write(file, "select 1;\n");
    }
    dir
}

fn read(files: &[&str]) -> MigrationDir {
    let dir = dir_with(files);
    match MigrationDir::read(dir.path()) {
        Ok(listing) => listing,
        Err(e) => panic!("{files:?}: {e}"),
    }
}

fn order(listing: &MigrationDir) -> Vec<(i64, &str)> {
    listing
        .migrations
        .iter()
        .map(|m| (m.version, m.up.relative.as_str()))
        .collect()
}

fn no_problems(listing: &MigrationDir) {
    assert_eq!(listing.problems, Vec::<Problem>::new());
}

#[test]
fn orders_by_version_not_by_name() {
    let listing = read(&["V10__c.sql", "V2__b.sql", "V1__a.sql"]);
    no_problems(&listing);
    assert_eq!(
        order(&listing),
        vec![(1, "V1__a.sql"), (2, "V2__b.sql"), (10, "V10__c.sql")]
    );
    assert_eq!(listing.migrations[2].name, "c");
}

#[test]
fn diesel_dashed_versions_interleave_with_undashed_ones() {
    let listing = read(&[
        "2017-03-18-181441_b/up.sql",
        "20170305095748_a/up.sql",
        "20170401000000_c/up.sql",
        "2017-03-18-181441_b/down.sql",
    ]);
    no_problems(&listing);
    assert_eq!(
        order(&listing),
        vec![
            (20170305095748, "20170305095748_a/up.sql"),
            (20170318181441, "2017-03-18-181441_b/up.sql"),
            (20170401000000, "20170401000000_c/up.sql"),
        ]
    );
    let down = listing.migrations[1]
        .down
        .as_ref()
        .map(|d| d.relative.as_str());
    assert_eq!(down, Some("2017-03-18-181441_b/down.sql"));
}

#[test]
fn diesel_compares_versions_as_text() {
    let listing = read(&[
        "2026-01-20-162913_b/up.sql",
        "2025-11-19-091444-0000_a/up.sql",
        "2026-05-27-120000-0000_d/up.sql",
        "2026-05-27-120000_c/up.sql",
    ]);
    no_problems(&listing);
    let names: Vec<&str> = listing.migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b", "c", "d"]);
}

#[test]
fn prisma_directories_and_loose_files_beside_directories() {
    let listing = read(&[
        "0_init/migration.sql",
        "1_more/migration.sql",
        "migration_lock.toml",
        "data_seed.sql",
    ]);
    no_problems(&listing);
    assert_eq!(
        order(&listing),
        vec![(0, "0_init/migration.sql"), (1, "1_more/migration.sql")]
    );
    // The loose file is not a migration, but it is in the directory's listing.
    assert_eq!(
        listing.considered_files,
        vec![
            "0_init/migration.sql",
            "1_more/migration.sql",
            "data_seed.sql"
        ]
    );
}

#[test]
fn reversible_pairs_and_a_down_without_up() {
    let listing = read(&["1_a.up.sql", "1_a.down.sql", "2_b.up.sql", "3_c.down.sql"]);
    assert_eq!(order(&listing), vec![(1, "1_a.up.sql"), (2, "2_b.up.sql")]);
    let down = listing.migrations[0]
        .down
        .as_ref()
        .map(|d| d.relative.as_str());
    assert_eq!(down, Some("1_a.down.sql"));
    assert!(listing.migrations[1].down.is_none());
    assert_eq!(
        listing.problems,
        vec![Problem::DownWithoutUp {
            file: "3_c.down.sql".into()
        }]
    );
}

#[test]
fn duplicate_versions_name_both_files() {
    let listing = read(&["0001_a.sql", "1_b.sql"]);
    assert_eq!(
        listing.problems,
        vec![Problem::DuplicateVersion {
            entry: "1_b.sql".into(),
            version: 1,
            first: "0001_a.sql".into()
        }]
    );
    assert_eq!(order(&listing), vec![(1, "0001_a.sql")]);
}

#[test]
fn mixed_layouts_and_styles_are_reported_on_the_odd_entry() {
    let listing = read(&["1_a.sql", "2_b.sql", "3_c/up.sql"]);
    assert_eq!(
        listing.problems,
        vec![Problem::MixedLayout {
            entry: "3_c".into(),
            layout: Layout::Directories,
            majority: Layout::Files
        }]
    );
    let listing = read(&["V1__a.sql", "V2__b.sql", "3_c.sql"]);
    assert_eq!(
        listing.problems,
        vec![Problem::MixedVersionStyle {
            entry: "3_c.sql".into(),
            style: VersionStyle::Numbered,
            majority: VersionStyle::Prefixed
        }]
    );
}

#[test]
fn ignores_hidden_entries_editor_leftovers_and_other_files() {
    let listing = read(&[
        "1_a.sql",
        ".2_hidden.sql",
        "3_b.sql~",
        "README.md",
        "#4_x.sql#",
        "notes/x.txt",
        ".git/V5__x.sql",
        ".6_hidden/up.sql",
    ]);
    no_problems(&listing);
    assert_eq!(order(&listing), vec![(1, "1_a.sql")]);
    assert_eq!(listing.considered_files, vec!["1_a.sql"]);
}

#[test]
fn directories_count_only_when_their_name_has_a_version() {
    let listing = read(&[
        "V3__x/up.sql",
        "v12__y/up.sql",
        "0004_x/up.sql",
        "005-x/up.sql",
        "2024-01-01-120000_x/up.sql",
        "00.05.00_01_x/up.sql",
        "7/up.sql",
        "fixtures/up.sql",
        "2fa/up.sql",
        "V8_x/up.sql",
        "V__x/up.sql",
    ]);
    assert_eq!(
        listing.considered_files,
        vec![
            "00.05.00_01_x/up.sql",
            "0004_x/up.sql",
            "005-x/up.sql",
            "2024-01-01-120000_x/up.sql",
            "7/up.sql",
            "V3__x/up.sql",
            "v12__y/up.sql",
        ]
    );
}

#[test]
fn a_directorys_files_are_listed_with_slashes() {
    let listing = read(&[
        "0001_init/up.sql",
        "0001_init/down.sql",
        "0001_init/metadata.toml",
        "0002_prisma/migration.sql",
        "0002_prisma/notes.sql",
    ]);
    assert_eq!(
        listing.considered_files,
        vec![
            "0001_init/down.sql",
            "0001_init/up.sql",
            "0002_prisma/migration.sql"
        ]
    );
}

#[test]
fn names_that_do_not_fit() {
    let listing = read(&["1_a.sql", "add_users.sql"]);
    assert_eq!(
        listing.problems,
        vec![Problem::NoVersion {
            file: "add_users.sql".into()
        }]
    );
    assert_eq!(listing.considered_files, vec!["1_a.sql", "add_users.sql"]);
    let listing = read(&["1_a/down.sql"]);
    assert_eq!(
        listing.problems,
        vec![Problem::DownWithoutUp {
            file: "1_a/down.sql".into()
        }]
    );
    let listing = read(&["1_a/notes.txt"]);
    assert_eq!(
        listing.problems,
        vec![Problem::NoUpFile { dir: "1_a".into() }]
    );
    let listing = read(&[
        "99999999999999999999_x.sql",
        "99999999999999999999_y/up.sql",
    ]);
    assert_eq!(
        listing.problems,
        vec![
            Problem::VersionTooLarge {
                entry: "99999999999999999999_x.sql".into()
            },
            Problem::VersionTooLarge {
                entry: "99999999999999999999_y".into()
            },
        ]
    );
    assert_eq!(listing.considered_files, vec!["99999999999999999999_x.sql"]);
}

#[test]
fn up_sql_wins_over_migration_sql() {
    let listing = read(&["1_a/up.sql", "1_a/migration.sql"]);
    assert_eq!(
        listing.problems,
        vec![Problem::UpAndMigrationSql {
            dir: "1_a".into(),
            ignored: "1_a/migration.sql".into()
        }]
    );
    assert_eq!(order(&listing), vec![(1, "1_a/up.sql")]);
}

#[test]
fn odd_but_legal_names_work() {
    let listing = read(&[
        "2017-01-01-000000_add crate owners/up.sql",
        "20170102000000_x/up.sql",
    ]);
    no_problems(&listing);
    assert_eq!(listing.migrations[0].name, "add crate owners");
}

#[test]
fn diesel_metadata_turns_transactions_off() {
    let dir = dir_with(&["1_a/up.sql", "2_b/up.sql"]);
    dir.write(
        "1_a/metadata.toml",
        "run_in_transaction = false # CONCURRENTLY\n",
    );
    let listing = MigrationDir::read(dir.path()).expect("list");
    assert!(listing.migrations[0].metadata_no_transaction);
    assert!(!listing.migrations[1].metadata_no_transaction);
}

#[test]
fn a_missing_directory_is_an_io_error() {
    let dir = dir_with(&[]);
    let missing = dir.path().join("nope");
    let error = MigrationDir::read(&missing).expect_err("a missing directory");
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
}

#[cfg(unix)]
#[test]
fn a_non_utf8_name_is_left_out_and_reported() {
    use std::os::unix::ffi::OsStrExt;
    let dir = dir_with(&["1_a.sql"]);
    dir.write(std::ffi::OsStr::from_bytes(b"2_\xff.sql"), "select 1;");
    let listing = MigrationDir::read(dir.path()).expect("list");
    assert_eq!(
        listing.problems,
        vec![Problem::NonUtf8Name {
            name: "2_\u{fffd}.sql".into()
        }]
    );
    assert_eq!(order(&listing), vec![(1, "1_a.sql")]);
    assert_eq!(listing.considered_files, vec!["1_a.sql"]);
}
