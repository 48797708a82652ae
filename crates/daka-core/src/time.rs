//! Time values of the domain: wall-clock schedule times relative to an attendance date, weekday
//! sets, and the conversion of local wall-clock times to UTC minutes.
//!
//! The engine judges at minute precision (lateness = check-in minute - scheduled minute), so every
//! instant is reduced to "minutes since the Unix epoch, UTC" once, at the edge of the engine.

use std::fmt;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// Minutes since 1970-01-01T00:00Z.
pub type Minute = i64;

/// Reduces an instant to its UTC minute (floor, so 09:05:59 is minute 09:05).
pub fn minute_of(ts: Timestamp) -> Minute {
    ts.as_second().div_euclid(60)
}

/// The instant at the start of a UTC minute.
pub fn timestamp_of(minute: Minute) -> Timestamp {
    Timestamp::from_second(minute.saturating_mul(60)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A wall-clock time relative to an attendance date: `HH:MM`, optionally `+1` (next calendar day)
/// or `-1` (previous calendar day), e.g. `06:00+1` for the end of a night shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DayTime {
    /// Minutes from local midnight of the attendance date; may be negative or >= 1440.
    minutes: i32,
}

impl DayTime {
    pub const fn from_minutes(minutes: i32) -> Self {
        Self { minutes }
    }

    pub fn hm(hour: i32, minute: i32) -> Self {
        Self {
            minutes: hour * 60 + minute,
        }
    }

    pub fn minutes(self) -> i32 {
        self.minutes
    }

    pub fn add_minutes(self, m: i32) -> Self {
        Self {
            minutes: self.minutes + m,
        }
    }

    /// Parses `HH:MM`, `HH:MM+1` or `HH:MM-1`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (clock, day) = match s.find(['+', '-']) {
            Some(i) => {
                let day: i32 = match &s[i..] {
                    "+1" => 1,
                    "-1" => -1,
                    other => {
                        return Err(format!(
                            "invalid day offset '{other}' in time '{s}': use +1 or -1"
                        ));
                    }
                };
                (&s[..i], day)
            }
            None => (s, 0),
        };
        let bad = || format!("invalid time '{s}': expected HH:MM, HH:MM+1 or HH:MM-1");
        let (h, m) = clock.split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if !(0..24).contains(&h) || !(0..60).contains(&m) {
            return Err(format!(
                "invalid time '{s}': hour must be 00-23 and minute 00-59"
            ));
        }
        Ok(Self {
            minutes: day * 1440 + h * 60 + m,
        })
    }

    /// The calendar-day offset and the clock time.
    pub fn split(self) -> (i32, i32, i32) {
        let day = self.minutes.div_euclid(1440);
        let rest = self.minutes.rem_euclid(1440);
        (day, rest / 60, rest % 60)
    }

    /// The UTC minute of this wall-clock time on `date` in `tz`. Wall-clock times that a DST change
    /// skips are moved forward by the gap, repeated ones take the first occurrence (jiff's
    /// "compatible" disambiguation, as RFC 5545 does).
    pub fn on(self, date: Date, tz: &TimeZone) -> Minute {
        let (day, h, m) = self.split();
        let d = date.checked_add(day.days()).unwrap_or(date);
        let dt = d.at(h as i8, m as i8, 0, 0);
        match tz.to_ambiguous_timestamp(dt).compatible() {
            Ok(ts) => minute_of(ts),
            // Only reachable at the far ends of jiff's supported range.
            Err(_) => minute_of(Timestamp::UNIX_EPOCH),
        }
    }
}

impl TryFrom<String> for DayTime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<DayTime> for String {
    fn from(t: DayTime) -> String {
        t.to_string()
    }
}

impl fmt::Display for DayTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (day, h, m) = self.split();
        write!(f, "{h:02}:{m:02}")?;
        match day {
            0 => Ok(()),
            d if d > 0 => write!(f, "+{d}"),
            d => write!(f, "{d}"),
        }
    }
}

/// A set of weekdays, parsed from names such as `"mon"` or `"Monday"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WeekdaySet(u8);

impl WeekdaySet {
    pub const MON_FRI: Self = Self(0b0011111);

    pub fn contains(self, wd: Weekday) -> bool {
        self.0 & (1 << wd.to_monday_zero_offset()) != 0
    }

    pub fn insert(&mut self, wd: Weekday) {
        self.0 |= 1 << wd.to_monday_zero_offset();
    }

    pub fn parse_day(s: &str) -> Result<Weekday, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "mon" | "monday" => Weekday::Monday,
            "tue" | "tuesday" => Weekday::Tuesday,
            "wed" | "wednesday" => Weekday::Wednesday,
            "thu" | "thursday" => Weekday::Thursday,
            "fri" | "friday" => Weekday::Friday,
            "sat" | "saturday" => Weekday::Saturday,
            "sun" | "sunday" => Weekday::Sunday,
            _ => {
                return Err(format!(
                    "unknown weekday '{s}': use mon, tue, wed, thu, fri, sat or sun"
                ));
            }
        })
    }
}

impl<'de> Deserialize<'de> for WeekdaySet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut set = WeekdaySet::default();
        for n in &names {
            set.insert(Self::parse_day(n).map_err(serde::de::Error::custom)?);
        }
        Ok(set)
    }
}

impl Serialize for WeekdaySet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let v: Vec<&str> = (0..7)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| NAMES[i])
            .collect();
        v.serialize(s)
    }
}

/// An IANA time zone, checked when parsed and kept with its name.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    pub fn parse(name: &str) -> Result<Self, String> {
        let tz = TimeZone::get(name).map_err(|_| {
            format!("unknown time zone '{name}': use an IANA name such as Asia/Shanghai")
        })?;
        Ok(Self {
            name: name.to_string(),
            tz,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// Local civil date-time of a UTC minute, as `HH:MM`.
    pub fn hhmm(&self, minute: Minute) -> String {
        let dt = self.tz.to_datetime(timestamp_of(minute));
        format!("{:02}:{:02}", dt.hour(), dt.minute())
    }

    /// RFC 3339 with the zone's offset at that instant, e.g. `2026-03-02T09:07:00+08:00`.
    pub fn rfc3339_second(&self, second: i64) -> String {
        let ts = Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH);
        let z = ts.to_zoned(self.tz.clone());
        z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }

    pub fn rfc3339(&self, minute: Minute) -> String {
        self.rfc3339_second(minute.saturating_mul(60))
    }

    /// The local date of a UTC minute.
    pub fn date_of(&self, minute: Minute) -> Date {
        self.tz.to_datetime(timestamp_of(minute)).date()
    }
}

impl PartialEq for Zone {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Zone::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.name.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn parses_day_times() {
        assert_eq!(DayTime::parse("09:00").map(|t| t.minutes()), Ok(540));
        assert_eq!(DayTime::parse("06:00+1").map(|t| t.minutes()), Ok(1800));
        assert_eq!(DayTime::parse("23:30-1").map(|t| t.minutes()), Ok(-30));
        assert!(DayTime::parse("24:00").is_err());
        assert!(DayTime::parse("9").is_err());
        assert!(DayTime::parse("09:00+2").is_err());
        assert_eq!(DayTime::from_minutes(-30).to_string(), "23:30-1");
        assert_eq!(DayTime::from_minutes(1800).to_string(), "06:00+1");
    }

    #[test]
    fn wall_clock_follows_dst() {
        let z = Zone::parse("America/New_York").map_err(|e| e.to_string());
        let Ok(z) = z else { panic!("zone") };
        // 2026-03-08 is the spring-forward night in New York: 22:00 -> 06:00+1 lasts 7 hours.
        let start = DayTime::hm(22, 0).on(date(2026, 3, 7), z.tz());
        let end = DayTime::parse("06:00+1")
            .map(|t| t.on(date(2026, 3, 7), z.tz()))
            .unwrap_or_default();
        assert_eq!(end - start, 7 * 60);
    }
}
