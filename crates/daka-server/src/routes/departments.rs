//! Departments: a tree that admins shape (create, rename, move, delete) and assign leads to.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::org::Department;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct DepartmentDto {
    pub id: String,
    pub name: String,
    /// Null for a top-level department.
    pub parent_id: Option<String>,
    pub created_at: i64,
}

impl From<Department> for DepartmentDto {
    fn from(d: Department) -> Self {
        Self {
            id: d.id,
            name: d.name,
            parent_id: d.parent_id,
            created_at: d.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    pub name: String,
    pub parent_id: Option<String>,
}

/// Rename and/or move. `parent_id: null` makes it top-level; leave it out to keep the parent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentUpdate {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<String>>,
}

/// Tells "absent" (None) from "null" (Some(None)).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[utoipa::path(operation_id = "departments_list", get, path = "/api/v1/departments", tag = "org",
    responses((status = 200, body = Vec<DepartmentDto>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<DepartmentDto>>> {
    allow(&caller, Action::ReadDepartments)?;
    let all = state.store.departments(&caller.tenant).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "departments_create", post, path = "/api/v1/departments", tag = "org", request_body = NewDepartment,
    responses((status = 201, body = DepartmentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewDepartment>,
) -> ApiResult<(StatusCode, Json<DepartmentDto>)> {
    allow(&caller, Action::WriteDepartments)?;
    let d = state
        .store
        .create_department(
            &caller.tenant,
            &caller.actor,
            &req.name,
            req.parent_id.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[utoipa::path(operation_id = "departments_get", get, path = "/api/v1/departments/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 200, body = DepartmentDto), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<DepartmentDto>> {
    let d = state.store.department(&caller.tenant, &id).await?;
    allow(&caller, Action::ReadDepartments)?;
    Ok(Json(d.into()))
}

#[utoipa::path(operation_id = "departments_update", patch, path = "/api/v1/departments/{id}", tag = "org", params(("id" = String, Path)), request_body = DepartmentUpdate,
    responses((status = 200, body = DepartmentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DepartmentUpdate>,
) -> ApiResult<Json<DepartmentDto>> {
    state.store.department(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteDepartments)?;
    let parent = req.parent_id.as_ref().map(|p| p.as_deref());
    let d = state
        .store
        .update_department(
            &caller.tenant,
            &caller.actor,
            &id,
            req.name.as_deref(),
            parent,
        )
        .await?;
    Ok(Json(d.into()))
}

#[utoipa::path(operation_id = "departments_delete", delete, path = "/api/v1/departments/{id}", tag = "org", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.department(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteDepartments)?;
    state
        .store
        .delete_department(&caller.tenant, &caller.actor, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a user a lead (supervisor scope) of the department and its subtree.
#[utoipa::path(operation_id = "departments_add_lead", put, path = "/api/v1/departments/{id}/leads/{user_id}", tag = "org",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_lead(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.store.department(&caller.tenant, &id).await?;
    state.store.user(&caller.tenant, &user_id).await?;
    allow(&caller, Action::WriteDepartments)?;
    state
        .store
        .add_department_lead(&caller.tenant, &caller.actor, &id, &user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "departments_remove_lead", delete, path = "/api/v1/departments/{id}/leads/{user_id}", tag = "org",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_lead(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.store.department(&caller.tenant, &id).await?;
    state.store.user(&caller.tenant, &user_id).await?;
    allow(&caller, Action::WriteDepartments)?;
    state
        .store
        .remove_department_lead(&caller.tenant, &caller.actor, &id, &user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
