//! Instants as scenario files write them: UTC (`...Z`), with an offset (`+08:00`), with a zone
//! (`[Asia/Shanghai]`), or local wall-clock time in the employee's zone.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// Parses an instant to UTC seconds. Local times that a DST change skips or repeats are refused:
/// the file must say which instant it means.
pub fn parse_instant(s: &str, tz: &TimeZone) -> Result<i64, String> {
    let s = s.trim();
    if s.ends_with(']')
        && let Ok(z) = s.parse::<Zoned>()
    {
        return Ok(z.timestamp().as_second());
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    let dt: DateTime = s.replacen(' ', "T", 1).parse().map_err(|_| {
        format!(
            "invalid time '{s}': use 'YYYY-MM-DD HH:MM[:SS]' (local), or add Z, an offset such as +08:00, or [Zone]"
        )
    })?;
    let amb = tz.to_ambiguous_timestamp(dt);
    if amb.is_ambiguous() {
        return Err(format!(
            "local time '{s}' is skipped or repeated by a daylight-saving change; give an offset"
        ));
    }
    amb.compatible()
        .map(|t| t.as_second())
        .map_err(|e| format!("invalid time '{s}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let sh = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        let utc = parse_instant("2026-03-02T01:07:00Z", &sh);
        assert_eq!(parse_instant("2026-03-02 09:07", &sh), utc);
        assert_eq!(parse_instant("2026-03-02T09:07:00+08:00", &sh), utc);
        assert_eq!(
            parse_instant("2026-03-02T09:07:00+08:00[Asia/Shanghai]", &sh),
            utc
        );
        assert!(parse_instant("2026-03-02 25:07", &sh).is_err());
        let ny = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
        assert!(parse_instant("2026-03-08 02:30", &ny).is_err());
        assert!(parse_instant("2026-11-01 01:30", &ny).is_err());
    }
}
