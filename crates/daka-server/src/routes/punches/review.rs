//! A supervisor's (or admin's) decision on an exception: approved, it counts in attendance;
//! rejected, it stays on record without counting. Audited; nobody reviews their own punch.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::read::{check_scope, punch_json};
use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub approve: bool,
    /// Why (kept in the audit entry), up to 500 characters.
    pub note: Option<String>,
}

#[utoipa::path(operation_id = "punches_review", post, path = "/api/v1/punches/{id}/review", tag = "punches", params(("id" = String, Path)), request_body = ReviewBody,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<Value>> {
    let t = &caller.tenant;
    let p = state.store.punch(t, &id).await?;
    allow(&caller, Action::ReviewPunches)?;
    check_scope(&state, &caller, &p).await?;
    if caller.employee_id() == Some(p.employee_id.as_str()) {
        return Err(ApiError::forbidden("you cannot review your own punch"));
    }
    let note = body
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::invalid("note", "must be at most 500 characters"));
    }
    let reviewer = caller.user_id().unwrap_or_default().to_string();
    let after = state
        .store
        .review_punch(t, &caller.actor, &id, &reviewer, body.approve, note)
        .await?;
    Ok(Json(punch_json(&state, t, &after)?))
}
