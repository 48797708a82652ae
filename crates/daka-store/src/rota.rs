//! 排班: an employee's shift code (of the rota rule in force that day) or `REST`, per
//! attendance date. Entries are checked against the rule in force when written.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{is_date, json, placeholders};
use crate::now_ms;
use crate::org::{EmployeeFilter, find_employee};
use crate::rules::resolve::Resolver;
use crate::tenant::{Actor, Tenant};

pub mod csv;
mod import;

pub use csv::RowError;
pub use import::Imported;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RotaEntry {
    pub employee_id: String,
    pub date: String,
    pub shift: String,
    pub updated_at: i64,
}

/// A rota listing: dates `from..=to`, within `scope` (as for employee listings), optionally
/// one employee and/or departments (their employees).
#[derive(Clone, Debug, Default)]
pub struct RotaQuery {
    pub from: String,
    pub to: String,
    pub employee_id: Option<String>,
    pub department_ids: Option<Vec<String>>,
    pub scope: EmployeeFilter,
}

/// Longest date range one listing may span.
pub const MAX_RANGE_DAYS: i32 = 366;

fn entry_of(r: &AnyRow) -> Result<RotaEntry> {
    Ok(RotaEntry {
        employee_id: r.try_get("employee_id")?,
        date: r.try_get("date")?,
        shift: r.try_get("shift")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(crate) async fn find_entry(
    c: &mut AnyConnection,
    t: &Tenant,
    employee_id: &str,
    date: &str,
) -> Result<Option<RotaEntry>> {
    let r = sqlx::query(
        "SELECT employee_id, date, shift, updated_at FROM rota_entries \
         WHERE tenant_id = $1 AND employee_id = $2 AND date = $3",
    )
    .bind(t.id())
    .bind(employee_id)
    .bind(date)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(entry_of).transpose()
}

/// Inserts or replaces an entry (the caller checked it), returning what it replaced.
pub(crate) async fn upsert(
    c: &mut AnyConnection,
    t: &Tenant,
    e: &RotaEntry,
) -> Result<Option<RotaEntry>> {
    let before = find_entry(c, t, &e.employee_id, &e.date).await?;
    let sql = if before.is_some() {
        "UPDATE rota_entries SET shift = $4, updated_at = $5 \
         WHERE tenant_id = $1 AND employee_id = $2 AND date = $3"
    } else {
        "INSERT INTO rota_entries (tenant_id, employee_id, date, shift, updated_at) \
         VALUES ($1, $2, $3, $4, $5)"
    };
    sqlx::query(sql)
        .bind(t.id())
        .bind(&e.employee_id)
        .bind(&e.date)
        .bind(&e.shift)
        .bind(e.updated_at)
        .execute(&mut *c)
        .await?;
    Ok(before)
}

/// `column IN ($n, ...)` over `values` (bound after the three fixed parameters); an empty
/// list matches nothing.
fn in_list<'a>(binds: &mut Vec<&'a str>, column: &str, values: &'a [String]) -> String {
    if values.is_empty() {
        return format!("{column} IN (NULL)");
    }
    let p = placeholders(binds.len() + 4, values.len());
    binds.extend(values.iter().map(String::as_str));
    format!("{column} IN ({p})")
}

fn check_date(field: &str, d: &str) -> Result<jiff::civil::Date> {
    if !is_date(d) {
        return Err(StoreError::invalid(
            field,
            "must be a date written YYYY-MM-DD",
        ));
    }
    d.parse()
        .map_err(|_| StoreError::invalid(field, "must be a date written YYYY-MM-DD"))
}

impl Store {
    /// Sets an employee's shift on a date; `Invalid { field: "shift" }` when it is neither
    /// `REST` nor a shift of the rota rule in force for them that day.
    pub async fn set_rota(
        &self,
        t: &Tenant,
        actor: &Actor,
        employee_id: &str,
        date: &str,
        shift: &str,
    ) -> Result<RotaEntry> {
        check_date("date", date)?;
        let (t, actor) = (t.clone(), actor.clone());
        let (employee_id, date, shift) =
            (employee_id.to_string(), date.to_string(), shift.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                find_employee(c, &t, &employee_id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let shift = Resolver::default()
                    .check_shift(c, &t, &employee_id, &date, &shift)
                    .await?
                    .map_err(|m| StoreError::invalid("shift", m))?;
                let e = RotaEntry {
                    employee_id,
                    date,
                    shift,
                    updated_at: now_ms(),
                };
                // Setting the shift it already has changes nothing (and is not audited).
                if let Some(b) = find_entry(c, &t, &e.employee_id, &e.date).await?
                    && b.shift == e.shift
                {
                    return Ok(b);
                }
                let before = upsert(c, &t, &e).await?;
                let id = format!("{}/{}", e.employee_id, e.date);
                let action = if before.is_some() { "update" } else { "create" };
                audit::append(
                    c,
                    &t,
                    &actor,
                    action,
                    "rota_entry",
                    &id,
                    before.as_ref().and_then(json),
                    json(&e),
                )
                .await?;
                Ok(e)
            })
        })
        .await
    }

    /// Removes an entry; `NotFound` when there is none.
    pub async fn delete_rota(
        &self,
        t: &Tenant,
        actor: &Actor,
        employee_id: &str,
        date: &str,
    ) -> Result<()> {
        check_date("date", date)?;
        let (t, actor) = (t.clone(), actor.clone());
        let (employee_id, date) = (employee_id.to_string(), date.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_entry(c, &t, &employee_id, &date)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                sqlx::query("DELETE FROM rota_entries WHERE tenant_id = $1 AND employee_id = $2 AND date = $3")
                    .bind(t.id())
                    .bind(&employee_id)
                    .bind(&date)
                    .execute(&mut *c)
                    .await?;
                let id = format!("{employee_id}/{date}");
                audit::append(c, &t, &actor, "delete", "rota_entry", &id, json(&before), None).await?;
                Ok(())
            })
        })
        .await
    }

    /// Entries by date then employee. `from` and `to` are inclusive and at most
    /// [`MAX_RANGE_DAYS`] apart (`Invalid { field: "to" }`).
    pub async fn rota(&self, t: &Tenant, q: &RotaQuery) -> Result<Vec<RotaEntry>> {
        let from = check_date("from", &q.from)?;
        let to = check_date("to", &q.to)?;
        if to < from {
            return Err(StoreError::invalid("to", "must not be before from"));
        }
        if (to - from).get_days() >= MAX_RANGE_DAYS {
            return Err(StoreError::invalid(
                "to",
                format!("a listing spans at most {MAX_RANGE_DAYS} days"),
            ));
        }
        let mut sql = String::from(
            "SELECT r.employee_id, r.date, r.shift, r.updated_at FROM rota_entries r \
             JOIN employees e ON e.tenant_id = r.tenant_id AND e.id = r.employee_id \
             WHERE r.tenant_id = $1 AND r.date >= $2 AND r.date <= $3",
        );
        let mut binds: Vec<&str> = Vec::new();
        // The scope's lists are alternatives (a supervisor's departments OR their own record).
        let mut alternatives = Vec::new();
        let mut scoped = false;
        if let Some(d) = &q.scope.department_ids {
            scoped = true;
            alternatives.push(in_list(&mut binds, "e.department_id", d));
        }
        if let Some(ids) = &q.scope.ids {
            scoped = true;
            alternatives.push(in_list(&mut binds, "e.id", ids));
        }
        if scoped {
            sql += &format!(" AND ({})", alternatives.join(" OR "));
        }
        if let Some(d) = &q.department_ids {
            let c = in_list(&mut binds, "e.department_id", d);
            sql += &format!(" AND {c}");
        }
        if let Some(e) = &q.employee_id {
            let c = in_list(&mut binds, "e.id", std::slice::from_ref(e));
            sql += &format!(" AND {c}");
        }
        sql += " ORDER BY r.date, r.employee_id";
        let mut query = sqlx::query(&sql).bind(t.id()).bind(&q.from).bind(&q.to);
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(entry_of).collect()
    }
}
