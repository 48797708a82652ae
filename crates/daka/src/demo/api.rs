//! The demo talks to Daka through its own HTTP API, in process: the same routes, checks and
//! audit entries as an admin's requests, without opening a port before the data is ready.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::Value;
use tower::ServiceExt;

pub struct Api {
    pub app: Router,
    pub token: String,
}

impl Api {
    async fn send(&self, req: Request<Body>, what: &str) -> Result<Value, String> {
        let resp = self
            .app
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 16 * 1024 * 1024)
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        let v: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| format!("{what}: {e}"))?
        };
        if !status.is_success() {
            return Err(format!("{what}: {status}: {v}"));
        }
        Ok(v)
    }

    /// A JSON request; `body` None sends none.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let what = format!("{method} {path}");
        let b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .map_err(|e| format!("{what}: {e}"))?;
        self.send(req, &what).await
    }

    /// A request with a raw body of `content_type`.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Value, String> {
        let what = format!("{method} {path}");
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .map_err(|e| format!("{what}: {e}"))?;
        self.send(req, &what).await
    }

    pub fn id(v: &Value) -> String {
        v.get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}
