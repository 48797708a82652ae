//! Personal API tokens: created by their owner, shown once, stored hashed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::users::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::auth::credentials::{self, Kind};
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

pub const SCOPES: [&str; 2] = ["read", "write"];

#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    pub id: String,
    pub name: String,
    /// `read` (GET requests) and/or `write` (changes).
    pub scopes: Vec<String>,
    /// Milliseconds since the Unix epoch; null = never.
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
}

impl From<ApiToken> for TokenDto {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            scopes: t.scopes,
            expires_at: t.expires_at,
            revoked: t.revoked,
            created_at: t.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// Default `["read"]`.
    pub scopes: Option<Vec<String>>,
    /// Days until it expires (1-3650); default 90.
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// Send as `Authorization: Bearer <token>`. Shown only now.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenDto,
}

pub fn check_scopes(scopes: &[String]) -> ApiResult<()> {
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "give at least one scope"));
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ApiError::invalid(
            "scopes",
            format!("unknown scope '{bad}': use read or write"),
        ));
    }
    Ok(())
}

#[utoipa::path(operation_id = "tokens_list", get, path = "/api/v1/tokens", tag = "auth",
    responses((status = 200, body = Vec<TokenDto>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TokenDto>>> {
    allow(&caller, Action::Own)?;
    let user = caller.user_id().ok_or(ApiError::Unauthorized)?;
    let all = state.store.tokens(&caller.tenant, user).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "tokens_create", post, path = "/api/v1/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    allow(&caller, Action::OwnWrite)?;
    let user = caller.user_id().ok_or(ApiError::Unauthorized)?.to_string();
    if req.name.trim().is_empty() {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    let scopes = req.scopes.unwrap_or_else(|| vec!["read".into()]);
    check_scopes(&scopes)?;
    let days = req.expires_in_days.unwrap_or(90);
    if !(1..=3650).contains(&days) {
        return Err(ApiError::invalid("expires_in_days", "must be 1 to 3650"));
    }
    let secret = credentials::secret();
    let expires = daka_store::now_ms() + i64::from(days) * 86_400_000;
    let t = state
        .store
        .create_token(
            &caller.tenant,
            &caller.actor,
            &user,
            req.name.trim(),
            &credentials::digest(&secret),
            &scopes,
            Some(expires),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: credentials::format(Kind::Token, caller.tenant.id(), &secret),
            info: t.into(),
        }),
    ))
}

#[utoipa::path(operation_id = "tokens_revoke", delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let token = state.store.token(&caller.tenant, &id).await?;
    allow(&caller, Action::OwnWrite)?;
    // Someone else's token is as good as absent: no one learns which token ids exist.
    if caller.user_id() != Some(token.user_id.as_str()) {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .revoke_token(&caller.tenant, &caller.actor, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
