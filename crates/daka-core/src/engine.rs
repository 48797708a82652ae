//! The engine: computes every employee-day of a date range from the facts, sharing day plans
//! between employees and keeping each punch on one attendance day.

use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::calendar::{NationalCalendar, SpecialDays};
use crate::day::{self, DayInput, PrevDay};
use crate::facts::{EmployeeFacts, Punch};
use crate::plan::{DayPlan, PlanCache};
use crate::result::DayResult;
use crate::rule::Rule;
use crate::time::Minute;

/// The facts shared by all employees.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    pub rules: Vec<Rule>,
    pub national: NationalCalendar,
    /// Company-wide special days (over the national calendar and the weekly pattern).
    pub company: SpecialDays,
}

struct Slot {
    plan: Arc<DayPlan>,
    select: (Minute, Minute),
}

fn dates(from: Date, to: Date) -> impl Iterator<Item = Date> {
    let mut d = Some(from);
    std::iter::from_fn(move || {
        let cur = d?;
        if cur > to {
            return None;
        }
        d = cur.checked_add(1.day()).ok();
        Some(cur)
    })
}

/// Cuts overlapping search ranges of consecutive days so that a punch belongs to one day only.
/// Two scheduled days split at the middle between one's end and the next one's start, so a
/// forgotten check-out never takes the next day's check-in; a scheduled day keeps its windows
/// against a day without set times.
fn separate(a: &mut Slot, b: &mut Slot) {
    if a.select.1 < b.select.0 {
        return;
    }
    match (a.plan.has_edges(), b.plan.has_edges()) {
        (true, true) => {
            let a_end = a.plan.segments.last().map_or(a.select.1, |s| s.1);
            let b_start = b.plan.segments.first().map_or(b.select.0, |s| s.0);
            let mid = a_end + (b_start - a_end).div_euclid(2);
            let mid = mid.clamp(b.select.0 - 1, a.select.1);
            a.select.1 = mid;
            b.select.0 = mid + 1;
        }
        (true, false) => b.select.0 = a.select.1 + 1,
        (false, _) => a.select.1 = b.select.0 - 1,
    }
}

impl Engine {
    pub fn new(rules: Vec<Rule>, national: NationalCalendar, company: SpecialDays) -> Self {
        Self {
            rules,
            national,
            company,
        }
    }

    fn plan_for(
        &self,
        emp: &EmployeeFacts,
        date: Date,
        cache: &mut PlanCache,
    ) -> Option<Arc<DayPlan>> {
        if !emp.active_on(date) {
            return None;
        }
        let ri = emp.rule_on(date)?;
        let rule = self.rules.get(ri)?;
        let (vi, v) = rule.version_on(date)?;
        let code = emp.rota.get(&date);
        Some(cache.get((ri, vi), v, date, code, &self.company, &self.national))
    }

    /// Every day from `from` to `to` (inclusive) on which the employee is active under a rule.
    pub fn employee_days(
        &self,
        emp: &EmployeeFacts,
        from: Date,
        to: Date,
        cache: &mut PlanCache,
    ) -> Vec<DayResult> {
        let before = from.checked_sub(1.day()).unwrap_or(from);
        let after = to.checked_add(1.day()).unwrap_or(to);
        let mut slots: Vec<Option<Slot>> = dates(before, after)
            .map(|d| {
                self.plan_for(emp, d, cache).map(|plan| Slot {
                    select: plan.range,
                    plan,
                })
            })
            .collect();
        for i in 1..slots.len() {
            let (head, tail) = slots.split_at_mut(i);
            if let (Some(a), Some(b)) = (head[i - 1].as_mut(), tail[0].as_mut()) {
                separate(a, b);
            }
        }
        let mut punches: Vec<Punch> = emp.punches.clone();
        punches.sort_unstable_by_key(|p| (p.second, p.source));
        // A void names the minute of the punch it removes, as people read punch times.
        let mut voided: Vec<Minute> = emp.voided.iter().map(|s| s.div_euclid(60)).collect();
        voided.sort_unstable();
        // Where each day's claim starts: punches between two days' ranges go to the later day
        // from its rollover time on, to the earlier day before it.
        let claim_start: Vec<Option<Minute>> = (0..slots.len())
            .map(|i| {
                let cur = slots[i].as_ref()?;
                let prev = i.checked_sub(1).and_then(|p| slots[p].as_ref());
                Some(match prev {
                    Some(p) if p.select.1 < cur.select.0 => {
                        cur.plan.rollover_start.clamp(p.select.1 + 1, cur.select.0)
                    }
                    _ => cur.select.0,
                })
            })
            .collect();
        let mut out = Vec::with_capacity(slots.len());
        let mut prev: Option<PrevDay> = None;
        let last = slots.len().saturating_sub(1);
        for i in 0..last {
            let Some(slot) = &slots[i] else {
                prev = None;
                continue;
            };
            let start = claim_start[i].unwrap_or(slot.select.0);
            let end = match claim_start[i + 1] {
                Some(next) => (next - 1).max(slot.select.1),
                None => slot.select.1,
            };
            let input = DayInput {
                employee: &emp.id,
                plan: &slot.plan,
                claim: (start, end),
                select: slot.select,
                punches: &punches,
                voided: &voided,
                approvals: &emp.approvals,
                prev,
            };
            let r = day::compute(&input);
            prev = day::prev_day(&r);
            if i > 0 {
                out.push(r);
            }
        }
        out
    }
}
