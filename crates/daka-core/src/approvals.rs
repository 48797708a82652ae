//! Approved requests as they bear on one attendance day: leave, trips and outings, overtime.

use std::sync::Arc;

use crate::facts::{Approval, ApprovalKind, DayPart, Span};
use crate::plan::DayPlan;
use crate::result::{LeaveTaken, NotRequiredWhy};
use crate::time::Minute;

type Interval = (Minute, Minute);

#[derive(Default)]
pub struct DayApprovals {
    leave: Vec<(Interval, Arc<str>)>,
    /// (interval, is an outing rather than a trip)
    trips: Vec<(Interval, bool)>,
    overtime: Vec<Interval>,
    full_leave: Option<Arc<str>>,
    full_trip: Option<bool>,
    /// Leave given as half days where the day has no schedule to place it on (free hours).
    unplaced_half: Vec<Arc<str>>,
    /// Leave types given as whole or half days: (type, days), counted exactly.
    day_leave: Vec<(Arc<str>, f64)>,
}

/// Whether the union of `ivs` covers [a, b).
fn covers(ivs: &mut [Interval], a: Minute, b: Minute) -> bool {
    ivs.sort_unstable();
    let mut reach = a;
    for &(s, e) in ivs.iter() {
        if s > reach {
            break;
        }
        reach = reach.max(e);
        if reach >= b {
            return true;
        }
    }
    reach >= b
}

fn union_overlap(ivs: &[Interval], with: Interval) -> i64 {
    let mut clipped: Vec<Interval> = ivs
        .iter()
        .map(|&(s, e)| (s.max(with.0), e.min(with.1)))
        .filter(|(s, e)| e > s)
        .collect();
    clipped.sort_unstable();
    let mut total = 0;
    let mut cur: Option<Interval> = None;
    for (s, e) in clipped {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    total + cur.map_or(0, |(s, e)| e - s)
}

/// Scheduled work time of the plan as intervals (segments without the break).
pub fn work_intervals(plan: &DayPlan) -> Vec<Interval> {
    let mut out = Vec::with_capacity(plan.segments.len() + 1);
    for &(s, e) in &plan.segments {
        match plan.break_ {
            Some((b0, b1)) if s <= b0 && b1 <= e => {
                if b0 > s {
                    out.push((s, b0));
                }
                if e > b1 {
                    out.push((b1, e));
                }
            }
            _ => out.push((s, e)),
        }
    }
    out
}

impl DayApprovals {
    pub fn collect(plan: &DayPlan, approvals: &[Approval]) -> Self {
        let mut me = Self::default();
        if approvals.is_empty() {
            return me;
        }
        let extent = plan.range;
        for a in approvals {
            let iv: Option<Interval> = match &a.span {
                Span::Range { start, end } => {
                    (*start <= extent.1 && *end > extent.0).then_some((*start, *end))
                }
                Span::Days { from, to, part } => {
                    if plan.date < *from || plan.date > *to {
                        continue;
                    }
                    // Overtime approved for a day covers the whole attendance day, not only
                    // its scheduled hours (where overtime never is).
                    let whole = match (plan.segments.first(), plan.segments.last(), &a.kind) {
                        (_, _, ApprovalKind::Overtime) => extent,
                        (Some(f), Some(l), _) => (f.0, l.1),
                        _ => extent,
                    };
                    match part {
                        DayPart::Full => {
                            match &a.kind {
                                ApprovalKind::Leave { leave_type } => {
                                    me.full_leave.get_or_insert_with(|| leave_type.clone());
                                    me.day_leave.push((leave_type.clone(), 1.0));
                                }
                                ApprovalKind::Trip => {
                                    me.full_trip.get_or_insert(false);
                                }
                                ApprovalKind::Outing => {
                                    me.full_trip.get_or_insert(true);
                                }
                                ApprovalKind::Overtime => {}
                            }
                            Some(whole)
                        }
                        DayPart::Am | DayPart::Pm => {
                            let half = match a.kind {
                                ApprovalKind::Overtime => Some(extent),
                                _ => plan.half(*part == DayPart::Pm),
                            };
                            if let ApprovalKind::Leave { leave_type } = &a.kind {
                                me.day_leave.push((leave_type.clone(), 0.5));
                                if half.is_none() {
                                    me.unplaced_half.push(leave_type.clone());
                                }
                            }
                            half
                        }
                    }
                }
            };
            let Some(iv) = iv else { continue };
            match &a.kind {
                ApprovalKind::Leave { leave_type } => me.leave.push((iv, leave_type.clone())),
                ApprovalKind::Trip => me.trips.push((iv, false)),
                ApprovalKind::Outing => me.trips.push((iv, true)),
                ApprovalKind::Overtime => me.overtime.push(iv),
            }
        }
        // Time ranges that together cover the whole scheduled day count as a full day.
        let work = work_intervals(plan);
        if !work.is_empty() {
            if me.full_leave.is_none() && !me.leave.is_empty() {
                let mut ivs: Vec<Interval> = me.leave.iter().map(|(i, _)| *i).collect();
                if work.iter().all(|&(s, e)| covers(&mut ivs, s, e)) {
                    me.full_leave = me.leave.first().map(|(_, t)| t.clone());
                }
            }
            if me.full_trip.is_none() && !me.trips.is_empty() {
                let mut ivs: Vec<Interval> = me.trips.iter().map(|(i, _)| *i).collect();
                if work.iter().all(|&(s, e)| covers(&mut ivs, s, e)) {
                    me.full_trip = me.trips.first().map(|(_, o)| *o);
                }
            }
        }
        me
    }

    pub fn has_leave(&self) -> bool {
        !self.leave.is_empty()
    }

    /// Whether any leave overlaps the interval.
    pub fn leave_overlaps(&self, iv: Interval) -> bool {
        self.leave.iter().any(|((s, e), _)| *s < iv.1 && *e > iv.0)
    }

    pub fn any_leave_or_trip(&self) -> bool {
        !self.leave.is_empty()
            || !self.trips.is_empty()
            || self.full_leave.is_some()
            || self.full_trip.is_some()
            || !self.day_leave.is_empty()
    }

    pub fn full_day_reason(&self) -> Option<NotRequiredWhy> {
        if let Some(t) = &self.full_leave {
            return Some(NotRequiredWhy::FullDayLeave(t.clone()));
        }
        self.full_trip.map(|outing| {
            if outing {
                NotRequiredWhy::Outing
            } else {
                NotRequiredWhy::Trip
            }
        })
    }

    /// The leave type when leave covers all work time of the segment.
    pub fn leave_covering_segment(
        &self,
        seg: Interval,
        break_: Option<Interval>,
    ) -> Option<Arc<str>> {
        if self.leave.is_empty() {
            return None;
        }
        let mut ivs: Vec<Interval> = self.leave.iter().map(|(i, _)| *i).collect();
        let parts: Vec<Interval> = match break_ {
            Some((b0, b1)) if seg.0 <= b0 && b1 <= seg.1 => [(seg.0, b0), (b1, seg.1)]
                .into_iter()
                .filter(|(a, b)| b > a)
                .collect(),
            _ => vec![seg],
        };
        parts
            .iter()
            .all(|&(a, b)| covers(&mut ivs, a, b))
            .then(|| self.leave[0].1.clone())
    }

    /// A trip or outing whose time contains the instant (both ends inclusive).
    pub fn trip_at(&self, m: Minute) -> Option<NotRequiredWhy> {
        self.trips
            .iter()
            .find(|((s, e), _)| *s <= m && m <= *e)
            .map(|(_, outing)| {
                if *outing {
                    NotRequiredWhy::Outing
                } else {
                    NotRequiredWhy::Trip
                }
            })
    }

    /// A check-in at `judged` inside leave is judged at the first work minute after the leave
    /// (skipping the unpaid break).
    pub fn leave_shift_in(
        &self,
        judged: Minute,
        break_: Option<Interval>,
    ) -> Option<(Arc<str>, Minute)> {
        let mut t = judged;
        let mut which = None;
        loop {
            let hit = self.leave.iter().find(|((s, e), _)| *s <= t && t < *e);
            match hit {
                Some(((_, e), ty)) => {
                    t = *e;
                    which = Some(ty.clone());
                    if let Some((b0, b1)) = break_
                        && b0 <= t
                        && t < b1
                    {
                        t = b1;
                    }
                }
                None => break,
            }
        }
        which.map(|w| (w, t))
    }

    /// A check-out at `judged` inside leave is judged at the last work minute before the leave.
    pub fn leave_shift_out(
        &self,
        judged: Minute,
        break_: Option<Interval>,
    ) -> Option<(Arc<str>, Minute)> {
        let mut t = judged;
        let mut which = None;
        loop {
            let hit = self.leave.iter().find(|((s, e), _)| *s < t && t <= *e);
            match hit {
                Some(((s, _), ty)) => {
                    t = *s;
                    which = Some(ty.clone());
                    if let Some((b0, b1)) = break_
                        && b0 < t
                        && t <= b1
                    {
                        t = b0;
                    }
                }
                None => break,
            }
        }
        which.map(|w| (w, t))
    }

    /// Leave taken on a required day, per type: minutes of scheduled work covered, and days.
    pub fn leave_taken(&self, plan: &DayPlan) -> Vec<LeaveTaken> {
        let mut out: Vec<LeaveTaken> = Vec::new();
        if self.leave.is_empty() && self.day_leave.is_empty() {
            return out;
        }
        let work = work_intervals(plan);
        let scheduled = plan.scheduled_minutes;
        let mut types: Vec<Arc<str>> = self.leave.iter().map(|(_, t)| t.clone()).collect();
        types.extend(self.day_leave.iter().map(|(t, _)| t.clone()));
        types.dedup();
        for t in types {
            if out.iter().any(|l| l.leave_type == t) {
                continue;
            }
            let ivs: Vec<Interval> = self
                .leave
                .iter()
                .filter(|(_, ty)| *ty == t)
                .map(|(i, _)| *i)
                .collect();
            let minutes: i64 = work.iter().map(|w| union_overlap(&ivs, *w)).sum();
            let given_days: f64 = self
                .day_leave
                .iter()
                .filter(|(ty, _)| *ty == t)
                .map(|(_, d)| *d)
                .sum();
            let days = if given_days > 0.0 {
                given_days.min(1.0)
            } else if scheduled > 0 {
                ((minutes as f64 / scheduled as f64) * 100.0).round() / 100.0
            } else {
                0.0
            };
            if minutes > 0 || days > 0.0 {
                out.push(LeaveTaken {
                    leave_type: t,
                    minutes,
                    days,
                });
            }
        }
        // Leave of several types on one day never adds up to more than the day.
        let total: f64 = out.iter().map(|l| l.days).sum();
        if total > 1.0 {
            for l in &mut out {
                l.days = ((l.days / total) * 100.0).round() / 100.0;
            }
        }
        out
    }

    /// Minutes of scheduled work time covered by trips and outings.
    pub fn trip_minutes(&self, plan: &DayPlan) -> i64 {
        if self.full_trip.is_some() {
            return plan.scheduled_minutes;
        }
        let ivs: Vec<Interval> = self.trips.iter().map(|(i, _)| *i).collect();
        work_intervals(plan)
            .iter()
            .map(|w| union_overlap(&ivs, *w))
            .sum()
    }

    pub fn has_overtime_approval(&self) -> bool {
        !self.overtime.is_empty()
    }

    /// Minutes of `worked` inside approved overtime.
    pub fn overtime_overlap(&self, worked: Interval) -> i64 {
        union_overlap(&self.overtime, worked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_overlap_merges() {
        assert_eq!(union_overlap(&[(0, 10), (5, 20), (30, 40)], (0, 35)), 25);
        assert_eq!(union_overlap(&[], (0, 35)), 0);
        let mut ivs = vec![(5, 10), (0, 5)];
        assert!(covers(&mut ivs, 0, 10));
        assert!(!covers(&mut ivs, 0, 11));
    }
}
