//! `POST /rota/import`: a CSV file of `employee_no,date,shift` rows, imported whole or not at
//! all. A file with errors answers 422 with every error and its line.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use daka_store::rota::RowError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ImportedDto {
    /// Rows written (inserted or replaced).
    pub imported: usize,
    /// First and last date of the file.
    pub from: String,
    pub to: String,
    pub employees: usize,
    /// Rows that replaced an existing entry.
    pub replaced: usize,
}

#[derive(Serialize, ToSchema)]
pub struct RowErrorDto {
    /// The file's line, 1-based, the header being line 1.
    pub line: usize,
    /// `header`, `row`, `employee_no`, `date`, `shift` or `rows`.
    pub field: String,
    pub message: String,
}

/// 422: the usual error (field `rows`) and every row error.
#[derive(Serialize, ToSchema)]
pub struct ImportErrors {
    pub error: ErrorDetail,
    pub errors: Vec<RowErrorDto>,
}

fn rejected(errors: Vec<RowError>) -> Response {
    let body = ImportErrors {
        error: ErrorDetail {
            code: "invalid",
            message: format!(
                "the file has {} error(s); nothing was imported",
                errors.len()
            ),
            field: Some("rows".into()),
        },
        errors: errors
            .into_iter()
            .map(|e| RowErrorDto {
                line: e.line,
                field: e.field,
                message: e.message,
            })
            .collect(),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

#[utoipa::path(operation_id = "rota_import", post, path = "/api/v1/rota/import", tag = "rules",
    request_body(content = String, content_type = "text/csv", description = "employee_no,date,shift with a header line"),
    responses((status = 200, body = ImportedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ImportErrors)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    allow(&caller, Action::WriteRota)?;
    let csv = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"));
    if !csv {
        return Err(ApiError::BadRequest {
            field: None,
            message: "send the file with Content-Type: text/csv".into(),
        });
    }
    let text = std::str::from_utf8(&body).map_err(|e| ApiError::BadRequest {
        field: None,
        message: format!("the file is not UTF-8 text (byte {})", e.valid_up_to()),
    })?;
    match state
        .store
        .import_rota_csv(&caller.tenant, &caller.actor, text)
        .await?
    {
        Ok(s) => Ok(Json(ImportedDto {
            imported: s.imported,
            from: s.from,
            to: s.to,
            employees: s.employees,
            replaced: s.replaced,
        })
        .into_response()),
        Err(errors) => Ok(rejected(errors)),
    }
}
