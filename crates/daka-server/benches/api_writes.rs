//! Durable write throughput through the API at 64 concurrent clients, on SQLite and on
//! PostgreSQL, beside raw sqlx inserts (one row per transaction) on the same database in the same
//! run. Each API write creates an employee and its audit entry in one transaction and is
//! answered only after the commit.
//!
//!     cargo bench -p daka-server --bench api_writes
//!
//! `DAKA_BENCH_SECONDS` (default 5) sets the length of each run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use daka_server::auth::credentials::{self, Kind};
use daka_server::{AppState, Config};
use daka_store::users::Role;
use daka_store::{Actor, Store, Tenant};
use sqlx::Executor;

const CLIENTS: usize = 64;

struct Outcome {
    ops: usize,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Outcome {
    fn line(&self, what: &str) -> String {
        format!(
            "{what:<44} {:>9.0} writes/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} writes in {:.1} s)",
            self.ops as f64 / self.secs,
            self.p50_ms,
            self.p99_ms,
            self.ops,
            self.secs
        )
    }
}

fn outcome(mut lat: Vec<Duration>, secs: f64) -> Outcome {
    lat.sort_unstable();
    let pick = |q: f64| {
        lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Outcome {
        ops: lat.len(),
        secs,
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
    }
}

async fn api_run(url: &str, secs: u64) -> Result<Outcome, String> {
    let store = Store::open(url).await.map_err(|e| e.to_string())?;
    let actor = Actor::system("bench");
    let t = store
        .create_tenant("bench", &actor)
        .await
        .map_err(|e| e.to_string())?;
    let tenant = Tenant::trusted(&t.id);
    let user = store
        .create_user(&tenant, &actor, "admin", "x", Role::Admin, None)
        .await
        .map_err(|e| e.to_string())?;
    let secret = credentials::secret();
    store
        .create_token(
            &tenant,
            &actor,
            &user.id,
            "bench",
            &credentials::digest(&secret),
            &["read".into(), "write".into()],
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
    let token = credentials::format(Kind::Token, &t.id, &secret);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(store.clone(), Config::default());
    let server = tokio::spawn(daka_server::serve(listener, state, async {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let client = client.clone();
        let token = token.clone();
        let url = format!("http://{addr}/api/v1/employees");
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = 0usize;
            while Instant::now() < deadline {
                let body = serde_json::json!({"employee_no": format!("C{c}-{i}"), "name": "bench"});
                let t0 = Instant::now();
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().as_u16() == 201 => lat.push(t0.elapsed()),
                    Ok(resp) => return Err(format!("status {}", resp.status())),
                    Err(e) => return Err(e.to_string()),
                }
                i += 1;
            }
            Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    let secs_taken = start.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    let _ = server.await;
    Ok(outcome(all, secs_taken))
}

/// Raw sqlx inserts, one row per transaction, from 64 tasks, with the same durability settings.
async fn raw_run(url: &str, secs: u64) -> Result<Outcome, String> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(if sqlite { 8 } else { 64 })
        .after_connect(move |c, _| {
            Box::pin(async move {
                if sqlite {
                    c.execute("PRAGMA journal_mode = WAL").await?;
                    c.execute("PRAGMA synchronous = FULL").await?;
                    c.execute("PRAGMA busy_timeout = 10000").await?;
                }
                Ok(())
            })
        })
        .connect(&format!("{url}{}", if sqlite { "?mode=rwc" } else { "" }))
        .await
        .map_err(|e| e.to_string())?;
    pool.execute("CREATE TABLE IF NOT EXISTS raw_bench (id TEXT PRIMARY KEY, v TEXT NOT NULL)")
        .await
        .map_err(|e| e.to_string())?;
    let pool = Arc::new(pool);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = 0usize;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
                sqlx::query("INSERT INTO raw_bench (id, v) VALUES ($1, $2)")
                    .bind(format!("{c}-{i}"))
                    .bind("bench")
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| e.to_string())?;
                tx.commit().await.map_err(|e| e.to_string())?;
                lat.push(t0.elapsed());
                i += 1;
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

fn main() {
    let secs: u64 = std::env::var("DAKA_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
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
        println!("{CLIENTS} concurrent clients, {secs} s per run");
        for backend in ["sqlite", "postgres"] {
            let (api_url, raw_url) = if backend == "sqlite" {
                (
                    daka_store::testing::sqlite_url(),
                    daka_store::testing::sqlite_url(),
                )
            } else {
                (
                    daka_store::testing::postgres_url().await,
                    daka_store::testing::postgres_url().await,
                )
            };
            match raw_run(&raw_url, secs).await {
                Ok(o) => println!(
                    "{}",
                    o.line(&format!("{backend}: raw sqlx insert, 1 row/tx"))
                ),
                Err(e) => println!("{backend}: raw run failed: {e}"),
            }
            match api_run(&api_url, secs).await {
                Ok(o) => println!("{}", o.line(&format!("{backend}: POST /api/v1/employees"))),
                Err(e) => println!("{backend}: API run failed: {e}"),
            }
        }
    });
}
