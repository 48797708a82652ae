//! Attendance rules and their effective-dated versions, with every per-rule setting.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::{SpecialDays, WorkWeek};
use crate::error::SpecError;
use crate::schedule::{Schedule, ScheduleSpec};
use crate::time::{DayTime, WeekdaySet, Zone};

/// 大小周: the week (Monday to Sunday) containing `anchor` uses `anchor_week`, the weeks before
/// and after alternate with `other_week`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlternatingWeeks {
    pub anchor: Date,
    pub anchor_week: WeekdaySet,
    pub other_week: WeekdaySet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Fixed hours: the same schedule on every workday.
    Fixed,
    /// Shift rota: named shifts assigned per employee and day; the rota alone decides workdays.
    Rota,
    /// Flexible hours: arrival anywhere between the start and `flex.latest_start`.
    Flexible,
    /// Free hours (不定时): no set times; work time counted from the first and last punch.
    Free,
}

/// Minute thresholds of one direction (arrival or leaving). `grace`: up to it still Normal;
/// `serious`: at or beyond it SeriousLate (arrival only); `absent`: at or beyond it Absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default)]
    pub grace: u32,
    #[serde(default)]
    pub serious: Option<u32>,
    #[serde(default)]
    pub absent: Option<u32>,
}

/// Below these work minutes a required day is also judged absent (0.5 / 1 day).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkMinutesCheck {
    pub half_day_below: u32,
    pub absent_below: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsenceSettings {
    /// What an Absent edge (late or early beyond the absent threshold) costs the day: 1 or 0.5.
    #[serde(default = "one")]
    pub absent_edge_days: f64,
    /// What a required day with every required edge Missing costs: 1, 0.5 or 0.
    #[serde(default = "one")]
    pub all_missing_days: f64,
    /// What a required day with some (not all) required edges Missing costs: 0 (default), 0.5 or 1.
    #[serde(default)]
    pub some_missing_days: f64,
    /// Also judge the day on its work minutes (off by default).
    #[serde(default)]
    pub work_minutes: Option<WorkMinutesCheck>,
}

fn one() -> f64 {
    1.0
}

impl Default for AbsenceSettings {
    fn default() -> Self {
        Self {
            absent_edge_days: 1.0,
            all_missing_days: 1.0,
            some_missing_days: 0.0,
            work_minutes: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OvertimeMethod {
    /// WeCom's way: from scheduled end + start delay to the check-out.
    #[default]
    AfterEnd,
    /// Odoo's way: work minutes beyond the day's scheduled minutes.
    WorkedMinusExpected,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    #[default]
    Down,
    Up,
    Nearest,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OvertimeSettings {
    #[serde(default)]
    pub method: OvertimeMethod,
    /// Minutes after the scheduled end before workday overtime starts (never counted).
    #[serde(default)]
    pub start_delay: u32,
    /// Overtime below this many minutes counts as 0.
    #[serde(default)]
    pub minimum: u32,
    /// Rounding unit in minutes (1 = none).
    #[serde(default = "one_u32")]
    pub unit: u32,
    #[serde(default)]
    pub rounding: Rounding,
    /// Count arriving before the scheduled start as workday overtime.
    #[serde(default)]
    pub count_early_arrival: bool,
    /// Only time inside an approved overtime request counts.
    #[serde(default)]
    pub needs_approval: bool,
    /// Which categories are counted at all.
    #[serde(default = "yes")]
    pub workday: bool,
    #[serde(default = "yes")]
    pub rest_day: bool,
    #[serde(default = "yes")]
    pub holiday: bool,
}

fn one_u32() -> u32 {
    1
}

fn yes() -> bool {
    true
}

impl Default for OvertimeSettings {
    fn default() -> Self {
        Self {
            method: OvertimeMethod::AfterEnd,
            start_delay: 0,
            minimum: 0,
            unit: 1,
            rounding: Rounding::Down,
            count_early_arrival: false,
            needs_approval: false,
            workday: true,
            rest_day: true,
            holiday: true,
        }
    }
}

/// WeCom's `late_rule` tier: left at least `left_after` minutes after yesterday's scheduled end,
/// so today's check-in may be `arrive_later` minutes later.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateTier {
    pub left_after: u32,
    pub arrive_later: u32,
}

fn default_rollover() -> DayTime {
    DayTime::hm(4, 0)
}

/// One version of a rule as written by an admin (or a scenario file).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleVersionSpec {
    /// Version number; defaults to the position in the list, from 1.
    #[serde(default)]
    pub version: Option<u32>,
    /// First attendance date on which this version is in force.
    pub effective_from: Date,
    pub time_zone: Zone,
    pub kind: RuleKind,
    /// Weekdays (`["mon", ...]`); default Monday to Friday. Not used by rota rules.
    #[serde(default)]
    pub workdays: Option<WeekdaySet>,
    /// 大小周: alternating weeks instead of `workdays`.
    #[serde(default)]
    pub alternating_weeks: Option<AlternatingWeeks>,
    /// Follow the national holiday calendar (days off and 调休 make-up workdays).
    #[serde(default = "yes")]
    pub follow_national_calendar: bool,
    /// This rule's own one-off workdays and days off (over the company's and the nation's).
    #[serde(default)]
    pub special_days: SpecialDays,
    /// Fixed and flexible rules.
    #[serde(default)]
    pub schedule: Option<ScheduleSpec>,
    /// Rota rules: shift code -> schedule (`REST` is reserved for a rest day).
    #[serde(default)]
    pub shifts: BTreeMap<String, ScheduleSpec>,
    #[serde(default)]
    pub late: Thresholds,
    #[serde(default)]
    pub early: Thresholds,
    #[serde(default)]
    pub late_rule: Vec<LateTier>,
    #[serde(default)]
    pub absence: AbsenceSettings,
    #[serde(default)]
    pub overtime: OvertimeSettings,
    /// Where a day without set times (free hours, rest days) ends: day D runs from D at this time
    /// to D+1 at this time.
    #[serde(default = "default_rollover")]
    pub day_rollover: DayTime,
    /// Free hours: minimum daily work minutes (below it the day is marked short).
    #[serde(default)]
    pub min_work_minutes: Option<u32>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub versions: Vec<RuleVersionSpec>,
}

/// A validated rule version.
#[derive(Clone, Debug)]
pub struct RuleVersion {
    pub rule_id: String,
    pub rule_name: String,
    pub version: u32,
    pub effective_from: Date,
    pub zone: Zone,
    pub kind: RuleKind,
    pub work_week: WorkWeek,
    pub follow_national_calendar: bool,
    pub special_days: SpecialDays,
    /// Fixed/flexible: one schedule. Rota: the shifts, looked up by name.
    pub schedules: Vec<Schedule>,
    pub late: Thresholds,
    pub early: Thresholds,
    /// Sorted by `left_after`, ascending.
    pub late_rule: Vec<LateTier>,
    pub absence: AbsenceSettings,
    pub overtime: OvertimeSettings,
    pub day_rollover: DayTime,
    pub min_work_minutes: Option<u32>,
}

impl RuleVersion {
    pub fn shift_index(&self, code: &str) -> Option<usize> {
        self.schedules.iter().position(|s| s.name == code)
    }

    /// "Office v3", as explanations name it.
    pub fn label(&self) -> String {
        format!("{} v{}", self.rule_name, self.version)
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub name: String,
    /// Sorted by effective date.
    pub versions: Vec<Arc<RuleVersion>>,
}

pub const REST_CODE: &str = "REST";

fn check_thresholds(t: &Thresholds, path: &str) -> Result<(), SpecError> {
    if let Some(s) = t.serious
        && s <= t.grace
    {
        return Err(SpecError::new(
            format!("{path}.serious"),
            format!("{s} must be greater than grace {}", t.grace),
        ));
    }
    if let Some(a) = t.absent {
        if a <= t.grace {
            return Err(SpecError::new(
                format!("{path}.absent"),
                format!("{a} must be greater than grace {}", t.grace),
            ));
        }
        if let Some(s) = t.serious
            && a < s
        {
            return Err(SpecError::new(
                format!("{path}.absent"),
                format!("{a} must not be below serious {s}"),
            ));
        }
    }
    Ok(())
}

fn check_days(v: f64, allowed: &[f64], path: &str) -> Result<(), SpecError> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        Err(SpecError::new(
            path,
            format!("{v} is not one of {}", list.join(", ")),
        ))
    }
}

impl RuleVersion {
    fn compile(rule: &RuleSpec, index: usize, spec: &RuleVersionSpec) -> Result<Self, SpecError> {
        let at = |f: &str| format!("versions[{index}].{f}");
        let mut schedules = Vec::new();
        match spec.kind {
            RuleKind::Fixed | RuleKind::Flexible => {
                let Some(s) = &spec.schedule else {
                    return Err(SpecError::new(
                        at("schedule"),
                        "is required for this kind of rule",
                    ));
                };
                if spec.kind == RuleKind::Flexible && s.flex.is_none() {
                    return Err(SpecError::new(
                        at("schedule.flex"),
                        "a flexible rule needs flex.latest_start",
                    ));
                }
                schedules.push(Schedule::compile(
                    "",
                    s,
                    spec.day_rollover,
                    &at("schedule"),
                )?);
            }
            RuleKind::Rota => {
                if spec.shifts.is_empty() {
                    return Err(SpecError::new(
                        at("shifts"),
                        "a rota rule needs at least one shift",
                    ));
                }
                for (code, s) in &spec.shifts {
                    if code.eq_ignore_ascii_case(REST_CODE) || code.trim().is_empty() {
                        return Err(SpecError::new(
                            at(&format!("shifts.{code}")),
                            "this shift code is reserved or empty",
                        ));
                    }
                    schedules.push(Schedule::compile(
                        code,
                        s,
                        spec.day_rollover,
                        &at(&format!("shifts.{code}")),
                    )?);
                }
            }
            RuleKind::Free => {
                if spec.schedule.is_some() || !spec.shifts.is_empty() {
                    return Err(SpecError::new(
                        at("schedule"),
                        "a free-hours rule has no schedule or shifts",
                    ));
                }
            }
        }
        if spec.kind != RuleKind::Rota && !spec.shifts.is_empty() {
            return Err(SpecError::new(at("shifts"), "only rota rules have shifts"));
        }
        if spec.kind == RuleKind::Rota && spec.schedule.is_some() {
            return Err(SpecError::new(
                at("schedule"),
                "rota rules define shifts instead",
            ));
        }
        if spec.alternating_weeks.is_some() && spec.workdays.is_some() {
            return Err(SpecError::new(
                at("alternating_weeks"),
                "give either workdays or alternating_weeks, not both",
            ));
        }
        if spec.early.serious.is_some() {
            return Err(SpecError::new(
                at("early.serious"),
                "leaving early has no serious tier; use early.absent",
            ));
        }
        check_thresholds(&spec.late, &at("late"))?;
        check_thresholds(&spec.early, &at("early"))?;
        check_days(
            spec.absence.absent_edge_days,
            &[0.5, 1.0],
            &at("absence.absent_edge_days"),
        )?;
        check_days(
            spec.absence.all_missing_days,
            &[0.0, 0.5, 1.0],
            &at("absence.all_missing_days"),
        )?;
        check_days(
            spec.absence.some_missing_days,
            &[0.0, 0.5, 1.0],
            &at("absence.some_missing_days"),
        )?;
        if let Some(w) = spec.absence.work_minutes
            && w.absent_below > w.half_day_below
        {
            return Err(SpecError::new(
                at("absence.work_minutes.absent_below"),
                "must not exceed half_day_below",
            ));
        }
        if spec.overtime.unit == 0 {
            return Err(SpecError::new(
                at("overtime.unit"),
                "must be at least 1 minute",
            ));
        }
        let mut late_rule = spec.late_rule.clone();
        late_rule.sort_by_key(|t| t.left_after);
        Ok(Self {
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone().unwrap_or_else(|| rule.id.clone()),
            version: spec.version.unwrap_or(index as u32 + 1),
            effective_from: spec.effective_from,
            zone: spec.time_zone.clone(),
            kind: spec.kind,
            work_week: match (&spec.alternating_weeks, spec.workdays) {
                (Some(a), _) => WorkWeek::Alternating {
                    anchor: a.anchor,
                    anchor_week: a.anchor_week,
                    other_week: a.other_week,
                },
                (None, Some(w)) => WorkWeek::Weekly(w),
                (None, None) => WorkWeek::default(),
            },
            follow_national_calendar: spec.follow_national_calendar,
            special_days: spec.special_days.clone(),
            schedules,
            late: spec.late,
            early: spec.early,
            late_rule,
            absence: spec.absence,
            overtime: spec.overtime,
            day_rollover: spec.day_rollover,
            min_work_minutes: spec.min_work_minutes,
        })
    }
}

impl Rule {
    /// Validates every version. Errors carry paths relative to the rule (`versions[1].late.absent`).
    pub fn compile(spec: &RuleSpec) -> Result<Self, SpecError> {
        if spec.id.trim().is_empty() {
            return Err(SpecError::new("id", "must not be empty"));
        }
        if spec.versions.is_empty() {
            return Err(SpecError::new(
                "versions",
                "a rule needs at least one version",
            ));
        }
        let mut versions = Vec::with_capacity(spec.versions.len());
        for (i, v) in spec.versions.iter().enumerate() {
            versions.push(RuleVersion::compile(spec, i, v)?);
        }
        versions.sort_by_key(|v| v.effective_from);
        for w in versions.windows(2) {
            if w[0].effective_from == w[1].effective_from {
                return Err(SpecError::new(
                    "versions",
                    format!("two versions take effect on {}", w[1].effective_from),
                ));
            }
        }
        let mut numbers: Vec<u32> = versions.iter().map(|v| v.version).collect();
        numbers.sort_unstable();
        if let Some(w) = numbers.windows(2).find(|w| w[0] == w[1]) {
            return Err(SpecError::new(
                "versions",
                format!("version number {} is used twice", w[0]),
            ));
        }
        Ok(Self {
            id: spec.id.clone(),
            name: spec.name.clone().unwrap_or_else(|| spec.id.clone()),
            versions: versions.into_iter().map(Arc::new).collect(),
        })
    }

    /// The version in force on `date`, if any.
    pub fn version_on(&self, date: Date) -> Option<(usize, &Arc<RuleVersion>)> {
        let i = self.versions.partition_point(|v| v.effective_from <= date);
        i.checked_sub(1).map(|i| (i, &self.versions[i]))
    }
}
