//! How a punch's photo agrees with the punch. Kept apart: daka-core will take this over.

use serde_json::{Value, json};

/// Beyond this the photo's EXIF time disagrees with the punch.
const TIME_TOLERANCE_S: i64 = 600;
/// Beyond this the photo's EXIF position disagrees with the punch's.
const DISTANCE_TOLERANCE_M: f64 = 200.0;

/// Great-circle distance in metres (plenty for a 200 m tolerance).
fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_008.8;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().min(1.0).asin()
}

/// Flags for a photo taken at `exif_at_ms` at `exif_pos` (lat, lng in WGS-84) attached to a
/// punch at `punch_at_ms` from `punch_pos_wgs84`.
pub fn photo_flags(
    exif_at_ms: Option<i64>,
    exif_pos: Option<(f64, f64)>,
    punch_at_ms: i64,
    punch_pos_wgs84: Option<(f64, f64)>,
) -> Vec<Value> {
    let mut out = Vec::new();
    match exif_at_ms {
        None => out.push(json!({"flag": "no_exif_time"})),
        Some(at) => {
            let diff_s = (at - punch_at_ms) / 1000;
            if diff_s.abs() > TIME_TOLERANCE_S {
                out.push(json!({"flag": "time_disagrees", "diff_s": diff_s}));
            }
        }
    }
    match (exif_pos, punch_pos_wgs84) {
        (None, _) => out.push(json!({"flag": "no_exif_position"})),
        (Some(a), Some(b)) => {
            let d = distance_m(a, b);
            if d > DISTANCE_TOLERANCE_M {
                out.push(json!({"flag": "position_disagrees", "distance_m": d.round()}));
            }
        }
        (Some(_), None) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        let none = photo_flags(None, None, 0, None);
        assert_eq!(none.len(), 2);
        let ok = photo_flags(Some(60_000), Some((39.9, 116.4)), 0, Some((39.9005, 116.4)));
        assert!(ok.is_empty());
        let far = photo_flags(
            Some(3_600_000),
            Some((39.9, 116.4)),
            0,
            Some((39.91, 116.4)),
        );
        assert_eq!(far[0]["flag"], "time_disagrees");
        assert_eq!(far[0]["diff_s"], 3600);
        assert_eq!(far[1]["flag"], "position_disagrees");
        assert!(far[1]["distance_m"].as_f64().unwrap_or(0.0) > 1000.0);
    }
}
