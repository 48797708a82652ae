//! Prometheus metrics: request counts and latencies by route pattern, method and status, and
//! the database pool.

use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use daka_store::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
    status: u16,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool_size: Gauge,
    pool_idle: Gauge,
    store: Store,
}

impl Metrics {
    pub fn new(store: Store) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let pool_size = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register(
            "daka_http_requests",
            "HTTP requests answered",
            requests.clone(),
        );
        registry.register(
            "daka_http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "daka_db_pool_connections",
            "Open database connections",
            pool_size.clone(),
        );
        registry.register(
            "daka_db_pool_idle",
            "Idle database connections",
            pool_idle.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            pool_size,
            pool_idle,
            store,
        }
    }

    pub fn render(&self) -> String {
        self.pool_size.set(i64::from(self.store.pool().size()));
        self.pool_idle.set(self.store.pool().num_idle() as i64);
        let mut out = String::new();
        if let Ok(reg) = self.registry.lock() {
            let _ = encode(&mut out, &reg);
        }
        out
    }
}

/// Middleware: counts and times every request under its route pattern (never the raw URL).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let labels = RouteLabels {
        route,
        method,
        status: resp.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .latency
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    resp
}
