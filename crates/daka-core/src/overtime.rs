//! Overtime of one attendance day: its category, the raw minutes by the rule's method, then the
//! minimum and the rounding unit.

use crate::approvals::DayApprovals;
use crate::plan::{DayPlan, DayType};
use crate::result::{EdgeResult, OtCategory, Overtime, OvertimeWhy};
use crate::rule::{OvertimeMethod, OvertimeSettings, Rounding, RuleKind};
use crate::schedule::EdgeKind;
use crate::time::Minute;

/// Category of the day: required -> workday; statutory holiday of the followed national calendar
/// -> holiday; any other non-workday -> rest day.
pub fn category(plan: &DayPlan) -> OtCategory {
    if plan.day.required {
        OtCategory::Workday
    } else if plan.day.day_type == DayType::Holiday && plan.day.statutory {
        OtCategory::Holiday
    } else {
        OtCategory::RestDay
    }
}

/// Below the minimum -> 0, else rounded by the unit. A minimum is met when reached.
pub fn settle(raw: i64, s: &OvertimeSettings) -> i64 {
    if raw <= 0 || raw < s.minimum as i64 {
        return 0;
    }
    let u = s.unit.max(1) as i64;
    match s.rounding {
        Rounding::Down => raw / u * u,
        Rounding::Up => (raw + u - 1) / u * u,
        Rounding::Nearest => (raw + u / 2) / u * u,
    }
}

fn punch_min(e: &EdgeResult) -> Option<Minute> {
    e.punch.map(|(s, _)| s.div_euclid(60))
}

fn within(ap: &DayApprovals, approval: bool, iv: (Minute, Minute)) -> i64 {
    if iv.1 <= iv.0 {
        0
    } else if approval {
        ap.overtime_overlap(iv)
    } else {
        iv.1 - iv.0
    }
}

/// Raw workday overtime (before minimum and rounding), with the early-arrival part; with
/// `approval`, only time inside approved overtime.
fn workday_raw(
    plan: &DayPlan,
    edges: &[EdgeResult],
    work: i64,
    ap: &DayApprovals,
    approval: bool,
) -> (i64, i64) {
    let s = &plan.version.overtime;
    match s.method {
        OvertimeMethod::WorkedMinusExpected => {
            let expected = if plan.has_edges() {
                let leave: i64 = ap.leave_taken(plan).iter().map(|l| l.minutes).sum();
                plan.scheduled_minutes - leave
            } else if plan.version.kind == RuleKind::Free {
                match plan.version.min_work_minutes {
                    Some(m) => m as i64,
                    None => return (0, 0),
                }
            } else {
                return (0, 0);
            };
            let raw = (work - expected).max(0);
            if approval {
                let first = edges.iter().find_map(punch_min);
                let last = edges.iter().rev().find_map(punch_min);
                let approved = match (first, last) {
                    (Some(a), Some(b)) => ap.overtime_overlap((a, b)),
                    _ => 0,
                };
                (raw.min(approved), 0)
            } else {
                (raw, 0)
            }
        }
        OvertimeMethod::AfterEnd => {
            if !plan.has_edges() {
                return (0, 0);
            }
            let last_out = edges.iter().rev().find(|e| e.kind == EdgeKind::Out);
            let after = match last_out {
                Some(e) => match (punch_min(e), e.judged_against.or(e.scheduled)) {
                    (Some(p), Some(end)) => {
                        // Leave that moved the check-out does not move where overtime starts.
                        let end = if e.adjust.leave.is_some() {
                            e.scheduled.unwrap_or(end)
                        } else {
                            end
                        };
                        within(ap, approval, (end + s.start_delay as i64, p))
                    }
                    _ => 0,
                },
                None => 0,
            };
            let early = if s.count_early_arrival {
                let first_in = edges.iter().find(|e| e.kind == EdgeKind::In);
                let start = plan
                    .flex
                    .map(|f| f.earliest)
                    .or(plan.segments.first().map(|s| s.0));
                match (first_in.and_then(punch_min), start) {
                    (Some(p), Some(st)) => within(ap, approval, (p, st)),
                    _ => 0,
                }
            } else {
                0
            };
            (after + early, early)
        }
    }
}

pub fn compute(
    plan: &DayPlan,
    edges: &[EdgeResult],
    work: i64,
    ap: &DayApprovals,
) -> (Overtime, Option<OvertimeWhy>) {
    let s = &plan.version.overtime;
    let cat = category(plan);
    let on_leave = matches!(
        edges.first().and_then(|e| e.not_required.as_ref()),
        Some(crate::result::NotRequiredWhy::FullDayLeave(_))
    );
    // Computed without and with the approval requirement, so the explanation can say what
    // the missing approval cost.
    let raw_of = |approval: bool| -> (i64, i64) {
        if on_leave {
            (0, 0)
        } else if plan.day.required {
            workday_raw(plan, edges, work, ap, approval)
        } else {
            let first = edges.iter().find_map(punch_min);
            let last = edges.iter().rev().find_map(punch_min);
            match (first, last) {
                (Some(a), Some(b)) if b > a => (within(ap, approval, (a, b)), 0),
                _ => (0, 0),
            }
        }
    };
    let (worked, _) = raw_of(false);
    let (raw, early) = if s.needs_approval {
        raw_of(true)
    } else {
        raw_of(false)
    };
    if worked == 0 {
        return (Overtime::default(), None);
    }
    let disabled = match cat {
        OtCategory::Workday => !s.workday,
        OtCategory::RestDay => !s.rest_day,
        OtCategory::Holiday => !s.holiday,
    };
    let counted = if disabled { 0 } else { settle(raw, s) };
    let mut ot = Overtime::default();
    match cat {
        OtCategory::Workday => ot.workday = counted,
        OtCategory::RestDay => ot.rest_day = counted,
        OtCategory::Holiday => ot.holiday = counted,
    }
    (
        ot,
        Some(OvertimeWhy {
            category: cat,
            worked,
            raw,
            early,
            counted,
            disabled,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_is_met_when_reached_then_rounded() {
        let s = OvertimeSettings {
            minimum: 30,
            unit: 30,
            ..OvertimeSettings::default()
        };
        assert_eq!(settle(29, &s), 0);
        assert_eq!(settle(30, &s), 30);
        assert_eq!(settle(59, &s), 30);
        let up = OvertimeSettings {
            rounding: Rounding::Up,
            ..s
        };
        assert_eq!(settle(31, &up), 60);
        let near = OvertimeSettings {
            rounding: Rounding::Nearest,
            ..s
        };
        assert_eq!(settle(44, &near), 30);
        assert_eq!(settle(45, &near), 60);
    }
}
