//! One person's data, for their own export (`GET /api/v1/me/export`): punches with their
//! location opened, photo metadata, rule assignments that apply to them and their rota.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Store;
use crate::error::Result;
use crate::fields::placeholders;
use crate::tenant::Tenant;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonalPunch {
    pub id: String,
    pub at: i64,
    pub device_at: Option<i64>,
    pub received_at: i64,
    pub time_flag: Option<String>,
    pub source: String,
    pub device_id: Option<String>,
    pub decision: String,
    pub review: Option<String>,
    pub note: Option<String>,
    pub photo_id: Option<String>,
    /// The location as recorded, opened; `None` once purged (see `location_purged_at`) or when
    /// none was sent.
    pub location: Option<Value>,
    pub location_purged_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonalPhoto {
    pub id: String,
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub exif_at: Option<i64>,
    pub exif_position: Option<Value>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonalAssignment {
    pub id: String,
    pub rule_id: String,
    /// Set when the assignment is the person's own.
    pub employee_id: Option<String>,
    /// Set when it comes from their department or one above it.
    pub department_id: Option<String>,
    pub effective_from: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonalRota {
    pub date: String,
    pub shift: String,
}

impl Store {
    /// Opens a sealed JSON column; a blob that cannot be opened is reported in place rather
    /// than failing the person's whole export.
    fn opened(
        &self,
        t: &Tenant,
        table: &str,
        id: &str,
        column: &str,
        blob: Option<Vec<u8>>,
    ) -> Option<Value> {
        let blob = blob?;
        Some(
            self.open_sealed(t, table, id, column, &blob)
                .ok()
                .and_then(|plain| serde_json::from_slice(&plain).ok())
                .unwrap_or_else(
                    || serde_json::json!({"error": "cannot be decrypted with the current keys"}),
                ),
        )
    }

    /// Every punch of the employee (whatever its decision), oldest first.
    pub async fn personal_punches(
        &self,
        t: &Tenant,
        employee_id: &str,
    ) -> Result<Vec<PersonalPunch>> {
        let rows = sqlx::query(
            "SELECT id, at, device_at, received_at, time_flag, source, device_id, decision, review, \
             note, photo_id, location, location_purged_at FROM punches \
             WHERE tenant_id = $1 AND employee_id = $2 ORDER BY at, id",
        )
        .bind(t.id())
        .bind(employee_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r: &AnyRow| {
                let id: String = r.try_get("id")?;
                let location = self.opened(t, "punches", &id, "location", r.try_get("location")?);
                Ok(PersonalPunch {
                    at: r.try_get("at")?,
                    device_at: r.try_get("device_at")?,
                    received_at: r.try_get("received_at")?,
                    time_flag: r.try_get("time_flag")?,
                    source: r.try_get("source")?,
                    device_id: r.try_get("device_id")?,
                    decision: r.try_get("decision")?,
                    review: r.try_get("review")?,
                    note: r.try_get("note")?,
                    photo_id: r.try_get("photo_id")?,
                    location,
                    location_purged_at: r.try_get("location_purged_at")?,
                    id,
                })
            })
            .collect()
    }

    /// The employee's photos (metadata only), oldest first.
    pub async fn personal_photos(
        &self,
        t: &Tenant,
        employee_id: &str,
    ) -> Result<Vec<PersonalPhoto>> {
        let rows = sqlx::query(
            "SELECT id, sha256, content_type, size_bytes, exif_at, exif_position, created_at \
             FROM photos WHERE tenant_id = $1 AND employee_id = $2 ORDER BY created_at, id",
        )
        .bind(t.id())
        .bind(employee_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r: &AnyRow| {
                let id: String = r.try_get("id")?;
                let exif_position = self.opened(
                    t,
                    "photos",
                    &id,
                    "exif_position",
                    r.try_get("exif_position")?,
                );
                Ok(PersonalPhoto {
                    sha256: r.try_get("sha256")?,
                    content_type: r.try_get("content_type")?,
                    size_bytes: r.try_get("size_bytes")?,
                    exif_at: r.try_get("exif_at")?,
                    exif_position,
                    created_at: r.try_get("created_at")?,
                    id,
                })
            })
            .collect()
    }

    /// The assignments that can apply to the employee: their own, and those of their department
    /// and every department above it.
    pub async fn personal_assignments(
        &self,
        t: &Tenant,
        employee_id: &str,
        department_id: Option<&str>,
    ) -> Result<Vec<PersonalAssignment>> {
        let mut chain: Vec<String> = Vec::new();
        let mut cur = department_id.map(str::to_string);
        // Bounded like the tree itself (see org::MAX_DEPTH); a cycle cannot be stored.
        for _ in 0..64 {
            let Some(d) = cur.take() else { break };
            cur = sqlx::query_scalar::<_, Option<String>>(
                "SELECT parent_id FROM departments WHERE tenant_id = $1 AND id = $2",
            )
            .bind(t.id())
            .bind(&d)
            .fetch_optional(self.pool())
            .await?
            .flatten();
            chain.push(d);
        }
        let mut sql = "SELECT id, rule_id, employee_id, department_id, effective_from \
                       FROM rule_assignments WHERE tenant_id = $1 AND (employee_id = $2"
            .to_string();
        if !chain.is_empty() {
            sql += &format!(" OR department_id IN ({})", placeholders(3, chain.len()));
        }
        sql += ") ORDER BY effective_from, id";
        let mut q = sqlx::query(&sql).bind(t.id()).bind(employee_id);
        for d in &chain {
            q = q.bind(d);
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(PersonalAssignment {
                    id: r.try_get("id")?,
                    rule_id: r.try_get("rule_id")?,
                    employee_id: r.try_get("employee_id")?,
                    department_id: r.try_get("department_id")?,
                    effective_from: r.try_get("effective_from")?,
                })
            })
            .collect()
    }

    /// The employee's rota entries, by date.
    pub async fn personal_rota(&self, t: &Tenant, employee_id: &str) -> Result<Vec<PersonalRota>> {
        let rows = sqlx::query(
            "SELECT date, shift FROM rota_entries WHERE tenant_id = $1 AND employee_id = $2 ORDER BY date",
        )
        .bind(t.id())
        .bind(employee_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PersonalRota {
                    date: r.try_get("date")?,
                    shift: r.try_get("shift")?,
                })
            })
            .collect()
    }
}
