//! Employees: admins manage them; supervisors read their subtrees, employees their own record.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::org::{Employee, EmployeeFilter, EmployeeInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::{PageQuery, page};
use crate::auth::Caller;
use crate::authz::{Action, Scope, allow, employee_scope};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct EmployeeDto {
    pub id: String,
    /// Unique within the tenant.
    pub employee_no: String,
    pub name: String,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    /// IANA time zone, e.g. Asia/Shanghai.
    pub time_zone: String,
    /// YYYY-MM-DD
    pub active_from: Option<String>,
    pub active_to: Option<String>,
    pub rule_id: Option<String>,
    pub created_at: i64,
}

impl From<Employee> for EmployeeDto {
    fn from(e: Employee) -> Self {
        Self {
            id: e.id,
            employee_no: e.employee_no,
            name: e.name,
            department_id: e.department_id,
            manager_id: e.manager_id,
            time_zone: e.time_zone,
            active_from: e.active_from,
            active_to: e.active_to,
            rule_id: e.rule_id,
            created_at: e.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeBody {
    pub employee_no: String,
    pub name: String,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    /// IANA time zone; default Asia/Shanghai.
    pub time_zone: Option<String>,
    pub active_from: Option<String>,
    pub active_to: Option<String>,
    pub rule_id: Option<String>,
}

impl From<EmployeeBody> for EmployeeInput {
    fn from(b: EmployeeBody) -> Self {
        Self {
            employee_no: b.employee_no,
            name: b.name,
            department_id: b.department_id,
            manager_id: b.manager_id,
            time_zone: b.time_zone.unwrap_or_else(|| "Asia/Shanghai".into()),
            active_from: b.active_from,
            active_to: b.active_to,
            rule_id: b.rule_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EmployeePage {
    pub items: Vec<EmployeeDto>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(operation_id = "employees_list", get, path = "/api/v1/employees", tag = "org", params(PageQuery),
    responses((status = 200, body = EmployeePage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<EmployeePage>> {
    allow(&caller, Action::ReadEmployees)?;
    let filter = match employee_scope(&state, &caller).await? {
        Scope::All => EmployeeFilter::default(),
        Scope::Limited { departments, own } => EmployeeFilter {
            department_ids: Some(departments),
            ids: Some(own.into_iter().collect()),
        },
    };
    let limit = q.limit();
    let rows = state
        .store
        .employees_page(&caller.tenant, &filter, q.cursor.as_deref(), limit + 1)
        .await?;
    Ok(Json(page(
        rows,
        limit,
        |e| e.id.clone(),
        EmployeeDto::from,
        |items, next_cursor| EmployeePage { items, next_cursor },
    )))
}

#[utoipa::path(operation_id = "employees_create", post, path = "/api/v1/employees", tag = "org", request_body = EmployeeBody,
    responses((status = 201, body = EmployeeDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<EmployeeBody>,
) -> ApiResult<(StatusCode, Json<EmployeeDto>)> {
    allow(&caller, Action::WriteEmployees)?;
    let e = state
        .store
        .create_employee(&caller.tenant, &caller.actor, &body.into())
        .await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

#[utoipa::path(operation_id = "employees_get", get, path = "/api/v1/employees/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 200, body = EmployeeDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<EmployeeDto>> {
    let e = state.store.employee(&caller.tenant, &id).await?;
    allow(&caller, Action::ReadEmployees)?;
    if !employee_scope(&state, &caller)
        .await?
        .covers(&e.id, e.department_id.as_deref())
    {
        return Err(ApiError::forbidden("this employee is outside your scope"));
    }
    Ok(Json(e.into()))
}

#[utoipa::path(operation_id = "employees_update", put, path = "/api/v1/employees/{id}", tag = "org", params(("id" = String, Path)), request_body = EmployeeBody,
    responses((status = 200, body = EmployeeDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EmployeeBody>,
) -> ApiResult<Json<EmployeeDto>> {
    state.store.employee(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteEmployees)?;
    let e = state
        .store
        .update_employee(&caller.tenant, &caller.actor, &id, &body.into())
        .await?;
    Ok(Json(e.into()))
}
