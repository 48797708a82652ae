//! Server configuration: defaults, then a TOML file, then `DAKA_*` environment variables.
//! `daka config default` prints the commented example in `docs/configuration.md`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on (`DAKA_LISTEN`).
    pub listen: String,
    /// Where the embedded database and other files live (`DAKA_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...` (`DAKA_DATABASE_URL`); default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Session lifetime in hours (`DAKA_SESSION_HOURS`).
    pub session_hours: u64,
    /// Largest request body in bytes (`DAKA_BODY_LIMIT`).
    pub body_limit: usize,
    /// Seconds before a request is answered 408 (`DAKA_REQUEST_TIMEOUT`).
    pub request_timeout: u64,
    /// Failed logins per account before a lockout (`DAKA_LOGIN_MAX_FAILURES`).
    pub login_max_failures: u32,
    /// Failed logins per client IP before a lockout.
    pub login_max_failures_per_ip: u32,
    /// Lockout length in seconds (`DAKA_LOGIN_LOCKOUT`).
    pub login_lockout: u64,
    /// Set when Daka is reached over HTTPS (directly or through a proxy): cookies get `Secure`.
    pub https: bool,
    /// Key file for sealed columns (`DAKA_KEY_FILE`); default `keys.json` in `data_dir`.
    /// `DAKA_KEYS` (the file's JSON) wins over the file.
    pub key_file: Option<PathBuf>,
    /// Where photos are kept, by content hash (`DAKA_PHOTO_DIR`); default `photos` in `data_dir`.
    pub photo_dir: Option<PathBuf>,
    /// Largest photo upload in bytes (`DAKA_PHOTO_MAX_BYTES`).
    pub photo_max_bytes: usize,
    /// How far a device clock may differ from the server's on receipt, in seconds, before the
    /// punch is flagged and timed at receipt instead (`DAKA_PUNCH_MAX_SKEW`).
    pub punch_max_skew: u64,
    /// How long a punch queued offline may wait before sync, in hours, for its device time to
    /// be trusted (`DAKA_PUNCH_SYNC_WINDOW_HOURS`).
    pub punch_sync_window_hours: u64,
    /// Days raw location (coordinates, Wi-Fi, beacons, IP) is kept after a punch; the punch
    /// and its result stay (`DAKA_LOCATION_RETENTION_DAYS`). 0 keeps it forever.
    pub location_retention_days: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("daka-data"),
            database_url: None,
            session_hours: 12,
            body_limit: 1024 * 1024,
            request_timeout: 30,
            login_max_failures: 5,
            login_max_failures_per_ip: 50,
            login_lockout: 900,
            https: false,
            key_file: None,
            photo_dir: None,
            photo_max_bytes: 10 * 1024 * 1024,
            punch_max_skew: 300,
            punch_sync_window_hours: 168,
            location_retention_days: 90,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact))
            .field("session_hours", &self.session_hours)
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

/// A database URL without its password, for logs and messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{var}: {message}")]
    Env { var: String, message: String },
}

fn env_parse<T: std::str::FromStr>(var: &str, into: &mut T) -> Result<(), ConfigError> {
    if let Ok(v) = std::env::var(var) {
        *into = v.trim().parse().map_err(|_| ConfigError::Env {
            var: var.into(),
            message: format!("'{v}' is not a valid value"),
        })?;
    }
    Ok(())
}

impl Config {
    /// Defaults, then `file` (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut c = match file {
            None => Config::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::File {
                    path: p.display().to_string(),
                    message: e.to_string(),
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::File {
                    path: p.display().to_string(),
                    message: e.to_string(),
                })?
            }
        };
        c.apply_env()?;
        Ok(c)
    }

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        if let Ok(v) = std::env::var("DAKA_LISTEN") {
            self.listen = v;
        }
        if let Ok(v) = std::env::var("DAKA_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Ok(v) = std::env::var("DAKA_DATABASE_URL") {
            self.database_url = Some(v).filter(|v| !v.trim().is_empty());
        }
        env_parse("DAKA_SESSION_HOURS", &mut self.session_hours)?;
        env_parse("DAKA_BODY_LIMIT", &mut self.body_limit)?;
        env_parse("DAKA_REQUEST_TIMEOUT", &mut self.request_timeout)?;
        env_parse("DAKA_LOGIN_MAX_FAILURES", &mut self.login_max_failures)?;
        env_parse("DAKA_LOGIN_LOCKOUT", &mut self.login_lockout)?;
        env_parse("DAKA_HTTPS", &mut self.https)?;
        if let Ok(v) = std::env::var("DAKA_KEY_FILE") {
            self.key_file = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Ok(v) = std::env::var("DAKA_PHOTO_DIR") {
            self.photo_dir = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        env_parse("DAKA_PHOTO_MAX_BYTES", &mut self.photo_max_bytes)?;
        env_parse("DAKA_PUNCH_MAX_SKEW", &mut self.punch_max_skew)?;
        env_parse(
            "DAKA_PUNCH_SYNC_WINDOW_HOURS",
            &mut self.punch_sync_window_hours,
        )?;
        env_parse(
            "DAKA_LOCATION_RETENTION_DAYS",
            &mut self.location_retention_days,
        )?;
        Ok(())
    }

    /// The key file for sealed columns.
    pub fn key_file(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys.json"))
    }

    /// The photo directory.
    pub fn photo_dir(&self) -> PathBuf {
        self.photo_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("photos"))
    }

    /// The database to use: the configured URL, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("daka.db").display()),
        }
    }
}

/// The commented example configuration.
pub const EXAMPLE: &str = r#"# Daka configuration. Every setting can also be given as an environment variable
# (shown after each), which wins over this file.

# Address and port to listen on. DAKA_LISTEN
listen = "127.0.0.1:8080"
# Directory for the embedded database. DAKA_DATA_DIR
data_dir = "daka-data"
# PostgreSQL instead of the embedded SQLite file. DAKA_DATABASE_URL
# database_url = "postgres://daka:secret@127.0.0.1:5432/daka"
# Session lifetime in hours. DAKA_SESSION_HOURS
session_hours = 12
# Largest request body in bytes. DAKA_BODY_LIMIT
body_limit = 1048576
# Seconds before a request is answered 408. DAKA_REQUEST_TIMEOUT
request_timeout = 30
# Failed logins per account before a temporary lockout. DAKA_LOGIN_MAX_FAILURES
login_max_failures = 5
# Failed logins per client IP before a temporary lockout.
login_max_failures_per_ip = 50
# Lockout length in seconds. DAKA_LOGIN_LOCKOUT
login_lockout = 900
# Served over HTTPS (directly or behind a proxy): session cookies get Secure. DAKA_HTTPS
https = false
# Key file for encrypted columns (location, Wi-Fi, beacons); back it up apart from the
# database. Default: keys.json in data_dir. DAKA_KEY_FILE (or the JSON itself in DAKA_KEYS)
# key_file = "/etc/daka/keys.json"
# Photo directory (content-addressed). Default: photos in data_dir. DAKA_PHOTO_DIR
# photo_dir = "/var/lib/daka/photos"
# Largest photo upload in bytes. DAKA_PHOTO_MAX_BYTES
photo_max_bytes = 10485760
# Seconds a device clock may differ from the server's before a punch is flagged and timed at
# receipt. DAKA_PUNCH_MAX_SKEW
punch_max_skew = 300
# Hours an offline punch may wait for sync and keep its device time. DAKA_PUNCH_SYNC_WINDOW_HOURS
punch_sync_window_hours = 168
# Days raw location is kept after a punch (0 = forever). DAKA_LOCATION_RETENTION_DAYS
location_retention_days = 90
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses_and_passwords_are_hidden() {
        let c: Result<Config, _> = toml::from_str(EXAMPLE);
        assert!(c.is_ok());
        assert_eq!(
            redact("postgres://daka:secret@127.0.0.1/db"),
            "postgres://daka:***@127.0.0.1/db"
        );
    }
}
