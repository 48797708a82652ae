//! The real `daka` binary: `daka serve` with no configuration, the admin CLI, `kill -9` during a
//! stream of writes (on SQLite and on PostgreSQL), and `daka audit verify` against a tampered log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_daka");
const PROCESS_DEADLINE: Duration = Duration::from_secs(120);

/// A fresh, empty working directory, removed afterwards.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "daka-serve-{tag}-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            daka_store::now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `daka` in `dir`, with no `DAKA_*` variables but `env`.
fn daka(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
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

/// Reads a pipe to the end on a thread; the text arrives line by line.
fn drain(pipe: impl Read + Send + 'static) -> (mpsc::Receiver<String>, Arc<Mutex<String>>) {
    let (tx, rx) = mpsc::channel();
    let all = Arc::new(Mutex::new(String::new()));
    let keep = all.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut a) = keep.lock()
                && a.len() < 1 << 20
            {
                a.push_str(&line);
                a.push('\n');
            }
            let _ = tx.send(line);
        }
    });
    (rx, all)
}

/// Waits for the process to end, killing it after `limit`.
fn wait(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs a command to its end (bounded), with `stdin` as its input.
fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let (out_lines, out) = drain(child.stdout.take().unwrap());
    let (err_lines, err) = drain(child.stderr.take().unwrap());
    let status = wait(&mut child, PROCESS_DEADLINE);
    // The pipes close when the process ends; wait for the readers to finish.
    while out_lines.recv_timeout(PROCESS_DEADLINE).is_ok() {}
    while err_lines.recv_timeout(PROCESS_DEADLINE).is_ok() {}
    let stdout = out.lock().unwrap().clone();
    let stderr = err.lock().unwrap().clone();
    Output {
        code: status.code(),
        stdout,
        stderr,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `daka serve`.
struct Server {
    child: Child,
    base: String,
    banner: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `daka serve` in `dir` on a free loopback port and waits until it says where it
    /// listens (retrying when another process took the port first).
    fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut last = String::new();
        for _ in 0..3 {
            let listen = format!("127.0.0.1:{}", free_port());
            let mut env = env.to_vec();
            env.push(("DAKA_LISTEN", &listen));
            let mut child = daka(dir, &env)
                .arg("serve")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let (lines, _) = drain(child.stdout.take().unwrap());
            let (_, stderr) = drain(child.stderr.take().unwrap());
            match lines.recv_timeout(PROCESS_DEADLINE) {
                Ok(banner) => {
                    // Keep reading stdout so the server never blocks on it.
                    std::thread::spawn(move || while lines.recv().is_ok() {});
                    return Server {
                        child,
                        base: format!("http://{listen}"),
                        banner,
                        stderr,
                    };
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last = stderr.lock().unwrap().clone();
                }
            }
        }
        panic!("daka serve did not start:\n{last}");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then the exit status of the graceful shutdown.
    fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let s = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(s.success());
        wait(&mut self.child, PROCESS_DEADLINE)
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The value after `label` on the line that has it.
fn after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.split_once(label).map(|(_, v)| v.trim()))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"))
}

/// `daka admin ...` that must succeed; its stdout.
fn admin(dir: &Path, env: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = daka(dir, env);
    cmd.arg("admin").args(args);
    let out = run(cmd, stdin);
    assert_eq!(
        out.code,
        Some(0),
        "daka admin {args:?}:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    out.stdout
}

/// A tenant, an admin user `boss` (password `boss-password-1`) and a read/write token for them,
/// made with the CLI: (tenant id, token).
fn provision(dir: &Path, env: &[(&str, &str)]) -> (String, String) {
    let out = admin(dir, env, &["create-tenant", "Acme Ltd"], None);
    let tenant = after(&out, "tenant created: id ")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let out = admin(
        dir,
        env,
        &[
            "create-user",
            "--tenant",
            &tenant,
            "--username",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("boss-password-1\n"),
    );
    assert!(out.contains("user created"), "{out}");
    let out = admin(
        dir,
        env,
        &[
            "create-token",
            "--tenant",
            &tenant,
            "--username",
            "boss",
            "--scopes",
            "read,write",
        ],
        None,
    );
    let token = after(&out, "token (shown once):").to_string();
    assert!(token.starts_with(&format!("dk_{tenant}_")), "{out}");
    (tenant, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_no_configuration() {
    let dir = TempDir::new("noconfig");
    let mut server = Server::start(dir.path(), &[]);
    assert!(
        server
            .banner
            .starts_with(&format!("Daka listening on {}", server.base)),
        "{}",
        server.banner
    );
    assert!(dir.path().join("daka-data/daka.db").is_file());
    let http = client();
    for path in ["/healthz", "/readyz", "/api/openapi.json"] {
        let r = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    let r = http.get(server.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!("unauthorized"));
    // A graceful stop on SIGTERM; nothing but the data directory was created.
    let status = server.terminate();
    assert!(status.success(), "{status:?}\n{}", server.log());
    let entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["daka-data"]);
}

/// A SQLite database has one server (it keeps recent punches in memory); a second is refused
/// with a message saying why, and may start once the first has stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_per_sqlite_database() {
    let dir = TempDir::new("twoservers");
    let mut first = Server::start(dir.path(), &[]);
    let listen = format!("127.0.0.1:{}", free_port());
    let mut cmd = daka(dir.path(), &[("DAKA_LISTEN", &listen)]);
    cmd.arg("serve");
    let out = run(cmd, None);
    assert_ne!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("another Daka server is already serving")
            && out.stderr.contains("daka.db"),
        "{}",
        out.stderr
    );
    let http = client();
    let r = http.get(first.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(first.terminate().success(), "{}", first.log());
    let second = Server::start(dir.path(), &[]);
    let r = http.get(second.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_cli_then_the_token_works() {
    let dir = TempDir::new("admin");
    let (tenant, _) = provision(dir.path(), &[]);
    // A generated password is printed once.
    let out = admin(
        dir.path(),
        &[],
        &[
            "create-user",
            "--tenant",
            &tenant,
            "--username",
            "eve",
            "--role",
            "employee",
        ],
        None,
    );
    let generated = after(&out, "password (shown once):").to_string();
    assert!(generated.len() >= 10, "{out}");

    let server = Server::start(dir.path(), &[]);
    // A token made while the server runs, on the same database.
    let out = admin(
        dir.path(),
        &[],
        &[
            "create-token",
            "--tenant",
            &tenant,
            "--username",
            "boss",
            "--name",
            "ci",
            "--scopes",
            "read,write",
            "--days",
            "7",
        ],
        None,
    );
    assert!(out.contains("scopes read,write"), "{out}");
    let token = after(&out, "token (shown once):").to_string();
    let http = client();
    let r = http
        .get(server.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["username"], json!("boss"));
    assert_eq!(me["role"], json!("admin"));
    let r = http
        .post(server.url("/api/v1/employees"))
        .bearer_auth(&token)
        .json(&json!({"employee_no": "E-1", "name": "First"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let login = |user: &str, pw: &str| {
        http.post(server.url("/api/v1/auth/login"))
            .json(&json!({"tenant": tenant, "username": user, "password": pw}))
            .send()
    };
    assert_eq!(
        login("boss", "boss-password-1").await.unwrap().status(),
        200
    );
    assert_eq!(login("eve", &generated).await.unwrap().status(), 200);
    // reset-password takes effect at once.
    admin(
        dir.path(),
        &[],
        &[
            "reset-password",
            "--tenant",
            &tenant,
            "--username",
            "eve",
            "--password-stdin",
        ],
        Some("eve-password-2\n"),
    );
    assert_eq!(login("eve", &generated).await.unwrap().status(), 401);
    assert_eq!(login("eve", "eve-password-2").await.unwrap().status(), 200);
    // The CLI's writes are in the audit log as the CLI's.
    let r = http
        .get(server.url("/api/v1/audit?limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let audit: Value = r.json().await.unwrap();
    let actors: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(
        actors.iter().filter(|a| **a == "system:cli").count() >= 5,
        "{actors:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_errors_name_the_problem() {
    let dir = TempDir::new("errors");
    let (tenant, _) = provision(dir.path(), &[]);
    let nowhere = "01890000-0000-7000-8000-000000000000";
    let cases: Vec<(Vec<&str>, Option<&str>, Vec<&str>)> = vec![
        (
            vec![
                "create-user",
                "--tenant",
                &tenant,
                "--username",
                "x",
                "--role",
                "boss",
            ],
            None,
            vec!["role", "boss"],
        ),
        (
            vec![
                "create-user",
                "--tenant",
                nowhere,
                "--username",
                "x",
                "--role",
                "admin",
            ],
            None,
            vec!["tenant", nowhere, "not found"],
        ),
        (
            vec!["create-token", "--tenant", nowhere, "--username", "boss"],
            None,
            vec!["tenant", nowhere, "not found"],
        ),
        (
            vec!["create-token", "--tenant", &tenant, "--username", "ghost"],
            None,
            vec!["ghost", "not found"],
        ),
        (
            vec![
                "create-token",
                "--tenant",
                &tenant,
                "--username",
                "boss",
                "--scopes",
                "admin",
            ],
            None,
            vec!["scopes"],
        ),
        (
            vec![
                "create-token",
                "--tenant",
                &tenant,
                "--username",
                "boss",
                "--days",
                "0",
            ],
            None,
            vec!["days"],
        ),
        (
            vec![
                "create-user",
                "--tenant",
                &tenant,
                "--username",
                "boss",
                "--role",
                "admin",
                "--password-stdin",
            ],
            Some("another-password\n"),
            vec!["username"],
        ),
        (
            vec![
                "create-user",
                "--tenant",
                &tenant,
                "--username",
                "shorty",
                "--role",
                "admin",
                "--password-stdin",
            ],
            Some("short\n"),
            vec!["password"],
        ),
        (vec!["create-tenant", " "], None, vec!["name"]),
    ];
    for (args, stdin, words) in cases {
        let mut cmd = daka(dir.path(), &[]);
        cmd.arg("admin").args(&args);
        let out = run(cmd, stdin);
        assert_eq!(out.code, Some(2), "{args:?}: {}{}", out.stdout, out.stderr);
        for w in words {
            assert!(
                out.stderr.contains(w),
                "{args:?}: the error does not name {w:?}: {}",
                out.stderr
            );
        }
    }
    let mut cmd = daka(dir.path(), &[]);
    cmd.args(["audit", "verify", "--tenant", nowhere]);
    let out = run(cmd, None);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains(nowhere), "{}", out.stderr);
}

/// Streams employee creations from 16 clients, SIGKILLs the server mid-stream, restarts it on
/// the same data and finds every acknowledged (201) write.
async fn kill_9_keeps_acknowledged_writes(database_url: Option<String>) {
    const CLIENTS: usize = 16;
    const KILL_AFTER: usize = 300;
    let dir = TempDir::new("kill9");
    let mut env: Vec<(&str, &str)> = Vec::new();
    if let Some(u) = &database_url {
        env.push(("DAKA_DATABASE_URL", u));
    }
    let (tenant, token) = provision(dir.path(), &env);
    let mut server = Server::start(dir.path(), &env);
    let http = client();
    // Employee numbers answered 201 (the id too, when the body arrived whole).
    let acked = Arc::new(Mutex::new(Vec::<(String, Option<String>)>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let unanswered = Arc::new(AtomicUsize::new(0));
    let odd = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, url, token) = (http.clone(), server.url("/api/v1/employees"), token.clone());
        let (acked, count, unanswered, odd, stop) = (
            acked.clone(),
            count.clone(),
            unanswered.clone(),
            odd.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0..100_000 {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let no = format!("K-{c:02}-{i:05}");
                let sent = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"employee_no": no, "name": "Durable"}))
                    .send()
                    .await;
                let resp = match sent {
                    Ok(r) => r,
                    Err(_) => {
                        unanswered.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                };
                let status = resp.status().as_u16();
                let body = resp.json::<Value>().await;
                if status == 201 {
                    let id = body.ok().and_then(|v| v["id"].as_str().map(str::to_string));
                    acked.lock().unwrap().push((no, id));
                    count.fetch_add(1, Ordering::SeqCst);
                } else {
                    odd.lock().unwrap().push(format!("{no}: {status} {body:?}"));
                    return;
                }
            }
        }));
    }
    let deadline = Instant::now() + PROCESS_DEADLINE;
    while count.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            Instant::now() < deadline,
            "only {} writes acknowledged in {PROCESS_DEADLINE:?}: {:?}\n{}",
            count.load(Ordering::SeqCst),
            odd.lock().unwrap(),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill9();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let odd = odd.lock().unwrap().clone();
    assert!(odd.is_empty(), "answers other than 201: {odd:?}");
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= KILL_AFTER);
    eprintln!(
        "{} writes acknowledged before SIGKILL, {} cut off",
        acked.len(),
        unanswered.load(Ordering::SeqCst)
    );

    let server = Server::start(dir.path(), &env);
    // employee_no -> id
    let mut stored = std::collections::HashMap::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut url = server.url("/api/v1/employees?limit=500");
        if let Some(c) = &cursor {
            url += &format!("&cursor={c}");
        }
        let page: Value = http
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in page["items"].as_array().unwrap() {
            stored.insert(
                e["employee_no"].as_str().unwrap().to_string(),
                e["id"].as_str().unwrap().to_string(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let lost: Vec<_> = acked
        .iter()
        .filter(|(no, id)| match (stored.get(no), id) {
            (None, _) => true,
            (Some(stored), Some(id)) => stored != id,
            (Some(_), None) => false,
        })
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost, e.g. {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(5)]
    );
    // The audit chain survived the crash as well.
    let mut cmd = daka(dir.path(), &env);
    cmd.args(["audit", "verify", "--tenant", &tenant]);
    let out = run(cmd, None);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_keeps_acknowledged_writes_sqlite() {
    kill_9_keeps_acknowledged_writes(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_keeps_acknowledged_writes_postgres() {
    kill_9_keeps_acknowledged_writes(Some(daka_store::testing::postgres_url().await)).await;
}

/// `daka audit verify` passes an intact log and names the entry that was edited or deleted.
async fn audit_verify_detects_tampering(database_url: Option<String>) {
    let dir = TempDir::new("verify");
    let mut env: Vec<(&str, &str)> = Vec::new();
    if let Some(u) = &database_url {
        env.push(("DAKA_DATABASE_URL", u));
    }
    let (tenant, _) = provision(dir.path(), &env);
    let (other, _) = provision(dir.path(), &env);
    let verify = |t: &str| {
        let mut cmd = daka(dir.path(), &env);
        cmd.args(["audit", "verify", "--tenant", t]);
        run(cmd, None)
    };
    let out = verify(&tenant);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("intact"), "{}", out.stdout);

    sqlx::any::install_default_drivers();
    let url = database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            dir.path().join("daka-data/daka.db").display()
        )
    });
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE tenant_id = $1 AND seq = 2")
            .bind(&tenant)
            .fetch_one(&mut db)
            .await
            .unwrap();
    let edit = |value: String| {
        sqlx::query("UPDATE audit_log SET actor = $1 WHERE tenant_id = $2 AND seq = 2")
            .bind(value)
            .bind(tenant.clone())
    };
    edit("user:mallory".into()).execute(&mut db).await.unwrap();
    let out = verify(&tenant);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("entry 2"), "{}", out.stdout);
    assert!(!out.stdout.contains("entry 1:"), "{}", out.stdout);
    // Another tenant's chain is not affected.
    assert_eq!(verify(&other).code, Some(0));
    // Put back, it verifies again; a deleted entry is named too.
    edit(actor).execute(&mut db).await.unwrap();
    assert_eq!(verify(&tenant).code, Some(0));
    sqlx::query("DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 2")
        .bind(&tenant)
        .execute(&mut db)
        .await
        .unwrap();
    let out = verify(&tenant);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("entry 2"), "{}", out.stdout);
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_detects_tampering_sqlite() {
    audit_verify_detects_tampering(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_detects_tampering_postgres() {
    audit_verify_detects_tampering(Some(daka_store::testing::postgres_url().await)).await;
}
