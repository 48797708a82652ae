//! 排班: admins set an employee's shift per date; reads are scoped (supervisors see their
//! department subtrees, employees themselves, admins and auditors everyone).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::{EmployeeFilter, RotaEntry, RotaQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::authz::{Action, Scope, allow, employee_scope};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct RotaEntryDto {
    pub employee_id: String,
    /// YYYY-MM-DD: the attendance date.
    pub date: String,
    /// A shift code of the rota rule in force, or REST.
    pub shift: String,
    pub updated_at: i64,
}

impl From<RotaEntry> for RotaEntryDto {
    fn from(e: RotaEntry) -> Self {
        Self {
            employee_id: e.employee_id,
            date: e.date,
            shift: e.shift,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotaBody {
    /// A shift code of the rota rule in force for the employee on that date, or REST.
    pub shift: String,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RotaParams {
    /// YYYY-MM-DD, inclusive.
    pub from: String,
    /// YYYY-MM-DD, inclusive; at most 366 days after `from`.
    pub to: String,
    /// Only this department and its sub-departments.
    pub department_id: Option<String>,
    pub employee_id: Option<String>,
}

#[utoipa::path(operation_id = "rota_set", put, path = "/api/v1/employees/{id}/rota/{date}", tag = "rules",
    params(("id" = String, Path), ("date" = String, Path, description = "YYYY-MM-DD")), request_body = RotaBody,
    responses((status = 200, body = RotaEntryDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, date)): Path<(String, String)>,
    ApiJson(body): ApiJson<RotaBody>,
) -> ApiResult<Json<RotaEntryDto>> {
    state.store.employee(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteRota)?;
    let e = state
        .store
        .set_rota(&caller.tenant, &caller.actor, &id, &date, &body.shift)
        .await?;
    Ok(Json(e.into()))
}

#[utoipa::path(operation_id = "rota_delete", delete, path = "/api/v1/employees/{id}/rota/{date}", tag = "rules",
    params(("id" = String, Path), ("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, date)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.store.employee(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteRota)?;
    state
        .store
        .delete_rota(&caller.tenant, &caller.actor, &id, &date)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "rota_list", get, path = "/api/v1/rota", tag = "rules", params(RotaParams),
    responses((status = 200, body = Vec<RotaEntryDto>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RotaParams>,
) -> ApiResult<Json<Vec<RotaEntryDto>>> {
    allow(&caller, Action::ReadSchedule)?;
    let scope = match employee_scope(&state, &caller).await? {
        Scope::All => EmployeeFilter::default(),
        Scope::Limited { departments, own } => EmployeeFilter {
            department_ids: Some(departments),
            ids: Some(own.into_iter().collect()),
        },
    };
    let department_ids = match &q.department_id {
        Some(d) => {
            match state.store.department(&caller.tenant, d).await {
                Ok(_) => {}
                Err(daka_store::StoreError::NotFound) => {
                    return Err(ApiError::invalid("department_id", "no such department"));
                }
                Err(e) => return Err(e.into()),
            }
            Some(
                state
                    .store
                    .department_subtrees(&caller.tenant, std::slice::from_ref(d))
                    .await?,
            )
        }
        None => None,
    };
    let query = RotaQuery {
        from: q.from.trim().to_string(),
        to: q.to.trim().to_string(),
        employee_id: q.employee_id,
        department_ids,
        scope,
    };
    let rows = state.store.rota(&caller.tenant, &query).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}
