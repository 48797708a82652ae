//! Company-wide one-off workdays and days off, over the national calendar (highest
//! precedence when deciding whether a day is a workday).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{is_date, json, required};
use crate::tenant::{Actor, Tenant};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpecialDay {
    /// `YYYY-MM-DD`
    pub date: String,
    /// `workday` or `day_off`.
    pub kind: String,
    pub name: String,
}

pub const KINDS: [&str; 2] = ["workday", "day_off"];

fn day_of(r: &AnyRow) -> Result<SpecialDay> {
    Ok(SpecialDay {
        date: r.try_get("date")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
    })
}

async fn find_day(c: &mut AnyConnection, t: &Tenant, date: &str) -> Result<Option<SpecialDay>> {
    let r =
        sqlx::query("SELECT date, kind, name FROM special_days WHERE tenant_id = $1 AND date = $2")
            .bind(t.id())
            .bind(date)
            .fetch_optional(&mut *c)
            .await?;
    r.as_ref().map(day_of).transpose()
}

fn check_date(date: &str) -> Result<()> {
    if is_date(date) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "date",
            "must be a date written YYYY-MM-DD",
        ))
    }
}

impl Store {
    /// The company's special days by date, all or those of one year.
    pub async fn special_days(&self, t: &Tenant, year: Option<i32>) -> Result<Vec<SpecialDay>> {
        let (from, to) = match year {
            Some(y) => (format!("{y:04}-01-01"), format!("{y:04}-12-31")),
            None => ("0000-01-01".to_string(), "9999-12-31".to_string()),
        };
        let rows = sqlx::query(
            "SELECT date, kind, name FROM special_days WHERE tenant_id = $1 AND date >= $2 \
             AND date <= $3 ORDER BY date",
        )
        .bind(t.id())
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(day_of).collect()
    }

    /// The company's special days in the engine's form.
    pub async fn company_calendar(&self, t: &Tenant) -> Result<daka_core::SpecialDays> {
        let mut out = daka_core::SpecialDays::default();
        for d in self.special_days(t, None).await? {
            let Ok(date) = d.date.parse() else { continue };
            if d.kind == "workday" {
                out.workdays.push(date);
            } else {
                out.days_off.push(date);
            }
        }
        Ok(out)
    }

    /// Sets (creates or replaces) the special day on `date`.
    pub async fn set_special_day(
        &self,
        t: &Tenant,
        actor: &Actor,
        date: &str,
        kind: &str,
        name: &str,
    ) -> Result<SpecialDay> {
        check_date(date)?;
        let kind = kind.trim();
        if !KINDS.contains(&kind) {
            return Err(StoreError::invalid("kind", "must be workday or day_off"));
        }
        let day = SpecialDay {
            date: date.to_string(),
            kind: kind.to_string(),
            name: required("name", name)?,
        };
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_day(c, &t, &day.date).await?;
                if before.as_ref() == Some(&day) {
                    return Ok(day);
                }
                let sql = if before.is_some() {
                    "UPDATE special_days SET kind = $3, name = $4 WHERE tenant_id = $1 AND date = $2"
                } else {
                    "INSERT INTO special_days (tenant_id, date, kind, name) VALUES ($1, $2, $3, $4)"
                };
                sqlx::query(sql)
                    .bind(t.id())
                    .bind(&day.date)
                    .bind(&day.kind)
                    .bind(&day.name)
                    .execute(&mut *c)
                    .await?;
                let action = if before.is_some() { "update" } else { "create" };
                audit::append(c, &t, &actor, action, "special_day", &day.date, before.as_ref().and_then(json), json(&day))
                    .await?;
                Ok(day)
            })
        })
        .await
    }

    /// Removes the special day on `date`; `NotFound` when there is none.
    pub async fn delete_special_day(&self, t: &Tenant, actor: &Actor, date: &str) -> Result<()> {
        check_date(date)?;
        let (t, actor, date) = (t.clone(), actor.clone(), date.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_day(c, &t, &date).await?.ok_or(StoreError::NotFound)?;
                sqlx::query("DELETE FROM special_days WHERE tenant_id = $1 AND date = $2")
                    .bind(t.id())
                    .bind(&date)
                    .execute(&mut *c)
                    .await?;
                audit::append(
                    c,
                    &t,
                    &actor,
                    "delete",
                    "special_day",
                    &date,
                    json(&before),
                    None,
                )
                .await?;
                Ok(())
            })
        })
        .await
    }
}
