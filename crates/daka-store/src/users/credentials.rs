//! Browser sessions, personal API tokens, and devices (terminals and kiosks).

use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Cred, User, find_user, hash_required};
use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{json, required};
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Session {
    pub user_id: String,
    pub csrf: String,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Device {
    pub id: String,
    pub name: String,
    /// E.g. `terminal` or `kiosk`.
    pub kind: String,
    pub created_at: i64,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, scopes, expires_at, revoked, created_at";
const DEVICE_COLUMNS: &str = "id, name, kind, created_at";
fn token_of(r: &AnyRow) -> Result<ApiToken> {
    let scopes: String = r.try_get("scopes")?;
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        scopes: serde_json::from_str(&scopes)
            .map_err(|e| StoreError::Database(format!("token scopes: {e}")))?,
        expires_at: r.try_get("expires_at")?,
        revoked: r.try_get::<i64, _>("revoked")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

fn device_of(r: &AnyRow) -> Result<Device> {
    Ok(Device {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn find_token(c: &mut AnyConnection, t: &Tenant, id: &str) -> Result<Option<ApiToken>> {
    let r = sqlx::query(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(token_of).transpose()
}

impl Store {
    /// Stores a session (not audited: not a data change) and drops the user's expired ones.
    /// NotFound for an unknown user.
    pub async fn create_session(
        &self,
        t: &Tenant,
        user_id: &str,
        token_hash: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<()> {
        let hash = hash_required("token_hash", token_hash)?;
        let (t, user, csrf) = (t.clone(), user_id.to_string(), csrf.to_string());
        self.write(move |c| {
            Box::pin(async move {
                if find_user(c, &t, &user).await?.is_none() {
                    return Err(StoreError::NotFound);
                }
                let now = now_ms();
                sqlx::query(
                    "DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND expires_at <= $3",
                )
                .bind(t.id())
                .bind(&user)
                .bind(now)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "INSERT INTO sessions (tenant_id, token_hash, user_id, csrf, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(t.id())
                .bind(&hash)
                .bind(&user)
                .bind(&csrf)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// The live session with this token hash: NotFound when unknown, expired, or its user is
    /// disabled.
    pub async fn session(&self, t: &Tenant, token_hash: &str) -> Result<Session> {
        let r = sqlx::query(
            "SELECT s.user_id, s.csrf, s.expires_at FROM sessions s \
             JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
             WHERE s.tenant_id = $1 AND s.token_hash = $2 AND s.expires_at > $3 AND u.disabled = 0",
        )
        .bind(t.id())
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Session {
            user_id: r.try_get("user_id")?,
            csrf: r.try_get("csrf")?,
            expires_at: r.try_get("expires_at")?,
        })
    }

    /// Ends a session (logout); ending an unknown one is not an error.
    pub async fn delete_session(&self, t: &Tenant, token_hash: &str) -> Result<()> {
        let (t, hash) = (t.clone(), token_hash.to_string());
        self.write(move |c| {
            Box::pin(async move {
                sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND token_hash = $2")
                    .bind(t.id())
                    .bind(&hash)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// A personal API token of `user_id` (`Invalid { field: "user_id" }` when unknown). The
    /// hash is stored; the audit entry holds the token without it.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_token(
        &self,
        t: &Tenant,
        actor: &Actor,
        user_id: &str,
        name: &str,
        token_hash: &str,
        scopes: &[String],
        expires_at: Option<i64>,
    ) -> Result<ApiToken> {
        let tok = ApiToken {
            id: new_id(),
            user_id: user_id.to_string(),
            name: required("name", name)?,
            scopes: scopes.iter().map(|s| s.trim().to_string()).collect(),
            expires_at,
            revoked: false,
            created_at: now_ms(),
        };
        if tok.scopes.iter().any(String::is_empty) {
            return Err(StoreError::invalid("scopes", "a scope must not be empty"));
        }
        let hash = hash_required("token_hash", token_hash)?;
        let scopes = serde_json::to_string(&tok.scopes)
            .map_err(|e| StoreError::Database(format!("token scopes: {e}")))?;
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                if find_user(c, &t, &tok.user_id).await?.is_none() {
                    return Err(StoreError::invalid("user_id", "no such user"));
                }
                sqlx::query(
                    "INSERT INTO api_tokens (tenant_id, id, user_id, name, token_hash, scopes, expires_at, \
                     revoked, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(t.id())
                .bind(&tok.id)
                .bind(&tok.user_id)
                .bind(&tok.name)
                .bind(&hash)
                .bind(&scopes)
                .bind(tok.expires_at)
                .bind(0_i64)
                .bind(tok.created_at)
                .execute(&mut *c)
                .await?;
                audit::append(c, &t, &actor, "create", "api_token", &tok.id, None, json(&tok))
                    .await?;
                Ok(tok)
            })
        })
        .await
    }

    /// The live token with this hash and its user: NotFound when unknown, revoked, expired,
    /// or its user is disabled.
    pub async fn token_by_hash(&self, t: &Tenant, token_hash: &str) -> Result<(ApiToken, User)> {
        // The sequence before the read: a change committed meanwhile retires what is read.
        let seq = self.audit_seq(t).await?;
        if let Some(Cred::Token(tok, user)) = self.creds.get(t.id(), token_hash, seq) {
            return match tok.expires_at {
                Some(e) if e <= now_ms() => Err(StoreError::NotFound),
                _ => Ok((tok, *user)),
            };
        }
        let r = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant_id = $1 AND token_hash = $2 \
             AND revoked = 0 AND (expires_at IS NULL OR expires_at > $3)"
        ))
        .bind(t.id())
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let tok = token_of(&r)?;
        let user = self.user(t, &tok.user_id).await?;
        if user.disabled {
            return Err(StoreError::NotFound);
        }
        self.creds.put(
            t.id(),
            token_hash,
            seq,
            Cred::Token(tok.clone(), Box::new(user.clone())),
        );
        Ok((tok, user))
    }

    /// Every token of the user, revoked and expired ones included, oldest first.
    pub async fn tokens(&self, t: &Tenant, user_id: &str) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY id"
        ))
        .bind(t.id())
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token_of).collect()
    }

    /// The token by id (for ownership checks before revoking).
    pub async fn token(&self, t: &Tenant, id: &str) -> Result<ApiToken> {
        let mut c = self.pool().acquire().await?;
        find_token(&mut c, t, id).await?.ok_or(StoreError::NotFound)
    }

    /// Revokes a token (idempotent); NotFound when the tenant has no such token.
    pub async fn revoke_token(&self, t: &Tenant, actor: &Actor, id: &str) -> Result<()> {
        let (t, actor, id) = (t.clone(), actor.clone(), id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_token(c, &t, &id).await?.ok_or(StoreError::NotFound)?;
                if before.revoked {
                    return Ok(());
                }
                sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE tenant_id = $1 AND id = $2")
                    .bind(t.id())
                    .bind(&id)
                    .execute(&mut *c)
                    .await?;
                let after = ApiToken {
                    revoked: true,
                    ..before.clone()
                };
                audit::append(
                    c,
                    &t,
                    &actor,
                    "revoke",
                    "api_token",
                    &id,
                    json(&before),
                    json(&after),
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Registers a terminal or kiosk; its secret is stored hashed.
    pub async fn create_device(
        &self,
        t: &Tenant,
        actor: &Actor,
        name: &str,
        kind: &str,
        secret_hash: &str,
    ) -> Result<Device> {
        let d = Device {
            id: new_id(),
            name: required("name", name)?,
            kind: required("kind", kind)?,
            created_at: now_ms(),
        };
        let hash = hash_required("secret_hash", secret_hash)?;
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                sqlx::query(
                    "INSERT INTO devices (tenant_id, id, name, kind, secret_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(t.id())
                .bind(&d.id)
                .bind(&d.name)
                .bind(&d.kind)
                .bind(&hash)
                .bind(d.created_at)
                .execute(&mut *c)
                .await?;
                audit::append(c, &t, &actor, "create", "device", &d.id, None, json(&d)).await?;
                Ok(d)
            })
        })
        .await
    }

    /// The device with this key (cached like tokens; devices are never disabled in place).
    pub async fn device_by_hash(&self, t: &Tenant, secret_hash: &str) -> Result<Device> {
        let seq = self.audit_seq(t).await?;
        if let Some(Cred::Device(d)) = self.creds.get(t.id(), secret_hash, seq) {
            return Ok(d);
        }
        let r = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE tenant_id = $1 AND secret_hash = $2"
        ))
        .bind(t.id())
        .bind(secret_hash)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let d = device_of(&r)?;
        self.creds
            .put(t.id(), secret_hash, seq, Cred::Device(d.clone()));
        Ok(d)
    }

    /// Every device of the tenant, oldest first.
    pub async fn devices(&self, t: &Tenant) -> Result<Vec<Device>> {
        let rows = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(t.id())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(device_of).collect()
    }
}
