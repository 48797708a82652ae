//! Daka's HTTP face: JSON under `/api/v1`, OpenAPI 3.1 at `/api/openapi.json`, `/healthz`,
//! `/readyz`, `/metrics`. Every request is authenticated by [`auth::Caller`] and authorized by
//! [`authz`]; every write lands in the store with its audit entry.

pub mod auth;
pub mod authz;
pub mod clock;
pub mod config;
pub mod error;
pub mod json;
pub mod metrics;
pub mod photo_exif;
pub mod photo_files;
pub mod retention;
pub mod routes;
pub mod site_cache;
pub mod state;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::routing::get;
use axum::{Json, Router, middleware};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;
pub use state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application, with its OpenAPI document served at `/api/openapi.json`.
pub fn app(state: AppState) -> Router {
    let (router, api) = routes::all().split_for_parts();
    let spec = api.clone();
    let timeout = Duration::from_secs(state.config.request_timeout.max(1));
    let limit = state.config.body_limit;
    router
        .route("/api/openapi.json", get(move || async move { Json(spec) }))
        .fallback(|| async { error::ApiError::NotFound })
        .method_not_allowed_fallback(|| async { error::ApiError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default();
                let rid = req
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                tracing::info_span!("request", method = %req.method(), route, request_id = rid)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// The OpenAPI document (for `daka openapi` and tests).
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::all().split_for_parts().1
}

/// Serves until `shutdown` resolves, then finishes in-flight requests, stops the background
/// jobs and flushes queued writes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let retention = retention::spawn(store.clone(), state.config.location_retention_days, stopped);
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let r = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
    if let Some(job) = retention {
        let _ = job.await;
    }
    store.close().await;
    r
}
