//! The one HTTP error type: `{"error": {"code", "message", "field"}}` with the right status.
//! Internal causes are logged, never shown.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use daka_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub enum ApiError {
    BadRequest {
        field: Option<String>,
        message: String,
    },
    Unauthorized,
    Forbidden(String),
    NotFound,
    Conflict {
        field: String,
        message: String,
    },
    Unprocessable {
        field: String,
        message: String,
    },
    TooManyRequests {
        retry_after: u64,
    },
    PayloadTooLarge,
    MethodNotAllowed,
    Internal(String),
}

/// The error body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `invalid`.
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Unprocessable {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict { field, message } => ApiError::Conflict { field, message },
            StoreError::Invalid { field, message } => ApiError::Unprocessable { field, message },
            StoreError::Database(m) => ApiError::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = match self {
            ApiError::BadRequest { field, message } => {
                (StatusCode::BAD_REQUEST, "bad_request", message, field)
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or invalid credentials".to_string(),
                None,
            ),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m, None),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "not found".to_string(),
                None,
            ),
            ApiError::Conflict { field, message } => {
                (StatusCode::CONFLICT, "conflict", message, Some(field))
            }
            ApiError::Unprocessable { field, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                message,
                Some(field),
            ),
            ApiError::TooManyRequests { retry_after } => {
                let body = ErrorBody {
                    error: ErrorDetail {
                        code: "too_many_requests",
                        message: format!("too many attempts; try again in {retry_after} s"),
                        field: None,
                    },
                };
                let mut r = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    r.headers_mut().insert("retry-after", v);
                }
                return r;
            }
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take this method".to_string(),
                None,
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large".to_string(),
                None,
            ),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error".to_string(),
                    None,
                )
            }
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                field,
            },
        };
        let mut r = (status, axum::Json(body)).into_response();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The unread rest of the body makes the connection unusable: say so, so clients do
            // not send their next request on it.
            r.headers_mut()
                .insert("connection", HeaderValue::from_static("close"));
        }
        r
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
