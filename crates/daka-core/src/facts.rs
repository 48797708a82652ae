//! Facts the engine reads: employees with their rule assignments and rota, punches, approvals.
//! Facts are never rewritten; results are derived from them.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::time::Minute;

/// How a punch came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PunchSource {
    /// A real punch (app, terminal, kiosk, API).
    Punch,
    /// Supplied by an approved make-up request (补卡).
    Makeup,
    /// Supplied by an admin correction.
    Correction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Punch {
    /// UTC seconds since the epoch.
    pub second: i64,
    pub source: PunchSource,
}

impl Punch {
    pub fn minute(&self) -> Minute {
        self.second.div_euclid(60)
    }
}

/// Morning or afternoon half of a scheduled day, or the whole day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayPart {
    Full,
    Am,
    Pm,
}

/// When an approval applies.
#[derive(Clone, Debug, PartialEq)]
pub enum Span {
    /// Whole attendance days (or their halves), from and to inclusive.
    Days { from: Date, to: Date, part: DayPart },
    /// A time range in UTC minutes, end exclusive.
    Range { start: Minute, end: Minute },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ApprovalKind {
    Leave { leave_type: Arc<str> },
    Trip,
    Outing,
    Overtime,
}

/// An approved request that covers time.
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    pub kind: ApprovalKind,
    pub span: Span,
}

/// Everything the engine needs about one employee.
#[derive(Clone, Debug, Default)]
pub struct EmployeeFacts {
    pub id: Arc<str>,
    /// (first date, index into the engine's rules), sorted by date.
    pub assignments: Vec<(Date, usize)>,
    pub active_from: Option<Date>,
    pub active_to: Option<Date>,
    /// Rota rules: date -> shift code or `REST`.
    pub rota: BTreeMap<Date, Arc<str>>,
    /// Real punches and make-up/correction punches, any order, duplicates allowed.
    pub punches: Vec<Punch>,
    /// Instants (UTC seconds) of punches an admin correction voided; a void removes the real
    /// punches of that minute.
    pub voided: Vec<i64>,
    /// Approved requests only.
    pub approvals: Vec<Approval>,
}

impl EmployeeFacts {
    pub fn rule_on(&self, date: Date) -> Option<usize> {
        let i = self.assignments.partition_point(|(d, _)| *d <= date);
        i.checked_sub(1).map(|i| self.assignments[i].1)
    }

    pub fn active_on(&self, date: Date) -> bool {
        self.active_from.is_none_or(|f| f <= date) && self.active_to.is_none_or(|t| date <= t)
    }
}
