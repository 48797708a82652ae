//! Employees: the people of a tenant, with their department, manager, time zone and activity.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{MAX_DEPTH, find_department};
use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{is_date, json, optional, placeholders, required};
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Employee {
    pub id: String,
    pub employee_no: String,
    pub name: String,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    /// IANA time zone name.
    pub time_zone: String,
    /// `YYYY-MM-DD`, inclusive.
    pub active_from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub active_to: Option<String>,
    pub rule_id: Option<String>,
    pub created_at: i64,
}

/// What a caller may set on an employee (create and full update).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmployeeInput {
    pub employee_no: String,
    pub name: String,
    #[serde(default)]
    pub department_id: Option<String>,
    #[serde(default)]
    pub manager_id: Option<String>,
    pub time_zone: String,
    #[serde(default)]
    pub active_from: Option<String>,
    #[serde(default)]
    pub active_to: Option<String>,
    #[serde(default)]
    pub rule_id: Option<String>,
}

/// Narrows an employee listing: employees in any of `department_ids` OR with any of `ids`;
/// `None` does not filter, a given but empty list matches nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmployeeFilter {
    pub department_ids: Option<Vec<String>>,
    pub ids: Option<Vec<String>>,
}

const EMPLOYEE_COLUMNS: &str = "id, employee_no, name, department_id, manager_id, time_zone, \
     active_from, active_to, rule_id, created_at";

fn employee_of(r: &AnyRow) -> Result<Employee> {
    Ok(Employee {
        id: r.try_get("id")?,
        employee_no: r.try_get("employee_no")?,
        name: r.try_get("name")?,
        department_id: r.try_get("department_id")?,
        manager_id: r.try_get("manager_id")?,
        time_zone: r.try_get("time_zone")?,
        active_from: r.try_get("active_from")?,
        active_to: r.try_get("active_to")?,
        rule_id: r.try_get("rule_id")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Checks what can be checked without the database and returns the normalised input.
fn normalise(input: &EmployeeInput) -> Result<EmployeeInput> {
    let employee_no = required("employee_no", &input.employee_no)?;
    let name = required("name", &input.name)?;
    let zone = daka_core::time::Zone::parse(input.time_zone.trim())
        .map_err(|e| StoreError::invalid("time_zone", e))?;
    let active_from = optional(&input.active_from);
    let active_to = optional(&input.active_to);
    for (field, v) in [("active_from", &active_from), ("active_to", &active_to)] {
        if v.as_deref().is_some_and(|d| !is_date(d)) {
            return Err(StoreError::invalid(
                field,
                "must be a date written YYYY-MM-DD",
            ));
        }
    }
    if matches!((&active_from, &active_to), (Some(from), Some(to)) if to < from) {
        return Err(StoreError::invalid(
            "active_to",
            "must not be before active_from",
        ));
    }
    Ok(EmployeeInput {
        employee_no,
        name,
        department_id: optional(&input.department_id),
        manager_id: optional(&input.manager_id),
        time_zone: zone.name().to_string(),
        active_from,
        active_to,
        rule_id: optional(&input.rule_id),
    })
}

pub(crate) async fn find_employee(
    c: &mut AnyConnection,
    t: &Tenant,
    id: &str,
) -> Result<Option<Employee>> {
    let r = sqlx::query(&format!(
        "SELECT {EMPLOYEE_COLUMNS} FROM employees WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(employee_of).transpose()
}

/// Refuses a manager that does not exist, is the employee, or is managed by them.
async fn check_manager(
    c: &mut AnyConnection,
    t: &Tenant,
    id: &str,
    manager: Option<&str>,
) -> Result<()> {
    let mut cur = manager.map(str::to_string);
    for _ in 0..MAX_DEPTH {
        let Some(m) = cur else { return Ok(()) };
        if m == id {
            return Err(StoreError::invalid(
                "manager_id",
                "an employee cannot be their own manager, directly or through others",
            ));
        }
        cur = find_employee(c, t, &m)
            .await?
            .ok_or_else(|| StoreError::invalid("manager_id", "no such employee"))?
            .manager_id;
    }
    Err(StoreError::invalid("manager_id", "the chain is too long"))
}

/// The database checks of an employee write (the input is already normalised).
async fn check_employee(
    c: &mut AnyConnection,
    t: &Tenant,
    id: &str,
    input: &EmployeeInput,
) -> Result<()> {
    let missing = match &input.department_id {
        Some(d) => find_department(c, t, d).await?.is_none(),
        None => false,
    };
    if missing {
        return Err(StoreError::invalid("department_id", "no such department"));
    }
    check_manager(c, t, id, input.manager_id.as_deref()).await?;
    if let Some(rule) = &input.rule_id {
        let known = sqlx::query("SELECT id FROM rules WHERE tenant_id = $1 AND id = $2")
            .bind(t.id())
            .bind(rule)
            .fetch_optional(&mut *c)
            .await?;
        if known.is_none() {
            return Err(StoreError::invalid("rule_id", "no such rule"));
        }
    }
    let taken = sqlx::query(
        "SELECT id FROM employees WHERE tenant_id = $1 AND employee_no = $2 AND id <> $3",
    )
    .bind(t.id())
    .bind(&input.employee_no)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    if taken.is_some() {
        return Err(StoreError::conflict(
            "employee_no",
            "another employee has this number",
        ));
    }
    Ok(())
}
impl Store {
    /// Employees in id (creation) order after the cursor `after`, at most `limit` (1..=1000).
    pub async fn employees_page(
        &self,
        t: &Tenant,
        filter: &EmployeeFilter,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Employee>> {
        let mut sql = format!("SELECT {EMPLOYEE_COLUMNS} FROM employees WHERE tenant_id = $1");
        let mut binds: Vec<&str> = Vec::new();
        // Given filters are alternatives (a supervisor sees their departments OR their own
        // record); a given but empty list matches nothing.
        let mut alternatives: Vec<String> = Vec::new();
        let mut any_given = false;
        for (column, values) in [
            ("department_id", &filter.department_ids),
            ("id", &filter.ids),
        ] {
            if let Some(values) = values {
                any_given = true;
                if values.is_empty() {
                    continue;
                }
                alternatives.push(format!(
                    "{column} IN ({})",
                    placeholders(binds.len() + 2, values.len())
                ));
                binds.extend(values.iter().map(String::as_str));
            }
        }
        if any_given {
            if alternatives.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(" AND ({})", alternatives.join(" OR "));
        }
        if let Some(a) = after {
            binds.push(a);
            sql += &format!(" AND id > ${}", binds.len() + 1);
        }
        sql += &format!(" ORDER BY id LIMIT ${}", binds.len() + 2);
        let mut q = sqlx::query(&sql).bind(t.id());
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit.clamp(1, 1000)).fetch_all(self.pool()).await?;
        rows.iter().map(employee_of).collect()
    }

    pub async fn employee(&self, t: &Tenant, id: &str) -> Result<Employee> {
        let mut c = self.pool().acquire().await?;
        find_employee(&mut c, t, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_employee(
        &self,
        t: &Tenant,
        actor: &Actor,
        input: &EmployeeInput,
    ) -> Result<Employee> {
        let input = normalise(input)?;
        let (t, actor) = (t.clone(), actor.clone());
        let e = Employee {
            id: new_id(),
            employee_no: input.employee_no.clone(),
            name: input.name.clone(),
            department_id: input.department_id.clone(),
            manager_id: input.manager_id.clone(),
            time_zone: input.time_zone.clone(),
            active_from: input.active_from.clone(),
            active_to: input.active_to.clone(),
            rule_id: input.rule_id.clone(),
            created_at: now_ms(),
        };
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                check_employee(c, &t, &e.id, &input).await?;
                sqlx::query(
                    "INSERT INTO employees (tenant_id, id, employee_no, name, department_id, manager_id, \
                     time_zone, active_from, active_to, rule_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(t.id())
                .bind(&e.id)
                .bind(&e.employee_no)
                .bind(&e.name)
                .bind(&e.department_id)
                .bind(&e.manager_id)
                .bind(&e.time_zone)
                .bind(&e.active_from)
                .bind(&e.active_to)
                .bind(&e.rule_id)
                .bind(e.created_at)
                .execute(&mut *c)
                .await?;
                audit::append(c, &t, &actor, "create", "employee", &e.id, None, json(&e)).await?;
                Ok(e)
            })
        })
        .await
    }

    /// Replaces every settable field of an employee.
    pub async fn update_employee(
        &self,
        t: &Tenant,
        actor: &Actor,
        id: &str,
        input: &EmployeeInput,
    ) -> Result<Employee> {
        let input = normalise(input)?;
        let (t, actor, id) = (t.clone(), actor.clone(), id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_employee(c, &t, &id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                check_employee(c, &t, &id, &input).await?;
                let after = Employee {
                    id: id.clone(),
                    employee_no: input.employee_no,
                    name: input.name,
                    department_id: input.department_id,
                    manager_id: input.manager_id,
                    time_zone: input.time_zone,
                    active_from: input.active_from,
                    active_to: input.active_to,
                    rule_id: input.rule_id,
                    created_at: before.created_at,
                };
                if after == before {
                    return Ok(after);
                }
                sqlx::query(
                    "UPDATE employees SET employee_no = $1, name = $2, department_id = $3, manager_id = $4, \
                     time_zone = $5, active_from = $6, active_to = $7, rule_id = $8 \
                     WHERE tenant_id = $9 AND id = $10",
                )
                .bind(&after.employee_no)
                .bind(&after.name)
                .bind(&after.department_id)
                .bind(&after.manager_id)
                .bind(&after.time_zone)
                .bind(&after.active_from)
                .bind(&after.active_to)
                .bind(&after.rule_id)
                .bind(t.id())
                .bind(&id)
                .execute(&mut *c)
                .await?;
                audit::append(
                    c,
                    &t,
                    &actor,
                    "update",
                    "employee",
                    &id,
                    json(&before),
                    json(&after),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }
}
