//! The plan of one attendance day under one rule version (and shift): what kind of day it is and
//! the real instants of its edges, windows, break and segments. Plans do not depend on the
//! employee beyond the shift, so they are computed once and shared.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::calendar::{NationalCalendar, SpecialDays};
use crate::rule::{RuleKind, RuleVersion};
use crate::schedule::EdgeKind;
use crate::time::Minute;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DayType {
    Workday,
    RestDay,
    Holiday,
}

impl DayType {
    pub fn as_str(self) -> &'static str {
        match self {
            DayType::Workday => "workday",
            DayType::RestDay => "rest_day",
            DayType::Holiday => "holiday",
        }
    }
}

/// Which source decided whether the day is a workday (highest precedence first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DayBasis {
    RuleDayOff,
    RuleWorkday,
    CompanyDayOff,
    CompanyWorkday,
    NationalHoliday,
    NationalMakeupWorkday,
    WeeklyPattern,
    AlternatingAnchorWeek,
    AlternatingOtherWeek,
    RotaShift,
    RotaRest,
    RotaMissing,
}

impl DayBasis {
    pub fn code(self) -> &'static str {
        match self {
            DayBasis::RuleDayOff => "rule_day_off",
            DayBasis::RuleWorkday => "rule_workday",
            DayBasis::CompanyDayOff => "company_day_off",
            DayBasis::CompanyWorkday => "company_workday",
            DayBasis::NationalHoliday => "national_holiday",
            DayBasis::NationalMakeupWorkday => "national_makeup_workday",
            DayBasis::WeeklyPattern => "weekly_pattern",
            DayBasis::AlternatingAnchorWeek => "alternating_anchor_week",
            DayBasis::AlternatingOtherWeek => "alternating_other_week",
            DayBasis::RotaShift => "rota_shift",
            DayBasis::RotaRest => "rota_rest",
            DayBasis::RotaMissing => "rota_missing",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DayInfo {
    pub required: bool,
    pub day_type: DayType,
    pub basis: DayBasis,
    /// The national calendar's entry for the date, when the rule follows it.
    pub holiday_name: Option<String>,
    pub statutory: bool,
    /// The rule follows the national calendar but the date's year is not loaded.
    pub calendar_year_missing: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanEdge {
    pub kind: EdgeKind,
    pub segment: u8,
    pub scheduled: Minute,
    pub window: (Minute, Minute),
    pub required: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanFlex {
    pub earliest: Minute,
    pub latest: Minute,
    /// Required span from the effective start, break included, in real minutes.
    pub span: i64,
}

#[derive(Clone, Debug)]
pub struct DayPlan {
    pub date: Date,
    pub version: Arc<RuleVersion>,
    pub day: DayInfo,
    /// The schedule in force (index into the version's schedules) on a scheduled workday.
    pub schedule: Option<usize>,
    pub edges: Vec<PlanEdge>,
    pub segments: Vec<(Minute, Minute)>,
    pub break_: Option<(Minute, Minute)>,
    pub flex: Option<PlanFlex>,
    /// Where this day looks for punches: from its first window to its last, or (no edges) the
    /// rollover day.
    pub range: (Minute, Minute),
    /// Scheduled work minutes (break excluded), from real instants.
    pub scheduled_minutes: i64,
    /// The instant the attendance day begins at its day-rollover time; punches between two
    /// days' ranges go to the day whose rollover they follow.
    pub rollover_start: Minute,
}

impl DayPlan {
    pub fn shift_name(&self) -> Option<&str> {
        let i = self.schedule?;
        let name = self.version.schedules.get(i)?.name.as_str();
        (!name.is_empty()).then_some(name)
    }

    pub fn has_edges(&self) -> bool {
        !self.edges.is_empty()
    }

    /// The AM or PM half of the scheduled work time: split at the break, between segments, or at
    /// the middle of a single segment.
    pub fn half(&self, pm: bool) -> Option<(Minute, Minute)> {
        let first = self.segments.first()?.0;
        let last = self.segments.last()?.1;
        let (am_end, pm_start) = if let Some((b0, b1)) = self.break_ {
            (b0, b1)
        } else if self.segments.len() >= 2 {
            let mid = self.segments.len() / 2;
            (self.segments[mid - 1].1, self.segments[mid].0)
        } else {
            let m = first + (last - first) / 2;
            (m, m)
        };
        Some(if pm {
            (pm_start, last)
        } else {
            (first, am_end)
        })
    }
}

/// What decides a workday, given the version and the date (and the rota code for rota rules).
pub fn day_info(
    v: &RuleVersion,
    date: Date,
    company: &SpecialDays,
    national: &NationalCalendar,
    rota_code: Option<Option<&str>>,
) -> DayInfo {
    let nat = if v.follow_national_calendar {
        national.get(date)
    } else {
        None
    };
    // Only a calendar that is in use but lacks the year is worth a warning; with no national
    // calendar at all (`national_calendar = "none"`) there is nothing to miss.
    let calendar_year_missing = v.follow_national_calendar
        && national.years().next().is_some()
        && !national.covers(date.year());
    let (required, basis) = if let Some(code) = rota_code {
        match code {
            Some(c) if !c.eq_ignore_ascii_case(crate::rule::REST_CODE) => {
                (true, DayBasis::RotaShift)
            }
            Some(_) => (false, DayBasis::RotaRest),
            None => (false, DayBasis::RotaMissing),
        }
    } else if let Some(w) = v.special_days.lookup(date) {
        (
            w,
            if w {
                DayBasis::RuleWorkday
            } else {
                DayBasis::RuleDayOff
            },
        )
    } else if let Some(w) = company.lookup(date) {
        (
            w,
            if w {
                DayBasis::CompanyWorkday
            } else {
                DayBasis::CompanyDayOff
            },
        )
    } else if let Some(n) = nat {
        (
            !n.off,
            if n.off {
                DayBasis::NationalHoliday
            } else {
                DayBasis::NationalMakeupWorkday
            },
        )
    } else {
        match v.work_week.is_workday(date) {
            (w, None) => (w, DayBasis::WeeklyPattern),
            (w, Some(true)) => (w, DayBasis::AlternatingAnchorWeek),
            (w, Some(false)) => (w, DayBasis::AlternatingOtherWeek),
        }
    };
    let holiday = nat.filter(|n| n.off);
    let day_type = if required {
        DayType::Workday
    } else if holiday.is_some() {
        DayType::Holiday
    } else {
        DayType::RestDay
    };
    DayInfo {
        required,
        day_type,
        basis,
        holiday_name: nat.map(|n| n.name.clone()),
        statutory: holiday.is_some_and(|n| n.statutory),
        calendar_year_missing,
    }
}

/// Builds the plan of `date` under `v`, using `schedule` on a required day.
pub fn build(v: &Arc<RuleVersion>, date: Date, day: DayInfo, schedule: Option<usize>) -> DayPlan {
    let tz = v.zone.tz();
    let sched = schedule
        .filter(|_| day.required)
        .and_then(|i| v.schedules.get(i).map(|s| (i, s)));
    let rollover = |d: Date| v.day_rollover.on(d, tz);
    let next = date.checked_add(1.day()).unwrap_or(date);
    let day_range = (rollover(date), rollover(next) - 1);
    let Some((idx, s)) = sched else {
        return DayPlan {
            date,
            version: v.clone(),
            day,
            schedule: None,
            edges: Vec::new(),
            segments: Vec::new(),
            break_: None,
            flex: None,
            range: day_range,
            scheduled_minutes: 0,
            rollover_start: day_range.0,
        };
    };
    let edges: Vec<PlanEdge> = s
        .edges
        .iter()
        .map(|e| PlanEdge {
            kind: e.kind,
            segment: e.segment,
            scheduled: e.scheduled.on(date, tz),
            window: (e.window.0.on(date, tz), e.window.1.on(date, tz)),
            required: e.required,
        })
        .collect();
    let segments: Vec<(Minute, Minute)> = s
        .segments
        .iter()
        .map(|(a, b)| (a.on(date, tz), b.on(date, tz)))
        .collect();
    let break_ = s.break_.map(|(a, b)| (a.on(date, tz), b.on(date, tz)));
    let flex = s.flex.map(|(latest, _)| {
        let earliest = segments[0].0;
        PlanFlex {
            earliest,
            latest: latest.on(date, tz),
            span: segments[0].1 - earliest,
        }
    });
    let scheduled_minutes =
        segments.iter().map(|(a, b)| b - a).sum::<i64>() - break_.map_or(0, |(a, b)| b - a);
    let range = (
        edges.first().map_or(day_range.0, |e| e.window.0),
        edges.last().map_or(day_range.1, |e| e.window.1),
    );
    DayPlan {
        date,
        version: v.clone(),
        day,
        schedule: Some(idx),
        edges,
        segments,
        break_,
        flex,
        range,
        scheduled_minutes,
        rollover_start: day_range.0,
    }
}

/// (rule index, version index, date, rota code)
type PlanKey = (usize, usize, Date, Option<Arc<str>>);

/// Plans shared by every employee on the same rule version, date and shift.
#[derive(Default)]
pub struct PlanCache {
    plans: HashMap<PlanKey, Arc<DayPlan>>,
}

impl PlanCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.plans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// The plan of `date` for the given rule/version and rota code (rota rules only).
    pub fn get(
        &mut self,
        key: (usize, usize),
        v: &Arc<RuleVersion>,
        date: Date,
        rota_code: Option<&Arc<str>>,
        company: &SpecialDays,
        national: &NationalCalendar,
    ) -> Arc<DayPlan> {
        let ck = (key.0, key.1, date, rota_code.cloned());
        if let Some(p) = self.plans.get(&ck) {
            return p.clone();
        }
        let is_rota = v.kind == RuleKind::Rota;
        // A code the version does not know is treated like a missing rota entry.
        let code = rota_code.map(|c| &**c).filter(|c| {
            c.eq_ignore_ascii_case(crate::rule::REST_CODE) || v.shift_index(c).is_some()
        });
        let info = day_info(v, date, company, national, is_rota.then_some(code));
        let schedule = match v.kind {
            RuleKind::Rota => code.and_then(|c| v.shift_index(c)),
            RuleKind::Fixed | RuleKind::Flexible => Some(0),
            RuleKind::Free => None,
        };
        let plan = Arc::new(build(v, date, info, schedule));
        self.plans.insert(ck, plan.clone());
        plan
    }
}
