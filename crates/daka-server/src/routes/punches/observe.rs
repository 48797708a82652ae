//! Where a punch says it was: the position as the phone gave it, converted to WGS-84 by
//! daka-core, with the Wi-Fi and beacons seen; and the sealed form kept with the punch.

use std::net::IpAddr;

use daka_core::coords::{CoordSystem, LatLng};
use daka_core::geofence::PunchPosition;
use daka_core::site::{BeaconSeen, PunchObservation, WifiSeen};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// A phone's position: in the system its map reports (`wgs84` from GPS, `gcj02` from Chinese
/// maps, `bd09` from Baidu), with its accuracy radius.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionIn {
    pub lat: f64,
    pub lng: f64,
    /// wgs84 | gcj02 | bd09
    #[schema(value_type = String)]
    pub system: CoordSystem,
    /// Metres.
    pub accuracy_m: f64,
    #[serde(default)]
    pub floor: Option<i32>,
}

/// The evidence of one punch, validated.
pub fn observation(
    position: Option<&PositionIn>,
    wifi: &[WifiSeen],
    beacons: &[BeaconSeen],
    ip: Option<IpAddr>,
    mock_location: bool,
) -> ApiResult<PunchObservation> {
    let position = match position {
        None => None,
        Some(p) => Some(
            PunchPosition::new(
                LatLng {
                    lat: p.lat,
                    lng: p.lng,
                },
                p.system,
                p.accuracy_m,
            )
            .map_err(|e| {
                let field = e.path.strip_prefix("point.").unwrap_or(&e.path);
                ApiError::invalid(&format!("position.{field}"), e.problem.to_string())
            })?
            .with_floor(p.floor),
        ),
    };
    Ok(PunchObservation {
        position,
        wifi: wifi.to_vec(),
        beacons: beacons.to_vec(),
        ip,
        mock_location,
    })
}

/// The location kept (sealed) with the punch: the position as given and in WGS-84, the
/// signals, the client IP and the mock flag.
pub fn sealed_json(given: Option<&PositionIn>, obs: &PunchObservation) -> Value {
    json!({
        "position": given,
        "wgs84": obs.position.map(|p| json!({"lat": p.point().lat, "lng": p.point().lng})),
        "wifi": obs.wifi,
        "beacons": obs.beacons,
        "ip": obs.ip.map(|ip| ip.to_string()),
        "mock_location": obs.mock_location,
    })
}
