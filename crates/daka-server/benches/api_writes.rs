//! Durable write throughput through the API at 64 concurrent clients, on SQLite and on
//! PostgreSQL, beside raw sqlx inserts (one row per transaction) on the same database in the same
//! run. Each API write creates an employee and its audit entry in one transaction and is
//! answered only after the commit.
//!
//!     cargo bench -p daka-server --bench api_writes
//!
//! `DAKA_BENCH_SECONDS` (default 5) sets the length of each run.

mod common;

use common::{Outcome, outcome};

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Executor;

const CLIENTS: usize = 64;

async fn api_run(url: &str, secs: u64) -> Result<Outcome, String> {
    let served = common::serve(url).await?;
    let token = served.token.clone();
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
        let url = format!("{}/employees", served.base);
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
    let _ = served.stop.send(());
    let _ = served.server.await;
    Ok(outcome(all, secs_taken))
}

/// Raw sqlx inserts, one row per transaction, from 64 tasks, with the same durability settings.
async fn raw_run(url: &str, secs: u64) -> Result<Outcome, String> {
    let pool = common::raw_pool(url).await?;
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
                    o.line(&format!("{backend}: raw sqlx insert, 1 row/tx"), "writes")
                ),
                Err(e) => println!("{backend}: raw run failed: {e}"),
            }
            match api_run(&api_url, secs).await {
                Ok(o) => println!(
                    "{}",
                    o.line(&format!("{backend}: POST /api/v1/employees"), "writes")
                ),
                Err(e) => println!("{backend}: API run failed: {e}"),
            }
        }
    });
}
