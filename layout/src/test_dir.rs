//! A throwaway migrations directory for the tests, removed when dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) struct TestDir(PathBuf);

impl TestDir {
    /// A fresh directory holding `files` (relative paths, parents created), each a
    /// one-statement SQL file.
    pub(crate) fn with_files(files: &[&str]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pgstrata-layout-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a test directory");
        let created = TestDir(dir);
        for file in files {
            created.write(file, "select 1;\n");
        }
        created
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `relative`, creating its parents.
    pub(crate) fn write(&self, relative: impl AsRef<Path>, contents: &str) {
        let path = self.0.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create a test subdirectory");
        }
        std::fs::write(&path, contents).expect("write a test file");
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
