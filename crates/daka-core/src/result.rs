//! Results of one employee-day, with the structured reasons that explain them.

use std::sync::Arc;

use crate::facts::PunchSource;
use crate::plan::DayPlan;
use crate::schedule::{EdgeKind, edge_name};
use crate::time::Minute;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Normal,
    Late,
    SeriousLate,
    Absent,
    Early,
    Missing,
    NotRequired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Normal => "Normal",
            Status::Late => "Late",
            Status::SeriousLate => "SeriousLate",
            Status::Absent => "Absent",
            Status::Early => "Early",
            Status::Missing => "Missing",
            Status::NotRequired => "NotRequired",
        }
    }

    /// Statuses that break perfect attendance.
    pub fn is_exception(self) -> bool {
        !matches!(self, Status::Normal | Status::NotRequired)
    }
}

/// Why an edge is not required.
#[derive(Clone, Debug, PartialEq)]
pub enum NotRequiredWhy {
    NonWorkday,
    NoCheckout,
    FullDayLeave(Arc<str>),
    /// The segment lies wholly inside leave.
    SegmentOnLeave(Arc<str>),
    Trip,
    Outing,
}

/// What the judgment of an edge was measured against, beyond the schedule.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EdgeAdjust {
    /// Left-late-yesterday tier applied: (left minutes yesterday, tier's left_after, arrive_later).
    pub late_rule: Option<(i64, u32, u32)>,
    /// Leave moved the judged time (the leave's type).
    pub leave: Option<Arc<str>>,
    /// Flexible hours: the effective start used for a check-out.
    pub flex_start: Option<Minute>,
    /// Flexible check-out judged without a check-in (from the earliest start).
    pub flex_without_checkin: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EdgeResult {
    pub kind: EdgeKind,
    pub segment: u8,
    /// None for days without set times (free hours, non-workdays).
    pub scheduled: Option<Minute>,
    /// The minute lateness or early leaving was measured from (scheduled, unless adjusted).
    pub judged_against: Option<Minute>,
    pub window: Option<(Minute, Minute)>,
    /// UTC second and source of the punch that satisfied the edge.
    pub punch: Option<(i64, PunchSource)>,
    pub status: Status,
    /// Late or early minutes (0 when Normal).
    pub minutes: i64,
    pub not_required: Option<NotRequiredWhy>,
    pub adjust: EdgeAdjust,
}

impl EdgeResult {
    pub fn name(&self) -> &'static str {
        edge_name(self.kind, self.segment)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoreWhy {
    /// Same instant as another punch.
    Duplicate,
    /// Inside no punch window of the day.
    OutsideWindows,
    /// In the window of an edge that chose another punch (earliest check-in, latest check-out).
    NotChosen(EdgeKind, u8),
    /// Between the first and last punch of a day without set times.
    Intermediate,
    /// Voided by an admin correction.
    Voided,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ignored {
    pub second: i64,
    pub source: PunchSource,
    pub why: IgnoreWhy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtCategory {
    Workday,
    RestDay,
    Holiday,
}

impl OtCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            OtCategory::Workday => "workday",
            OtCategory::RestDay => "rest_day",
            OtCategory::Holiday => "holiday",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Overtime {
    pub workday: i64,
    pub rest_day: i64,
    pub holiday: i64,
}

impl Overtime {
    pub fn total(&self) -> i64 {
        self.workday + self.rest_day + self.holiday
    }

    pub fn add(&mut self, o: &Overtime) {
        self.workday += o.workday;
        self.rest_day += o.rest_day;
        self.holiday += o.holiday;
    }
}

/// How overtime was reached, for the explanation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OvertimeWhy {
    pub category: OtCategory,
    /// Minutes that would count without the approval requirement.
    pub worked: i64,
    /// Minutes before the minimum and rounding (inside approved overtime when required).
    pub raw: i64,
    /// Minutes of early arrival included in `raw`.
    pub early: i64,
    /// Minutes counted.
    pub counted: i64,
    /// The category is switched off by the rule.
    pub disabled: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AbsentWhy {
    /// An edge was Absent (late or early beyond the absent threshold).
    AbsentEdge(EdgeKind, u8),
    AllMissing,
    SomeMissing,
    WorkBelowHalfDay(i64),
    WorkBelowAbsent(i64),
    /// Capped by leave taken the same day.
    CappedByLeave,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LeaveTaken {
    pub leave_type: Arc<str>,
    pub minutes: i64,
    pub days: f64,
}

#[derive(Clone, Debug)]
pub struct DayResult {
    pub employee: Arc<str>,
    pub plan: Arc<DayPlan>,
    pub edges: Vec<EdgeResult>,
    pub ignored: Vec<Ignored>,
    pub work_minutes: i64,
    pub overtime: Overtime,
    pub overtime_why: Option<OvertimeWhy>,
    pub absent_days: f64,
    pub absent_why: Vec<AbsentWhy>,
    pub leave: Vec<LeaveTaken>,
    /// Minutes of approved trips and outings inside scheduled work time.
    pub trip_minutes: i64,
    /// Free hours: minutes short of the rule's daily minimum.
    pub short_minutes: i64,
}

impl DayResult {
    pub fn count(&self, s: Status) -> usize {
        self.edges.iter().filter(|e| e.status == s).count()
    }

    /// A required day on which the employee was present (a punch satisfied an edge) or away on
    /// an approved trip or outing.
    pub fn attended(&self) -> bool {
        let on_leave = self
            .edges
            .iter()
            .any(|e| matches!(e.not_required, Some(NotRequiredWhy::FullDayLeave(_))));
        self.plan.day.required
            && !on_leave
            && self.edges.iter().any(|e| {
                e.punch.is_some()
                    || matches!(
                        e.not_required,
                        Some(NotRequiredWhy::Trip) | Some(NotRequiredWhy::Outing)
                    )
            })
    }
}
