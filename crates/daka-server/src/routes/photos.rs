//! Punch photos: upload the raw bytes (type sniffed, EXIF read, stored by content), fetch them
//! back, or read what was learnt. Uploads: an employee-linked user for themselves, admins and
//! devices (for any employee of the tenant). Reads: the uploader, the photo's employee, their
//! supervisors, admins and auditors.

use std::pin::Pin;

use axum::Json;
use axum::body::{Body, HttpBody};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daka_store::users::Role;
use daka_store::{Photo, PhotoInput, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::auth::caller::Principal;
use crate::authz::{Action, Scope, allow, employee_scope};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::json::ApiQuery;
use crate::state::AppState;
use crate::{photo_exif, photo_files};

/// Image bytes, for the OpenAPI document (a `Vec<u8>` would show as an array of integers).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PhotoBytes(pub Vec<u8>);

#[derive(Serialize, ToSchema)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Serialize, ToSchema)]
pub struct PhotoExif {
    /// Capture instant from EXIF, ms since the epoch (UTC); null when the photo has no time or
    /// it has no offset and no employee to read it in.
    pub taken_at: Option<i64>,
    /// WGS-84 position from EXIF GPS.
    pub position: Option<LatLng>,
}

#[derive(Serialize, ToSchema)]
pub struct PhotoDto {
    pub id: String,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    /// `image/jpeg`, `image/png` or `image/heic`, from the bytes.
    pub content_type: String,
    pub size_bytes: i64,
    /// Null when the photo has neither an EXIF time nor an EXIF position.
    pub exif: Option<PhotoExif>,
}

impl From<Photo> for PhotoDto {
    fn from(p: Photo) -> Self {
        let exif = (p.exif_at.is_some() || p.exif_position.is_some()).then(|| PhotoExif {
            taken_at: p.exif_at,
            position: p.exif_position.map(|(lat, lng)| LatLng { lat, lng }),
        });
        Self {
            id: p.id,
            sha256: p.sha256,
            content_type: p.content_type,
            size_bytes: p.size_bytes,
            exif,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The employee the photo belongs to (admins and devices only; others upload for
    /// themselves).
    pub employee_id: Option<String>,
}

/// An error answer: the usual ones, plus 413 and 415 with the field at fault.
pub enum Reject {
    Api(ApiError),
    /// 413 (no field, as everywhere) or 415 (field `body`).
    Body {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

impl From<ApiError> for Reject {
    fn from(e: ApiError) -> Self {
        Reject::Api(e)
    }
}

impl From<StoreError> for Reject {
    fn from(e: StoreError) -> Self {
        Reject::Api(e.into())
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Reject::Api(e) => return e.into_response(),
            Reject::Body {
                status,
                code,
                message,
            } => (status, code, message),
        };
        let field = (status != StatusCode::PAYLOAD_TOO_LARGE).then(|| "body".to_string());
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                field,
            },
        };
        let mut r = (status, Json(body)).into_response();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The unread rest of the body makes the connection unusable.
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        r
    }
}

fn too_large(limit: usize) -> Reject {
    Reject::Body {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        message: format!("the photo is larger than the limit of {limit} bytes"),
    }
}

/// The body, at most `limit` bytes (this route's own limit, not the JSON routes' one).
async fn read_body(headers: &HeaderMap, mut body: Body, limit: usize) -> Result<Vec<u8>, Reject> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let mut out = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| ApiError::BadRequest {
            field: Some("body".into()),
            message: format!("cannot read the body: {e}"),
        })?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(too_large(limit));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Who the upload is by and for: (uploaded_by, employee_id). 403 for callers who may not upload.
fn uploader(caller: &Caller, asked: Option<String>) -> Result<(String, Option<String>), Reject> {
    let asked = asked
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty());
    let (by, employee) = match &caller.principal {
        Principal::Device { id } => {
            allow(caller, Action::DeviceSubmit)?;
            (format!("device:{id}"), asked)
        }
        Principal::User {
            id,
            role,
            employee_id,
        } => {
            allow(caller, Action::OwnWrite)?;
            let employee = match (role, asked) {
                (Role::Admin, asked) => asked.or_else(|| employee_id.clone()),
                (_, Some(e)) if Some(&e) != employee_id.as_ref() => {
                    return Err(ApiError::forbidden(
                        "only admins and devices may upload a photo for another employee",
                    )
                    .into());
                }
                (_, _) if employee_id.is_none() => {
                    return Err(ApiError::forbidden(
                        "only employees, admins and devices may upload photos: this user is linked to no employee",
                    )
                    .into());
                }
                _ => employee_id.clone(),
            };
            (id.clone(), employee)
        }
    };
    Ok((by, employee))
}

#[utoipa::path(operation_id = "photos_upload", post, path = "/api/v1/photos", tag = "photos", params(UploadQuery),
    request_body(content((PhotoBytes = "image/jpeg"), (PhotoBytes = "image/png"), (PhotoBytes = "image/heic"), (PhotoBytes = "application/octet-stream")),
        description = "The raw image bytes (JPEG, PNG or HEIC, recognised by content whatever the Content-Type header says)"),
    responses((status = 201, body = PhotoDto, description = "Stored"),
        (status = 200, body = PhotoDto, description = "The same uploader already sent these bytes for this employee: the earlier photo"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<PhotoDto>), Reject> {
    let (uploaded_by, employee_id) = uploader(&caller, q.employee_id)?;
    let zone = match &employee_id {
        None => None,
        Some(e) => match state.store.employee(&caller.tenant, e).await {
            Ok(e) => Some(e.time_zone),
            Err(StoreError::NotFound) => {
                return Err(ApiError::invalid("employee_id", "no such employee").into());
            }
            Err(e) => return Err(e.into()),
        },
    };
    let bytes = read_body(&headers, body, state.config.photo_max_bytes).await?;
    if bytes.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "the photo is empty: send the image bytes as the body",
        )
        .into());
    }
    let Some(content_type) = photo_files::sniff(&bytes) else {
        return Err(Reject::Body {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            message: "the body is not a JPEG, PNG or HEIC image (judged by its content, not its name or Content-Type)".into(),
        });
    };
    let sha256 = photo_files::sha256_hex(&bytes);
    let path = photo_files::path_of(&state.config.photo_dir(), caller.tenant.id(), &sha256)
        .ok_or_else(|| ApiError::Internal("no photo path for this tenant".into()))?;
    let size_bytes = bytes.len() as i64;
    // Parsing and fsync are blocking work; the file is durable before the row exists.
    let facts = tokio::task::spawn_blocking(move || {
        photo_files::store(&path, &bytes).map(|()| photo_exif::read(&bytes))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("photo task: {e}")))?
    .map_err(|e| ApiError::Internal(format!("writing the photo: {e}")))?
    .unwrap_or_default();
    let input = PhotoInput {
        sha256,
        content_type: content_type.to_string(),
        size_bytes,
        employee_id,
        uploaded_by,
        exif_at: facts.taken.and_then(|t| t.instant_ms(zone.as_deref())),
        exif_position: facts.position,
    };
    let (photo, made) = state
        .store
        .create_photo(&caller.tenant, &caller.actor, &input)
        .await?;
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(photo.into())))
}

/// 403 unless the caller may see this photo (it is already known to be in their tenant).
async fn may_view(state: &AppState, caller: &Caller, p: &Photo) -> ApiResult<()> {
    let uploader = match &caller.principal {
        Principal::Device { id } => {
            allow(caller, Action::DeviceSubmit)?;
            if p.uploaded_by == format!("device:{id}") {
                return Ok(());
            }
            return Err(ApiError::forbidden(
                "a device may only read photos it uploaded",
            ));
        }
        Principal::User { id, .. } => {
            allow(caller, Action::ReadEmployees)?;
            id
        }
    };
    if &p.uploaded_by == uploader {
        return Ok(());
    }
    let scope = employee_scope(state, caller).await?;
    let covered = match (&scope, &p.employee_id) {
        (Scope::All, _) => true,
        (_, None) => false,
        (_, Some(e)) => {
            let department = match state.store.employee(&caller.tenant, e).await {
                Ok(emp) => emp.department_id,
                Err(StoreError::NotFound) => None,
                Err(other) => return Err(other.into()),
            };
            scope.covers(e, department.as_deref())
        }
    };
    if covered {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "this photo belongs to an employee outside your scope",
        ))
    }
}

#[utoipa::path(operation_id = "photos_get", get, path = "/api/v1/photos/{id}", tag = "photos", params(("id" = String, Path)),
    responses((status = 200, description = "The image bytes with their stored Content-Type",
            content((PhotoBytes = "image/jpeg"), (PhotoBytes = "image/png"), (PhotoBytes = "image/heic"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let p = state.store.photo(&caller.tenant, &id).await?;
    may_view(&state, &caller, &p).await?;
    let path = photo_files::path_of(&state.config.photo_dir(), caller.tenant.id(), &p.sha256)
        .ok_or_else(|| ApiError::Internal(format!("photo {id}: malformed hash")))?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("photo {id}: reading {}: {e}", path.display())))?;
    let content_type = HeaderValue::from_str(&p.content_type)
        .map_err(|_| ApiError::Internal(format!("photo {id}: bad content type")))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static("private")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(operation_id = "photos_meta", get, path = "/api/v1/photos/{id}/meta", tag = "photos", params(("id" = String, Path)),
    responses((status = 200, body = PhotoDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn meta(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PhotoDto>> {
    let p = state.store.photo(&caller.tenant, &id).await?;
    may_view(&state, &caller, &p).await?;
    Ok(Json(p.into()))
}
