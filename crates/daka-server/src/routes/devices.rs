//! Terminals and kiosks: admins register them and get a device key, shown once. A device can
//! act only for its own tenant.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use daka_store::users::Device;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::auth::caller::Principal;
use crate::auth::credentials::{self, Kind};
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

const KINDS: [&str; 3] = ["terminal", "kiosk", "integration"];

#[derive(Serialize, ToSchema)]
pub struct DeviceDto {
    pub id: String,
    pub name: String,
    /// `terminal`, `kiosk` or `integration`.
    pub kind: String,
    pub created_at: i64,
}

impl From<Device> for DeviceDto {
    fn from(d: Device) -> Self {
        Self {
            id: d.id,
            name: d.name,
            kind: d.kind,
            created_at: d.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    pub name: String,
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDevice {
    /// Send as `X-Device-Key: <key>`. Shown only now.
    pub key: String,
    #[serde(flatten)]
    pub device: DeviceDto,
}

#[utoipa::path(operation_id = "devices_list", get, path = "/api/v1/devices", tag = "devices",
    responses((status = 200, body = Vec<DeviceDto>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<DeviceDto>>> {
    allow(&caller, Action::ReadDevices)?;
    let all = state.store.devices(&caller.tenant).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "devices_create", post, path = "/api/v1/devices", tag = "devices", request_body = NewDevice,
    responses((status = 201, body = CreatedDevice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewDevice>,
) -> ApiResult<(StatusCode, Json<CreatedDevice>)> {
    allow(&caller, Action::WriteDevices)?;
    if req.name.trim().is_empty() {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    if !KINDS.contains(&req.kind.as_str()) {
        return Err(ApiError::invalid(
            "kind",
            "must be terminal, kiosk or integration",
        ));
    }
    let secret = credentials::secret();
    let d = state
        .store
        .create_device(
            &caller.tenant,
            &caller.actor,
            req.name.trim(),
            &req.kind,
            &credentials::digest(&secret),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedDevice {
            key: credentials::format(Kind::Device, caller.tenant.id(), &secret),
            device: d.into(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DeviceWhoami {
    pub tenant_id: String,
    pub device_id: String,
}

/// A device checks its key (punch submission arrives with the punch API).
#[utoipa::path(operation_id = "devices_whoami", get, path = "/api/v1/device/whoami", tag = "devices",
    responses((status = 200, body = DeviceWhoami), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn whoami(caller: Caller) -> ApiResult<Json<DeviceWhoami>> {
    allow(&caller, Action::DeviceSubmit)?;
    let Principal::Device { id } = &caller.principal else {
        return Err(ApiError::forbidden("only devices may use this route"));
    };
    Ok(Json(DeviceWhoami {
        tenant_id: caller.tenant.id().to_string(),
        device_id: id.clone(),
    }))
}
