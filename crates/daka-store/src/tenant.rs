//! Tenants, the tenant context every query needs, and the actor every write records.

use serde::Serialize;
use sqlx::Row;

use crate::audit;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::{new_id, now_ms};

/// The tenant of an authenticated caller. Repositories take one on every call, so a query
/// without a tenant cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tenant(String);

impl Tenant {
    /// Only for the authentication layer and the admin CLI, after they established the tenant.
    pub fn trusted(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn id(&self) -> &str {
        &self.0
    }
}

/// Who made a change, from where: recorded in the audit log.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Actor {
    /// `user:<id>`, `token:<id>`, `device:<id>` or `system:<name>`.
    pub who: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Self {
            who: format!("system:{name}"),
            ..Self::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

impl Store {
    /// Creates a tenant (admin CLI); its first audit entry records the creation.
    pub async fn create_tenant(&self, name: &str, actor: &Actor) -> Result<TenantRow> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(StoreError::invalid("name", "must not be empty"));
        }
        let row = TenantRow {
            id: new_id(),
            name,
            created_at: now_ms(),
        };
        let actor = actor.clone();
        let r = row.clone();
        self.write(move |c| {
            Box::pin(async move {
                sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(&r.id)
                    .bind(&r.name)
                    .bind(r.created_at)
                    .execute(&mut *c)
                    .await?;
                let t = Tenant::trusted(&r.id);
                let after = serde_json::to_value(&r).ok();
                audit::append(c, &t, &actor, "create", "tenant", &r.id, None, after).await?;
                Ok(())
            })
        })
        .await?;
        Ok(row)
    }

    pub async fn tenant(&self, t: &Tenant) -> Result<TenantRow> {
        let r = sqlx::query("SELECT id, name, created_at FROM tenants WHERE id = $1")
            .bind(t.id())
            .fetch_one(self.pool())
            .await?;
        Ok(TenantRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            created_at: r.try_get("created_at")?,
        })
    }

    /// Tenant ids by name (admin CLI lookups); names need not be unique.
    pub async fn tenants_named(&self, name: &str) -> Result<Vec<TenantRow>> {
        let rows =
            sqlx::query("SELECT id, name, created_at FROM tenants WHERE name = $1 ORDER BY id")
                .bind(name)
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                Ok(TenantRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}
