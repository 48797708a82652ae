//! Login, logout, and the caller's own profile and password.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use daka_store::{StoreError, Tenant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::UserDto;
use crate::auth::caller::{Via, client_ip_of, cookie};
use crate::auth::credentials::{self, SESSION_COOKIE};
use crate::auth::{Caller, password};
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The tenant's id.
    pub tenant: String,
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: UserDto,
    /// Send this as `X-CSRF-Token` on every write made with the session cookie.
    pub csrf_token: String,
    pub expires_at: i64,
}

fn session_cookie(state: &AppState, value: &str, max_age: u64) -> ApiResult<HeaderValue> {
    let secure = if state.config.https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| ApiError::Internal(format!("cookie: {e}")))
}

/// Logs in with a password and sets the session cookie. Unknown users and wrong passwords get
/// the same answer after the same work.
#[utoipa::path(operation_id = "auth_login", security(()), post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    info: crate::auth::caller::PeerInfo,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let ip = client_ip_of(&info);
    let account = format!("{}/{}", req.tenant, req.username);
    if let Some(wait) = state.limiter.locked(&account, &ip) {
        return Err(ApiError::TooManyRequests { retry_after: wait });
    }
    let tenant = Tenant::trusted(req.tenant.trim());
    let user = match state
        .store
        .user_by_username(&tenant, req.username.trim())
        .await
    {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone());
    if !password::verify(stored, req.password).await {
        state.limiter.failed(&account, &ip);
        return Err(ApiError::Unauthorized);
    }
    let Some(user) = user else {
        return Err(ApiError::Unauthorized);
    };
    state.limiter.succeeded(&account);
    let secret = credentials::secret();
    let csrf = credentials::secret();
    let ttl = state.config.session_hours.max(1) * 3600;
    let expires_at = daka_store::now_ms() + (ttl as i64) * 1000;
    state
        .store
        .create_session(
            &tenant,
            &user.id,
            &credentials::digest(&secret),
            &csrf,
            expires_at,
        )
        .await?;
    let cookie = session_cookie(
        &state,
        &credentials::session_value(tenant.id(), &secret),
        ttl,
    )?;
    let body = LoginResponse {
        user: UserDto::from(user),
        csrf_token: csrf,
        expires_at,
    };
    let mut resp = Json(body).into_response();
    resp.headers_mut().insert(SET_COOKIE, cookie);
    Ok(resp)
}

/// Ends the session and clears the cookie.
#[utoipa::path(operation_id = "auth_logout", post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if caller.via == Via::Session
        && let Some((_, secret)) =
            cookie(&headers, SESSION_COOKIE).and_then(credentials::parse_session)
    {
        state
            .store
            .delete_session(&caller.tenant, &credentials::digest(secret))
            .await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(resp)
}

/// The caller's own user record.
#[utoipa::path(operation_id = "auth_me", get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserDto), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<UserDto>> {
    allow(&caller, Action::Own)?;
    let id = caller.user_id().ok_or(ApiError::Unauthorized)?;
    Ok(Json(state.store.user(&caller.tenant, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's own password (ends their other sessions).
#[utoipa::path(operation_id = "auth_change_password", post, path = "/api/v1/me/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    allow(&caller, Action::OwnWrite)?;
    let id = caller.user_id().ok_or(ApiError::Unauthorized)?;
    let user = state.store.user(&caller.tenant, id).await?;
    if !password::verify(Some(user.password_hash), req.current_password).await {
        return Err(ApiError::invalid(
            "current_password",
            "is not the current password",
        ));
    }
    password::check_new("new_password", &req.new_password)?;
    let hash = password::hash(req.new_password).await?;
    let current = match caller.via {
        Via::Session => cookie(&headers, SESSION_COOKIE)
            .and_then(credentials::parse_session)
            .map(|(_, secret)| credentials::digest(secret)),
        _ => None,
    };
    state
        .store
        .set_password_keeping(&caller.tenant, &caller.actor, id, &hash, current.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
