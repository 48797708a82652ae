//! A site as admins send it, as it is stored (fences converted to WGS-84, the originals kept
//! beside them so the system each arrived in is never lost), and as the engine reads it.

use std::collections::HashMap;

use daka_core::coords::{CoordSystem, LatLng, to_wgs84};
use daka_core::geofence::{FenceIndex, FenceSpec, ShapeSpec, SiteId};
use daka_core::site::{BeaconSpec, IpRange, SiteConfig, Sites, WifiAp};
use daka_store::Site;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// A site: fences (circles and polygons with holes, each in `wgs84`, `gcj02` or `bd09`, with
/// optional floors), Wi-Fi access points, beacons and office IP ranges.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    pub name: String,
    /// `[{"system": "gcj02", "shape": {"kind": "circle", "center": {"lat", "lng"}, "radius_m"}, "floors": [3]}]`
    /// or `{"kind": "polygon", "outer": [{"lat", "lng"}...], "holes": [[...]]}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub fences: Vec<FenceSpec>,
    /// `[{"bssid": "aa:bb:cc:dd:ee:ff", "ssid": "Office"}]`
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub wifi: Vec<WifiAp>,
    /// `[{"uuid": "...", "major": 1, "minor": 2}]` (major and minor optional: any)
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub beacons: Vec<BeaconSpec>,
    /// CIDR ranges, e.g. `10.1.0.0/16`.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub ip_ranges: Vec<IpRange>,
}

/// The stored form (`sites.config`).
#[derive(Serialize, Deserialize)]
pub struct StoredConfig {
    /// Every fence in WGS-84: what punches are judged against.
    pub fences: Vec<FenceSpec>,
    /// The same fences as they arrived (their system recorded).
    pub fences_as_given: Vec<FenceSpec>,
    pub wifi: Vec<WifiAp>,
    pub beacons: Vec<BeaconSpec>,
    pub ip_ranges: Vec<IpRange>,
}

/// `sites[0].fences[1].shape.outer[2].lat` seen from the body: `fences[1].shape.outer[2].lat`.
fn body_path(path: &str) -> String {
    match path.strip_prefix("sites[0]") {
        Some(rest) => rest.trim_start_matches('.').to_string(),
        None => path.to_string(),
    }
}

fn point(p: LatLng, system: CoordSystem, field: &str) -> ApiResult<LatLng> {
    to_wgs84(p, system).map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// The fence in WGS-84 (points converted one by one: at fence sizes the datum offset is
/// uniform to well under a metre).
fn to_wgs84_fence(f: &FenceSpec, i: usize) -> ApiResult<FenceSpec> {
    let field = format!("fences[{i}]");
    let shape = match &f.shape {
        ShapeSpec::Circle { center, radius_m } => ShapeSpec::Circle {
            center: point(*center, f.system, &field)?,
            radius_m: *radius_m,
        },
        ShapeSpec::Polygon { outer, holes } => ShapeSpec::Polygon {
            outer: outer
                .iter()
                .map(|p| point(*p, f.system, &field))
                .collect::<ApiResult<_>>()?,
            holes: holes
                .iter()
                .map(|h| h.iter().map(|p| point(*p, f.system, &field)).collect())
                .collect::<ApiResult<_>>()?,
        },
    };
    Ok(FenceSpec {
        system: CoordSystem::Wgs84,
        shape,
        floors: f.floors.clone(),
    })
}

impl SiteBody {
    /// Validates with daka-core (errors name the body field) and converts to the stored form.
    pub fn into_stored(self) -> ApiResult<(String, Value)> {
        if self.fences.is_empty()
            && self.wifi.is_empty()
            && self.beacons.is_empty()
            && self.ip_ranges.is_empty()
        {
            return Err(ApiError::invalid(
                "fences",
                "a site needs at least one fence, Wi-Fi access point, beacon or IP range",
            ));
        }
        let check = SiteConfig {
            id: SiteId(1),
            fences: self.fences.clone(),
            wifi: self.wifi.clone(),
            beacons: self.beacons.clone(),
            ip_ranges: self.ip_ranges.clone(),
        };
        Sites::from_configs(std::slice::from_ref(&check))
            .map_err(|e| ApiError::invalid(&body_path(&e.path), e.problem.to_string()))?;
        let fences = self
            .fences
            .iter()
            .enumerate()
            .map(|(i, f)| to_wgs84_fence(f, i))
            .collect::<ApiResult<Vec<_>>>()?;
        let stored = StoredConfig {
            fences,
            fences_as_given: self.fences,
            wifi: self.wifi,
            beacons: self.beacons,
            ip_ranges: self.ip_ranges,
        };
        let v = serde_json::to_value(&stored)
            .map_err(|e| ApiError::Internal(format!("site config: {e}")))?;
        Ok((self.name, v))
    }
}

/// The engine's form of stored sites: their fence index and signals, and each number's id.
pub struct Judged {
    pub index: FenceIndex,
    pub sites: Sites,
    pub ids: HashMap<u64, String>,
}

pub fn judged(rows: &[Site]) -> ApiResult<Judged> {
    let mut configs = Vec::with_capacity(rows.len());
    let mut ids = HashMap::new();
    for s in rows {
        let c: StoredConfig = serde_json::from_value(s.config.clone())
            .map_err(|e| ApiError::Internal(format!("stored site {} is unreadable: {e}", s.id)))?;
        let num = u64::try_from(s.num).unwrap_or_default();
        ids.insert(num, s.id.clone());
        configs.push(SiteConfig {
            id: SiteId(num),
            fences: c.fences,
            wifi: c.wifi,
            beacons: c.beacons,
            ip_ranges: c.ip_ranges,
        });
    }
    let (index, sites) = Sites::from_configs(&configs)
        .map_err(|e| ApiError::Internal(format!("stored sites do not load: {e}")))?;
    Ok(Judged { index, sites, ids })
}

/// A verdict's site numbers (`site`, `candidate_site`, `sites`) replaced by site ids.
pub fn map_site_ids(v: &mut Value, ids: &HashMap<u64, String>) {
    let name = |n: &Value| -> Value {
        n.as_u64()
            .and_then(|n| ids.get(&n))
            .map(|s| Value::String(s.clone()))
            .unwrap_or_else(|| n.clone())
    };
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match (k.as_str(), &mut *x) {
                    ("site" | "candidate_site", n @ Value::Number(_)) => *n = name(n),
                    ("sites", Value::Array(a)) => a.iter_mut().for_each(|n| *n = name(n)),
                    _ => map_site_ids(x, ids),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| map_site_ids(x, ids)),
        _ => {}
    }
}

/// The site as the API shows it.
pub fn site_json(s: &Site) -> Value {
    let c = &s.config;
    serde_json::json!({
        "id": s.id,
        "num": s.num,
        "name": s.name,
        "fences": c.get("fences_as_given").cloned().unwrap_or(Value::Array(vec![])),
        "fences_wgs84": c.get("fences").cloned().unwrap_or(Value::Array(vec![])),
        "wifi": c.get("wifi").cloned().unwrap_or(Value::Array(vec![])),
        "beacons": c.get("beacons").cloned().unwrap_or(Value::Array(vec![])),
        "ip_ranges": c.get("ip_ranges").cloned().unwrap_or(Value::Array(vec![])),
        "archived": s.archived,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    })
}
