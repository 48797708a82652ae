//! Running the binary: a temporary data directory, commands to their end, `daka serve`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use daka_store::crypto::Keyring;
use daka_store::{Store, Tenant};

const BIN: &str = env!("CARGO_BIN_EXE_daka");

/// A fresh working directory, removed afterwards; the data lives in `daka-data` inside it.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "daka-privacy-{tag}-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            daka_store::now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn key_file(&self) -> PathBuf {
        self.0.join("daka-data/keys.json")
    }

    /// The data directory's database, with the key file's keys.
    pub async fn store(&self) -> Store {
        let url = format!("sqlite://{}", self.0.join("daka-data/daka.db").display());
        Store::open(&url)
            .await
            .unwrap()
            .with_keyring(Keyring::load(&self.key_file()).unwrap(), None)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `daka args...` in `dir` with no `DAKA_*` variables but `env`.
pub fn daka(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir).args(args);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("DAKA_") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(dir: &Path, env: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = daka(dir, env, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A command that must succeed: its stdout.
pub fn ok(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = run(dir, &[], args, stdin);
    assert_eq!(
        out.code,
        Some(0),
        "daka {args:?}:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    out.stdout
}

/// The value after `label` on the line that has it.
pub fn after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.split_once(label).map(|(_, v)| v.trim()))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"))
}

/// A tenant made with the CLI (which also creates the data directory and its key file).
pub fn tenant(dir: &Path) -> Tenant {
    let out = ok(dir, &["admin", "create-tenant", "Acme Ltd"], None);
    Tenant::trusted(
        after(&out, "tenant created: id ")
            .split_whitespace()
            .next()
            .unwrap(),
    )
}

/// A running `daka serve` on a free port; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(dir: &Path) -> Server {
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let listen = format!("127.0.0.1:{port}");
            let mut child = daka(dir, &[("DAKA_LISTEN", &listen)], &["serve"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let _ = tx.send(line);
                }
            });
            if rx.recv_timeout(Duration::from_secs(120)).is_ok() {
                return Server {
                    child,
                    base: format!("http://{listen}"),
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("daka serve did not start");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
