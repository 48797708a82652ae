//! A batch of punches (an offline queue syncing, a terminal's backlog): each item is answered
//! on its own, one bad item never rejects the others, and the new punches are committed in one
//! transaction before any answer is sent.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::ingest::{Outcome, PunchItem, ingest};
use crate::auth::Caller;
use crate::auth::caller::PeerInfo;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, missing_field};
use crate::state::AppState;

/// Most punches in one batch.
pub const MAX_BATCH: usize = 500;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// 1 to 500 punches.
    #[schema(value_type = Vec<PunchItem>)]
    pub punches: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchAnswer {
    /// Per item, in the order sent: `{index, client_id, status, replayed, punch?, error?}`.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<Value>,
}

/// The status and error body of a failed item.
fn failure(e: ApiError) -> (u16, Value) {
    let (status, code, message, field) = match e {
        ApiError::BadRequest { field, message } => (400, "bad_request", message, field),
        ApiError::Forbidden(m) => (403, "forbidden", m, None),
        ApiError::NotFound => (404, "not_found", "not found".into(), None),
        ApiError::Conflict { field, message } => (409, "conflict", message, Some(field)),
        ApiError::Unprocessable { field, message } => (422, "invalid", message, Some(field)),
        ApiError::Internal(cause) => {
            tracing::error!(%cause, "internal error in a batch item");
            (500, "internal", "internal error".into(), None)
        }
        other => (400, "bad_request", format!("{other:?}"), None),
    };
    (
        status,
        json!({"code": code, "message": message, "field": field}),
    )
}

fn parse(v: Value) -> ApiResult<PunchItem> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        let msg = e.into_inner().to_string();
        ApiError::invalid(&missing_field(&field, &msg), msg)
    })
}

/// A stored answer as JSON (null if unreadable, which a stored answer never is).
fn parsed(answer: &str) -> Value {
    serde_json::from_str(answer).unwrap_or(Value::Null)
}

/// Records up to 500 punches, answering each (`status` 201 stored, 200 a retry of a stored
/// punch, 4xx refused with its error). Items are judged in device-time order.
#[utoipa::path(operation_id = "punches_batch", post, path = "/api/v1/punches/batch", tag = "punches", request_body = BatchBody,
    responses((status = 200, body = BatchAnswer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    peer: PeerInfo,
    ApiJson(body): ApiJson<BatchBody>,
) -> ApiResult<Json<BatchAnswer>> {
    allow(&caller, Action::Punch)?;
    if body.punches.is_empty() || body.punches.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "punches",
            format!("must hold 1 to {MAX_BATCH} punches"),
        ));
    }
    let client_ids: Vec<Value> = body
        .punches
        .iter()
        .map(|p| p.get("id").cloned().unwrap_or(Value::Null))
        .collect();
    let items = body.punches.into_iter().map(parse).collect();
    let ip = peer.0.map(|a| a.ip());
    let out = ingest(&state, &caller, ip, state.clock.now_ms(), items).await?;
    let results = out
        .into_iter()
        .zip(client_ids)
        .enumerate()
        .map(|(index, (o, client_id))| match o {
            Outcome::Created(a) => json!({"index": index, "client_id": client_id, "status": 201,
                "replayed": false, "punch": parsed(&a)}),
            Outcome::Replayed(a) => json!({"index": index, "client_id": client_id, "status": 200,
                "replayed": true, "punch": parsed(&a)}),
            Outcome::Failed(e) => {
                let (status, error) = failure(e);
                json!({"index": index, "client_id": client_id, "status": status,
                    "replayed": false, "error": error})
            }
        })
        .collect();
    Ok(Json(BatchAnswer { results }))
}
