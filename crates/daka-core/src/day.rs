//! The computation of one employee-day from its plan, its punches and its approvals.

use std::sync::Arc;

use crate::approvals::DayApprovals;
use crate::facts::{Approval, Punch};
use crate::overtime;
use crate::plan::{DayPlan, DayType, PlanEdge};
use crate::result::{
    AbsentWhy, DayResult, EdgeAdjust, EdgeResult, IgnoreWhy, Ignored, LeaveTaken, NotRequiredWhy,
    Status,
};
use crate::rule::{RuleKind, Thresholds};
use crate::schedule::EdgeKind;
use crate::time::Minute;

/// What the next day needs to know about this one (WeCom's "left late yesterday" rule).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrevDay {
    pub scheduled_end: Minute,
    pub checkout: Option<Minute>,
}

/// One employee-day to compute.
pub struct DayInput<'a> {
    pub employee: &'a Arc<str>,
    pub plan: &'a Arc<DayPlan>,
    /// Punches in this range belong to this day (and to no other).
    pub claim: (Minute, Minute),
    /// Where this day may choose punches: its windows (or rollover day) cut to its claim.
    pub select: (Minute, Minute),
    /// The employee's punches sorted by (second, source); duplicates included.
    pub punches: &'a [Punch],
    /// Sorted minutes of punches an admin voided.
    pub voided: &'a [i64],
    pub approvals: &'a [Approval],
    pub prev: Option<PrevDay>,
}

/// Late/early tiers: up to the grace Normal; beyond it the full minutes; at or beyond `serious`
/// SeriousLate (arrival only), at or beyond `absent` Absent.
pub fn tier(minutes: i64, t: &Thresholds, arrival: bool) -> Status {
    if minutes <= t.grace as i64 {
        Status::Normal
    } else if t.absent.is_some_and(|a| minutes >= a as i64) {
        Status::Absent
    } else if arrival && t.serious.is_some_and(|s| minutes >= s as i64) {
        Status::SeriousLate
    } else if arrival {
        Status::Late
    } else {
        Status::Early
    }
}

fn overlap(a: (Minute, Minute), b: (Minute, Minute)) -> i64 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0)
}

/// Splits the claimed punches into the usable ones and the ignored ones.
fn usable_punches(input: &DayInput<'_>, ignored: &mut Vec<Ignored>) -> Vec<Punch> {
    let ps = input.punches;
    let lo = ps.partition_point(|p| p.minute() < input.claim.0);
    // A day whose range its neighbours took entirely claims nothing.
    let hi = ps.partition_point(|p| p.minute() <= input.claim.1).max(lo);
    let mut out: Vec<Punch> = Vec::with_capacity(hi.saturating_sub(lo));
    for p in &ps[lo..hi] {
        if out.last().is_some_and(|q| q.second == p.second) {
            ignored.push(Ignored {
                second: p.second,
                source: p.source,
                why: IgnoreWhy::Duplicate,
            });
        } else if p.source == crate::facts::PunchSource::Punch
            && input.voided.binary_search(&p.minute()).is_ok()
        {
            ignored.push(Ignored {
                second: p.second,
                source: p.source,
                why: IgnoreWhy::Voided,
            });
        } else {
            out.push(*p);
        }
    }
    out
}

/// The punch windows of the day. Leave that moves a segment's judged check-in or check-out
/// also moves the split between that segment's two windows to the middle of the time left to
/// work, so the check-out before afternoon leave (or the check-in after morning leave) lands on
/// its own edge.
fn windows(plan: &DayPlan, ap: &DayApprovals) -> Vec<(Minute, Minute)> {
    let mut w: Vec<(Minute, Minute)> = plan.edges.iter().map(|e| e.window).collect();
    if !ap.has_leave() {
        return w;
    }
    for i in (0..plan.edges.len()).step_by(2) {
        let (Some(ein), Some(eout)) = (plan.edges.get(i), plan.edges.get(i + 1)) else {
            continue;
        };
        let start = ap.leave_shift_in(ein.scheduled, plan.break_).map(|x| x.1);
        let end = ap.leave_shift_out(eout.scheduled, plan.break_).map(|x| x.1);
        if start.is_none() && end.is_none() {
            continue;
        }
        // A flexible check-in is on time up to the latest start: keep that inside its window.
        let on_time_until = match plan.flex {
            Some(f) if ein.segment == 0 => f.latest,
            _ => ein.scheduled,
        };
        let a = start.unwrap_or(on_time_until);
        let b = end.unwrap_or(eout.scheduled);
        if b <= a {
            continue;
        }
        let mid = a + (b - a) / 2;
        w[i].1 = mid.max(w[i].0);
        w[i + 1].0 = (mid + 1).min(w[i + 1].1);
    }
    w
}

/// Earliest punch in a check-in window, latest in a check-out window; others are ignored.
fn choose(
    plan: &DayPlan,
    windows: &[(Minute, Minute)],
    select: (Minute, Minute),
    usable: &[Punch],
    ignored: &mut Vec<Ignored>,
) -> Vec<Option<Punch>> {
    let mut chosen: Vec<Option<Punch>> = vec![None; plan.edges.len()];
    for p in usable {
        let m = p.minute();
        let hit = windows.iter().position(|w| {
            let lo = w.0.max(select.0);
            let hi = w.1.min(select.1);
            lo <= m && m <= hi
        });
        let Some(i) = hit else {
            ignored.push(Ignored {
                second: p.second,
                source: p.source,
                why: IgnoreWhy::OutsideWindows,
            });
            continue;
        };
        let e = &plan.edges[i];
        let loser = match (e.kind, chosen[i]) {
            (_, None) => {
                chosen[i] = Some(*p);
                None
            }
            (EdgeKind::In, Some(_)) => Some(*p),
            (EdgeKind::Out, Some(prev)) => {
                chosen[i] = Some(*p);
                Some(prev)
            }
        };
        if let Some(l) = loser {
            ignored.push(Ignored {
                second: l.second,
                source: l.source,
                why: IgnoreWhy::NotChosen(e.kind, e.segment),
            });
        }
    }
    chosen
}

/// The largest left-late-yesterday tier met, as (left minutes, tier's left_after, arrive_later).
fn late_rule_extension(plan: &DayPlan, prev: Option<PrevDay>) -> Option<(i64, u32, u32)> {
    let prev = prev?;
    let left = prev.checkout? - prev.scheduled_end;
    plan.version
        .late_rule
        .iter()
        .rev()
        .find(|t| left >= t.left_after as i64)
        .map(|t| (left, t.left_after, t.arrive_later))
}

fn edge_result(e: &PlanEdge, punch: Option<Punch>) -> EdgeResult {
    EdgeResult {
        kind: e.kind,
        segment: e.segment,
        scheduled: Some(e.scheduled),
        judged_against: Some(e.scheduled),
        window: Some(e.window),
        punch: punch.map(|p| (p.second, p.source)),
        status: Status::Normal,
        minutes: 0,
        not_required: None,
        adjust: EdgeAdjust::default(),
    }
}

/// Judges the edges of a scheduled workday.
fn judge_edges(
    input: &DayInput<'_>,
    chosen: &[Option<Punch>],
    windows: &[(Minute, Minute)],
    ap: &DayApprovals,
) -> Vec<EdgeResult> {
    let plan = &**input.plan;
    let v = &plan.version;
    let mut out: Vec<EdgeResult> = Vec::with_capacity(plan.edges.len());
    let extension = late_rule_extension(plan, input.prev);
    for (i, e) in plan.edges.iter().enumerate() {
        let mut r = edge_result(e, chosen[i]);
        r.window = windows.get(i).copied();
        let seg = plan.segments[e.segment as usize];
        let whole_day = ap.full_day_reason();
        let not_required = if let Some(w) = whole_day {
            Some(w)
        } else if let Some(t) = ap.leave_covering_segment(seg, plan.break_) {
            Some(NotRequiredWhy::SegmentOnLeave(t))
        } else if let Some(w) = ap.trip_at(e.scheduled) {
            Some(w)
        } else if !e.required {
            Some(NotRequiredWhy::NoCheckout)
        } else {
            None
        };
        if let Some(w) = not_required {
            r.status = Status::NotRequired;
            r.not_required = Some(w);
            out.push(r);
            continue;
        }
        let Some(p) = chosen[i] else {
            r.status = Status::Missing;
            out.push(r);
            continue;
        };
        let m = p.minute();
        match e.kind {
            EdgeKind::In => {
                let mut judged = match plan.flex {
                    Some(f) if e.segment == 0 => f.latest,
                    _ => e.scheduled,
                };
                if let Some((t, moved)) = ap.leave_shift_in(judged, plan.break_) {
                    judged = moved;
                    r.adjust.leave = Some(t);
                }
                if e.segment == 0
                    && let Some(x) = extension
                {
                    judged += x.2 as i64;
                    r.adjust.late_rule = Some(x);
                }
                r.judged_against = Some(judged);
                let late = m - judged;
                r.status = tier(late, &v.late, true);
                r.minutes = if r.status == Status::Normal { 0 } else { late };
            }
            EdgeKind::Out => {
                // Leave on a flexible day anchors the span at the earliest start: the leave
                // already stands for the hours it covers.
                let leave_day = ap.leave_overlaps(seg);
                let mut judged = match plan.flex {
                    Some(_) if leave_day => e.scheduled,
                    Some(f) => {
                        let start = out
                            .first()
                            .and_then(|i| i.punch)
                            .map(|(s, _)| s.div_euclid(60));
                        match start {
                            Some(s) => {
                                let eff = s.max(f.earliest);
                                r.adjust.flex_start = Some(eff);
                                eff + f.span
                            }
                            None => {
                                r.adjust.flex_without_checkin = true;
                                f.earliest + f.span
                            }
                        }
                    }
                    None => e.scheduled,
                };
                if let Some((t, moved)) = ap.leave_shift_out(judged, plan.break_) {
                    judged = moved;
                    r.adjust.leave = Some(t);
                }
                r.judged_against = Some(judged);
                let early = judged - m;
                r.status = tier(early, &v.early, false);
                r.minutes = if r.status == Status::Normal { 0 } else { early };
            }
        }
        out.push(r);
    }
    out
}

/// Days without set times (free hours, non-workdays): in1 = first punch, out1 = last punch.
fn judge_unscheduled(
    input: &DayInput<'_>,
    usable: &[Punch],
    ignored: &mut Vec<Ignored>,
    ap: &DayApprovals,
) -> Vec<EdgeResult> {
    let plan = &**input.plan;
    let (lo, hi) = input.select;
    let inside: Vec<Punch> = usable
        .iter()
        .filter(|p| {
            let m = p.minute();
            if lo <= m && m <= hi {
                true
            } else {
                ignored.push(Ignored {
                    second: p.second,
                    source: p.source,
                    why: IgnoreWhy::OutsideWindows,
                });
                false
            }
        })
        .copied()
        .collect();
    let first = inside.first().copied();
    let last = if inside.len() >= 2 {
        inside.last().copied()
    } else {
        None
    };
    if inside.len() > 2 {
        for p in &inside[1..inside.len() - 1] {
            ignored.push(Ignored {
                second: p.second,
                source: p.source,
                why: IgnoreWhy::Intermediate,
            });
        }
    }
    let not_required = if !plan.day.required {
        Some(NotRequiredWhy::NonWorkday)
    } else {
        ap.full_day_reason()
    };
    [(EdgeKind::In, first), (EdgeKind::Out, last)]
        .into_iter()
        .map(|(kind, p)| EdgeResult {
            kind,
            segment: 0,
            scheduled: None,
            judged_against: None,
            window: None,
            punch: p.map(|p| (p.second, p.source)),
            status: match (&not_required, p) {
                (Some(_), _) => Status::NotRequired,
                (None, Some(_)) => Status::Normal,
                (None, None) => Status::Missing,
            },
            minutes: 0,
            not_required: not_required.clone(),
            adjust: EdgeAdjust::default(),
        })
        .collect()
}

fn work_minutes(plan: &DayPlan, edges: &[EdgeResult]) -> i64 {
    let mut total = 0;
    let n = if plan.has_edges() {
        plan.segments.len()
    } else {
        1
    };
    for seg in 0..n as u8 {
        let find = |k| {
            edges
                .iter()
                .find(|e| e.kind == k && e.segment == seg)
                .and_then(|e| e.punch)
                .map(|(s, _)| s.div_euclid(60))
        };
        if let (Some(a), Some(b)) = (find(EdgeKind::In), find(EdgeKind::Out))
            && b > a
        {
            total += b - a - plan.break_.map_or(0, |br| overlap(br, (a, b)));
        }
    }
    total
}

fn absence(
    plan: &DayPlan,
    edges: &[EdgeResult],
    work: i64,
    ap: &DayApprovals,
    leave_days: f64,
) -> (f64, Vec<AbsentWhy>) {
    let mut why = Vec::new();
    if !plan.day.required || ap.full_day_reason().is_some() {
        return (0.0, why);
    }
    let s = &plan.version.absence;
    let mut verdict: f64 = 0.0;
    if let Some(e) = edges.iter().find(|e| e.status == Status::Absent) {
        verdict = verdict.max(s.absent_edge_days);
        why.push(AbsentWhy::AbsentEdge(e.kind, e.segment));
    }
    let judged = edges
        .iter()
        .filter(|e| e.status != Status::NotRequired)
        .count();
    let missing = edges.iter().filter(|e| e.status == Status::Missing).count();
    if judged > 0 && missing == judged {
        if s.all_missing_days > 0.0 {
            verdict = verdict.max(s.all_missing_days);
            why.push(AbsentWhy::AllMissing);
        }
    } else if missing > 0 && s.some_missing_days > 0.0 {
        verdict = verdict.max(s.some_missing_days);
        why.push(AbsentWhy::SomeMissing);
    }
    if let Some(w) = s.work_minutes
        && !ap.any_leave_or_trip()
    {
        if work < w.absent_below as i64 {
            verdict = verdict.max(1.0);
            why.push(AbsentWhy::WorkBelowAbsent(work));
        } else if work < w.half_day_below as i64 {
            verdict = verdict.max(0.5);
            why.push(AbsentWhy::WorkBelowHalfDay(work));
        }
    }
    let cap = (1.0 - leave_days).max(0.0);
    if verdict > cap {
        verdict = cap;
        why.push(AbsentWhy::CappedByLeave);
    }
    (verdict, why)
}

/// Computes one employee-day.
pub fn compute(input: &DayInput<'_>) -> DayResult {
    let plan = &**input.plan;
    let mut ignored = Vec::new();
    let usable = usable_punches(input, &mut ignored);
    let ap = DayApprovals::collect(plan, input.approvals);
    let edges = if plan.has_edges() {
        let w = windows(plan, &ap);
        let chosen = choose(plan, &w, input.select, &usable, &mut ignored);
        judge_edges(input, &chosen, &w, &ap)
    } else {
        judge_unscheduled(input, &usable, &mut ignored, &ap)
    };
    ignored.sort_by_key(|i| i.second);
    let work = work_minutes(plan, &edges);
    let leave: Vec<LeaveTaken> = if plan.day.required {
        ap.leave_taken(plan)
    } else {
        Vec::new()
    };
    let leave_days: f64 = leave.iter().map(|l| l.days).sum();
    let (absent_days, absent_why) = absence(plan, &edges, work, &ap, leave_days);
    let (ot, ot_why) = overtime::compute(plan, &edges, work, &ap);
    let short_minutes = match (plan.version.kind, plan.version.min_work_minutes) {
        (RuleKind::Free, Some(min))
            if plan.day.required && ap.full_day_reason().is_none() && work < min as i64 =>
        {
            min as i64 - work
        }
        _ => 0,
    };
    let trip_minutes = if plan.day.required {
        ap.trip_minutes(plan)
    } else {
        0
    };
    debug_assert!(plan.day.day_type != DayType::Workday || plan.day.required);
    DayResult {
        employee: input.employee.clone(),
        plan: input.plan.clone(),
        edges,
        ignored,
        work_minutes: work,
        overtime: ot,
        overtime_why: ot_why,
        absent_days,
        absent_why,
        leave,
        trip_minutes,
        short_minutes,
    }
}

/// What the next day's left-late rule reads from this day.
pub fn prev_day(r: &DayResult) -> Option<PrevDay> {
    if !r.plan.day.required || !r.plan.has_edges() {
        return None;
    }
    let last = r.edges.iter().rev().find(|e| e.kind == EdgeKind::Out)?;
    Some(PrevDay {
        scheduled_end: last.judged_against.or(last.scheduled)?,
        checkout: last.punch.map(|(s, _)| s.div_euclid(60)),
    })
}
