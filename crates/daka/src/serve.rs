//! `daka serve`: configuration, logging, the store, and the HTTP server until a signal.

use std::path::{Path, PathBuf};

use daka_server::config::redact;
use daka_server::{AppState, Config};
use daka_store::Store;
use daka_store::crypto::Keyring;

/// Logs as text, or JSON lines with `DAKA_LOG_FORMAT=json`; level from `RUST_LOG` (default info).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = std::env::var("DAKA_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Creates the data directory of the embedded database.
fn ensure_data_dir(config: &Config) -> Result<(), String> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    Ok(())
}

/// Opens the configured store, creating the data directory for the embedded database.
pub async fn open_store(config: &Config) -> Result<Store, String> {
    ensure_data_dir(config)?;
    let url = config.database_url();
    let store = Store::open(&url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact(&url)))?;
    let key_file = config.key_file();
    let ring = Keyring::from_env_or_file(&key_file).map_err(|e| format!("keys: {e}"))?;
    // Keys given in DAKA_KEYS have no file to reload after a rotation.
    let from_env = std::env::var(daka_store::crypto::KEYS_ENV).is_ok_and(|v| !v.trim().is_empty());
    Ok(store.with_keyring(ring, (!from_env).then_some(key_file)))
}

/// Logging for `daka demo`: warnings only unless `RUST_LOG` says otherwise, so the printed
/// logins stay readable.
pub fn init_logging_quiet() {
    if std::env::var_os("RUST_LOG").is_none() {
        let filter = tracing_subscriber::EnvFilter::new("warn");
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    } else {
        init_logging();
    }
}

/// The demo's configuration: defaults, a fresh data directory (created here), `listen`.
pub fn demo_config(listen: String, data_dir: Option<PathBuf>) -> Result<Config, String> {
    let dir = match data_dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("daka-demo-{}", daka_store::new_id())),
    };
    let fresh = match std::fs::read_dir(&dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(format!("--data-dir {}: {e}", dir.display())),
    };
    if !fresh {
        return Err(format!(
            "--data-dir {}: not empty; the demo needs a fresh directory",
            dir.display()
        ));
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("--data-dir {}: {e}", dir.display()))?;
    Ok(Config {
        listen,
        data_dir: dir,
        ..Config::default()
    })
}

pub fn load_config(file: Option<&Path>) -> Result<Config, String> {
    Config::load(file).map_err(|e| format!("configuration: {e}"))
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests and queued writes");
}

/// The SQLite file a database URL names (None for PostgreSQL and in-memory databases).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

/// Takes the server lock beside a SQLite database: one server owns the file, which is what
/// lets it keep recent punches in memory exactly (the CLI's admin commands still run beside
/// it). Held until the returned file is dropped; released by the OS if the process dies.
pub fn own_database(url: &str) -> Result<Option<std::fs::File>, String> {
    let Some(db) = sqlite_file(url) else {
        return Ok(None);
    };
    let mut name = db.clone().into_os_string();
    name.push(".server-lock");
    let path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open the server lock {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another Daka server is already serving {}: a SQLite database has one server \
             (stop the other, or use PostgreSQL to run several instances)",
            db.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!(
            "cannot lock the server lock {}: {e}",
            path.display()
        )),
    }
}

pub async fn run(config: Config) -> Result<(), String> {
    ensure_data_dir(&config)?;
    let _lock = own_database(&config.database_url())?;
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("listener: {e}"))?;
    let db = redact(&config.database_url());
    // Said on stdout so scripts (and people) can read where to connect.
    println!("Daka listening on http://{addr} (database: {db})");
    tracing::info!(%addr, database = %db, "listening");
    let state = AppState::new(store, config);
    daka_server::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| format!("server: {e}"))
}
