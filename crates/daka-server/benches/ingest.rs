//! Punch ingest over HTTP: a load generator posting single punches (`POST /api/v1/punches`, as
//! phones do) and batches of 50 (`POST /api/v1/punches/batch`, as terminals upload) at 64 and
//! 256 concurrent clients, on SQLite and on PostgreSQL, beside raw durable inserts of rows of
//! the same size and indexes (one row per transaction from every client, and 64 rows per
//! transaction on one connection: the disk's ceiling) in the same run.
//!
//!     cargo bench -p daka-server --bench ingest
//!
//! Each punch is judged for real: the employee's rule with a location policy, a GPS position
//! (GCJ-02) matched against the site's fence, the engine's placement of the punch on its
//! attendance day, the location sealed, the row committed before the answer. After each run
//! the number of stored punches is compared with the number acknowledged. On SQLite a run of
//! `GET /healthz` by the same clients shows what HTTP alone reaches on the machine.
//!
//! `DAKA_BENCH_SECONDS` (default 5) sets the length of each run; `DAKA_BENCH_CLIENTS`
//! (default `64,256`) the concurrency levels; `DAKA_BENCH_BACKENDS` (default
//! `sqlite,postgres`) the databases; `DAKA_BENCH_PHASES` (default `floor,raw,api,batch`) the runs
//! (e.g. `api` alone under a profiler); `DAKA_BENCH_GROUP` (default 64) the rows per
//! transaction of the raw group-commit ceiling.

mod common;

// The allocator the `daka` binary uses, so the bench measures what runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use common::{Outcome, outcome};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use daka_store::Store;
use serde_json::{Value, json};
use sqlx::Executor;

const EMPLOYEES: usize = 2000;

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

struct Setup {
    /// A real answer, so raw rows weigh what punches weigh.
    answer: String,
    base: String,
    token: String,
    employees: Vec<String>,
    store: Store,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> Result<Value, String> {
    let r = client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{url}: {status}: {v}"));
    }
    Ok(v)
}

/// A tenant with a site, an office rule with a location policy, and `EMPLOYEES` people.
async fn setup(url: &str, client: &reqwest::Client) -> Result<Setup, String> {
    let served = common::serve(url).await?;
    let (base, token) = (served.base.clone(), served.token.clone());
    let site = post(
        client,
        &format!("{base}/sites"),
        &token,
        &json!({"name": "HQ", "fences": [{"system": "gcj02",
            "shape": {"kind": "circle", "center": {"lat": 31.20405, "lng": 121.59020}, "radius_m": 200.0}}]}),
    )
    .await?;
    let site_id = site["id"].as_str().unwrap_or_default().to_string();
    let rule = post(
        client,
        &format!("{base}/rules"),
        &token,
        &json!({"name": "Office", "version": {
            "effective_from": "2020-01-01", "time_zone": "Asia/Shanghai", "kind": "fixed",
            "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "follow_national_calendar": false,
            "late": {"grace": 5},
            "schedule": {"segments": [{"start": "09:00", "end": "18:00"}]},
            "location": {"sites": [site_id], "sufficient": ["gps"], "outside": "refuse"}}}),
    )
    .await?;
    let rule_id = rule["id"].as_str().unwrap_or_default().to_string();
    let mut employees = Vec::with_capacity(EMPLOYEES);
    for i in 0..EMPLOYEES {
        let e = post(
            client,
            &format!("{base}/employees"),
            &token,
            &json!({"employee_no": format!("E{i:05}"), "name": format!("bench {i}"),
                    "time_zone": "Asia/Shanghai", "rule_id": rule_id}),
        )
        .await?;
        employees.push(e["id"].as_str().unwrap_or_default().to_string());
    }
    // One punch to show what each answer weighs.
    let sample = post(
        client,
        &format!("{base}/punches"),
        &token,
        &json!({"id": uuid(0), "employee_id": employees[0],
                "device_time": jiff::Timestamp::now().to_string(), "source": "api",
                "position": {"lat": 31.20405, "lng": 121.59020, "system": "gcj02", "accuracy_m": 15.0}}),
    )
    .await?;
    let answer = sample.to_string();
    println!("one answer: {} bytes of JSON", answer.len());
    Ok(Setup {
        answer,
        base,
        token,
        employees,
        store: served.store,
        stop: served.stop,
        server: served.server,
    })
}

/// The floor of the machine: the same clients getting `/healthz` (no database, no JSON body),
/// so the punch figures can be read against what HTTP alone reaches here.
async fn http_floor(
    s: &Setup,
    client: &reqwest::Client,
    clients: usize,
    secs: u64,
) -> Result<Outcome, String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let url = s.base.replace("/api/v1", "/healthz");
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let r = client.get(&url).send().await.map_err(|e| e.to_string())?;
                let _ = r.bytes().await;
                lat.push(t0.elapsed());
            }
            Ok::<_, String>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok(outcome(all, start.elapsed().as_secs_f64()))
}

async fn api_run(
    s: &Setup,
    client: &reqwest::Client,
    clients: usize,
    secs: u64,
    next: Arc<AtomicU64>,
) -> Result<Outcome, String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let token = s.token.clone();
        let url = format!("{}/punches", s.base);
        let employees = s.employees.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let now = jiff::Timestamp::now();
                let body = json!({
                    "id": uuid(n),
                    "employee_id": employees[i % employees.len()],
                    "device_time": now.to_string(),
                    "source": "api",
                    "position": {"lat": 31.20405 + (n % 100) as f64 * 1e-6, "lng": 121.59020,
                                 "system": "gcj02", "accuracy_m": 15.0},
                });
                let t0 = Instant::now();
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().as_u16() == 201 => {
                        let _ = resp.bytes().await;
                        lat.push(t0.elapsed());
                    }
                    Ok(resp) => {
                        let st = resp.status();
                        let text = resp.text().await.unwrap_or_default();
                        return Err(format!("status {st}: {text}"));
                    }
                    Err(e) => return Err(e.to_string()),
                }
                i += clients;
            }
            Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok(outcome(all, start.elapsed().as_secs_f64()))
}

/// Terminals and offline phones upload punches in batches: each client posts `size` punches
/// per request to `/punches/batch`. Counts punches stored (every item must be 201); latency is
/// per request.
async fn batch_run(
    s: &Setup,
    client: &reqwest::Client,
    clients: usize,
    secs: u64,
    next: Arc<AtomicU64>,
    size: usize,
) -> Result<Outcome, String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let token = s.token.clone();
        let url = format!("{}/punches/batch", s.base);
        let employees = s.employees.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut stored) = (Vec::new(), 0usize);
            let mut i = c;
            while Instant::now() < deadline {
                let now = jiff::Timestamp::now().to_string();
                let items: Vec<Value> = (0..size)
                    .map(|k| {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        json!({"id": uuid(n), "employee_id": employees[(i + k * clients) % employees.len()],
                               "device_time": now, "source": "terminal",
                               "position": {"lat": 31.20405, "lng": 121.59020, "system": "gcj02", "accuracy_m": 15.0}})
                    })
                    .collect();
                let t0 = Instant::now();
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"punches": items}))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = r.status();
                let v: Value = r.json().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("status {status}: {v}"));
                }
                let results = v["results"].as_array().cloned().unwrap_or_default();
                if let Some(bad) = results.iter().find(|x| x["status"] != 201) {
                    return Err(format!("item not stored: {bad}"));
                }
                stored += results.len();
                lat.push(t0.elapsed());
                i += 1;
            }
            Ok::<_, String>((lat, stored))
        }));
    }
    let (mut all, mut stored) = (Vec::new(), 0);
    for t in tasks {
        let (lat, n) = t.await.map_err(|e| e.to_string())??;
        all.extend(lat);
        stored += n;
    }
    let mut o = outcome(all, start.elapsed().as_secs_f64());
    o.ops = stored;
    Ok(o)
}

/// A table shaped like `punches` (same columns and indexes, no foreign keys) for raw inserts.
async fn raw_table(pool: &sqlx::AnyPool, name: &str) -> Result<(), String> {
    for sql in [
        format!("DROP TABLE IF EXISTS {name}"),
        format!(
            "CREATE TABLE {name} (tenant_id TEXT NOT NULL, id TEXT NOT NULL, client_id TEXT NOT NULL, \
             employee_id TEXT NOT NULL, at BIGINT NOT NULL, device_at BIGINT, received_at BIGINT NOT NULL, \
             source TEXT NOT NULL, submitted_by TEXT NOT NULL, decision TEXT NOT NULL, \
             location {}, answer TEXT NOT NULL, PRIMARY KEY (tenant_id, id))",
            if pool.connect_options().database_url.scheme() == "sqlite" {
                "BLOB"
            } else {
                "BYTEA"
            }
        ),
        format!("CREATE UNIQUE INDEX {name}_client ON {name} (tenant_id, client_id)"),
        format!("CREATE INDEX {name}_emp_at ON {name} (tenant_id, employee_id, at)"),
        format!("CREATE INDEX {name}_received ON {name} (tenant_id, received_at)"),
    ] {
        pool.execute(sql.as_str())
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Binds one raw row: the sizes of a real punch (its answer as long as the sample's, a sealed
/// location of 256 bytes), spread over the bench's employees.
fn bind_raw<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    n: u64,
    answer: &str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind("00000000-0000-7000-8000-000000000000")
        .bind(uuid(n + (1 << 40)))
        .bind(uuid(n))
        .bind(uuid(n % EMPLOYEES as u64))
        .bind(n as i64)
        .bind(n as i64)
        .bind(n as i64)
        .bind("api")
        .bind("user:raw")
        .bind("accepted")
        .bind(vec![7u8; 256])
        .bind(answer.to_string())
}

const RAW_COLUMNS: &str = "(tenant_id, id, client_id, employee_id, at, device_at, received_at, \
    source, submitted_by, decision, location, answer)";

/// Raw sqlx inserts of punch-sized rows, one per transaction, with the same durability.
async fn raw_run(url: &str, clients: usize, secs: u64, answer: &str) -> Result<Outcome, String> {
    let pool = common::raw_pool(url).await?;
    raw_table(&pool, "raw_punches").await?;
    let pool = Arc::new(pool);
    let answer: Arc<str> = Arc::from(answer);
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (pool, answer, next) = (pool.clone(), answer.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let sql = format!(
                "INSERT INTO raw_punches {RAW_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            );
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let n = next.fetch_add(1, Ordering::Relaxed);
                let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
                bind_raw(sqlx::query(&sql), n, &answer)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| e.to_string())?;
                tx.commit().await.map_err(|e| e.to_string())?;
                lat.push(t0.elapsed());
            }
            Ok::<_, String>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok(outcome(all, start.elapsed().as_secs_f64()))
}

/// The machine's durable-insert ceiling for these rows: one connection committing `group`
/// rows per transaction in one statement, no HTTP and no judging. Latency is per transaction.
async fn raw_group_run(
    url: &str,
    secs: u64,
    answer: &str,
    group: usize,
) -> Result<Outcome, String> {
    let pool = common::raw_pool(url).await?;
    raw_table(&pool, "raw_groups").await?;
    let values: Vec<String> = (0..group)
        .map(|r| {
            let b: Vec<String> = (1..=12).map(|c| format!("${}", r * 12 + c)).collect();
            format!("({})", b.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO raw_groups {RAW_COLUMNS} VALUES {}",
        values.join(", ")
    );
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let (mut lat, mut n) = (Vec::new(), 0u64);
    while Instant::now() < deadline {
        let t0 = Instant::now();
        let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
        let mut q = sqlx::query(&sql);
        for _ in 0..group {
            q = bind_raw(q, n, answer);
            n += 1;
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        lat.push(t0.elapsed());
    }
    let mut o = outcome(lat, start.elapsed().as_secs_f64());
    o.ops = n as usize;
    Ok(o)
}

async fn stored_punches(store: &Store) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM punches")
        .fetch_one(store.pool())
        .await
        .unwrap_or(-1)
}

/// Whether `DAKA_BENCH_PHASES` (default `floor,raw,api,batch`) includes this phase.
fn phase(name: &str) -> bool {
    std::env::var("DAKA_BENCH_PHASES")
        .map(|p| p.split(',').any(|x| x.trim() == name))
        .unwrap_or(true)
}

fn main() {
    let secs: u64 = std::env::var("DAKA_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    // PostgreSQL allows 65,535 parameters per statement: 12 per row.
    let group: usize = std::env::var("DAKA_BENCH_GROUP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
        .clamp(1, 2048);
    let levels: Vec<usize> = std::env::var("DAKA_BENCH_CLIENTS")
        .unwrap_or_else(|_| "64,256".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(async {
        println!("{secs} s per run; {EMPLOYEES} employees; clients: {levels:?}");
        let client = match reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("client: {e}");
                return;
            }
        };
        let backends =
            std::env::var("DAKA_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
        for backend in ["sqlite", "postgres"] {
            if !backends.split(',').any(|b| b.trim() == backend) {
                continue;
            }
            let url = |_: ()| async {
                if backend == "sqlite" {
                    daka_store::testing::sqlite_url()
                } else {
                    daka_store::testing::postgres_url().await
                }
            };
            let s = match setup(&url(()).await, &client).await {
                Ok(s) => s,
                Err(e) => {
                    println!("{backend}: setup failed: {e}");
                    continue;
                }
            };
            let next = Arc::new(AtomicU64::new(1));
            if phase("raw") {
                match raw_group_run(&url(()).await, secs, &s.answer, group).await {
                    Ok(o) => println!(
                        "{}",
                        o.line(
                            &format!("{backend} raw group commit, {group} rows/tx, 1 connection"),
                            "punches"
                        )
                    ),
                    Err(e) => println!("{backend}: raw group run failed: {e}"),
                }
            }
            for &clients in &levels {
                if backend == "sqlite" && phase("floor") {
                    match http_floor(&s, &client, clients, secs).await {
                        Ok(o) => println!(
                            "{}",
                            o.line(
                                &format!("{clients:>3} clients: GET /healthz (HTTP floor)"),
                                "requests"
                            )
                        ),
                        Err(e) => println!("HTTP floor failed: {e}"),
                    }
                }
                if phase("raw") {
                    match raw_run(&url(()).await, clients, secs, &s.answer).await {
                        Ok(o) => println!(
                            "{}",
                            o.line(
                                &format!("{backend} {clients:>3} clients: raw insert, 1 row/tx"),
                                "punches"
                            )
                        ),
                        Err(e) => println!("{backend}: raw run failed: {e}"),
                    }
                }
                if phase("api") {
                    let before = stored_punches(&s.store).await;
                    match api_run(&s, &client, clients, secs, next.clone()).await {
                        Ok(o) => {
                            let after = stored_punches(&s.store).await;
                            println!(
                                "{}",
                                o.line(
                                    &format!("{backend} {clients:>3} clients: POST /api/v1/punches"),
                                    "punches"
                                )
                            );
                            println!(
                                "{:<52} acknowledged {} / stored {}",
                                "",
                                o.ops,
                                after - before
                            );
                        }
                        Err(e) => println!("{backend}: API run failed: {e}"),
                    }
                }
                if phase("batch") {
                    let before = stored_punches(&s.store).await;
                    match batch_run(&s, &client, clients, secs, next.clone(), 50).await {
                        Ok(o) => {
                            let after = stored_punches(&s.store).await;
                            println!(
                                "{}",
                                o.line(
                                    &format!("{backend} {clients:>3} clients: POST /punches/batch, 50 each"),
                                    "punches"
                                )
                            );
                            println!(
                                "{:<52} acknowledged {} / stored {} (latency per request)",
                                "",
                                o.ops,
                                after - before
                            );
                        }
                        Err(e) => println!("{backend}: batch run failed: {e}"),
                    }
                }
            }
            let _ = s.stop.send(());
            let _ = s.server.await;
        }
    });
}
