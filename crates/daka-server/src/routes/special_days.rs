//! Company special days (one-off workdays and days off over the national calendar): admins
//! write; everyone in the company reads them, since they decide who works when.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::SpecialDay;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct SpecialDayDto {
    /// YYYY-MM-DD
    pub date: String,
    /// `workday` or `day_off`.
    pub kind: String,
    pub name: String,
}

impl From<SpecialDay> for SpecialDayDto {
    fn from(d: SpecialDay) -> Self {
        Self {
            date: d.date,
            kind: d.kind,
            name: d.name,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialDayBody {
    /// `workday` or `day_off`.
    pub kind: String,
    pub name: String,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// Only this year's days (1-9999); all when left out.
    pub year: Option<i32>,
}

#[utoipa::path(operation_id = "special_days_list", get, path = "/api/v1/special-days", tag = "rules", params(YearQuery),
    responses((status = 200, body = Vec<SpecialDayDto>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<Vec<SpecialDayDto>>> {
    allow(&caller, Action::ReadCalendar)?;
    if q.year.is_some_and(|y| !(1..=9999).contains(&y)) {
        return Err(ApiError::invalid("year", "must be 1 to 9999"));
    }
    let days = state.store.special_days(&caller.tenant, q.year).await?;
    Ok(Json(days.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "special_days_set", put, path = "/api/v1/special-days/{date}", tag = "rules",
    params(("date" = String, Path, description = "YYYY-MM-DD")), request_body = SpecialDayBody,
    responses((status = 200, body = SpecialDayDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(date): Path<String>,
    ApiJson(body): ApiJson<SpecialDayBody>,
) -> ApiResult<Json<SpecialDayDto>> {
    allow(&caller, Action::WriteCalendar)?;
    let d = state
        .store
        .set_special_day(&caller.tenant, &caller.actor, &date, &body.kind, &body.name)
        .await?;
    Ok(Json(d.into()))
}

#[utoipa::path(operation_id = "special_days_delete", delete, path = "/api/v1/special-days/{date}", tag = "rules",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(date): Path<String>,
) -> ApiResult<StatusCode> {
    allow(&caller, Action::WriteCalendar)?;
    state
        .store
        .delete_special_day(&caller.tenant, &caller.actor, &date)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
