//! Throwaway databases for tests: a fresh SQLite file, or a fresh database on a throwaway
//! PostgreSQL server (one per test process, started on first use from the PostgreSQL binaries
//! on this machine and stopped when the process exits, even if it panics or is killed), or on
//! the server named by `DAKA_TEST_DATABASE_URL`.
//!
//! Self-contained on purpose: this crate's own tests include the file with `#[path]`, other
//! crates use it through the `testing` feature.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use tokio::sync::OnceCell;

/// The environment variable naming a PostgreSQL server to use instead of starting one.
pub const DATABASE_URL_VAR: &str = "DAKA_TEST_DATABASE_URL";

/// Longest wait for the throwaway server to start and accept connections.
const START_DEADLINE: Duration = Duration::from_secs(120);

fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Keeps a watchdog's stdin open for the life of the process: when the process ends, however
/// it ends, the kernel closes the pipe and the watchdog cleans up.
struct Watchdog {
    _stdin: ChildStdin,
}

/// A directory for this process's SQLite files, removed when the process exits.
fn scratch() -> &'static Path {
    static DIR: OnceLock<(PathBuf, Option<Watchdog>)> = OnceLock::new();
    let (dir, _) = DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("daka-test-{}-{}", std::process::id(), unique()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("cannot create {}: {e}", dir.display());
        }
        let guard = Command::new("sh")
            .args([
                "-c",
                "while read -r _; do :; done; rm -rf \"$1\"",
                "daka-cleanup",
            ])
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .ok()
            .and_then(|mut c| c.stdin.take())
            .map(|stdin| Watchdog { _stdin: stdin });
        (dir, guard)
    });
    dir
}

/// A URL of a fresh SQLite file in a temporary directory.
pub fn sqlite_url() -> String {
    format!(
        "sqlite://{}",
        scratch().join(format!("{}.sqlite", unique())).display()
    )
}

/// A URL of a fresh, empty PostgreSQL database (see the module documentation). Panics with the
/// reason when no server can be had.
pub async fn postgres_url() -> String {
    match try_postgres_url().await {
        Ok(url) => url,
        Err(e) => panic!("test PostgreSQL: {e}"),
    }
}

/// Like [`postgres_url`], but returns the reason instead of panicking.
pub async fn try_postgres_url() -> Result<String, String> {
    let server = match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => throwaway_server().await?,
    };
    let name = format!("daka_{}", unique());
    let mut admin = connect(&server).await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .map_err(|e| format!("CREATE DATABASE on {}: {e}", redact(&server)))?;
    let _ = admin.close().await;
    Ok(with_database(&server, &name))
}

/// Connects, retrying until the deadline (a server that just started may still refuse).
async fn connect(url: &str) -> Result<PgConnection, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match PgConnection::connect(url).await {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() >= deadline => {
                return Err(format!("cannot connect to {}: {e}", redact(url)));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The URL with its path replaced by `/db`, keeping the query.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_at(url.find('?').unwrap_or(url.len()));
    let start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[start..].find('/') {
        Some(i) => &base[..start + i],
        None => base,
    };
    format!("{root}/{db}{query}")
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => {
            let user = &url[start..start + at];
            let user = user.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..start], &url[start + at..])
        }
        None => url.to_string(),
    }
}

struct Server {
    url: String,
    _watchdog: Watchdog,
}

/// The admin URL of this process's throwaway server, started on first use.
async fn throwaway_server() -> Result<String, String> {
    static SERVER: OnceCell<Result<Server, String>> = OnceCell::const_new();
    let server = SERVER
        .get_or_init(|| async {
            tokio::task::spawn_blocking(start_server)
                .await
                .map_err(|e| format!("starting PostgreSQL: {e}"))?
        })
        .await;
    match server {
        Ok(s) => Ok(s.url.clone()),
        Err(e) => Err(e.clone()),
    }
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: the newest under
/// `/usr/lib/postgresql/*/bin`, else `pg_config --bindir`.
fn bindir() -> Result<PathBuf, String> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Ok(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output();
    if let Ok(out) = out {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && bin.join("initdb").exists() {
            return Ok(bin);
        }
    }
    Err(format!(
        "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or \
         `pg_config --bindir`: install PostgreSQL or set {DATABASE_URL_VAR}"
    ))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

/// Creates the cluster, starts the server (as `postgres` when we are root: PostgreSQL refuses
/// to run as root), says `ready`, then waits for its stdin to close and stops and removes
/// everything. All of it in one `sh`, so nothing outlives the test process; it ignores SIGPIPE
/// (the reader may be gone when it says `ready`) and terminal signals, so it always cleans up.
const SCRIPT: &str = r#"
trap '' PIPE HUP INT
exec 2>&1
B=$1 P=$2 BIN=$3 AS=$4
run() { if [ -n "$AS" ]; then runuser -u "$AS" -- "$@"; else "$@"; fi; }
if [ -n "$AS" ]; then chown "$AS" "$B" || { rm -rf "$B"; exit 1; }; fi
if ! run "$BIN/initdb" -D "$B/data" -A trust -U daka -E UTF8 --no-locale --no-sync >"$B/initdb.log" 2>&1; then
  cat "$B/initdb.log"; rm -rf "$B"; exit 1
fi
if ! run "$BIN/pg_ctl" -D "$B/data" -l "$B/server.log" -w -t 60 -s \
    -o "-h 127.0.0.1 -p $P -k $B -c max_connections=400" start; then
  cat "$B/server.log"; run "$BIN/pg_ctl" -D "$B/data" -m immediate -s stop >/dev/null 2>&1
  rm -rf "$B"; exit 1
fi
echo ready
exec >/dev/null 2>&1
while read -r _; do :; done
run "$BIN/pg_ctl" -D "$B/data" -m immediate -w -s stop
rm -rf "$B"
"#;

fn start_server() -> Result<Server, String> {
    let bin = bindir()?;
    let run_as = if is_root() { "postgres" } else { "" };
    let mut last = String::new();
    // A port found free can be taken before the server binds it: try a few.
    for _ in 0..3 {
        match start_once(&bin, run_as, free_port()?) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn start_once(bin: &Path, run_as: &str, port: u16) -> Result<Server, String> {
    let base = std::env::temp_dir().join(format!("daka-pg-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .arg("daka-test-postgres")
        .arg(&base)
        .arg(port.to_string())
        .arg(bin)
        .arg(run_as)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("sh has no stdin/stdout".into());
    };
    let watchdog = Watchdog { _stdin: stdin };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let ready = line == "ready";
            if tx.send(line).is_err() || ready {
                break;
            }
        }
    });
    let deadline = Instant::now() + START_DEADLINE;
    let mut output = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line == "ready" => break,
            Ok(line) => output.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.wait();
                return Err(format!(
                    "PostgreSQL did not start ({}):\n{}",
                    bin.display(),
                    output.join("\n")
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                drop(watchdog);
                return Err(format!(
                    "PostgreSQL did not start within {START_DEADLINE:?}:\n{}",
                    output.join("\n")
                ));
            }
        }
    }
    // Reap the watchdog when it ends so it does not linger as a zombie in long test runs.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(Server {
        url: format!("postgres://daka@127.0.0.1:{port}/postgres"),
        _watchdog: watchdog,
    })
}

#[cfg(test)]
mod tests {
    use super::{redact, with_database};

    #[test]
    fn urls() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            with_database("postgres:///db?host=/run/pg", "x"),
            "postgres:///x?host=/run/pg"
        );
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
