//! Daka's attendance domain, pure and synchronous: calendars, rules and their versions, shifts,
//! the plan of a day, and the computation of employee-day results and month summaries.
//!
//! Semantics follow `shared/design/attendance-semantics.md`; `docs/results.md` documents every
//! result field.

pub mod approvals;
pub mod calendar;
pub mod coords;
pub mod day;
pub mod decision;
pub mod engine;
pub mod error;
pub mod explain;
pub mod facts;
pub mod geofence;
pub mod month;
pub mod overtime;
pub mod photo_check;
pub mod placement;
pub mod plan;
pub mod result;
pub mod rule;
pub mod schedule;
pub mod site;
pub mod time;

pub use calendar::{NationalCalendar, SpecialDays};
pub use decision::{PunchDecision, Review};
pub use engine::Engine;
pub use error::SpecError;
pub use facts::{Approval, ApprovalKind, DayPart, EmployeeFacts, Punch, PunchSource, Span};
pub use month::{MonthSummary, summarize};
pub use plan::PlanCache;
pub use result::{DayResult, Status};
pub use rule::{Rule, RuleSpec, RuleVersionSpec};
