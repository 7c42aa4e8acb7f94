use super::*;

/// A throwaway migrations directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(files: &[&str]) -> Self {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("pgstrata-discover-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for file in files {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "select 1;\n").unwrap();
        }
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(files: &[&str]) -> Discovery {
    let dir = TempDir::new(files);
    discover(&dir.0, "migrations")
}

fn order(d: &Discovery) -> Vec<(i64, &str)> {
    d.migrations
        .iter()
        .map(|m| (m.version, m.up.relative.as_str()))
        .collect()
}

fn messages(d: &Discovery) -> Vec<&str> {
    d.diagnostics.iter().map(|d| d.message.as_str()).collect()
}

#[test]
fn orders_by_version_not_by_name() {
    let d = run(&["V10__c.sql", "V2__b.sql", "V1__a.sql"]);
    assert_eq!(messages(&d), Vec::<&str>::new());
    assert_eq!(
        order(&d),
        vec![(1, "V1__a.sql"), (2, "V2__b.sql"), (10, "V10__c.sql")]
    );
}

#[test]
fn diesel_dashed_versions_interleave_with_undashed_ones() {
    let d = run(&[
        "2017-03-18-181441_b/up.sql",
        "20170305095748_a/up.sql",
        "20170401000000_c/up.sql",
        "2017-03-18-181441_b/down.sql",
    ]);
    assert_eq!(messages(&d), Vec::<&str>::new());
    assert_eq!(
        order(&d),
        vec![
            (20170305095748, "20170305095748_a/up.sql"),
            (20170318181441, "2017-03-18-181441_b/up.sql"),
            (20170401000000, "20170401000000_c/up.sql"),
        ]
    );
    assert!(d.migrations[1].down.is_some());
}

#[test]
fn prisma_directories_and_loose_files_beside_directories() {
    let d = run(&[
        "0_init/migration.sql",
        "1_more/migration.sql",
        "migration_lock.toml",
        "data_seed.sql",
    ]);
    assert_eq!(messages(&d), Vec::<&str>::new());
    assert_eq!(
        order(&d),
        vec![(0, "0_init/migration.sql"), (1, "1_more/migration.sql")]
    );
}

#[test]
fn reversible_pairs_and_a_down_without_up() {
    let d = run(&["1_a.up.sql", "1_a.down.sql", "2_b.up.sql", "3_c.down.sql"]);
    assert_eq!(order(&d), vec![(1, "1_a.up.sql"), (2, "2_b.up.sql")]);
    assert_eq!(
        messages(&d),
        vec!["`migrations/3_c.down.sql` is a down migration without an up migration"]
    );
}

#[test]
fn duplicate_versions_name_both_files() {
    let d = run(&["0001_a.sql", "1_b.sql"]);
    assert_eq!(
        messages(&d),
        vec!["`migrations/1_b.sql` has version 1, like `migrations/0001_a.sql`"]
    );
}

#[test]
fn mixed_layouts_are_reported_on_the_odd_file() {
    let d = run(&["1_a.sql", "2_b.sql", "3_c/up.sql"]);
    assert_eq!(
        messages(&d),
        vec!["`migrations/3_c` is laid out as one directory per migration, but this directory uses plain migration files"]
    );
    let d = run(&["V1__a.sql", "V2__b.sql", "3_c.sql"]);
    assert_eq!(
        messages(&d),
        vec!["`migrations/3_c.sql` writes its version differently from the other migrations here"]
    );
}

#[test]
fn ignores_hidden_backups_and_non_sql() {
    let d = run(&[
        "1_a.sql",
        ".2_hidden.sql",
        "3_b.sql~",
        "README.md",
        "#4_x.sql#",
        "notes/x.txt",
    ]);
    assert_eq!(messages(&d), Vec::<&str>::new());
    assert_eq!(order(&d), vec![(1, "1_a.sql")]);
    assert_eq!(d.considered_files, vec!["1_a.sql"]);
}

#[test]
fn names_that_do_not_fit() {
    let d = run(&["1_a.sql", "add_users.sql"]);
    assert_eq!(
        messages(&d),
        vec!["`migrations/add_users.sql` does not start with a version"]
    );
    let d = run(&["1_a/down.sql"]);
    assert_eq!(
        messages(&d),
        vec!["`migrations/1_a/down.sql` is a down migration without an up migration"]
    );
    let d = run(&["1_a/notes.txt"]);
    assert_eq!(
        messages(&d),
        vec!["`migrations/1_a` has no `up.sql` or `migration.sql`"]
    );
}

#[test]
fn odd_but_legal_names_work() {
    let d = run(&[
        "2017-01-01-000000_add crate owners/up.sql",
        "20170102000000_x/up.sql",
    ]);
    assert_eq!(messages(&d), Vec::<&str>::new());
    assert_eq!(d.migrations[0].name, "add crate owners");
}

#[test]
fn diesel_metadata_turns_transactions_off() {
    let dir = TempDir::new(&["1_a/up.sql", "2_b/up.sql"]);
    std::fs::write(
        dir.0.join("1_a/metadata.toml"),
        "run_in_transaction = false # CONCURRENTLY\n",
    )
    .unwrap();
    let d = discover(&dir.0, "migrations");
    assert!(d.migrations[0].metadata_no_transaction);
    assert!(!d.migrations[1].metadata_no_transaction);
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let d = discover(Path::new("/nonexistent/pgstrata"), "migrations");
    assert_eq!(d.diagnostics.len(), 1);
    assert!(d.diagnostics[0]
        .message
        .starts_with("cannot read the migrations directory `migrations`"));
}

#[cfg(unix)]
#[test]
fn a_non_utf8_name_is_reported() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new(&["1_a.sql"]);
    let bad = std::ffi::OsStr::from_bytes(b"2_\xff.sql");
    std::fs::write(dir.0.join(bad), "select 1;").unwrap();
    let d = discover(&dir.0, "migrations");
    assert_eq!(
        messages(&d),
        vec!["the name of `migrations/2_\u{fffd}.sql` is not valid UTF-8"]
    );
    assert_eq!(order(&d), vec![(1, "1_a.sql")]);
}

#[test]
fn diesel_compares_versions_as_text() {
    let d = run(&[
        "2026-01-20-162913_b/up.sql",
        "2025-11-19-091444-0000_a/up.sql",
        "2026-05-27-120000-0000_d/up.sql",
        "2026-05-27-120000_c/up.sql",
    ]);
    assert_eq!(messages(&d), Vec::<&str>::new());
    let names: Vec<&str> = d.migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b", "c", "d"]);
}
