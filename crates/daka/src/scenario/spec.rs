//! The scenario file as written (TOML or JSON): rules, calendar options, employees, punches,
//! approvals and the date range. Documented in `docs/scenario.md`.

use std::collections::BTreeMap;

use daka_core::calendar::SpecialDays;
use daka_core::facts::DayPart;
use daka_core::rule::RuleSpec;
use daka_core::time::Zone;
use jiff::civil::Date;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// First and last attendance date to compute (inclusive).
    pub from: Date,
    pub to: Date,
    /// Zone of local times in punches and approvals, unless the employee sets one.
    #[serde(default)]
    pub time_zone: Option<Zone>,
    /// Which built-in national calendar to use: `cn` (default) or `none`.
    #[serde(default)]
    pub national_calendar: NationalChoice,
    /// Extra national calendar year files (same format as the built-in ones), relative to the
    /// scenario file.
    #[serde(default)]
    pub calendar_files: Vec<String>,
    /// Company-wide special days.
    #[serde(default)]
    pub company: SpecialDays,
    pub rules: Vec<RuleSpec>,
    pub employees: Vec<EmployeeSpec>,
}

#[derive(Debug, Default, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum NationalChoice {
    #[default]
    Cn,
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentSpec {
    pub rule: String,
    pub from: Date,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotaPatternSpec {
    /// Date of the pattern's first entry; the pattern repeats from there on.
    pub start: Date,
    /// Shift codes (or `REST`), one per day.
    pub shifts: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeSpec {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    /// The rule for every date (or use `rules` for changes over time).
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub rules: Vec<AssignmentSpec>,
    #[serde(default)]
    pub time_zone: Option<Zone>,
    #[serde(default)]
    pub active_from: Option<Date>,
    #[serde(default)]
    pub active_to: Option<Date>,
    /// Explicit rota entries: date -> shift code or `REST`.
    #[serde(default)]
    pub rota: BTreeMap<Date, String>,
    #[serde(default)]
    pub rota_pattern: Option<RotaPatternSpec>,
    #[serde(default)]
    pub punches: Vec<PunchSpec>,
    #[serde(default)]
    pub approvals: Vec<ApprovalSpec>,
}

/// A punch: a time string, or a table with `at` (and optional `source`, `note`).
#[derive(Debug)]
pub enum PunchSpec {
    At(String),
    Full(PunchDetail),
}

impl<'de> Deserialize<'de> for PunchSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = PunchSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a time string such as \"2026-03-02 09:00\" or a table with `at`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PunchSpec, E> {
                Ok(PunchSpec::At(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<PunchSpec, A::Error> {
                PunchDetail::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(PunchSpec::Full)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PunchDetail {
    pub at: String,
    /// Informational: app, web, terminal, kiosk, api.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl PunchSpec {
    pub fn at(&self) -> &str {
        match self {
            PunchSpec::At(s) => s,
            PunchSpec::Full(d) => &d.at,
        }
    }
}

#[derive(Debug, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalType {
    Leave,
    #[serde(alias = "business_trip")]
    Trip,
    #[serde(alias = "field_work")]
    Outing,
    Overtime,
    #[serde(alias = "make_up", alias = "buka")]
    Makeup,
    Correction,
}

#[derive(Debug, Default, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    #[default]
    Approved,
    Pending,
    Rejected,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSpec {
    #[serde(rename = "type")]
    pub kind: ApprovalType,
    #[serde(default)]
    pub state: ApprovalState,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Leave only: annual, sick, personal, ...
    #[serde(default)]
    pub leave_type: Option<String>,
    /// One attendance day (with `part`).
    #[serde(default)]
    pub date: Option<Date>,
    /// Several whole attendance days.
    #[serde(default)]
    pub from_date: Option<Date>,
    #[serde(default)]
    pub to_date: Option<Date>,
    #[serde(default)]
    pub part: Option<DayPart>,
    /// A time range (local time, or with offset / Z).
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    /// Make-up punch or correction: the instant supplied.
    #[serde(default)]
    pub at: Option<String>,
    /// Correction: the instant of a punch to void.
    #[serde(default)]
    pub void: Option<String>,
}
