//! Users and their roles (admins manage; auditors read).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::users::{Role, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, password};
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub username: String,
    /// `employee`, `supervisor`, `admin` or `auditor`.
    pub role: String,
    pub employee_id: Option<String>,
    pub disabled: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            role: u.role.as_str().into(),
            employee_id: u.employee_id,
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserDto>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items (1-500, default 100).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 500)
    }
}

pub fn parse_role(s: &str) -> ApiResult<Role> {
    Role::parse(s)
        .map_err(|_| ApiError::invalid("role", "must be employee, supervisor, admin or auditor"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: String,
    pub employee_id: Option<String>,
}

#[utoipa::path(operation_id = "users_list", get, path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = UserPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<UserPage>> {
    allow(&caller, Action::ReadUsers)?;
    let limit = q.limit();
    let users = state
        .store
        .users_page(&caller.tenant, q.cursor.as_deref(), limit + 1)
        .await?;
    Ok(Json(page(
        users,
        limit,
        |u| u.id.clone(),
        UserDto::from,
        |items, next_cursor| UserPage { items, next_cursor },
    )))
}

/// Cuts a page of `limit` items from `limit + 1` fetched, with the cursor of the last one.
pub fn page<T, D, P>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
    dto: impl Fn(T) -> D,
    make: impl Fn(Vec<D>, Option<String>) -> P,
) -> P {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let next = if more { rows.last().map(&key) } else { None };
    make(rows.into_iter().map(dto).collect(), next)
}

#[utoipa::path(operation_id = "users_create", post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserDto>)> {
    allow(&caller, Action::WriteUsers)?;
    if req.username.trim().is_empty() {
        return Err(ApiError::invalid("username", "must not be empty"));
    }
    let role = parse_role(&req.role)?;
    password::check_new("password", &req.password)?;
    let hash = password::hash(req.password).await?;
    let user = state
        .store
        .create_user(
            &caller.tenant,
            &caller.actor,
            req.username.trim(),
            &hash,
            role,
            req.employee_id.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[utoipa::path(operation_id = "users_get", get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<UserDto>> {
    let u = state.store.user(&caller.tenant, &id).await?;
    allow(&caller, Action::ReadUsers)?;
    Ok(Json(u.into()))
}

/// Change the role and/or disable (or re-enable) the user; disabling ends their sessions.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub role: Option<String>,
    pub disabled: Option<bool>,
}

#[utoipa::path(operation_id = "users_update", patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), request_body = UserUpdate,
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UserUpdate>,
) -> ApiResult<Json<UserDto>> {
    let mut user = state.store.user(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteUsers)?;
    let role = req.role.as_deref().map(parse_role).transpose()?;
    // Checked before anything is saved, so a refused request changes nothing.
    if req.disabled == Some(true) && caller.user_id() == Some(id.as_str()) {
        return Err(ApiError::invalid("disabled", "you cannot disable yourself"));
    }
    if let Some(role) = role {
        user = state
            .store
            .set_role(&caller.tenant, &caller.actor, &id, role)
            .await?;
    }
    if let Some(disabled) = req.disabled {
        user = state
            .store
            .set_disabled(&caller.tenant, &caller.actor, &id, disabled)
            .await?;
    }
    Ok(Json(user.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

/// Sets a user's password (admin); their sessions end.
#[utoipa::path(operation_id = "users_reset_password", post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = String, Path)), request_body = PasswordReset,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    state.store.user(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteUsers)?;
    password::check_new("password", &req.password)?;
    let hash = password::hash(req.password).await?;
    state
        .store
        .set_password(&caller.tenant, &caller.actor, &id, &hash)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
