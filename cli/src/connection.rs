//! Connecting to the database, without ever printing its password.
//!
//! The password can be in `--database-url`, in `DATABASE_URL` (clap hides its value in
//! `--help`) or in a `password=` setting. Every text this command prints that could
//! carry it (errors, including the server's and the driver's, and panic messages) goes
//! through [`redact`], which replaces each registered password, as written and as
//! decoded, with `********`. Where the command names the database it prints
//! [`describe`], built from the parsed settings without the password.

use postgres::config::Host;
use postgres::{Client, Config, NoTls};
use std::sync::{Mutex, PoisonError};

/// What replaces a password in output.
pub const REDACTED: &str = "********";

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers the password(s) in `url` so that [`redact`] removes them.
pub fn register_secrets(url: &str) {
    let mut secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    for secret in passwords_in(url) {
        if !secret.is_empty() && !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }
    // Longest first, so that a password containing another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered password replaced.
pub fn redact(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut text = text.to_string();
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), REDACTED);
        }
    }
    text
}

/// The passwords in a URL or a key=value connection string: as the driver decodes it,
/// and as written (percent-encoded in a URL, quoted or escaped in key=value form), even
/// when the rest does not parse.
fn passwords_in(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(config) = url.parse::<Config>() {
        if let Some(password) = config.get_password() {
            found.push(String::from_utf8_lossy(password).into_owned());
        }
    }
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                found.push(password.to_string());
            }
        }
        // `?password=...` in the query string.
        if let Some((_, query)) = rest.split_once('?') {
            for pair in query.split('&') {
                if let Some(value) = pair.strip_prefix("password=") {
                    found.push(value.to_string());
                }
            }
        }
    } else {
        let mut rest = url;
        while let Some(at) = rest.find("password") {
            let after = rest[at + "password".len()..].trim_start();
            rest = &rest[at + "password".len()..];
            let Some(value) = after.strip_prefix('=') else {
                continue;
            };
            let value = value.trim_start();
            let written = match value.strip_prefix('\'') {
                Some(quoted) => quoted.split('\'').next().unwrap_or(quoted),
                None => value.split_whitespace().next().unwrap_or(""),
            };
            found.push(written.to_string());
        }
    }
    found.retain(|s| !s.is_empty());
    found
}

/// Reads the URL, registers its password for redaction, and connects.
pub fn connect(url: Option<&str>) -> Result<(Client, String), String> {
    let Some(url) = url else {
        return Err("no database: pass --database-url URL or set DATABASE_URL".to_string());
    };
    register_secrets(url);
    let config: Config = url.parse().map_err(|e| {
        redact(&format!(
            "the database URL is not valid: {}",
            error_text(&e)
        ))
    })?;
    let described = describe(&config);
    let client = config.connect(NoTls).map_err(|e| {
        redact(&format!(
            "cannot connect to {described}: {}",
            error_text(&e)
        ))
    })?;
    Ok((client, described))
}

/// `user@host:port/dbname`, without the password.
pub fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            Host::Tcp(name) => format!("{name}:{port}"),
            Host::Unix(path) => format!("{}:{port}", path.display()),
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost:5432".to_string()
    } else {
        hosts.join(",")
    };
    let user = config.get_user().unwrap_or("?");
    let dbname = config.get_dbname().unwrap_or(user);
    format!("{user}@{hosts}/{dbname}")
}

/// The driver's error with its cause: `postgres::Error` prints "db error" or "error
/// connecting to server" and keeps the server's message in its source.
pub fn error_text(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.to_string(),
        None => match std::error::Error::source(error) {
            Some(source) if !error.to_string().contains(&source.to_string()) => {
                format!("{error}: {source}")
            }
            _ => error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_passwords_written_and_decoded() {
        assert_eq!(
            passwords_in("postgres://alice:s%40cret@db:5432/app"),
            ["s@cret", "s%40cret"]
        );
        assert_eq!(
            passwords_in("host=db user=alice password='two words' dbname=app"),
            ["two words", "two words"]
        );
        assert_eq!(
            passwords_in("host=db password = plain dbname=app"),
            ["plain", "plain"]
        );
        assert_eq!(
            passwords_in("postgres://db/app?user=alice&password=q1"),
            ["q1", "q1"]
        );
        // A port that does not parse: the password is still found.
        assert_eq!(
            passwords_in("postgres://alice:hunter2@db:notaport/app"),
            ["hunter2"]
        );
        assert!(passwords_in("postgres://alice@db/app").is_empty());
    }

    #[test]
    fn redacts_registered_passwords_and_describes_without_them() {
        register_secrets("postgres://alice:Zq9%2Fpw@db:6543/app");
        assert_eq!(
            redact("failed for Zq9/pw and Zq9%2Fpw"),
            format!("failed for {REDACTED} and {REDACTED}")
        );
        let config: Config = "postgres://alice:Zq9%2Fpw@db:6543/app".parse().unwrap();
        assert_eq!(describe(&config), "alice@db:6543/app");
    }
}
