//! What the HTTP write benchmarks share: latency statistics, a served tenant with an admin
//! token, and a raw sqlx pool with the store's durability settings for the baseline.
// Each bench compiles this file as its own module and uses a different part of it.
#![allow(dead_code)]

use std::time::Duration;

use daka_server::auth::credentials::{self, Kind};
use daka_server::{AppState, Config};
use daka_store::crypto::Keyring;
use daka_store::users::Role;
use daka_store::{Actor, Store, Tenant};
use sqlx::Executor;

pub struct Outcome {
    pub ops: usize,
    pub secs: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Outcome {
    /// One report line: `what`, the rate in `unit`s per second, p50 and p99.
    pub fn line(&self, what: &str, unit: &str) -> String {
        format!(
            "{what:<52} {:>9.0} {unit}/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} in {:.1} s)",
            self.ops as f64 / self.secs,
            self.p50_ms,
            self.p99_ms,
            self.ops,
            self.secs
        )
    }
}

pub fn outcome(mut lat: Vec<Duration>, secs: f64) -> Outcome {
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

/// A tenant with an admin API token, served on a free port until `stop` is sent.
pub struct Served {
    pub store: Store,
    pub base: String,
    pub token: String,
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub async fn serve(url: &str) -> Result<Served, String> {
    let store = Store::open(url)
        .await
        .map_err(|e| e.to_string())?
        .with_keyring(Keyring::generate().map_err(|e| e.to_string())?, None);
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
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(store.clone(), Config::default());
    let server = tokio::spawn(daka_server::serve(listener, state, async {
        let _ = stop_rx.await;
    }));
    Ok(Served {
        store,
        base: format!("http://{addr}/api/v1"),
        token,
        stop,
        server,
    })
}

/// A plain sqlx pool on `url` with the store's durability settings (WAL, synchronous FULL),
/// for the raw-insert baseline.
pub async fn raw_pool(url: &str) -> Result<sqlx::AnyPool, String> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    sqlx::any::AnyPoolOptions::new()
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
        .map_err(|e| e.to_string())
}
