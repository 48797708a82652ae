//! Errors of rule and scenario specifications: each names the field (as a path) and the problem.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Path of the offending field, e.g. `versions[1].schedule.segments[0].end`.
    pub path: String,
    pub message: String,
}

impl SpecError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error seen from an enclosing value, e.g. `rules[0]` + `versions[1].kind`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for SpecError {}
