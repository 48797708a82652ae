//! Attendance rules and their effective-dated versions. Versions are facts: never updated or
//! deleted; a change is a new version from a date. Every write compiles the whole rule (the
//! stored versions and the new one) with `daka_core::rule::Rule::compile` before inserting.

use std::collections::HashMap;

use daka_core::rule::{Rule as CoreRule, RuleSpec, RuleVersionSpec};
use daka_core::site::LocationPolicy;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{json, required};
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

pub mod assignments;
mod location;
pub(crate) mod resolve;

pub use assignments::{Assignment, AssignmentTarget, InForce, Source};
pub use location::LocationInput;
use location::{api_location, site_uuids, stored_location};

/// A rule and (when read one at a time) its versions in version order.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub versions: Vec<Version>,
}

/// One stored version. `location` is the API form: site uuids instead of numbers.
#[derive(Clone, Debug, Serialize)]
pub struct Version {
    pub spec: RuleVersionSpec,
    pub location: Option<serde_json::Value>,
    pub created_at: i64,
}

impl Version {
    pub fn number(&self) -> u32 {
        self.spec.version.unwrap_or(0)
    }
}

/// A new version: the spec (its `version` is assigned) and an optional location policy.
#[derive(Clone, Debug)]
pub struct NewVersion {
    pub spec: RuleVersionSpec,
    pub location: Option<LocationInput>,
}

/// `versions[i].late.grace` of the version being added becomes `late.grace`; a clash between
/// versions names `effective_from`.
fn spec_field(e: &daka_core::SpecError, index: usize) -> String {
    let own = format!("versions[{index}]");
    if let Some(rest) = e.path.strip_prefix(&own) {
        return rest.trim_start_matches('.').to_string();
    }
    if e.path == "versions" {
        return "effective_from".into();
    }
    e.path.clone()
}

pub(crate) async fn find_rule(
    c: &mut AnyConnection,
    t: &Tenant,
    id: &str,
) -> Result<Option<(String, i64)>> {
    let r = sqlx::query("SELECT name, created_at FROM rules WHERE tenant_id = $1 AND id = $2")
        .bind(t.id())
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    r.map(|r| Ok((r.try_get("name")?, r.try_get("created_at")?)))
        .transpose()
}

fn stored_spec(r: &AnyRow) -> Result<RuleVersionSpec> {
    let text: String = r.try_get("spec")?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Database(format!("stored rule version does not parse: {e}")))
}

/// The stored versions of a rule, in version order, with their location policies as stored
/// (site numbers).
async fn stored_versions(
    c: &mut AnyConnection,
    t: &Tenant,
    rule_id: &str,
) -> Result<Vec<(RuleVersionSpec, Option<LocationPolicy>, i64)>> {
    let rows = sqlx::query(
        "SELECT spec, location, created_at FROM rule_versions WHERE tenant_id = $1 AND rule_id = $2 \
         ORDER BY version",
    )
    .bind(t.id())
    .bind(rule_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            let loc: Option<String> = r.try_get("location")?;
            let loc = loc
                .map(|l| serde_json::from_str::<LocationPolicy>(&l))
                .transpose()
                .map_err(|e| {
                    StoreError::Database(format!("stored location does not parse: {e}"))
                })?;
            Ok((stored_spec(r)?, loc, r.try_get("created_at")?))
        })
        .collect()
}

/// The engine's spec of a stored rule: every version, in version order.
pub(crate) async fn rule_spec(c: &mut AnyConnection, t: &Tenant, id: &str) -> Result<RuleSpec> {
    let (name, _) = find_rule(c, t, id).await?.ok_or(StoreError::NotFound)?;
    let versions = stored_versions(c, t, id)
        .await?
        .into_iter()
        .map(|(s, _, _)| s)
        .collect();
    Ok(RuleSpec {
        id: id.to_string(),
        name: Some(name),
        versions,
    })
}

async fn load_rule(c: &mut AnyConnection, t: &Tenant, id: &str) -> Result<Rule> {
    let (name, created_at) = find_rule(c, t, id).await?.ok_or(StoreError::NotFound)?;
    let stored = stored_versions(c, t, id).await?;
    let uuids = if stored.iter().any(|(_, l, _)| l.is_some()) {
        site_uuids(c, t).await?
    } else {
        HashMap::new()
    };
    let versions = stored
        .into_iter()
        .map(|(spec, loc, created_at)| Version {
            spec,
            location: loc.as_ref().and_then(|l| api_location(l, &uuids)),
            created_at,
        })
        .collect();
    Ok(Rule {
        id: id.to_string(),
        name,
        created_at,
        versions,
    })
}

/// Checks the new version against the stored ones, then inserts it with the next number.
async fn insert_version(
    c: &mut AnyConnection,
    t: &Tenant,
    rule_id: &str,
    name: &str,
    new: &NewVersion,
) -> Result<Version> {
    let existing = stored_versions(c, t, rule_id).await?;
    let from = new.spec.effective_from;
    if existing.iter().any(|(s, _, _)| s.effective_from == from) {
        return Err(StoreError::conflict(
            "effective_from",
            format!("a version of this rule already takes effect on {from}"),
        ));
    }
    let number = existing
        .iter()
        .filter_map(|(s, _, _)| s.version)
        .max()
        .unwrap_or(0)
        + 1;
    let mut spec = new.spec.clone();
    spec.version = Some(number);
    let mut versions: Vec<RuleVersionSpec> = existing.into_iter().map(|(s, _, _)| s).collect();
    let index = versions.len();
    versions.push(spec.clone());
    let whole = RuleSpec {
        id: rule_id.to_string(),
        name: Some(name.to_string()),
        versions,
    };
    CoreRule::compile(&whole)
        .map_err(|e| StoreError::invalid(&spec_field(&e, index), e.message))?;
    let location = match &new.location {
        Some(l) => Some(stored_location(c, t, l).await?),
        None => None,
    };
    let spec_text = serde_json::to_string(&spec)
        .map_err(|e| StoreError::Database(format!("rule version: {e}")))?;
    let location_text = location
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Database(format!("location: {e}")))?;
    let created_at = now_ms();
    sqlx::query(
        "INSERT INTO rule_versions (tenant_id, rule_id, version, effective_from, spec, location, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(t.id())
    .bind(rule_id)
    .bind(i64::from(number))
    .bind(from.to_string())
    .bind(spec_text)
    .bind(location_text)
    .bind(created_at)
    .execute(&mut *c)
    .await?;
    let uuids = if location.is_some() {
        site_uuids(c, t).await?
    } else {
        HashMap::new()
    };
    Ok(Version {
        spec,
        location: location.as_ref().and_then(|l| api_location(l, &uuids)),
        created_at,
    })
}

async fn name_taken(c: &mut AnyConnection, t: &Tenant, name: &str, except: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT id FROM rules WHERE tenant_id = $1 AND name = $2 AND id <> $3")
            .bind(t.id())
            .bind(name)
            .bind(except)
            .fetch_optional(&mut *c)
            .await?
            .is_some(),
    )
}

impl Store {
    /// Every rule of the tenant (without versions), by name.
    pub async fn rules(&self, t: &Tenant) -> Result<Vec<(Rule, u32)>> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, r.created_at, \
             (SELECT COUNT(*) FROM rule_versions v WHERE v.tenant_id = r.tenant_id AND v.rule_id = r.id) AS n \
             FROM rules r WHERE r.tenant_id = $1 ORDER BY r.name",
        )
        .bind(t.id())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("n")?;
                Ok((
                    Rule {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        created_at: r.try_get("created_at")?,
                        versions: Vec::new(),
                    },
                    u32::try_from(n).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }

    /// A rule with all its versions.
    pub async fn rule(&self, t: &Tenant, id: &str) -> Result<Rule> {
        let mut c = self.pool().acquire().await?;
        load_rule(&mut c, t, id).await
    }

    /// The engine's spec of a rule (every version, in version order).
    pub async fn rule_spec(&self, t: &Tenant, id: &str) -> Result<RuleSpec> {
        let mut c = self.pool().acquire().await?;
        rule_spec(&mut c, t, id).await
    }

    /// Creates a rule with its first version (number 1). Errors name the version's field
    /// (`late.grace`, `location.sites[0]`) or `name`.
    pub async fn create_rule(
        &self,
        t: &Tenant,
        actor: &Actor,
        name: &str,
        first: &NewVersion,
    ) -> Result<Rule> {
        let name = required("name", name)?;
        let (t, actor, first) = (t.clone(), actor.clone(), first.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let id = new_id();
                if name_taken(c, &t, &name, &id).await? {
                    return Err(StoreError::conflict("name", "another rule has this name"));
                }
                let created_at = now_ms();
                sqlx::query(
                    "INSERT INTO rules (tenant_id, id, name, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(t.id())
                .bind(&id)
                .bind(&name)
                .bind(created_at)
                .execute(&mut *c)
                .await?;
                let v = insert_version(c, &t, &id, &name, &first).await?;
                let rule = Rule {
                    id: id.clone(),
                    name,
                    created_at,
                    versions: vec![v],
                };
                audit::append(c, &t, &actor, "create", "rule", &id, None, json(&rule)).await?;
                Ok(rule)
            })
        })
        .await
    }

    /// Adds a version (the next number) to a rule; its `effective_from` must not be used by
    /// another version (`Conflict { field: "effective_from" }`).
    pub async fn add_rule_version(
        &self,
        t: &Tenant,
        actor: &Actor,
        rule_id: &str,
        new: &NewVersion,
    ) -> Result<Version> {
        let (t, actor, rule_id, new) = (t.clone(), actor.clone(), rule_id.to_string(), new.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let (name, _) = find_rule(c, &t, &rule_id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let v = insert_version(c, &t, &rule_id, &name, &new).await?;
                let entity = format!("{rule_id}/v{}", v.number());
                audit::append(
                    c,
                    &t,
                    &actor,
                    "create",
                    "rule_version",
                    &entity,
                    None,
                    json(&v),
                )
                .await?;
                Ok(v)
            })
        })
        .await
    }

    /// Renames a rule (its versions are facts and stay as they are).
    pub async fn rename_rule(
        &self,
        t: &Tenant,
        actor: &Actor,
        id: &str,
        name: &str,
    ) -> Result<Rule> {
        let name = required("name", name)?;
        let (t, actor, id) = (t.clone(), actor.clone(), id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let mut rule = load_rule(c, &t, &id).await?;
                if rule.name == name {
                    return Ok(rule);
                }
                if name_taken(c, &t, &name, &id).await? {
                    return Err(StoreError::conflict("name", "another rule has this name"));
                }
                sqlx::query("UPDATE rules SET name = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(&name)
                    .bind(t.id())
                    .bind(&id)
                    .execute(&mut *c)
                    .await?;
                let before = serde_json::json!({"id": id, "name": rule.name});
                rule.name = name;
                let after = serde_json::json!({"id": id, "name": rule.name});
                audit::append(
                    c,
                    &t,
                    &actor,
                    "update",
                    "rule",
                    &id,
                    Some(before),
                    Some(after),
                )
                .await?;
                Ok(rule)
            })
        })
        .await
    }
}
