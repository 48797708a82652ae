//! Reading punches (with their employee's department, for scope checks) and recording a
//! supervisor's review of an exception.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{json, placeholders};
use crate::now_ms;
use crate::tenant::{Actor, Tenant};

/// A stored punch. `location` is still sealed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PunchRow {
    pub id: String,
    pub client_id: String,
    pub employee_id: String,
    /// The employee's department now (for scope checks).
    pub department_id: Option<String>,
    pub at: i64,
    pub device_at: Option<i64>,
    pub received_at: i64,
    pub time_flag: Option<String>,
    pub source: String,
    pub device_id: Option<String>,
    pub submitted_by: String,
    pub decision: String,
    pub review: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub note: Option<String>,
    pub photo_id: Option<String>,
    #[serde(skip)]
    pub location: Option<Vec<u8>>,
    pub answer: String,
}

impl PunchRow {
    /// Whether the punch feeds attendance now (see [`crate::facts::COUNTED_PUNCHES`]).
    pub fn counts(&self) -> bool {
        matches!(self.decision.as_str(), "accepted" | "field_work")
            || (self.decision == "exception" && self.review.as_deref() == Some("approved"))
    }
}

/// Which punches a listing returns: one employee's, or those of some departments and one
/// employee (a supervisor's scope); `None` everywhere means the whole tenant.
#[derive(Clone, Debug, Default)]
pub struct PunchFilter {
    pub employee_id: Option<String>,
    /// Given: only employees in these departments, or `own`.
    pub departments: Option<Vec<String>>,
    pub own: Option<String>,
    pub from: i64,
    pub to: i64,
    pub limit: i64,
    /// Only punches after this (at, id) position in time order: a page's cursor.
    pub after: Option<(i64, String)>,
}

const COLUMNS: &str = "p.id, p.client_id, p.employee_id, e.department_id, p.at, p.device_at, \
     p.received_at, p.time_flag, p.source, p.device_id, p.submitted_by, p.decision, p.review, \
     p.reviewed_by, p.reviewed_at, p.note, p.photo_id, p.location, p.answer";

const FROM: &str =
    "punches p JOIN employees e ON e.tenant_id = p.tenant_id AND e.id = p.employee_id";

fn row_of(r: &AnyRow) -> Result<PunchRow> {
    Ok(PunchRow {
        id: r.try_get(0)?,
        client_id: r.try_get(1)?,
        employee_id: r.try_get(2)?,
        department_id: r.try_get(3)?,
        at: r.try_get(4)?,
        device_at: r.try_get(5)?,
        received_at: r.try_get(6)?,
        time_flag: r.try_get(7)?,
        source: r.try_get(8)?,
        device_id: r.try_get(9)?,
        submitted_by: r.try_get(10)?,
        decision: r.try_get(11)?,
        review: r.try_get(12)?,
        reviewed_by: r.try_get(13)?,
        reviewed_at: r.try_get(14)?,
        note: r.try_get(15)?,
        photo_id: r.try_get(16)?,
        location: r.try_get(17)?,
        answer: r.try_get(18)?,
    })
}

async fn find(c: &mut sqlx::AnyConnection, t: &Tenant, id: &str) -> Result<Option<PunchRow>> {
    let r = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE p.tenant_id = $1 AND p.id = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(row_of).transpose()
}

impl Store {
    pub async fn punch(&self, t: &Tenant, id: &str) -> Result<PunchRow> {
        let mut c = self.pool().acquire().await?;
        find(&mut c, t, id).await?.ok_or(StoreError::NotFound)
    }

    /// Punches with `from <= at < to` (and after `after`), in time order, at most `limit`
    /// (1..=1001: a page of 1000 asks for one more to know whether another page follows).
    pub async fn punches_page(&self, t: &Tenant, f: &PunchFilter) -> Result<Vec<PunchRow>> {
        let mut sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE p.tenant_id = $1 AND p.at >= $2 AND p.at < $3"
        );
        let mut binds: Vec<&str> = Vec::new();
        if let Some(e) = &f.employee_id {
            binds.push(e);
            sql += &format!(" AND p.employee_id = ${}", binds.len() + 3);
        }
        if let Some(depts) = &f.departments {
            let mut alternatives = Vec::new();
            if !depts.is_empty() {
                alternatives.push(format!(
                    "e.department_id IN ({})",
                    placeholders(binds.len() + 4, depts.len())
                ));
                binds.extend(depts.iter().map(String::as_str));
            }
            if let Some(own) = &f.own {
                binds.push(own);
                alternatives.push(format!("p.employee_id = ${}", binds.len() + 3));
            }
            if alternatives.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(" AND ({})", alternatives.join(" OR "));
        }
        let mut n = binds.len() + 4;
        if f.after.is_some() {
            sql += &format!(" AND (p.at > ${n} OR (p.at = ${n} AND p.id > ${}))", n + 1);
            n += 2;
        }
        sql += &format!(" ORDER BY p.at, p.id LIMIT ${n}");
        let mut q = sqlx::query(&sql).bind(t.id()).bind(f.from).bind(f.to);
        for b in binds {
            q = q.bind(b);
        }
        if let Some((at, id)) = &f.after {
            q = q.bind(*at).bind(id.as_str());
        }
        let rows = q
            .bind(f.limit.clamp(1, 1001))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(row_of).collect()
    }

    /// Approves or rejects a pending exception, audited. Conflict on `review` when the punch
    /// is not a pending exception (already reviewed, or not an exception at all).
    pub async fn review_punch(
        &self,
        t: &Tenant,
        actor: &Actor,
        id: &str,
        reviewer: &str,
        approve: bool,
        note: Option<String>,
    ) -> Result<PunchRow> {
        let (t, actor, id, reviewer) = (
            t.clone(),
            actor.clone(),
            id.to_string(),
            reviewer.to_string(),
        );
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find(c, &t, &id).await?.ok_or(StoreError::NotFound)?;
                if before.decision != "exception" || before.review.is_some() {
                    return Err(StoreError::conflict(
                        "review",
                        "only a pending exception can be reviewed",
                    ));
                }
                let verdict = if approve { "approved" } else { "rejected" };
                let now = now_ms();
                let done = sqlx::query(
                    "UPDATE punches SET review = $1, reviewed_by = $2, reviewed_at = $3 \
                     WHERE tenant_id = $4 AND id = $5 AND review IS NULL",
                )
                .bind(verdict)
                .bind(&reviewer)
                .bind(now)
                .bind(t.id())
                .bind(&id)
                .execute(&mut *c)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::conflict(
                        "review",
                        "only a pending exception can be reviewed",
                    ));
                }
                let after = PunchRow {
                    review: Some(verdict.to_string()),
                    reviewed_by: Some(reviewer),
                    reviewed_at: Some(now),
                    ..before.clone()
                };
                let summary = |p: &PunchRow| {
                    json(&serde_json::json!({
                        "employee_id": p.employee_id, "at": p.at, "decision": p.decision,
                        "review": p.review, "reviewed_by": p.reviewed_by,
                    }))
                };
                let mut after_json = summary(&after);
                if let (Some(serde_json::Value::Object(m)), Some(n)) = (&mut after_json, &note) {
                    m.insert("note".into(), serde_json::Value::String(n.clone()));
                }
                audit::append(
                    c,
                    &t,
                    &actor,
                    "review",
                    "punch",
                    &id,
                    summary(&before),
                    after_json,
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }
}
