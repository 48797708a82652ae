//! From the scenario as written to the engine's facts, checking every reference.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use daka_core::facts::{Approval, ApprovalKind, DayPart, Punch, PunchSource, Span};
use daka_core::rule::{REST_CODE, Rule, RuleKind};
use daka_core::{EmployeeFacts, Engine, NationalCalendar, SpecError};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::Scenario;
use super::spec::{
    ApprovalSpec, ApprovalState, ApprovalType, EmployeeSpec, NationalChoice, ScenarioSpec,
};
use super::times::parse_instant;

pub fn build(spec: ScenarioSpec, base: &Path) -> Result<Scenario, SpecError> {
    if spec.to < spec.from {
        return Err(SpecError::new(
            "to",
            format!("{} is before from {}", spec.to, spec.from),
        ));
    }
    let days = spec.from.until(spec.to).map(|s| s.get_days()).unwrap_or(0);
    if days > 3660 {
        return Err(SpecError::new("to", "the range spans more than ten years"));
    }
    let mut national = match spec.national_calendar {
        NationalChoice::Cn => NationalCalendar::china(),
        NationalChoice::None => NationalCalendar::default(),
    };
    for (i, f) in spec.calendar_files.iter().enumerate() {
        let p = base.join(f);
        let text = std::fs::read_to_string(&p).map_err(|e| {
            SpecError::new(
                format!("calendar_files[{i}]"),
                format!("cannot read {}: {e}", p.display()),
            )
        })?;
        national.load_year(&text).map_err(|e| {
            SpecError::new(
                format!("calendar_files[{i}]"),
                format!("{}: {e}", p.display()),
            )
        })?;
    }
    let mut rules = Vec::with_capacity(spec.rules.len());
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    for (i, r) in spec.rules.iter().enumerate() {
        let rule = Rule::compile(r).map_err(|e| e.within(&format!("rules[{i}]")))?;
        if rule_index.insert(r.id.as_str(), i).is_some() {
            return Err(SpecError::new(
                format!("rules[{i}].id"),
                format!("rule id '{}' is used twice", r.id),
            ));
        }
        rules.push(rule);
    }
    let mut employees = Vec::with_capacity(spec.employees.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, e) in spec.employees.iter().enumerate() {
        let at = format!("employees[{i}]");
        if e.id.trim().is_empty() {
            return Err(SpecError::new(format!("{at}.id"), "must not be empty"));
        }
        if seen.insert(e.id.as_str(), i).is_some() {
            return Err(SpecError::new(
                format!("{at}.id"),
                format!("employee id '{}' is used twice", e.id),
            ));
        }
        let facts = employee(&spec, e, &rules, &rule_index).map_err(|err| err.within(&at))?;
        employees.push(facts);
    }
    Ok(Scenario {
        name: spec.name.clone(),
        engine: Engine::new(rules, national, spec.company.clone()),
        employees,
        from: spec.from,
        to: spec.to,
    })
}

fn employee(
    spec: &ScenarioSpec,
    e: &EmployeeSpec,
    rules: &[Rule],
    rule_index: &HashMap<&str, usize>,
) -> Result<EmployeeFacts, SpecError> {
    let lookup = |name: &str, field: &str| {
        rule_index
            .get(name)
            .copied()
            .ok_or_else(|| SpecError::new(field, format!("unknown rule '{name}'")))
    };
    let mut assignments: Vec<(Date, usize)> = Vec::new();
    match (&e.rule, e.rules.is_empty()) {
        (Some(_), false) => {
            return Err(SpecError::new(
                "rules",
                "give either rule or rules, not both",
            ));
        }
        (None, true) => return Err(SpecError::new("rule", "every employee needs a rule")),
        (Some(r), true) => assignments.push((Date::MIN, lookup(r, "rule")?)),
        (None, false) => {
            for (i, a) in e.rules.iter().enumerate() {
                assignments.push((a.from, lookup(&a.rule, &format!("rules[{i}].rule"))?));
            }
            assignments.sort_by_key(|a| a.0);
            if assignments.windows(2).any(|w| w[0].0 == w[1].0) {
                return Err(SpecError::new(
                    "rules",
                    "two assignments start on the same date",
                ));
            }
        }
    }
    if let (Some(f), Some(t)) = (e.active_from, e.active_to)
        && t < f
    {
        return Err(SpecError::new(
            "active_to",
            format!("{t} is before active_from {f}"),
        ));
    }
    // Local times are read in the employee's zone, else the scenario's, else the first rule's.
    let tz: TimeZone = e
        .time_zone
        .as_ref()
        .or(spec.time_zone.as_ref())
        .map(|z| z.tz().clone())
        .or_else(|| {
            let r = rules.get(assignments.first()?.1)?;
            Some(r.versions.first()?.zone.tz().clone())
        })
        .unwrap_or(TimeZone::UTC);
    let rota = rota(spec, e, rules, &assignments)?;
    let mut punches = Vec::with_capacity(e.punches.len());
    for (i, p) in e.punches.iter().enumerate() {
        let second =
            parse_instant(p.at(), &tz).map_err(|m| SpecError::new(format!("punches[{i}]"), m))?;
        punches.push(Punch {
            second,
            source: PunchSource::Punch,
        });
    }
    let mut approvals = Vec::new();
    let mut voided = Vec::new();
    for (i, a) in e.approvals.iter().enumerate() {
        approval(a, &tz, &mut punches, &mut voided, &mut approvals)
            .map_err(|err| err.within(&format!("approvals[{i}]")))?;
    }
    Ok(EmployeeFacts {
        id: Arc::from(e.id.as_str()),
        assignments,
        active_from: e.active_from,
        active_to: e.active_to,
        rota,
        punches,
        voided,
        approvals,
    })
}

/// Explicit rota entries over a repeating pattern; each code checked against the version in force.
fn rota(
    spec: &ScenarioSpec,
    e: &EmployeeSpec,
    rules: &[Rule],
    assignments: &[(Date, usize)],
) -> Result<BTreeMap<Date, Arc<str>>, SpecError> {
    let mut out: BTreeMap<Date, Arc<str>> = BTreeMap::new();
    let first = spec.from.checked_sub(1.day()).unwrap_or(spec.from);
    let last = spec.to.checked_add(1.day()).unwrap_or(spec.to);
    let check = |date: Date, code: &str, field: &str| -> Result<(), SpecError> {
        let i = assignments.partition_point(|(d, _)| *d <= date);
        let Some(&(_, ri)) = i.checked_sub(1).and_then(|i| assignments.get(i)) else {
            return Ok(());
        };
        let Some((_, v)) = rules[ri].version_on(date) else {
            return Ok(());
        };
        if v.kind != RuleKind::Rota {
            return Err(SpecError::new(
                field,
                format!("rule '{}' on {date} is not a rota rule", v.rule_id),
            ));
        }
        if code.eq_ignore_ascii_case(REST_CODE) || v.shift_index(code).is_some() {
            Ok(())
        } else {
            let known: Vec<&str> = v.schedules.iter().map(|s| s.name.as_str()).collect();
            Err(SpecError::new(
                field,
                format!(
                    "unknown shift '{code}' on {date} (rule {} has {}, or REST)",
                    v.label(),
                    known.join(", ")
                ),
            ))
        }
    };
    if let Some(p) = &e.rota_pattern {
        if p.shifts.is_empty() {
            return Err(SpecError::new(
                "rota_pattern.shifts",
                "must list at least one shift",
            ));
        }
        let mut d = p.start.max(first);
        while d <= last {
            let offset = p.start.until(d).map(|s| s.get_days()).unwrap_or(0) as usize;
            let code = &p.shifts[offset % p.shifts.len()];
            check(
                d,
                code,
                &format!("rota_pattern.shifts[{}]", offset % p.shifts.len()),
            )?;
            out.insert(d, Arc::from(code.as_str()));
            d = match d.checked_add(1.day()) {
                Ok(n) => n,
                Err(_) => break,
            };
        }
    }
    for (date, code) in &e.rota {
        check(*date, code, &format!("rota.{date}"))?;
        out.insert(*date, Arc::from(code.as_str()));
    }
    Ok(out)
}

fn approval(
    a: &ApprovalSpec,
    tz: &TimeZone,
    punches: &mut Vec<Punch>,
    voided: &mut Vec<i64>,
    approvals: &mut Vec<Approval>,
) -> Result<(), SpecError> {
    let instant = |s: &Option<String>, field: &str| -> Result<Option<i64>, SpecError> {
        s.as_deref()
            .map(|s| parse_instant(s, tz).map_err(|m| SpecError::new(field, m)))
            .transpose()
    };
    let approved = a.state == ApprovalState::Approved;
    match a.kind {
        ApprovalType::Makeup | ApprovalType::Correction => {
            let at = instant(&a.at, "at")?;
            let void = instant(&a.void, "void")?;
            if a.kind == ApprovalType::Makeup && at.is_none() {
                return Err(SpecError::new(
                    "at",
                    "a make-up punch needs the instant it supplies",
                ));
            }
            if at.is_none() && void.is_none() {
                return Err(SpecError::new(
                    "at",
                    "a correction needs at (a punch to add) or void (a punch to remove)",
                ));
            }
            let extra = [
                ("date", a.date.is_some()),
                ("from_date", a.from_date.is_some()),
                ("to_date", a.to_date.is_some()),
                ("part", a.part.is_some()),
                ("start", a.start.is_some()),
                ("end", a.end.is_some()),
                ("leave_type", a.leave_type.is_some()),
            ];
            if let Some((field, _)) = extra.iter().find(|(_, set)| *set) {
                return Err(SpecError::new(
                    *field,
                    "make-up punches and corrections take only at (and void)",
                ));
            }
            if approved {
                if let Some(second) = at {
                    let source = if a.kind == ApprovalType::Makeup {
                        PunchSource::Makeup
                    } else {
                        PunchSource::Correction
                    };
                    punches.push(Punch { second, source });
                }
                voided.extend(void);
            }
            Ok(())
        }
        ApprovalType::Leave
        | ApprovalType::Trip
        | ApprovalType::Outing
        | ApprovalType::Overtime => {
            if a.at.is_some() || a.void.is_some() {
                return Err(SpecError::new(
                    "at",
                    "only make-up punches and corrections take at/void",
                ));
            }
            let kind = match a.kind {
                ApprovalType::Leave => {
                    let t = a
                        .leave_type
                        .as_deref()
                        .filter(|t| !t.trim().is_empty())
                        .ok_or_else(|| {
                            SpecError::new("leave_type", "leave needs a type, e.g. annual or sick")
                        })?;
                    ApprovalKind::Leave {
                        leave_type: Arc::from(t),
                    }
                }
                _ if a.leave_type.is_some() => {
                    return Err(SpecError::new("leave_type", "only leave has a leave_type"));
                }
                ApprovalType::Trip => ApprovalKind::Trip,
                ApprovalType::Outing => ApprovalKind::Outing,
                _ => ApprovalKind::Overtime,
            };
            let span = match (a.date, a.from_date, a.to_date, &a.start, &a.end) {
                (Some(d), None, None, None, None) => Span::Days {
                    from: d,
                    to: d,
                    part: a.part.unwrap_or(DayPart::Full),
                },
                (None, Some(f), Some(t), None, None) => {
                    if t < f {
                        return Err(SpecError::new(
                            "to_date",
                            format!("{t} is before from_date {f}"),
                        ));
                    }
                    if a.part.is_some_and(|p| p != DayPart::Full) {
                        return Err(SpecError::new(
                            "part",
                            "half days are given with date, one at a time",
                        ));
                    }
                    Span::Days {
                        from: f,
                        to: t,
                        part: DayPart::Full,
                    }
                }
                (None, None, None, Some(_), Some(_)) => {
                    let s = instant(&a.start, "start")?.unwrap_or_default();
                    let e = instant(&a.end, "end")?.unwrap_or_default();
                    if e <= s {
                        return Err(SpecError::new("end", "must be after start"));
                    }
                    if a.part.is_some() {
                        return Err(SpecError::new(
                            "part",
                            "part goes with date, not with start/end",
                        ));
                    }
                    // Ranges are kept in whole minutes: the start rounds down, the end up.
                    Span::Range {
                        start: s.div_euclid(60),
                        end: (e + 59).div_euclid(60),
                    }
                }
                (None, Some(_), None, _, _) => {
                    return Err(SpecError::new("to_date", "from_date needs to_date"));
                }
                (None, None, Some(_), _, _) => {
                    return Err(SpecError::new("from_date", "to_date needs from_date"));
                }
                (None, None, None, Some(_), None) => {
                    return Err(SpecError::new("end", "start needs end"));
                }
                (None, None, None, None, Some(_)) => {
                    return Err(SpecError::new("start", "end needs start"));
                }
                (None, None, None, None, None) => {
                    return Err(SpecError::new(
                        "date",
                        "give date (with part), from_date and to_date, or start and end",
                    ));
                }
                _ => {
                    return Err(SpecError::new(
                        "date",
                        "give only one of: date, from_date/to_date, start/end",
                    ));
                }
            };
            if approved {
                approvals.push(Approval { kind, span });
            }
            Ok(())
        }
    }
}
