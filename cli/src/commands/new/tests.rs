use super::*;
use pgstrata_testkit::TempDir;

/// 2024-03-05 06:07:08 UTC
const NOW: u64 = 1_709_618_828;

fn dir_with(files: &[&str]) -> TempDir {
    let dir = TempDir::new("cli-new");
    for file in files {
        dir.write(file, "SELECT 1;\n");
    }
    dir
}

/// The files `new NAME` would create in a directory holding `files`.
fn next(files: &[&str], name: &str) -> Result<Vec<String>, String> {
    let dir = dir_with(files);
    plan(dir.path(), name, UtcTime::from_unix(NOW))
        .map(|m| m.files.into_iter().map(|(file, _)| file).collect())
}

#[test]
fn an_empty_or_missing_directory_starts_at_v1() {
    assert_eq!(next(&[], "init").unwrap(), ["V1__init.sql"]);
    let dir = TempDir::new("cli-new");
    let missing = dir.path().join("not/there");
    let planned = plan(&missing, "init", UtcTime::from_unix(NOW)).unwrap();
    assert_eq!(planned.files[0].0, "V1__init.sql");
    let created = write(&missing, &planned).unwrap();
    assert_eq!(created, [missing.join("V1__init.sql")]);
}

#[test]
fn prefixed_sequences_keep_their_prefix_and_padding() {
    assert_eq!(
        next(&["V1__a.sql", "V2__b.sql"], "users").unwrap(),
        ["V3__users.sql"]
    );
    assert_eq!(
        next(&["V009__a.sql"], "users").unwrap(),
        ["V010__users.sql"]
    );
    assert_eq!(next(&["v7__a.sql"], "users").unwrap(), ["v8__users.sql"]);
}

#[test]
fn numbered_sequences_keep_their_padding_and_separator() {
    assert_eq!(
        next(&["0001_a.sql", "0003_b.sql"], "users").unwrap(),
        ["0004_users.sql"]
    );
    assert_eq!(
        next(&["001-a.sql", "002-b.sql"], "add-users").unwrap(),
        ["003-add-users.sql"]
    );
    // Past the padding, the number grows.
    assert_eq!(next(&["99_a.sql"], "b").unwrap(), ["100_b.sql"]);
}

#[test]
fn timestamps_get_the_time_now_in_utc() {
    assert_eq!(
        next(&["20240101120000_a.sql"], "users").unwrap(),
        ["20240305060708_users.sql"]
    );
    // dbmate / golang-migrate with reversible files.
    assert_eq!(
        next(
            &["20240101120000_a.up.sql", "20240101120000_a.down.sql"],
            "users"
        )
        .unwrap(),
        [
            "20240305060708_users.up.sql",
            "20240305060708_users.down.sql"
        ]
    );
}

#[test]
fn reversible_sequences_get_an_up_and_a_down_file() {
    assert_eq!(
        next(&["000001_a.up.sql", "000001_a.down.sql"], "users").unwrap(),
        ["000002_users.up.sql", "000002_users.down.sql"]
    );
}

#[test]
fn diesel_directories_get_a_dashed_timestamp_with_up_and_down() {
    let files = ["2024-01-01-120000_a/up.sql", "2024-01-01-120000_a/down.sql"];
    assert_eq!(
        next(&files, "users").unwrap(),
        [
            "2024-03-05-060708_users/up.sql",
            "2024-03-05-060708_users/down.sql"
        ]
    );
    // Newer diesel versions write four more digits.
    assert_eq!(
        next(&["2023-11-19-091444-0000_a/up.sql"], "users").unwrap(),
        [
            "2024-03-05-060708-0000_users/up.sql",
            "2024-03-05-060708-0000_users/down.sql"
        ]
    );
}

#[test]
fn prisma_directories_get_migration_sql() {
    assert_eq!(
        next(&["20240101120000_init/migration.sql"], "users").unwrap(),
        ["20240305060708_users/migration.sql"]
    );
}

#[test]
fn procrastinate_gets_the_next_number_of_the_release() {
    assert_eq!(
        next(&["00.05.00_01_a.sql", "00.05.00_02_b.sql"], "users").unwrap(),
        ["00.05.00_03_users.sql"]
    );
}

#[test]
fn a_clock_behind_the_newest_migration_is_refused() {
    let error = next(&["20990101000000_future.sql"], "users").unwrap_err();
    assert!(error.contains("is not older than the time now"), "{error}");
}

#[test]
fn names_that_make_bad_file_names_are_refused() {
    for name in ["", "add users", "a/b", "../x", "x.sql", "tab\there", "a\\b"] {
        let error = next(&["V1__a.sql"], name).unwrap_err();
        assert!(
            error.contains("cannot be a migration's name") || error.contains("is empty"),
            "{name:?}: {error}"
        );
    }
    let long = "a".repeat(260);
    let error = next(&["V1__a.sql"], &long).unwrap_err();
    assert!(error.contains("longer than 255 bytes"), "{error}");
}

#[test]
fn the_written_files_read_back_as_the_next_migration_of_the_same_layout() {
    for files in [
        &["V1__a.sql"][..],
        &["0003_a.up.sql", "0003_a.down.sql"],
        &["2024-01-01-120000_a/up.sql", "2024-01-01-120000_a/down.sql"],
        &["20240101120000_a/migration.sql"],
    ] {
        let dir = dir_with(files);
        let planned = plan(dir.path(), "users", UtcTime::from_unix(NOW)).unwrap();
        let created = write(dir.path(), &planned).unwrap();
        assert_eq!(created.len(), planned.files.len());
        let listing = MigrationDir::read(dir.path()).unwrap();
        assert!(
            listing.problems.is_empty(),
            "{files:?}: {:?}",
            listing.problems
        );
        let last = listing.migrations.last().unwrap();
        assert_eq!(
            (last.version, last.name.as_str()),
            (planned.version, "users")
        );
        assert_eq!(
            last.down.is_some(),
            files.iter().any(|f| f.contains("down"))
        );
        // Never overwritten: a second attempt at the same version fails.
        let again = write(dir.path(), &planned).unwrap_err();
        assert!(again.contains("cannot create"), "{again}");
    }
}

#[test]
fn utc_time_from_unix_seconds() {
    let at = |seconds| UtcTime::from_unix(seconds).dashed();
    assert_eq!(at(0), "1970-01-01-000000");
    assert_eq!(at(NOW), "2024-03-05-060708");
    assert_eq!(at(951_782_400), "2000-02-29-000000");
    assert_eq!(at(4_102_444_799), "2099-12-31-235959");
    assert_eq!(UtcTime::from_unix(NOW).compact(), "20240305060708");
}
