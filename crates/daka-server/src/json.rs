//! A JSON body extractor whose errors name the field: syntax errors are 400, wrong or missing
//! fields 422 with the field's path, oversized bodies 413.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError::BadRequest {
                field: None,
                message: "send the body as JSON with Content-Type: application/json".into(),
            });
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest {
                    field: None,
                    message: format!("cannot read the body: {e}"),
                }
            }
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) => {
                let field = e.path().to_string();
                let inner = e.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    Err(ApiError::BadRequest {
                        field: None,
                        message: format!("malformed JSON: {inner}"),
                    })
                } else {
                    let field = if field == "." { String::new() } else { field };
                    let msg = inner.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                    Err(ApiError::invalid(&missing_field(&field, &msg), msg))
                }
            }
        }
    }
}

/// serde reports a missing field at its parent's path; name the field itself.
pub fn missing_field(path: &str, msg: &str) -> String {
    let name = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next());
    match name {
        Some(n) if path.is_empty() => n.to_string(),
        Some(n) => format!("{path}.{n}"),
        None => path.to_string(),
    }
}

/// Query parameters whose errors name the parameter, in the usual error body.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                let msg = e.into_inner().to_string();
                let field = if field == "." { String::new() } else { field };
                ApiError::invalid(&missing_field(&field, &msg), msg)
            })
    }
}
