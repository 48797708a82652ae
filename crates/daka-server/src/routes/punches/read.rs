//! Reading punches: employees their own, supervisors their subtrees', admins and auditors all,
//! with the decrypted location for whoever may read the punch.

use axum::Json;
use axum::extract::{Path, State};
use daka_store::Tenant;
use daka_store::punches::{PunchFilter, PunchRow};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::answer::rfc3339;
use crate::auth::Caller;
use crate::authz::{Action, Scope, allow, employee_scope};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiQuery;
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PunchQuery {
    /// One employee's punches (within your scope).
    pub employee_id: Option<String>,
    /// RFC 3339, inclusive; default 31 days before `to`.
    pub from: Option<String>,
    /// RFC 3339, exclusive; default a day from now.
    pub to: Option<String>,
    /// 1-1000, default 200.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PunchList {
    /// Each as `GET /api/v1/punches/{id}` answers, in time order.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A page position: the last punch's instant (ms) and id, as `<ms>.<id>`.
fn cursor_of(p: &PunchRow) -> String {
    format!("{}.{}", p.at, p.id)
}

fn parse_cursor(s: &str) -> ApiResult<(i64, String)> {
    s.trim()
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse().ok()?, id)))
        .filter(|(_, id)| !id.is_empty())
        .map(|(at, id)| (at, id.to_string()))
        .ok_or_else(|| ApiError::invalid("cursor", "must be the next_cursor of a previous page"))
}

fn instant(field: &str, s: &Option<String>, default: i64) -> ApiResult<i64> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .map_err(|e| ApiError::invalid(field, format!("must be RFC 3339 with an offset: {e}"))),
    }
}

/// A punch as readers see it.
pub fn punch_json(state: &AppState, t: &Tenant, p: &PunchRow) -> ApiResult<Value> {
    let location = match &p.location {
        None => Value::Null,
        Some(blob) => {
            let plain = state
                .store
                .open_sealed(t, "punches", &p.id, "location", blob)?;
            serde_json::from_slice(&plain)
                .map_err(|e| ApiError::Internal(format!("punch location: {e}")))?
        }
    };
    let answer: Value = serde_json::from_str(&p.answer)
        .map_err(|e| ApiError::Internal(format!("stored answer: {e}")))?;
    Ok(json!({
        "id": p.id,
        "client_id": p.client_id,
        "employee_id": p.employee_id,
        "at": rfc3339(p.at),
        "device_at": p.device_at.map(rfc3339),
        "received_at": rfc3339(p.received_at),
        "time_flag": p.time_flag,
        "source": p.source,
        "device_id": p.device_id,
        "submitted_by": p.submitted_by,
        "decision": p.decision,
        "review": p.review,
        "reviewed_by": p.reviewed_by,
        "reviewed_at": p.reviewed_at.map(rfc3339),
        "counts": p.counts(),
        "needs_review": p.decision == "exception" && p.review.is_none(),
        "note": p.note,
        "photo_id": p.photo_id,
        "location": location,
        "answer": answer,
    }))
}

/// 403 unless the caller may read this punch.
pub async fn check_scope(state: &AppState, caller: &Caller, p: &PunchRow) -> ApiResult<()> {
    if employee_scope(state, caller)
        .await?
        .covers(&p.employee_id, p.department_id.as_deref())
    {
        Ok(())
    } else {
        Err(ApiError::forbidden("this punch is outside your scope"))
    }
}

#[utoipa::path(operation_id = "punches_list", get, path = "/api/v1/punches", tag = "punches", params(PunchQuery),
    responses((status = 200, body = PunchList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PunchQuery>,
) -> ApiResult<Json<PunchList>> {
    allow(&caller, Action::ReadPunches)?;
    let t = &caller.tenant;
    let to = instant("to", &q.to, daka_store::now_ms() + DAY_MS)?;
    let from = instant("from", &q.from, to - 31 * DAY_MS)?;
    if to <= from {
        return Err(ApiError::invalid("to", "must be after from"));
    }
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let scope = employee_scope(&state, &caller).await?;
    let mut f = PunchFilter {
        from,
        to,
        limit: limit + 1,
        after: q.cursor.as_deref().map(parse_cursor).transpose()?,
        ..Default::default()
    };
    if let Some(e) = q.employee_id.as_deref().filter(|e| !e.is_empty()) {
        let emp = state.store.employee(t, e).await?;
        if !scope.covers(&emp.id, emp.department_id.as_deref()) {
            return Err(ApiError::forbidden("this employee is outside your scope"));
        }
        f.employee_id = Some(emp.id);
    } else if let Scope::Limited { departments, own } = scope {
        f.departments = Some(departments);
        f.own = own;
    }
    let mut rows = state.store.punches_page(t, &f).await?;
    let next_cursor = match rows.len() > limit as usize {
        true => {
            rows.truncate(limit as usize);
            rows.last().map(cursor_of)
        }
        false => None,
    };
    let items = rows
        .iter()
        .map(|p| punch_json(&state, t, p))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(PunchList { items, next_cursor }))
}

#[utoipa::path(operation_id = "punches_get", get, path = "/api/v1/punches/{id}", tag = "punches", params(("id" = String, Path, description = "The server's punch id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = state.store.punch(&caller.tenant, &id).await?;
    allow(&caller, Action::ReadPunches)?;
    check_scope(&state, &caller, &p).await?;
    Ok(Json(punch_json(&state, &caller.tenant, &p)?))
}
