//! Which days are workdays: the national holiday calendar (China's, with 调休 make-up workdays),
//! weekly and alternating (大小周) patterns, and company special days.

use std::collections::{BTreeSet, HashMap};

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::time::WeekdaySet;

/// One date of a national calendar that differs from the ordinary Monday-Friday week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NationalDay {
    pub off: bool,
    pub name: String,
    /// A 法定节假日 in the strict sense: work on it is holiday overtime (300%).
    pub statutory: bool,
}

/// A national public-holiday calendar, one official year file at a time.
#[derive(Clone, Debug, Default)]
pub struct NationalCalendar {
    days: HashMap<Date, NationalDay>,
    years: BTreeSet<i16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i16,
    #[serde(default)]
    #[allow(dead_code)]
    source: String,
    days: Vec<DayEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DayEntry {
    date: Date,
    kind: DayEntryKind,
    #[serde(default)]
    name: String,
    #[serde(default)]
    statutory: bool,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum DayEntryKind {
    Off,
    Work,
}

/// Why a calendar year file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("not a calendar year file: {0}")]
    Format(#[from] serde_json::Error),
    #[error("days[{index}].date {date} is not in year {year}")]
    WrongYear { index: usize, date: Date, year: i16 },
    #[error("days[{index}]: a make-up workday (kind \"work\") cannot be statutory")]
    StatutoryWorkday { index: usize },
    #[error("days[{index}].date {date} is listed twice")]
    Duplicate { index: usize, date: Date },
}

const CN_2025: &str = include_str!("../data/cn/2025.json");
const CN_2026: &str = include_str!("../data/cn/2026.json");

impl NationalCalendar {
    /// China's calendar with the years built into this release (2025 and 2026).
    pub fn china() -> Self {
        let mut cal = Self::default();
        for y in [CN_2025, CN_2026] {
            // The built-in files are tested below; a failure here would be a build defect.
            if let Err(e) = cal.load_year(y) {
                debug_assert!(false, "built-in calendar: {e}");
            }
        }
        cal
    }

    /// Adds (or replaces) one year from a file in the official format (`calendar-cn/YYYY.json`).
    pub fn load_year(&mut self, json: &str) -> Result<i16, CalendarError> {
        let file: YearFile = serde_json::from_str(json)?;
        let mut seen = BTreeSet::new();
        for (index, d) in file.days.iter().enumerate() {
            if d.date.year() != file.year {
                return Err(CalendarError::WrongYear {
                    index,
                    date: d.date,
                    year: file.year,
                });
            }
            if d.kind == DayEntryKind::Work && d.statutory {
                return Err(CalendarError::StatutoryWorkday { index });
            }
            if !seen.insert(d.date) {
                return Err(CalendarError::Duplicate {
                    index,
                    date: d.date,
                });
            }
        }
        self.days.retain(|date, _| date.year() != file.year);
        for d in file.days {
            self.days.insert(
                d.date,
                NationalDay {
                    off: d.kind == DayEntryKind::Off,
                    name: d.name,
                    statutory: d.statutory,
                },
            );
        }
        self.years.insert(file.year);
        Ok(file.year)
    }

    pub fn get(&self, date: Date) -> Option<&NationalDay> {
        self.days.get(&date)
    }

    pub fn covers(&self, year: i16) -> bool {
        self.years.contains(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = i16> + '_ {
        self.years.iter().copied()
    }
}

/// The ordinary working week of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkWeek {
    /// The same weekdays every week.
    Weekly(WeekdaySet),
    /// 大小周: two patterns alternating Monday-to-Sunday weeks, forever in both directions,
    /// `anchor_week` being the pattern of the week that contains `anchor`.
    Alternating {
        anchor: Date,
        anchor_week: WeekdaySet,
        other_week: WeekdaySet,
    },
}

impl Default for WorkWeek {
    fn default() -> Self {
        WorkWeek::Weekly(WeekdaySet::MON_FRI)
    }
}

/// Days since 1970-01-05, a Monday, so week numbers are a floor division away.
fn monday_index(d: Date) -> i64 {
    let days = d
        .since(jiff::civil::date(1970, 1, 5))
        .map(|s| s.get_days() as i64)
        .unwrap_or(0);
    days.div_euclid(7)
}

impl WorkWeek {
    /// Whether the pattern makes `date` a workday, and for alternating weeks whether the date is in
    /// the anchor's kind of week.
    pub fn is_workday(&self, date: Date) -> (bool, Option<bool>) {
        let wd: Weekday = date.weekday();
        match self {
            WorkWeek::Weekly(set) => (set.contains(wd), None),
            WorkWeek::Alternating {
                anchor,
                anchor_week,
                other_week,
            } => {
                let same = (monday_index(date) - monday_index(*anchor)).rem_euclid(2) == 0;
                let set = if same { anchor_week } else { other_week };
                (set.contains(wd), Some(same))
            }
        }
    }
}

/// One-off company dates: days off and workdays that override every other source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialDays {
    #[serde(default)]
    pub workdays: Vec<Date>,
    #[serde(default)]
    pub days_off: Vec<Date>,
}

impl SpecialDays {
    pub fn lookup(&self, date: Date) -> Option<bool> {
        if self.days_off.contains(&date) {
            Some(false)
        } else if self.workdays.contains(&date) {
            Some(true)
        } else {
            None
        }
    }

    pub fn is_empty(&self) -> bool {
        self.workdays.is_empty() && self.days_off.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn builtin_years_load() {
        let mut cal = NationalCalendar::default();
        assert!(cal.load_year(CN_2025).is_ok());
        assert!(cal.load_year(CN_2026).is_ok());
        let cal = NationalCalendar::china();
        assert!(cal.covers(2025) && cal.covers(2026) && !cal.covers(2027));
        let spring = cal.get(date(2026, 2, 17));
        assert!(spring.is_some_and(|d| d.off && d.statutory));
        let makeup = cal.get(date(2026, 2, 14));
        assert!(makeup.is_some_and(|d| !d.off));
        let statutory = cal.days.values().filter(|d| d.statutory).count();
        assert_eq!(statutory, 26, "13 statutory days in each of 2025 and 2026");
    }

    #[test]
    fn rejects_bad_year_files() {
        let mut cal = NationalCalendar::default();
        let wrong = r#"{"year":2027,"days":[{"date":"2026-01-01","kind":"off","name":"x","statutory":true}]}"#;
        assert!(matches!(
            cal.load_year(wrong),
            Err(CalendarError::WrongYear { index: 0, .. })
        ));
        assert!(cal.load_year("{}").is_err());
    }

    #[test]
    fn alternating_weeks_run_both_ways() {
        let mut six = WeekdaySet::MON_FRI;
        six.insert(Weekday::Saturday);
        let w = WorkWeek::Alternating {
            anchor: date(2026, 3, 4), // a Wednesday: its week (from Mon 03-02) is the anchor week
            anchor_week: six,
            other_week: WeekdaySet::MON_FRI,
        };
        assert!(w.is_workday(date(2026, 3, 7)).0); // Sat of the anchor week
        assert!(!w.is_workday(date(2026, 3, 14)).0); // next week: small
        assert!(!w.is_workday(date(2026, 2, 28)).0); // week before: small
        assert!(w.is_workday(date(2026, 2, 21)).0); // two weeks before: big
        assert!(!w.is_workday(date(2026, 3, 8)).0); // Sunday never
    }
}
