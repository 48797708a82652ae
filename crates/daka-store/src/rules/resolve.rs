//! Which rule is in force for an employee on a date, and whether a shift code fits it. Caches
//! what it reads, so checking a whole rota file costs a few queries per employee, not per row.

use std::collections::HashMap;
use std::sync::Arc;

use daka_core::rule::{REST_CODE, Rule as CoreRule, RuleKind};
use sqlx::{AnyConnection, Row};

use super::assignments::{InForce, Source};
use super::rule_spec;
use crate::error::{Result, StoreError};
use crate::org::{MAX_DEPTH, find_department, find_employee};
use crate::tenant::Tenant;

/// One assignment as the resolver needs it.
#[derive(Clone)]
struct Assigned {
    id: String,
    rule_id: String,
    from: String,
}

/// An employee's assignments: their own, then per department from their own up to the root.
struct Person {
    own: Vec<Assigned>,
    chain: Vec<(String, Vec<Assigned>)>,
    default: Option<String>,
}

/// The latest assignment in force on `date` (dates are `YYYY-MM-DD`, so text order is date order).
fn latest<'a>(list: &'a [Assigned], date: &str) -> Option<&'a Assigned> {
    list.iter()
        .filter(|a| a.from.as_str() <= date)
        .max_by(|a, b| a.from.cmp(&b.from))
}

async fn assignments_of(
    c: &mut AnyConnection,
    t: &Tenant,
    column: &str,
    id: &str,
) -> Result<Vec<Assigned>> {
    let rows = sqlx::query(&format!(
        "SELECT id, rule_id, effective_from FROM rule_assignments WHERE tenant_id = $1 AND {column} = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Assigned {
                id: r.try_get("id")?,
                rule_id: r.try_get("rule_id")?,
                from: r.try_get("effective_from")?,
            })
        })
        .collect()
}

#[derive(Default)]
pub(crate) struct Resolver {
    people: HashMap<String, Arc<Person>>,
    rules: HashMap<String, Arc<CoreRule>>,
}

impl Resolver {
    async fn person(
        &mut self,
        c: &mut AnyConnection,
        t: &Tenant,
        employee_id: &str,
    ) -> Result<Arc<Person>> {
        if let Some(p) = self.people.get(employee_id) {
            return Ok(p.clone());
        }
        let e = find_employee(c, t, employee_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let own = assignments_of(c, t, "employee_id", employee_id).await?;
        let mut chain = Vec::new();
        let mut cur = e.department_id.clone();
        for _ in 0..MAX_DEPTH {
            let Some(d) = cur else { break };
            let list = assignments_of(c, t, "department_id", &d).await?;
            cur = find_department(c, t, &d).await?.and_then(|d| d.parent_id);
            chain.push((d, list));
        }
        let p = Arc::new(Person {
            own,
            chain,
            default: e.rule_id,
        });
        self.people.insert(employee_id.to_string(), p.clone());
        Ok(p)
    }

    /// The rule in force for the employee on `date` and why; `NotFound` for an unknown
    /// employee. Own assignment, else the nearest department's, else `employees.rule_id`.
    pub(crate) async fn in_force(
        &mut self,
        c: &mut AnyConnection,
        t: &Tenant,
        employee_id: &str,
        date: &str,
    ) -> Result<Option<InForce>> {
        let p = self.person(c, t, employee_id).await?;
        if let Some(a) = latest(&p.own, date) {
            return Ok(Some(InForce {
                rule_id: a.rule_id.clone(),
                source: Source::Own,
                assignment_id: Some(a.id.clone()),
                department_id: None,
                assigned_from: Some(a.from.clone()),
            }));
        }
        for (d, list) in &p.chain {
            if let Some(a) = latest(list, date) {
                return Ok(Some(InForce {
                    rule_id: a.rule_id.clone(),
                    source: Source::Department,
                    assignment_id: Some(a.id.clone()),
                    department_id: Some(d.clone()),
                    assigned_from: Some(a.from.clone()),
                }));
            }
        }
        Ok(p.default.as_ref().map(|r| InForce {
            rule_id: r.clone(),
            source: Source::Default,
            assignment_id: None,
            department_id: None,
            assigned_from: None,
        }))
    }

    /// The compiled rule (stored rules always compile: every write checked them).
    pub(crate) async fn compiled(
        &mut self,
        c: &mut AnyConnection,
        t: &Tenant,
        rule_id: &str,
    ) -> Result<Arc<CoreRule>> {
        if let Some(r) = self.rules.get(rule_id) {
            return Ok(r.clone());
        }
        let spec = rule_spec(c, t, rule_id).await?;
        let rule = Arc::new(
            CoreRule::compile(&spec)
                .map_err(|e| StoreError::Database(format!("stored rule {rule_id}: {e}")))?,
        );
        self.rules.insert(rule_id.to_string(), rule.clone());
        Ok(rule)
    }

    /// The shift as stored (`REST` in any case becomes `REST`), or why it does not fit the
    /// rota rule in force for the employee on `date` (a valid `YYYY-MM-DD`).
    pub(crate) async fn check_shift(
        &mut self,
        c: &mut AnyConnection,
        t: &Tenant,
        employee_id: &str,
        date: &str,
        shift: &str,
    ) -> Result<std::result::Result<String, String>> {
        let shift = shift.trim();
        if shift.is_empty() {
            return Ok(Err("must not be empty".into()));
        }
        if shift.eq_ignore_ascii_case(REST_CODE) {
            return Ok(Ok(REST_CODE.to_string()));
        }
        let Some(f) = self.in_force(c, t, employee_id, date).await? else {
            return Ok(Err(format!(
                "no rule is in force for this employee on {date}; only REST can be given"
            )));
        };
        let rule = match self.compiled(c, t, &f.rule_id).await {
            Ok(r) => r,
            // employees.rule_id has no foreign key: a dangling default is no rule.
            Err(StoreError::NotFound) => {
                return Ok(Err(format!(
                    "no rule is in force for this employee on {date}; only REST can be given"
                )));
            }
            Err(e) => return Err(e),
        };
        let day: jiff::civil::Date = date
            .parse()
            .map_err(|_| StoreError::invalid("date", "must be a date written YYYY-MM-DD"))?;
        let Some((_, v)) = rule.version_on(day) else {
            return Ok(Err(format!(
                "rule {} has no version in force on {date}; only REST can be given",
                rule.name
            )));
        };
        if v.kind != RuleKind::Rota {
            return Ok(Err(format!(
                "{} (in force on {date}) is not a rota rule; only REST can be given",
                v.label()
            )));
        }
        if v.shift_index(shift).is_none() {
            let codes: Vec<&str> = v.schedules.iter().map(|s| s.name.as_str()).collect();
            return Ok(Err(format!(
                "{shift} is not a shift of {} (in force on {date}): use one of {}, or REST",
                v.label(),
                codes.join(", ")
            )));
        }
        Ok(Ok(shift.to_string()))
    }
}
