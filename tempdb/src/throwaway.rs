//! A throwaway PostgreSQL cluster for a machine where none answers (a fresh laptop):
//! `initdb` into a temporary directory, `pg_ctl start` on a free port, and a watcher
//! process that stops the cluster and removes the directory when this process exits.
//! PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres`
//! user (or `nobody`).

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Starts a cluster and returns its URL.
pub fn start() -> Result<String, String> {
    let bin = binaries().ok_or("no PostgreSQL binaries (initdb, pg_ctl) on this machine")?;
    let dir = std::env::temp_dir().join(format!("pgstrata-cluster-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let owner = if running_as_root() {
        Some(unprivileged_user())
    } else {
        None
    };
    if let Some(user) = &owner {
        run(Command::new("chown").args(["-R", user]).arg(&dir), "chown")?;
    }
    let data = dir.join("data");
    let initdb = bin.join("initdb");
    run(
        as_user(&owner, &initdb)
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(&data),
        "initdb",
    )?;
    let port = free_port()?;
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
        dir.display()
    );
    let pg_ctl = bin.join("pg_ctl");
    run(
        as_user(&owner, &pg_ctl)
            .args(["-w", "-D"])
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("log"))
            .arg("start"),
        "pg_ctl start",
    )?;
    watch(&owner, &pg_ctl, &data, &dir)?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

/// The newest `/usr/lib/postgresql/<version>/bin`, or the directory of `initdb` on PATH.
fn binaries() -> Option<PathBuf> {
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file())
        .max_by_key(|p| p.to_string_lossy().into_owned());
    debian.or_else(|| {
        std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    })
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn unprivileged_user() -> String {
    let exists = |user: &str| {
        Command::new("id")
            .arg("-u")
            .arg(user)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if exists("postgres") {
        "postgres"
    } else {
        "nobody"
    }
    .to_string()
}

fn as_user(owner: &Option<String>, program: &Path) -> Command {
    match owner {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// A detached shell that waits for this process to exit, then stops the cluster and
/// removes its directory.
fn watch(owner: &Option<String>, pg_ctl: &Path, data: &Path, dir: &Path) -> Result<(), String> {
    let stop = match owner {
        Some(user) => format!(
            "runuser -u {user} -- '{}' -D '{}' -m immediate stop",
            pg_ctl.display(),
            data.display()
        ),
        None => format!(
            "'{}' -D '{}' -m immediate stop",
            pg_ctl.display(),
            data.display()
        ),
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("cannot start the cluster's watcher: {e}"))
}
