//! Punches: the single and batch routes (see [`ingest`] for the pipeline), reading with the
//! caller's scope, and supervisors' review of exceptions.
//!
//! A retry (same client `id`) is answered `200` with the first answer verbatim plus
//! `"replayed": true` beside it (`false` on the first answer, `201`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::auth::Caller;
use crate::auth::caller::PeerInfo;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

pub mod answer;
pub mod batch;
pub mod ingest;
pub mod judge;
pub mod observe;
pub mod photo;
pub mod read;
pub mod review;
pub mod time;

use ingest::{Outcome, PunchItem, ingest};

/// The answer as sent: the stored answer and, beside it, whether this is a replay.
pub fn with_replayed(mut answer: Value, replayed: bool) -> Value {
    if let Value::Object(m) = &mut answer {
        m.insert("replayed".into(), Value::Bool(replayed));
    }
    answer
}

/// A stored answer sent as it is with `replayed` added: the object's text gains one member
/// before its closing brace instead of being parsed and encoded again.
fn answer_response(status: StatusCode, answer: &str, replayed: bool) -> Response {
    let body = match answer.trim_end().strip_suffix('}') {
        Some(head) if head.trim_end() != "{" => format!("{head},\"replayed\":{replayed}}}"),
        _ => with_replayed(
            serde_json::from_str(answer).unwrap_or(Value::Null),
            replayed,
        )
        .to_string(),
    };
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// Records one punch. `201` with the answer; `200` with the first answer for a retry; a
/// refused punch is stored too (a record that someone tried) and answered `201`.
#[utoipa::path(operation_id = "punches_create", post, path = "/api/v1/punches", tag = "punches", request_body = PunchItem,
    responses((status = 201, body = Object, description = "Stored; the answer"), (status = 200, body = Object, description = "A retry: the first answer"),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    peer: PeerInfo,
    ApiJson(item): ApiJson<PunchItem>,
) -> ApiResult<Response> {
    allow(&caller, Action::Punch)?;
    let ip = peer.0.map(|a| a.ip());
    let mut out = ingest(&state, &caller, ip, state.clock.now_ms(), vec![Ok(item)]).await?;
    match out.pop() {
        Some(Outcome::Created(a)) => Ok(answer_response(StatusCode::CREATED, &a, false)),
        Some(Outcome::Replayed(a)) => Ok(answer_response(StatusCode::OK, &a, true)),
        Some(Outcome::Failed(e)) => Err(e),
        None => Err(ApiError::Internal("no answer".into())),
    }
}
