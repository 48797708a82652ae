//! Month summaries per employee, aggregated from day results.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::result::{DayResult, Overtime, Status};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MonthSummary {
    pub employee: Arc<str>,
    pub year: i16,
    pub month: i8,
    /// Days in the month with a result (the employee active under a rule).
    pub days: u32,
    /// 应出勤: required days.
    pub required_days: u32,
    /// Required days with a punch on some edge, or away on an approved trip or outing.
    pub attended_days: u32,
    /// Non-required days with punches (rest days and holidays worked).
    pub rest_days_worked: u32,
    pub late_count: u32,
    pub late_minutes: i64,
    pub serious_late_count: u32,
    pub serious_late_minutes: i64,
    pub early_count: u32,
    pub early_minutes: i64,
    /// Absent edges (late or early beyond the absent threshold).
    pub absent_edges: u32,
    /// Missing edges on required days.
    pub missing_punches: u32,
    pub absent_days: f64,
    /// Leave type -> (days, minutes).
    pub leave: BTreeMap<Arc<str>, (f64, i64)>,
    pub trip_minutes: i64,
    pub work_minutes: i64,
    pub overtime: Overtime,
    /// Free hours: days below the rule's daily minimum.
    pub short_days: u32,
    /// 全勤: every required day worked, with no Late, SeriousLate, Early, Missing or Absent edge.
    pub perfect_attendance: bool,
}

/// Summaries for each (employee, month) in the results, in order of first appearance.
pub fn summarize(results: &[DayResult]) -> Vec<MonthSummary> {
    let mut out: Vec<MonthSummary> = Vec::new();
    let mut index: BTreeMap<(Arc<str>, i16, i8), usize> = BTreeMap::new();
    let mut broken: Vec<bool> = Vec::new();
    for r in results {
        let d = r.plan.date;
        let key = (r.employee.clone(), d.year(), d.month());
        let i = *index.entry(key).or_insert_with(|| {
            out.push(MonthSummary {
                employee: r.employee.clone(),
                year: d.year(),
                month: d.month(),
                ..MonthSummary::default()
            });
            broken.push(false);
            out.len() - 1
        });
        let s = &mut out[i];
        s.days += 1;
        let required = r.plan.day.required;
        if required {
            s.required_days += 1;
            if r.attended() {
                s.attended_days += 1;
            } else {
                broken[i] = true;
            }
        } else if r.edges.iter().any(|e| e.punch.is_some()) {
            s.rest_days_worked += 1;
        }
        for e in &r.edges {
            match e.status {
                Status::Late => {
                    s.late_count += 1;
                    s.late_minutes += e.minutes;
                }
                Status::SeriousLate => {
                    s.serious_late_count += 1;
                    s.serious_late_minutes += e.minutes;
                }
                Status::Early => {
                    s.early_count += 1;
                    s.early_minutes += e.minutes;
                }
                Status::Absent => s.absent_edges += 1,
                Status::Missing if required => s.missing_punches += 1,
                _ => {}
            }
            if required && e.status.is_exception() {
                broken[i] = true;
            }
        }
        if r.absent_days > 0.0 {
            broken[i] = true;
        }
        s.absent_days += r.absent_days;
        for l in &r.leave {
            let entry = s.leave.entry(l.leave_type.clone()).or_insert((0.0, 0));
            entry.0 += l.days;
            entry.1 += l.minutes;
        }
        s.trip_minutes += r.trip_minutes;
        s.work_minutes += r.work_minutes;
        s.overtime.add(&r.overtime);
        if r.short_minutes > 0 {
            s.short_days += 1;
        }
    }
    for (s, b) in out.iter_mut().zip(broken) {
        s.perfect_attendance = !b && s.required_days > 0;
    }
    out
}
