//! Rule assignments: a rule for an employee or a department subtree from a date. An employee's
//! own assignment wins over a department's, the nearest department over its ancestors, and
//! `employees.rule_id` is the fallback from the beginning of time.

use daka_core::rule::RuleSpec;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::resolve::Resolver;
use super::{find_rule, rule_spec};
use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{is_date, json};
use crate::org::{find_department, find_employee};
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assignment {
    pub id: String,
    pub rule_id: String,
    pub employee_id: Option<String>,
    pub department_id: Option<String>,
    /// `YYYY-MM-DD`: the first attendance date the assignment is in force.
    pub effective_from: String,
    pub created_at: i64,
}

/// Whom an assignment is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignmentTarget {
    Employee(String),
    Department(String),
}

/// Why a rule is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The employee's own assignment.
    Own,
    /// An assignment of the employee's department or the nearest ancestor that has one.
    Department,
    /// `employees.rule_id`, in force from the beginning of time.
    Default,
}

/// The rule in force for an employee on a date, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InForce {
    pub rule_id: String,
    pub source: Source,
    pub assignment_id: Option<String>,
    /// The department whose assignment applies (source `department`).
    pub department_id: Option<String>,
    /// The assignment's `effective_from`.
    pub assigned_from: Option<String>,
}

const COLUMNS: &str = "id, rule_id, employee_id, department_id, effective_from, created_at";

fn assignment_of(r: &AnyRow) -> Result<Assignment> {
    Ok(Assignment {
        id: r.try_get("id")?,
        rule_id: r.try_get("rule_id")?,
        employee_id: r.try_get("employee_id")?,
        department_id: r.try_get("department_id")?,
        effective_from: r.try_get("effective_from")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn find_assignment(
    c: &mut AnyConnection,
    t: &Tenant,
    id: &str,
) -> Result<Option<Assignment>> {
    let r = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rule_assignments WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(assignment_of).transpose()
}

impl Store {
    pub async fn rule_assignment(&self, t: &Tenant, id: &str) -> Result<Assignment> {
        let mut c = self.pool().acquire().await?;
        find_assignment(&mut c, t, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Assignments, optionally only an employee's or a department's, by target and date.
    pub async fn rule_assignments(
        &self,
        t: &Tenant,
        employee_id: Option<&str>,
        department_id: Option<&str>,
    ) -> Result<Vec<Assignment>> {
        let mut sql = format!("SELECT {COLUMNS} FROM rule_assignments WHERE tenant_id = $1");
        let mut binds = Vec::new();
        for (column, v) in [
            ("employee_id", employee_id),
            ("department_id", department_id),
        ] {
            if let Some(v) = v {
                binds.push(v);
                sql += &format!(" AND {column} = ${}", binds.len() + 1);
            }
        }
        sql += " ORDER BY employee_id, department_id, effective_from";
        let mut q = sqlx::query(&sql).bind(t.id());
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(assignment_of).collect()
    }

    /// Assigns a rule to an employee or a department from a date; one assignment per target
    /// and date (`Conflict { field: "effective_from" }`).
    pub async fn assign_rule(
        &self,
        t: &Tenant,
        actor: &Actor,
        rule_id: &str,
        target: &AssignmentTarget,
        effective_from: &str,
    ) -> Result<Assignment> {
        let from = effective_from.trim().to_string();
        if !is_date(&from) {
            return Err(StoreError::invalid(
                "effective_from",
                "must be a date written YYYY-MM-DD",
            ));
        }
        let (employee_id, department_id) = match target {
            AssignmentTarget::Employee(e) => (Some(e.trim().to_string()), None),
            AssignmentTarget::Department(d) => (None, Some(d.trim().to_string())),
        };
        let a = Assignment {
            id: new_id(),
            rule_id: rule_id.to_string(),
            employee_id,
            department_id,
            effective_from: from,
            created_at: now_ms(),
        };
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                find_rule(c, &t, &a.rule_id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let (column, value) = match (&a.employee_id, &a.department_id) {
                    (Some(e), _) => {
                        if find_employee(c, &t, e).await?.is_none() {
                            return Err(StoreError::invalid("employee_id", "no such employee"));
                        }
                        ("employee_id", e)
                    }
                    (None, Some(d)) => {
                        if find_department(c, &t, d).await?.is_none() {
                            return Err(StoreError::invalid("department_id", "no such department"));
                        }
                        ("department_id", d)
                    }
                    (None, None) => {
                        return Err(StoreError::invalid("employee_id", "give an employee or a department"));
                    }
                };
                let taken = sqlx::query(&format!(
                    "SELECT id FROM rule_assignments WHERE tenant_id = $1 AND {column} = $2 \
                     AND effective_from = $3"
                ))
                .bind(t.id())
                .bind(value)
                .bind(&a.effective_from)
                .fetch_optional(&mut *c)
                .await?;
                if taken.is_some() {
                    return Err(StoreError::conflict(
                        "effective_from",
                        format!("this {} already has an assignment from {}", &column[..column.len() - 3], a.effective_from),
                    ));
                }
                sqlx::query(
                    "INSERT INTO rule_assignments (tenant_id, id, rule_id, employee_id, department_id, \
                     effective_from, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.id())
                .bind(&a.id)
                .bind(&a.rule_id)
                .bind(&a.employee_id)
                .bind(&a.department_id)
                .bind(&a.effective_from)
                .bind(a.created_at)
                .execute(&mut *c)
                .await?;
                audit::append(c, &t, &actor, "create", "rule_assignment", &a.id, None, json(&a))
                    .await?;
                Ok(a)
            })
        })
        .await
    }

    pub async fn delete_rule_assignment(&self, t: &Tenant, actor: &Actor, id: &str) -> Result<()> {
        let (t, actor, id) = (t.clone(), actor.clone(), id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_assignment(c, &t, &id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                sqlx::query("DELETE FROM rule_assignments WHERE tenant_id = $1 AND id = $2")
                    .bind(t.id())
                    .bind(&id)
                    .execute(&mut *c)
                    .await?;
                audit::append(
                    c,
                    &t,
                    &actor,
                    "delete",
                    "rule_assignment",
                    &id,
                    json(&before),
                    None,
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// The rule in force for the employee on `date` (`YYYY-MM-DD`) and why; `NotFound` for an
    /// unknown employee, `Invalid { field: "date" }` for a bad date.
    pub async fn rule_in_force_explained(
        &self,
        t: &Tenant,
        employee_id: &str,
        date: &str,
    ) -> Result<Option<InForce>> {
        if !is_date(date) {
            return Err(StoreError::invalid(
                "date",
                "must be a date written YYYY-MM-DD",
            ));
        }
        let mut c = self.pool().acquire().await?;
        Resolver::default()
            .in_force(&mut c, t, employee_id, date)
            .await
    }

    /// The rule in force for the employee on `date`: its id and the engine's spec (every
    /// version), by the precedence above.
    pub async fn rule_in_force(
        &self,
        t: &Tenant,
        employee_id: &str,
        date: &str,
    ) -> Result<Option<(String, RuleSpec)>> {
        let Some(f) = self.rule_in_force_explained(t, employee_id, date).await? else {
            return Ok(None);
        };
        let mut c = self.pool().acquire().await?;
        match rule_spec(&mut c, t, &f.rule_id).await {
            Ok(spec) => Ok(Some((f.rule_id, spec))),
            // employees.rule_id has no foreign key: a dangling default is no rule.
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
