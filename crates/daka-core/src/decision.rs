//! What was decided about a punch, and whether it counts: the one place that says so. The
//! store's SQL, its readers and the punch pipeline all ask [`PunchDecision::counts`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::site::Decision;

/// The stored decision of a punch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PunchDecision {
    /// At an allowed site (or under a rule without a location policy).
    Accepted,
    /// Field work (外勤) where the rule allows it.
    FieldWork,
    /// Kept, counted only once a supervisor approves it.
    Exception,
    /// Kept as a record that someone tried; never counts.
    Refused,
}

/// A supervisor's review of a punch that needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Approved,
    Rejected,
}

impl PunchDecision {
    pub const ALL: [PunchDecision; 4] = [
        PunchDecision::Accepted,
        PunchDecision::FieldWork,
        PunchDecision::Exception,
        PunchDecision::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PunchDecision::Accepted => "accepted",
            PunchDecision::FieldWork => "field_work",
            PunchDecision::Exception => "exception",
            PunchDecision::Refused => "refused",
        }
    }

    /// Whether a punch so decided, after `review` (if any), counts in attendance.
    pub fn counts(self, review: Option<Review>) -> bool {
        match self {
            PunchDecision::Accepted | PunchDecision::FieldWork => true,
            PunchDecision::Exception => review == Some(Review::Approved),
            PunchDecision::Refused => false,
        }
    }

    /// Whether a supervisor must look at it before it can count.
    pub fn needs_review(self) -> bool {
        self == PunchDecision::Exception
    }

    /// Whether it is placed on the attendance day (the answer shows where; a refused punch
    /// lands nowhere).
    pub fn placed(self) -> bool {
        self != PunchDecision::Refused
    }
}

impl From<&Decision> for PunchDecision {
    fn from(d: &Decision) -> Self {
        match d {
            Decision::Accepted => PunchDecision::Accepted,
            Decision::Exception => PunchDecision::Exception,
            Decision::FieldWork { .. } => PunchDecision::FieldWork,
            Decision::Refused => PunchDecision::Refused,
        }
    }
}

impl fmt::Display for PunchDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown decision or review name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
}

impl FromStr for PunchDecision {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PunchDecision::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "punch decision",
                value: s.to_string(),
            })
    }
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Approved => "approved",
            Review::Rejected => "rejected",
        }
    }
}

impl fmt::Display for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Review {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Review::Approved, Review::Rejected]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "review",
                value: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_follows_decision_and_review() {
        use PunchDecision::*;
        assert!(Accepted.counts(None));
        assert!(FieldWork.counts(None));
        assert!(!Exception.counts(None));
        assert!(Exception.counts(Some(Review::Approved)));
        assert!(!Exception.counts(Some(Review::Rejected)));
        assert!(!Refused.counts(None));
        assert!(!Refused.counts(Some(Review::Approved)));
    }

    #[test]
    fn names_round_trip() {
        for d in PunchDecision::ALL {
            assert_eq!(d.as_str().parse::<PunchDecision>(), Ok(d));
            assert_eq!(
                serde_json::to_value(d).ok(),
                Some(serde_json::json!(d.as_str()))
            );
        }
        assert!("approved".parse::<PunchDecision>().is_err());
        assert_eq!("rejected".parse::<Review>(), Ok(Review::Rejected));
    }
}
