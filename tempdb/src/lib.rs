//! A PostgreSQL server to run an example or a test suite against, found the way
//! pgstrata's own example and tests find theirs:
//!
//! 1. `DATABASE_URL`, when set;
//! 2. else [`DEFAULT_URL`] (`postgres://postgres@127.0.0.1:5432/postgres`), when a
//!    server answers there;
//! 3. else a throwaway cluster: `initdb` into a temporary directory and `pg_ctl start`
//!    on a free port of 127.0.0.1, from the machine's own PostgreSQL binaries (the
//!    newest `/usr/lib/postgresql/<version>/bin`, or `initdb` on `PATH`). It is
//!    stopped and its directory removed when the process that started it exits.
//!
//! `PGSTRATA_THROWAWAY=1` skips the first two and always starts a throwaway cluster
//! (CI uses it to check the fallback works). PostgreSQL refuses to run as root, so
//! as root the cluster's files and processes belong to the `postgres` user (or
//! `nobody`), through `runuser`.
//!
//! ```no_run
//! let url = pgstrata_tempdb::server_url();
//! let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
//! # Ok::<(), postgres::Error>(())
//! ```

use postgres::{Config, NoTls};
use std::sync::OnceLock;
use std::time::Duration;

mod throwaway;

/// The local server that development machines and CI run.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Set to force a throwaway cluster even when `DATABASE_URL` is set or a server
/// answers at [`DEFAULT_URL`].
pub const THROWAWAY_VARIABLE: &str = "PGSTRATA_THROWAWAY";

/// The server's URL, found once per process (see the crate's documentation). When
/// no server answers and no cluster can be started, the reason is printed to stderr
/// and [`DEFAULT_URL`] returned, so the first connection fails with its own error.
pub fn server_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let forced =
            std::env::var_os(THROWAWAY_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0");
        if let (Ok(url), false) = (std::env::var("DATABASE_URL"), forced) {
            return url;
        }
        if !forced && answers(DEFAULT_URL) {
            return DEFAULT_URL.to_string();
        }
        let why = if forced {
            format!("{THROWAWAY_VARIABLE} is set")
        } else {
            format!("no server answered at {DEFAULT_URL}")
        };
        match start_throwaway() {
            Ok(url) => {
                say(&format!(
                    "pgstrata: {why}; using a throwaway cluster at {url}"
                ));
                url
            }
            Err(e) => {
                say(&format!("pgstrata: {why}, and no throwaway cluster: {e}"));
                DEFAULT_URL.to_string()
            }
        }
    })
    .clone()
}

/// Writes to stderr past a test harness's capture: which server a run used is worth
/// seeing even when every test passes.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Starts a throwaway cluster now and returns its URL (user `postgres`, trust
/// authentication, database `postgres`). It lives until this process exits.
pub fn start_throwaway() -> Result<String, String> {
    throwaway::start()
}

/// Whether a server accepts a connection at `url` within three seconds.
pub fn answers(url: &str) -> bool {
    url.parse::<Config>()
        .ok()
        .and_then(|mut config| {
            config
                .connect_timeout(Duration::from_secs(3))
                .connect(NoTls)
                .ok()
        })
        .is_some()
}
