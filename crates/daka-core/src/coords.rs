//! Coordinate systems used by phones and maps in China, and conversions between them.
//!
//! Phones' GPS reports WGS-84; maps licensed in mainland China (Tencent, AMap, WeCom's picker)
//! report GCJ-02; Baidu Maps reports BD-09. Daka stores WGS-84 and converts at the edges
//! (`shared/reference/coordinates.md` gives the formulas, constants and test points used here).
//!
//! - WGS-84 -> GCJ-02 is the published forward formula; outside mainland China's rough box
//!   (73.66 < lng < 135.05, 3.86 < lat < 53.55) no offset is applied. Hong Kong, Macau and
//!   Taiwan are inside that box though they do not use GCJ-02: a caller that knows a point comes
//!   from there should declare it WGS-84.
//! - GCJ-02 -> WGS-84 has no closed form: it iterates `w <- w - (forward(w) - gcj)` from
//!   `w = gcj` until the step is below 1e-10 degree (about 1 cm; three steps usually reach 1e-9).
//! - GCJ-02 <-> BD-09 are the published forward and backward formulas. The backward formula is
//!   itself approximate (a few centimetres); [`bd09_to_gcj02`] refines it by the same fixed-point
//!   iteration so that a round trip returns the starting point to well under a millimetre.

use std::f64::consts::PI;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The datum a coordinate was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoordSystem {
    /// GPS, the stored canonical system.
    Wgs84,
    /// China's obfuscated datum (Tencent, AMap/Gaode, WeCom).
    Gcj02,
    /// Baidu Maps.
    Bd09,
}

impl fmt::Display for CoordSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CoordSystem::Wgs84 => "wgs84",
            CoordSystem::Gcj02 => "gcj02",
            CoordSystem::Bd09 => "bd09",
        })
    }
}

/// Which coordinate of a [`LatLng`] is wrong, and why.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum CoordError {
    #[error("{field} is not a finite number")]
    NotFinite { field: &'static str },
    #[error("{field} = {value} is outside [{min}, {max}]")]
    OutOfRange {
        field: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
}

impl CoordError {
    /// The offending field: `lat` or `lng`.
    pub fn field(&self) -> &'static str {
        match self {
            CoordError::NotFinite { field } | CoordError::OutOfRange { field, .. } => field,
        }
    }
}

/// A point in degrees. Construct through [`LatLng::new`] (or deserialize, which validates the
/// same way) to be sure it is finite and in range: latitude in [-90, 90], longitude in
/// [-180, 180]. The datum is not part of the value; it travels beside it as a [`CoordSystem`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawLatLng")]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Deserialize)]
struct RawLatLng {
    lat: f64,
    lng: f64,
}

impl TryFrom<RawLatLng> for LatLng {
    type Error = CoordError;
    fn try_from(raw: RawLatLng) -> Result<Self, CoordError> {
        LatLng::new(raw.lat, raw.lng)
    }
}

fn check(field: &'static str, value: f64, limit: f64) -> Result<(), CoordError> {
    if !value.is_finite() {
        return Err(CoordError::NotFinite { field });
    }
    if !(-limit..=limit).contains(&value) {
        return Err(CoordError::OutOfRange {
            field,
            value,
            min: -limit,
            max: limit,
        });
    }
    Ok(())
}

impl LatLng {
    /// A validated point; the error names the field (`lat` first, then `lng`).
    pub fn new(lat: f64, lng: f64) -> Result<Self, CoordError> {
        let p = Self { lat, lng };
        p.validate()?;
        Ok(p)
    }

    /// Checks a point built with a struct literal.
    pub fn validate(&self) -> Result<(), CoordError> {
        check("lat", self.lat, 90.0)?;
        check("lng", self.lng, 180.0)
    }
}

// Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
const GCJ_A: f64 = 6_378_245.0;
const GCJ_EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;

/// Outside mainland China's rough box no GCJ-02 offset applies (see the module note).
pub fn out_of_china(p: LatLng) -> bool {
    !(p.lng > 73.66 && p.lng < 135.05 && p.lat > 3.86 && p.lat < 53.55)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lng(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The raw GCJ-02 offset (degrees) at a WGS-84 point, without the "outside China" rule.
fn gcj_offset(p: LatLng) -> (f64, f64) {
    let x = p.lng - 105.0;
    let y = p.lat - 35.0;
    let r = p.lat / 180.0 * PI;
    let s = r.sin();
    let m = 1.0 - GCJ_EE * s * s;
    let sm = m.sqrt();
    let d_lat = transform_lat(x, y) * 180.0 / ((GCJ_A * (1.0 - GCJ_EE)) / (m * sm) * PI);
    let d_lng = transform_lng(x, y) * 180.0 / (GCJ_A / sm * r.cos() * PI);
    (d_lat, d_lng)
}

/// WGS-84 -> GCJ-02 (unchanged outside China).
pub fn wgs84_to_gcj02(p: LatLng) -> LatLng {
    if out_of_china(p) {
        return p;
    }
    let (d_lat, d_lng) = gcj_offset(p);
    LatLng {
        lat: p.lat + d_lat,
        lng: p.lng + d_lng,
    }
}

/// Fixed-point inverse of `forward`: `w <- w - (forward(w) - target)`, from `w = target`.
fn invert(target: LatLng, forward: impl Fn(LatLng) -> LatLng) -> LatLng {
    let mut w = target;
    for _ in 0..16 {
        let f = forward(w);
        let (e_lat, e_lng) = (f.lat - target.lat, f.lng - target.lng);
        w.lat -= e_lat;
        w.lng -= e_lng;
        if e_lat.abs() < 1e-10 && e_lng.abs() < 1e-10 {
            break;
        }
    }
    w
}

/// GCJ-02 -> WGS-84 by iteration (unchanged outside China); sub-centimetre.
pub fn gcj02_to_wgs84(p: LatLng) -> LatLng {
    if out_of_china(p) {
        return p;
    }
    invert(p, |w| {
        let (d_lat, d_lng) = gcj_offset(w);
        LatLng {
            lat: w.lat + d_lat,
            lng: w.lng + d_lng,
        }
    })
}

/// GCJ-02 -> BD-09 (the published formula; applied everywhere, as Baidu does).
pub fn gcj02_to_bd09(p: LatLng) -> LatLng {
    let (x, y) = (p.lng, p.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let t = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    LatLng {
        lat: z * t.sin() + 0.006,
        lng: z * t.cos() + 0.0065,
    }
}

/// The published BD-09 -> GCJ-02 formula (a few centimetres from the exact inverse).
fn bd09_to_gcj02_approx(p: LatLng) -> LatLng {
    let x = p.lng - 0.0065;
    let y = p.lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let t = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    LatLng {
        lat: z * t.sin(),
        lng: z * t.cos(),
    }
}

/// BD-09 -> GCJ-02: the published formula, refined by iteration against [`gcj02_to_bd09`].
pub fn bd09_to_gcj02(p: LatLng) -> LatLng {
    let start = bd09_to_gcj02_approx(p);
    let mut w = start;
    for _ in 0..8 {
        let f = gcj02_to_bd09(w);
        let (e_lat, e_lng) = (f.lat - p.lat, f.lng - p.lng);
        w.lat -= e_lat;
        w.lng -= e_lng;
        if e_lat.abs() < 1e-11 && e_lng.abs() < 1e-11 {
            break;
        }
    }
    w
}

/// WGS-84 -> BD-09.
pub fn wgs84_to_bd09(p: LatLng) -> LatLng {
    gcj02_to_bd09(wgs84_to_gcj02(p))
}

/// BD-09 -> WGS-84.
pub fn bd09_to_wgs84(p: LatLng) -> LatLng {
    gcj02_to_wgs84(bd09_to_gcj02(p))
}

/// A point given in `system`, validated and converted to WGS-84. The range check applies to the
/// point as given and to the result (a conversion can push a point near a limit over it).
pub fn to_wgs84(p: LatLng, system: CoordSystem) -> Result<LatLng, CoordError> {
    p.validate()?;
    let w = match system {
        CoordSystem::Wgs84 => p,
        CoordSystem::Gcj02 => gcj02_to_wgs84(p),
        CoordSystem::Bd09 => bd09_to_wgs84(p),
    };
    w.validate()?;
    Ok(w)
}

/// A WGS-84 point expressed in `system` (for showing stored fences on a Chinese map).
pub fn from_wgs84(p: LatLng, system: CoordSystem) -> LatLng {
    match system {
        CoordSystem::Wgs84 => p,
        CoordSystem::Gcj02 => wgs84_to_gcj02(p),
        CoordSystem::Bd09 => wgs84_to_bd09(p),
    }
}

/// WGS-84 ellipsoid, for distances.
pub(crate) const WGS84_A: f64 = 6_378_137.0;
pub(crate) const WGS84_E2: f64 = 0.006_694_379_990_141_317;

/// Meridional and prime-vertical radii of curvature (metres) of WGS-84 at latitude `lat_rad`.
pub(crate) fn radii(lat_rad: f64) -> (f64, f64) {
    let s = lat_rad.sin();
    let w2 = 1.0 - WGS84_E2 * s * s;
    let w = w2.sqrt();
    let n = WGS84_A / w;
    let m = WGS84_A * (1.0 - WGS84_E2) / (w2 * w);
    (m, n)
}

/// Distance in metres on the WGS-84 ellipsoid by the mid-latitude (ellipsoidal equirectangular)
/// formula. Its error is second order in the separation, bounded by
/// [`mid_latitude_error_bound_m`] (under 4 mm up to 10 km below 60°), checked against Karney's
/// geodesic in the tests. Used first by circle fences, which fall back to the geodesic wherever
/// that bound could change a verdict.
pub(crate) fn mid_latitude_distance_m(a: LatLng, b: LatLng) -> f64 {
    let phi_m = ((a.lat + b.lat) * 0.5).to_radians();
    let (m, n) = radii(phi_m);
    let dy = (b.lat - a.lat).to_radians() * m;
    let dx = (b.lng - a.lng).to_radians() * n * phi_m.cos();
    dx.hypot(dy)
}

/// A bound on the error of [`mid_latitude_distance_m`] for the distance `d` it gave between `a`
/// and `b`: `1 mm + d^3 / (R^2 cos^2(lat))`, `lat` the more poleward latitude of the two and `R`
/// the smallest meridional radius (valid below 85° latitude and a few hundred km, as tested).
pub(crate) fn mid_latitude_error_bound_m(a: LatLng, b: LatLng, d: f64) -> f64 {
    let (r, _) = radii(0.0);
    let c = a.lat.abs().max(b.lat.abs()).to_radians().cos();
    let rel = d / (r * c);
    0.001 + d * rel * rel
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, Point};

    fn ll(lat: f64, lng: f64) -> LatLng {
        LatLng { lat, lng }
    }

    fn geodesic_m(a: LatLng, b: LatLng) -> f64 {
        Geodesic.distance(Point::new(a.lng, a.lat), Point::new(b.lng, b.lat))
    }

    #[test]
    fn forward_matches_reference_test_point() {
        let g = wgs84_to_gcj02(ll(39.915, 116.404));
        assert!((g.lng - 116.410_244_499_169_38).abs() < 1e-9, "{g:?}");
        assert!((g.lat - 39.916_404_281_501_64).abs() < 1e-9, "{g:?}");
    }

    #[test]
    fn inverse_of_reference_point_is_sub_metre() {
        let w = gcj02_to_wgs84(ll(39.916_404_281_501_64, 116.410_244_499_169_38));
        let d = geodesic_m(w, ll(39.915, 116.404));
        assert!(d < 0.01, "{d} m");
        // The one-step approximation is off by 1-2 m; the iteration must beat it.
        let one_step = {
            let g = ll(39.916_404_281_501_64, 116.410_244_499_169_38);
            let f = wgs84_to_gcj02(g);
            ll(2.0 * g.lat - f.lat, 2.0 * g.lng - f.lng)
        };
        assert!(geodesic_m(one_step, ll(39.915, 116.404)) > d);
    }

    #[test]
    fn bd09_matches_published_formula_values() {
        // gcj02 -> bd09 and back at the usual sample point (116.404, 39.915).
        let b = gcj02_to_bd09(ll(39.915, 116.404));
        assert!((b.lng - 116.410_369_493_710_29).abs() < 1e-9, "{b:?}");
        assert!((b.lat - 39.921_336_993_510_22).abs() < 1e-9, "{b:?}");
        let g = bd09_to_gcj02_approx(ll(39.915, 116.404));
        assert!((g.lng - 116.397_627_291_193_15).abs() < 1e-9, "{g:?}");
        assert!((g.lat - 39.908_656_739_576_31).abs() < 1e-9, "{g:?}");
    }

    #[test]
    fn outside_china_is_unchanged() {
        for p in [
            ll(48.8566, 2.3522),
            ll(40.7128, -74.006),
            ll(-33.87, 151.21),
            ll(1.29, 103.85),
        ] {
            assert_eq!(wgs84_to_gcj02(p), p);
            assert_eq!(gcj02_to_wgs84(p), p);
            assert_eq!(to_wgs84(p, CoordSystem::Gcj02), Ok(p));
        }
    }

    #[test]
    fn offset_in_china_is_hundreds_of_metres() {
        for p in [
            ll(39.915, 116.404),
            ll(31.2304, 121.4737),
            ll(22.5431, 114.0579),
        ] {
            let d = geodesic_m(p, wgs84_to_gcj02(p));
            assert!((50.0..1000.0).contains(&d), "{p:?}: {d} m");
        }
    }

    #[test]
    fn round_trips_within_half_a_metre_over_china() {
        let mut worst: f64 = 0.0;
        let mut lat = 18.0;
        while lat < 53.0 {
            let mut lng = 74.0;
            while lng < 135.0 {
                let w = ll(lat, lng);
                let via_gcj = gcj02_to_wgs84(wgs84_to_gcj02(w));
                let via_bd = bd09_to_wgs84(wgs84_to_bd09(w));
                let g = w; // the same numbers read as a GCJ-02 point
                let gcj_back = wgs84_to_gcj02(gcj02_to_wgs84(g));
                let bd_back = gcj02_to_bd09(bd09_to_gcj02(g));
                for q in [via_gcj, via_bd, gcj_back, bd_back] {
                    worst = worst.max(geodesic_m(w, q));
                }
                lng += 0.77;
            }
            lat += 0.53;
        }
        assert!(worst < 0.5, "worst round trip {worst} m");
        assert!(
            worst < 0.01,
            "the iterations should reach a centimetre: {worst} m"
        );
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(
            LatLng::new(f64::NAN, 0.0),
            Err(CoordError::NotFinite { field: "lat" })
        );
        let e = LatLng::new(10.0, 181.0).err();
        assert_eq!(e.map(|e| e.field()), Some("lng"));
        assert_eq!(
            LatLng::new(10.0, 181.0).map_err(|e| e.to_string()),
            Err("lng = 181 is outside [-180, 180]".to_string())
        );
        assert!(LatLng::new(-90.0, 180.0).is_ok());
        assert!(to_wgs84(ll(f64::INFINITY, 0.0), CoordSystem::Bd09).is_err());
        // Deserializing validates too.
        let bad: Result<LatLng, _> = serde_json::from_str(r#"{"lat": 91, "lng": 0}"#);
        assert!(bad.is_err());
        let ok: LatLng = serde_json::from_str(r#"{"lat": 39.9, "lng": 116.4}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok, ll(39.9, 116.4));
    }

    #[test]
    fn systems_serialize_lowercase() {
        let s = serde_json::to_string(&[CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09])
            .unwrap_or_default();
        assert_eq!(s, r#"["wgs84","gcj02","bd09"]"#);
        let back: CoordSystem = serde_json::from_str(r#""gcj02""#).unwrap_or(CoordSystem::Wgs84);
        assert_eq!(back, CoordSystem::Gcj02);
    }

    #[test]
    fn to_and_from_wgs84_are_inverse() {
        let w = ll(31.2304, 121.4737);
        for sys in [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09] {
            let shown = from_wgs84(w, sys);
            let back = to_wgs84(shown, sys).unwrap_or_else(|e| panic!("{e}"));
            assert!(geodesic_m(w, back) < 0.01, "{sys}");
        }
    }

    #[test]
    fn mid_latitude_distance_is_close_to_the_geodesic() {
        // The bound the geofence code relies on, at latitudes up to 85° and distances up to a
        // few hundred km.
        let mut worst_short: f64 = 0.0;
        for i in 0..64 {
            let lat = -85.0 + i as f64 * 2.7;
            for (k, d_deg) in [0.0009, 0.009, 0.03, 0.09, 0.9, 2.5].iter().enumerate() {
                for dir in [1.0, -1.0] {
                    let a = ll(lat, 100.0);
                    let b = ll(
                        lat + dir * d_deg * 0.6,
                        100.0 + d_deg * (0.8 + k as f64 * 0.3),
                    );
                    if b.lat.abs() > 85.0 {
                        continue;
                    }
                    let g = geodesic_m(a, b);
                    let m = mid_latitude_distance_m(a, b);
                    let bound = mid_latitude_error_bound_m(a, b, m);
                    assert!((g - m).abs() <= bound, "{a:?} {b:?}: {g} vs {m}");
                    if g < 10_000.0 && lat.abs() <= 60.0 {
                        worst_short = worst_short.max((g - m).abs());
                    }
                }
            }
        }
        assert!(worst_short < 0.004, "{worst_short} m");
    }
}
