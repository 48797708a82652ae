//! The authenticated caller, extracted once per request from an API token, a device key or a
//! session cookie (with its CSRF token on writes). Missing or wrong credentials are 401.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use daka_store::users::Role;
use daka_store::{Actor, StoreError, Tenant};

use super::credentials::{self, Kind, SESSION_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Session,
    Token { scopes: Vec<String> },
    Device,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User {
        id: String,
        role: Role,
        employee_id: Option<String>,
    },
    Device {
        id: String,
    },
}

#[derive(Clone, Debug)]
pub struct Caller {
    pub tenant: Tenant,
    pub principal: Principal,
    pub via: Via,
    pub actor: Actor,
}

impl Caller {
    pub fn role(&self) -> Option<Role> {
        match &self.principal {
            Principal::User { role, .. } => Some(*role),
            Principal::Device { .. } => None,
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.principal {
            Principal::User { id, .. } => Some(id),
            Principal::Device { .. } => None,
        }
    }

    pub fn employee_id(&self) -> Option<&str> {
        match &self.principal {
            Principal::User { employee_id, .. } => employee_id.as_deref(),
            Principal::Device { .. } => None,
        }
    }
}

/// The peer address, for handlers that are not authenticated (login).
pub struct PeerInfo(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerInfo(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

pub fn client_ip_of(p: &PeerInfo) -> String {
    p.0.map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn unauthorized(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::Unauthorized,
        other => ApiError::from(other),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = client_ip(parts);
        let rid = request_id(&parts.headers);
        let store = &state.store;
        let actor = |who: String| Actor {
            who,
            request_id: rid.clone(),
            ip: Some(ip.clone()),
        };
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(auth) = header("authorization") {
            let token = auth
                .strip_prefix("Bearer ")
                .or_else(|| auth.strip_prefix("bearer "))
                .ok_or(ApiError::Unauthorized)?;
            let (tenant, secret) =
                credentials::parse(Kind::Token, token).ok_or(ApiError::Unauthorized)?;
            let tenant = Tenant::trusted(tenant);
            let (tok, user) = store
                .token_by_hash(&tenant, &credentials::digest(secret))
                .await
                .map_err(unauthorized)?;
            return Ok(Caller {
                actor: actor(format!("token:{}", tok.id)),
                tenant,
                principal: Principal::User {
                    id: user.id,
                    role: user.role,
                    employee_id: user.employee_id,
                },
                via: Via::Token { scopes: tok.scopes },
            });
        }
        if let Some(key) = header("x-device-key") {
            let (tenant, secret) =
                credentials::parse(Kind::Device, key).ok_or(ApiError::Unauthorized)?;
            let tenant = Tenant::trusted(tenant);
            let dev = store
                .device_by_hash(&tenant, &credentials::digest(secret))
                .await
                .map_err(unauthorized)?;
            return Ok(Caller {
                actor: actor(format!("device:{}", dev.id)),
                tenant,
                principal: Principal::Device { id: dev.id },
                via: Via::Device,
            });
        }
        let value = cookie(&parts.headers, SESSION_COOKIE).ok_or(ApiError::Unauthorized)?;
        let (tenant, secret) = credentials::parse_session(value).ok_or(ApiError::Unauthorized)?;
        let tenant = Tenant::trusted(tenant);
        let session = store
            .session(&tenant, &credentials::digest(secret))
            .await
            .map_err(unauthorized)?;
        let user = store
            .user(&tenant, &session.user_id)
            .await
            .map_err(unauthorized)?;
        if user.disabled {
            return Err(ApiError::Unauthorized);
        }
        // Browser writes must echo the session's CSRF token (a cross-site form cannot read it).
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe && header("x-csrf-token") != Some(session.csrf.as_str()) {
            return Err(ApiError::forbidden(
                "missing or wrong X-CSRF-Token header for this session",
            ));
        }
        Ok(Caller {
            actor: actor(format!("user:{}", user.id)),
            tenant,
            principal: Principal::User {
                id: user.id,
                role: user.role,
                employee_id: user.employee_id,
            },
            via: Via::Session,
        })
    }
}
