//! Instants as scenario files write them: UTC (`...Z`), with an offset (`+08:00`), with a zone
//! (`[Asia/Shanghai]`), or local wall-clock time in the employee's zone.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// Parses an instant to UTC seconds. Local times that a DST change skips or repeats are refused:
/// the file must say which instant it means.
pub fn parse_instant(s: &str, tz: &TimeZone) -> Result<i64, String> {
    let s = s.trim();
    if !s.contains(':') {
        return Err(format!(
            "invalid time '{s}': a punch or range needs a time of day, e.g. '2026-03-02 09:00'"
        ));
    }
    if let Some(open) = s.find('[') {
        // `...[Zone]`: the zone must exist, and without an offset the local time must be
        // unambiguous in it, as for plain local times.
        let name = s[open + 1..].trim_end_matches(']');
        let zone =
            TimeZone::get(name).map_err(|_| format!("unknown time zone '{name}' in '{s}'"))?;
        let head = &s[..open];
        if head.parse::<Timestamp>().is_ok() {
            return s
                .parse::<Zoned>()
                .map(|z| z.timestamp().as_second())
                .map_err(|e| format!("invalid time '{s}': {e}"));
        }
        return local(head, s, &zone);
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    local(s, s, tz)
}

fn local(text: &str, whole: &str, tz: &TimeZone) -> Result<i64, String> {
    let dt: DateTime = text.trim().replacen(' ', "T", 1).parse().map_err(|_| {
        format!(
            "invalid time '{whole}': use 'YYYY-MM-DD HH:MM[:SS]' (local), or add Z, an offset such as +08:00, or [Zone]"
        )
    })?;
    let amb = tz.to_ambiguous_timestamp(dt);
    if amb.is_ambiguous() {
        return Err(format!(
            "local time '{whole}' is skipped or repeated by a daylight-saving change; give an offset"
        ));
    }
    amb.compatible()
        .map(|t| t.as_second())
        .map_err(|e| format!("invalid time '{whole}': {e}"))
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
        assert!(parse_instant("2026-03-08T02:30:00[America/New_York]", &sh).is_err());
        assert!(parse_instant("2026-03-02T09:07:00[Mars/X]", &sh).is_err());
        assert!(parse_instant("2026-03-02", &sh).is_err());
        assert_eq!(parse_instant("2026-03-02 09:07[Asia/Shanghai]", &ny), utc);
    }
}
