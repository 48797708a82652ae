//! Sites: admins write them; supervisors and auditors read them. Deleting archives (punches
//! keep naming the site) and is refused while a rule in force or to come lists the site.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_core::geofence::SiteId;
use daka_core::site::{BeaconSeen, LocationPolicy, OutsidePolicy, Signal, WifiSeen, evaluate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::routes::punches::observe::{PositionIn, observation};
use crate::state::AppState;

pub mod config;

use config::{SiteBody, judged, map_site_ids, site_json};

#[derive(Serialize, ToSchema)]
pub struct SiteList {
    /// Each: `{id, num, name, fences (as given), fences_wgs84, wifi, beacons, ip_ranges, archived, created_at, updated_at}`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SiteQuery {
    /// Include archived sites.
    #[serde(default)]
    pub archived: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    pub position: Option<PositionIn>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub wifi: Vec<WifiSeen>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub beacons: Vec<BeaconSeen>,
}

fn today() -> String {
    jiff::Zoned::now().date().to_string()
}

#[utoipa::path(operation_id = "sites_list", get, path = "/api/v1/sites", tag = "sites", params(SiteQuery),
    responses((status = 200, body = SiteList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SiteQuery>,
) -> ApiResult<Json<SiteList>> {
    allow(&caller, Action::ReadSites)?;
    let rows = state.store.sites(&caller.tenant, q.archived).await?;
    Ok(Json(SiteList {
        items: rows.iter().map(site_json).collect(),
    }))
}

#[utoipa::path(operation_id = "sites_create", post, path = "/api/v1/sites", tag = "sites", request_body = SiteBody,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SiteBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    allow(&caller, Action::WriteSites)?;
    let (name, config) = body.into_stored()?;
    let s = state
        .store
        .create_site(&caller.tenant, &caller.actor, &name, config)
        .await?;
    Ok((StatusCode::CREATED, Json(site_json(&s))))
}

#[utoipa::path(operation_id = "sites_get", get, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let s = state.store.site(&caller.tenant, &id).await?;
    allow(&caller, Action::ReadSites)?;
    Ok(Json(site_json(&s)))
}

#[utoipa::path(operation_id = "sites_update", put, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = String, Path)), request_body = SiteBody,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SiteBody>,
) -> ApiResult<Json<Value>> {
    state.store.site(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteSites)?;
    let (name, config) = body.into_stored()?;
    let s = state
        .store
        .update_site(&caller.tenant, &caller.actor, &id, &name, config)
        .await?;
    Ok(Json(site_json(&s)))
}

#[utoipa::path(operation_id = "sites_delete", delete, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.site(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteSites)?;
    state
        .store
        .archive_site(&caller.tenant, &caller.actor, &id, &today())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tries a position (and Wi-Fi, beacons) against this one site, as a rule accepting GPS, Wi-Fi
/// or a beacon there would: for admins placing fences. Nothing is stored.
#[utoipa::path(operation_id = "sites_check", post, path = "/api/v1/sites/{id}/check", tag = "sites", params(("id" = String, Path)), request_body = CheckBody,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckBody>,
) -> ApiResult<Json<Value>> {
    let s = state.store.site(&caller.tenant, &id).await?;
    allow(&caller, Action::CheckSites)?;
    let obs = observation(
        body.position.as_ref(),
        &body.wifi,
        &body.beacons,
        None,
        false,
    )?;
    let j = judged(std::slice::from_ref(&s))?;
    let num = u64::try_from(s.num).unwrap_or_default();
    let policy = LocationPolicy::new(
        vec![SiteId(num)],
        vec![Signal::Gps, Signal::Wifi, Signal::Beacon],
        OutsidePolicy::Refuse,
    );
    let verdict = evaluate(&policy, &j.index, &j.sites, &obs);
    let mut v =
        serde_json::to_value(&verdict).map_err(|e| ApiError::Internal(format!("verdict: {e}")))?;
    map_site_ids(&mut v, &j.ids);
    Ok(Json(v))
}
