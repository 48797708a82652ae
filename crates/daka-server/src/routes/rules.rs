//! Attendance rules and their versions: admins write; supervisors, auditors and admins read.
//! Versions are facts: a change is a new version from a date, never an edit.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::rules::Rule;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

pub mod version_body;

#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    pub id: String,
    /// Unique within the tenant.
    pub name: String,
    pub created_at: i64,
    /// Every version in version order: the `RuleVersionSpec` fields (docs/scenario.md) with
    /// `version` and `effective_from`, `location` (site ids, or null: anywhere) and `created_at`.
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<Value>,
}

impl From<Rule> for RuleDto {
    fn from(r: Rule) -> Self {
        Self {
            versions: r.versions.iter().map(version_body::dto).collect(),
            id: r.id,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RuleSummary {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub version_count: u32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    pub name: String,
    /// The first version: `RuleVersionSpec` fields plus an optional `location`
    /// `{sites: [site id...], required, sufficient, outside, mock_location, min_rssi_dbm}`.
    #[schema(value_type = Object)]
    pub version: Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleRename {
    pub name: String,
}

#[utoipa::path(operation_id = "rules_list", get, path = "/api/v1/rules", tag = "rules",
    responses((status = 200, body = Vec<RuleSummary>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<RuleSummary>>> {
    allow(&caller, Action::ReadRules)?;
    let rules = state.store.rules(&caller.tenant).await?;
    Ok(Json(
        rules
            .into_iter()
            .map(|(r, n)| RuleSummary {
                id: r.id,
                name: r.name,
                created_at: r.created_at,
                version_count: n,
            })
            .collect(),
    ))
}

#[utoipa::path(operation_id = "rules_create", post, path = "/api/v1/rules", tag = "rules", request_body = NewRule,
    responses((status = 201, body = RuleDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewRule>,
) -> ApiResult<(StatusCode, Json<RuleDto>)> {
    allow(&caller, Action::WriteRules)?;
    let first = version_body::parse(body.version, "version.")?;
    let rule = state
        .store
        .create_rule(&caller.tenant, &caller.actor, &body.name, &first)
        .await
        .map_err(|e| version_body::store_error(e, "version."))?;
    Ok((StatusCode::CREATED, Json(rule.into())))
}

#[utoipa::path(operation_id = "rules_get", get, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = String, Path)),
    responses((status = 200, body = RuleDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RuleDto>> {
    let rule = state.store.rule(&caller.tenant, &id).await?;
    allow(&caller, Action::ReadRules)?;
    Ok(Json(rule.into()))
}

#[utoipa::path(operation_id = "rules_rename", patch, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = String, Path)), request_body = RuleRename,
    responses((status = 200, body = RuleDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RuleRename>,
) -> ApiResult<Json<RuleDto>> {
    state.store.rule(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteRules)?;
    let rule = state
        .store
        .rename_rule(&caller.tenant, &caller.actor, &id, &body.name)
        .await?;
    Ok(Json(rule.into()))
}

/// Adds the next version. Its `effective_from` must not be used by another version of the rule
/// (409); it may lie before the latest version's (a correction of the past, kept as a fact).
#[utoipa::path(operation_id = "rules_add_version", post, path = "/api/v1/rules/{id}/versions", tag = "rules", params(("id" = String, Path)),
    request_body(content = Object, description = "RuleVersionSpec fields plus an optional location"),
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    state.store.rule(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteRules)?;
    let new = version_body::parse(body, "")?;
    let v = state
        .store
        .add_rule_version(&caller.tenant, &caller.actor, &id, &new)
        .await
        .map_err(|e| version_body::store_error(e, ""))?;
    Ok((StatusCode::CREATED, Json(version_body::dto(&v))))
}
