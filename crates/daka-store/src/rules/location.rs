//! Location policies of rule versions: callers name sites by uuid, the engine (and so the
//! stored policy) by the sites' numbers.

use std::collections::HashMap;

use daka_core::site::LocationPolicy;
use sqlx::{AnyConnection, Row};

use crate::error::{Result, StoreError};
use crate::fields::placeholders;
use crate::tenant::Tenant;

/// A rule's location policy as a caller gives it: site uuids, and the policy whose own `sites`
/// are replaced by the sites' numbers when stored.
#[derive(Clone, Debug)]
pub struct LocationInput {
    pub sites: Vec<String>,
    pub policy: LocationPolicy,
}

/// Site uuid -> number for the given uuids (live sites only).
async fn site_nums(
    c: &mut AnyConnection,
    t: &Tenant,
    ids: &[String],
) -> Result<HashMap<String, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT id, num FROM sites WHERE tenant_id = $1 AND archived = 0 AND id IN ({})",
        placeholders(2, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(t.id());
    for id in ids {
        q = q.bind(id);
    }
    let mut out = HashMap::new();
    for r in q.fetch_all(&mut *c).await? {
        out.insert(r.try_get("id")?, r.try_get("num")?);
    }
    Ok(out)
}

pub(super) async fn site_uuids(c: &mut AnyConnection, t: &Tenant) -> Result<HashMap<i64, String>> {
    let rows = sqlx::query("SELECT id, num FROM sites WHERE tenant_id = $1")
        .bind(t.id())
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("num")?, r.try_get("id")?)))
        .collect()
}

/// A stored policy in the API form: `sites` as uuids (a site that vanished keeps its number).
pub(super) fn api_location(
    p: &LocationPolicy,
    uuids: &HashMap<i64, String>,
) -> Option<serde_json::Value> {
    let mut v = serde_json::to_value(p).ok()?;
    let sites: Vec<serde_json::Value> = p
        .sites
        .iter()
        .map(|s| match uuids.get(&(s.0 as i64)) {
            Some(u) => serde_json::Value::String(u.clone()),
            None => serde_json::Value::from(s.0),
        })
        .collect();
    if let Some(o) = v.as_object_mut() {
        o.insert("sites".into(), serde_json::Value::Array(sites));
    }
    Some(v)
}

/// The policy to store: the given site uuids as numbers (`location.sites[i]` when unknown).
pub(super) async fn stored_location(
    c: &mut AnyConnection,
    t: &Tenant,
    input: &LocationInput,
) -> Result<LocationPolicy> {
    if input.sites.is_empty() {
        return Err(StoreError::invalid("location.sites", "lists no site"));
    }
    let nums = site_nums(c, t, &input.sites).await?;
    let mut sites = Vec::with_capacity(input.sites.len());
    for (i, id) in input.sites.iter().enumerate() {
        let field = format!("location.sites[{i}]");
        let Some(n) = nums.get(id) else {
            return Err(StoreError::invalid(&field, format!("no such site: {id}")));
        };
        if input.sites[..i].contains(id) {
            return Err(StoreError::invalid(&field, "this site is given twice"));
        }
        sites.push(daka_core::geofence::SiteId(*n as u64));
    }
    let mut p = input.policy.clone();
    p.sites = sites;
    Ok(p)
}
