//! Sites: places where punching may be allowed. The store keeps the site JSON the server has
//! already validated and converted to WGS-84; it owns numbering (`num`, the engine's site id),
//! archiving and the audit entries.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{json, placeholders, required};
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Site {
    pub id: String,
    /// The engine's numeric id, what rule location policies list.
    pub num: i64,
    pub name: String,
    /// The site JSON as the server stored it (fences in WGS-84 and as given, signals).
    pub config: serde_json::Value,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const SITE_COLUMNS: &str = "id, num, name, config, archived, created_at, updated_at";

fn site_of(r: &AnyRow) -> Result<Site> {
    let config: String = r.try_get("config")?;
    Ok(Site {
        id: r.try_get("id")?,
        num: r.try_get("num")?,
        name: r.try_get("name")?,
        config: serde_json::from_str(&config)
            .map_err(|e| StoreError::Database(format!("stored site config is unreadable: {e}")))?,
        archived: r.try_get::<i64, _>("archived")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn find_site(c: &mut AnyConnection, t: &Tenant, id: &str) -> Result<Option<Site>> {
    let r = sqlx::query(&format!(
        "SELECT {SITE_COLUMNS} FROM sites WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(site_of).transpose()
}

async fn check_name(c: &mut AnyConnection, t: &Tenant, id: &str, name: &str) -> Result<()> {
    let taken = sqlx::query("SELECT id FROM sites WHERE tenant_id = $1 AND name = $2 AND id <> $3")
        .bind(t.id())
        .bind(name)
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    if taken.is_some() {
        return Err(StoreError::conflict("name", "another site has this name"));
    }
    Ok(())
}

/// The site numbers listed by a rule version that is in force today or starts later: those a
/// punch may still be judged against. (Past versions no longer matter.)
async fn sites_in_use(c: &mut AnyConnection, t: &Tenant, today: &str) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT rule_id, effective_from, location FROM rule_versions \
         WHERE tenant_id = $1 AND location IS NOT NULL ORDER BY rule_id, effective_from",
    )
    .bind(t.id())
    .fetch_all(&mut *c)
    .await?;
    // Per rule: the latest version on or before today, and every later one.
    let mut current: Vec<(String, String, String)> = Vec::new();
    let mut out = Vec::new();
    for r in &rows {
        let rule: String = r.try_get(0)?;
        let from: String = r.try_get(1)?;
        let loc: String = r.try_get(2)?;
        if from.as_str() <= today {
            current.retain(|(rid, _, _)| *rid != rule);
            current.push((rule, from, loc));
        } else {
            out.extend(listed(&loc));
        }
    }
    for (_, _, loc) in &current {
        out.extend(listed(loc));
    }
    Ok(out)
}

fn listed(location: &str) -> Vec<i64> {
    serde_json::from_str::<serde_json::Value>(location)
        .ok()
        .and_then(|v| {
            v.get("sites").and_then(|s| s.as_array()).map(|a| {
                a.iter()
                    .filter_map(serde_json::Value::as_i64)
                    .collect::<Vec<_>>()
            })
        })
        .unwrap_or_default()
}

impl Store {
    /// The tenant's sites by number; archived ones only when asked.
    pub async fn sites(&self, t: &Tenant, include_archived: bool) -> Result<Vec<Site>> {
        let filter = if include_archived {
            ""
        } else {
            " AND archived = 0"
        };
        let rows = sqlx::query(&format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE tenant_id = $1{filter} ORDER BY num"
        ))
        .bind(t.id())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(site_of).collect()
    }

    /// The non-archived sites among `nums` (a rule's allowed sites): what one punch is judged
    /// against, so its cost does not grow with the tenant's number of sites.
    pub async fn sites_numbered(&self, t: &Tenant, nums: &[i64]) -> Result<Vec<Site>> {
        if nums.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE tenant_id = $1 AND archived = 0 AND num IN ({})",
            placeholders(2, nums.len())
        );
        let mut q = sqlx::query(&sql).bind(t.id());
        for n in nums {
            q = q.bind(*n);
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(site_of)
            .collect()
    }

    pub async fn site(&self, t: &Tenant, id: &str) -> Result<Site> {
        let mut c = self.pool().acquire().await?;
        find_site(&mut c, t, id).await?.ok_or(StoreError::NotFound)
    }

    /// A new site numbered after the tenant's highest number.
    pub async fn create_site(
        &self,
        t: &Tenant,
        actor: &Actor,
        name: &str,
        config: serde_json::Value,
    ) -> Result<Site> {
        let name = required("name", name)?;
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let id = new_id();
                check_name(c, &t, &id, &name).await?;
                let max: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(num) FROM sites WHERE tenant_id = $1")
                        .bind(t.id())
                        .fetch_one(&mut *c)
                        .await?;
                let now = now_ms();
                let s = Site {
                    id,
                    num: max.unwrap_or(0) + 1,
                    name,
                    config,
                    archived: false,
                    created_at: now,
                    updated_at: now,
                };
                sqlx::query(
                    "INSERT INTO sites (tenant_id, id, num, name, config, archived, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
                )
                .bind(t.id())
                .bind(&s.id)
                .bind(s.num)
                .bind(&s.name)
                .bind(s.config.to_string())
                .bind(s.created_at)
                .bind(s.updated_at)
                .execute(&mut *c)
                .await?;
                audit::append(c, &t, &actor, "create", "site", &s.id, None, json(&s)).await?;
                Ok(s)
            })
        })
        .await
    }

    /// Replaces a site's name and configuration (its number stays). Archived sites are
    /// NotFound for writes.
    pub async fn update_site(
        &self,
        t: &Tenant,
        actor: &Actor,
        id: &str,
        name: &str,
        config: serde_json::Value,
    ) -> Result<Site> {
        let name = required("name", name)?;
        let (t, actor, id) = (t.clone(), actor.clone(), id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_site(c, &t, &id)
                    .await?
                    .filter(|s| !s.archived)
                    .ok_or(StoreError::NotFound)?;
                check_name(c, &t, &id, &name).await?;
                let after = Site {
                    name,
                    config,
                    updated_at: now_ms(),
                    ..before.clone()
                };
                if after.name == before.name && after.config == before.config {
                    return Ok(before);
                }
                sqlx::query(
                    "UPDATE sites SET name = $1, config = $2, updated_at = $3 \
                     WHERE tenant_id = $4 AND id = $5",
                )
                .bind(&after.name)
                .bind(after.config.to_string())
                .bind(after.updated_at)
                .bind(t.id())
                .bind(&id)
                .execute(&mut *c)
                .await?;
                audit::append(
                    c,
                    &t,
                    &actor,
                    "update",
                    "site",
                    &id,
                    json(&before),
                    json(&after),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }

    /// Archives a site (it stays readable, since stored punches name it). Refused (Conflict on
    /// `id`) while a rule version in force today (`YYYY-MM-DD`) or starting later lists it:
    /// those rules' punches would otherwise be judged against a site that is gone.
    pub async fn archive_site(
        &self,
        t: &Tenant,
        actor: &Actor,
        id: &str,
        today: &str,
    ) -> Result<()> {
        let (t, actor, id, today) = (t.clone(), actor.clone(), id.to_string(), today.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_site(c, &t, &id).await?.ok_or(StoreError::NotFound)?;
                if before.archived {
                    return Ok(());
                }
                if sites_in_use(c, &t, &today).await?.contains(&before.num) {
                    return Err(StoreError::conflict(
                        "id",
                        "a rule in force or to come lists this site in its location policy; change the rule first",
                    ));
                }
                let now = now_ms();
                sqlx::query(
                    "UPDATE sites SET archived = 1, updated_at = $1 WHERE tenant_id = $2 AND id = $3",
                )
                .bind(now)
                .bind(t.id())
                .bind(&id)
                .execute(&mut *c)
                .await?;
                let after = Site {
                    archived: true,
                    updated_at: now,
                    ..before.clone()
                };
                audit::append(c, &t, &actor, "archive", "site", &id, json(&before), json(&after))
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
