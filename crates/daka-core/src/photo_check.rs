//! Does a punch photo's EXIF agree with the punch? A field-work (外勤) punch carries a photo; its
//! EXIF capture time and GPS position are compared with the punch's instant and position. The
//! flags are advisory, for the reviewer: phones strip EXIF, and EXIF is easy to forge, so no
//! flag refuses a punch by itself.
//!
//! - no EXIF time → [`PhotoFlag::NoExifTime`]; a time more than `max_time_diff_s` away from the
//!   punch (either way) → [`PhotoFlag::TimeDisagrees`];
//! - no EXIF position → [`PhotoFlag::NoExifPosition`]; a position more than `max_distance_m`
//!   (geodesic, WGS-84) from the punch's → [`PhotoFlag::PositionDisagrees`]. A punch without a
//!   position gives nothing to compare, so no position flag beyond `NoExifPosition`.
//!
//! Defaults: [`DEFAULT_MAX_TIME_DIFF_S`] (10 minutes) and [`DEFAULT_MAX_DISTANCE_M`] (200 m):
//! a photo taken just before walking in, by a phone whose GPS fix is a block off, still agrees.

use geo::{Distance, Geodesic, Point};
use serde::Serialize;

/// Largest difference between the photo's capture time and the punch, in seconds.
pub const DEFAULT_MAX_TIME_DIFF_S: i64 = 600;
/// Largest distance between the photo's position and the punch's, in metres.
pub const DEFAULT_MAX_DISTANCE_M: f64 = 200.0;

/// One way a photo's EXIF does not support the punch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum PhotoFlag {
    NoExifTime,
    NoExifPosition,
    /// Seconds between capture and punch, positive when the photo was taken before the punch.
    TimeDisagrees {
        diff_s: i64,
    },
    /// Metres between the photo's position and the punch's, rounded to 0.1 m.
    PositionDisagrees {
        distance_m: f64,
    },
}

impl PhotoFlag {
    pub fn en(&self) -> String {
        match self {
            PhotoFlag::NoExifTime => "the photo carries no capture time (EXIF)".into(),
            PhotoFlag::NoExifPosition => "the photo carries no GPS position (EXIF)".into(),
            PhotoFlag::TimeDisagrees { diff_s } => {
                let (n, (side, _)) = minutes_side(*diff_s);
                format!("the photo was taken {n} min {side} the punch")
            }
            PhotoFlag::PositionDisagrees { distance_m } => {
                format!("the photo was taken {distance_m:.0} m from where the punch was made")
            }
        }
    }

    pub fn zh(&self) -> String {
        match self {
            PhotoFlag::NoExifTime => "照片没有拍摄时间（EXIF）".into(),
            PhotoFlag::NoExifPosition => "照片没有 GPS 位置（EXIF）".into(),
            PhotoFlag::TimeDisagrees { diff_s } => {
                let (n, (_, side)) = minutes_side(*diff_s);
                format!("照片拍摄于打卡{side} {n} 分钟")
            }
            PhotoFlag::PositionDisagrees { distance_m } => {
                format!("照片拍摄地点距打卡位置 {distance_m:.0} 米")
            }
        }
    }
}

/// Whole minutes (rounded up, so "0 min" never appears) and before/after in both languages.
fn minutes_side(diff_s: i64) -> (i64, (&'static str, &'static str)) {
    let n = (diff_s.unsigned_abs().div_ceil(60)) as i64;
    if diff_s >= 0 {
        (n, ("before", "前"))
    } else {
        (n, ("after", "后"))
    }
}

/// Geodesic distance in metres between two WGS-84 (lat, lng) positions.
fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    Geodesic.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}

/// Compares a photo's EXIF time and position (WGS-84 lat, lng) with the punch's; empty when
/// they agree. Thresholds are inclusive: exactly `max_time_diff_s` or `max_distance_m` agrees.
pub fn compare(
    exif_at_ms: Option<i64>,
    exif_pos: Option<(f64, f64)>,
    punch_at_ms: i64,
    punch_pos: Option<(f64, f64)>,
    max_time_diff_s: i64,
    max_distance_m: f64,
) -> Vec<PhotoFlag> {
    let mut flags = Vec::new();
    match exif_at_ms {
        None => flags.push(PhotoFlag::NoExifTime),
        Some(at) => {
            // Truncated to whole seconds: EXIF times have second precision.
            let diff_s = punch_at_ms.saturating_sub(at) / 1000;
            if diff_s.saturating_abs() > max_time_diff_s {
                flags.push(PhotoFlag::TimeDisagrees { diff_s });
            }
        }
    }
    match (exif_pos, punch_pos) {
        (None, _) => flags.push(PhotoFlag::NoExifPosition),
        (Some(p), Some(q)) => {
            let d = distance_m(p, q);
            // NaN (an impossible coordinate) is a disagreement, never a silent pass.
            if d.is_nan() || d > max_distance_m {
                flags.push(PhotoFlag::PositionDisagrees {
                    distance_m: (d * 10.0).round() / 10.0,
                });
            }
        }
        (Some(_), None) => {}
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_764_000_000_000;
    // Tiananmen Square and a point about 1.1 km north of it.
    const HERE: (f64, f64) = (39.9054, 116.3976);
    const NORTH: (f64, f64) = (39.9154, 116.3976);

    fn defaults(
        at: Option<i64>,
        pos: Option<(f64, f64)>,
        punch_pos: Option<(f64, f64)>,
    ) -> Vec<PhotoFlag> {
        compare(
            at,
            pos,
            T,
            punch_pos,
            DEFAULT_MAX_TIME_DIFF_S,
            DEFAULT_MAX_DISTANCE_M,
        )
    }

    #[test]
    fn agreeing_photo_has_no_flags() {
        let near = (39.9063, 116.3976); // ~100 m north
        assert_eq!(defaults(Some(T - 300_000), Some(near), Some(HERE)), vec![]);
    }

    #[test]
    fn missing_exif_is_flagged_twice() {
        assert_eq!(
            defaults(None, None, Some(HERE)),
            vec![PhotoFlag::NoExifTime, PhotoFlag::NoExifPosition]
        );
    }

    #[test]
    fn time_threshold_is_inclusive_both_ways() {
        assert!(defaults(Some(T - 600_000), Some(HERE), Some(HERE)).is_empty());
        assert!(defaults(Some(T + 600_000), Some(HERE), Some(HERE)).is_empty());
        assert_eq!(
            defaults(Some(T - 601_000), Some(HERE), Some(HERE)),
            vec![PhotoFlag::TimeDisagrees { diff_s: 601 }]
        );
        assert_eq!(
            defaults(Some(T + 3_600_000), Some(HERE), Some(HERE)),
            vec![PhotoFlag::TimeDisagrees { diff_s: -3600 }]
        );
    }

    #[test]
    fn far_position_is_flagged_with_its_distance() {
        let flags = defaults(Some(T), Some(NORTH), Some(HERE));
        let [PhotoFlag::PositionDisagrees { distance_m }] = flags.as_slice() else {
            panic!("expected one position flag, got {flags:?}");
        };
        // 0.01° of latitude at 40°N is about 1110 m on the ellipsoid.
        assert!((1105.0..1115.0).contains(distance_m), "{distance_m}");
    }

    #[test]
    fn punch_without_position_compares_only_time() {
        assert!(defaults(Some(T), Some(NORTH), None).is_empty());
        assert_eq!(
            defaults(Some(T), None, None),
            vec![PhotoFlag::NoExifPosition]
        );
    }

    #[test]
    fn custom_thresholds_apply() {
        let flags = compare(Some(T - 120_000), Some(HERE), T, Some(HERE), 60, 200.0);
        assert_eq!(flags, vec![PhotoFlag::TimeDisagrees { diff_s: 120 }]);
        assert!(compare(Some(T), Some(NORTH), T, Some(HERE), 600, 2000.0).is_empty());
    }

    #[test]
    fn flags_serialise_tagged_and_explain_in_both_languages() {
        let f = PhotoFlag::TimeDisagrees { diff_s: 900 };
        assert_eq!(
            serde_json::to_value(&f).ok(),
            Some(serde_json::json!({"flag": "time_disagrees", "diff_s": 900}))
        );
        assert_eq!(f.en(), "the photo was taken 15 min before the punch");
        assert_eq!(f.zh(), "照片拍摄于打卡前 15 分钟");
        let after = PhotoFlag::TimeDisagrees { diff_s: -61 };
        assert_eq!(after.en(), "the photo was taken 2 min after the punch");
        let p = PhotoFlag::PositionDisagrees { distance_m: 1110.4 };
        assert_eq!(
            serde_json::to_value(&p).ok(),
            Some(serde_json::json!({"flag": "position_disagrees", "distance_m": 1110.4}))
        );
        assert_eq!(p.zh(), "照片拍摄地点距打卡位置 1110 米");
        assert_eq!(
            serde_json::to_value(PhotoFlag::NoExifTime).ok(),
            Some(serde_json::json!({"flag": "no_exif_time"}))
        );
    }
}
