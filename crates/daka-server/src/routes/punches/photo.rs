//! How a punch's photo agrees with the punch: daka-core's comparison of the photo's EXIF time
//! and position with the punch, rendered with its sentences.

use daka_core::photo_check::{DEFAULT_MAX_DISTANCE_M, DEFAULT_MAX_TIME_DIFF_S, compare};
use serde_json::Value;

/// Flags for a photo taken at `exif_at_ms` at `exif_pos` (lat, lng in WGS-84) attached to a
/// punch at `punch_at_ms` from `punch_pos_wgs84`, each with `en` and `zh` sentences.
pub fn photo_flags(
    exif_at_ms: Option<i64>,
    exif_pos: Option<(f64, f64)>,
    punch_at_ms: i64,
    punch_pos_wgs84: Option<(f64, f64)>,
) -> Vec<Value> {
    compare(
        exif_at_ms,
        exif_pos,
        punch_at_ms,
        punch_pos_wgs84,
        DEFAULT_MAX_TIME_DIFF_S,
        DEFAULT_MAX_DISTANCE_M,
    )
    .iter()
    .map(|f| {
        let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("en".into(), Value::String(f.en()));
            m.insert("zh".into(), Value::String(f.zh()));
        }
        v
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        let none = photo_flags(None, None, 0, None);
        assert_eq!(none.len(), 2);
        assert_eq!(none[0]["flag"], "no_exif_time");
        assert!(none[0]["zh"].as_str().is_some_and(|s| !s.is_empty()));
        let ok = photo_flags(Some(60_000), Some((39.9, 116.4)), 0, Some((39.9005, 116.4)));
        assert!(ok.is_empty());
        let far = photo_flags(
            Some(3_600_000),
            Some((39.9, 116.4)),
            0,
            Some((39.91, 116.4)),
        );
        assert_eq!(far[0]["flag"], "time_disagrees");
        assert_eq!(far[0]["diff_s"], -3600, "taken an hour after the punch");
        assert_eq!(far[1]["flag"], "position_disagrees");
        assert!(far[1]["distance_m"].as_f64().unwrap_or(0.0) > 1000.0);
    }
}
