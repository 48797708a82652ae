//! Punch photos: the row that says whose a stored image is. The bytes live in the photo
//! directory under their SHA-256 (the server writes them before calling [`Store::create_photo`]);
//! the EXIF position is personal data and is sealed to its row.
//!
//! Repeats: the same uploader sending the same bytes for the same employee gets their earlier
//! row back (an offline queue retrying an upload must not multiply photos); anyone else gets a
//! new row pointing at the same file.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::org::find_employee;
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

/// The content types a photo may have (decided by the server from the bytes).
pub const PHOTO_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/heic"];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Photo {
    pub id: String,
    /// Lowercase hex SHA-256 of the bytes, also the file's name.
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub employee_id: Option<String>,
    /// A user id, or `device:<id>`.
    pub uploaded_by: String,
    /// EXIF capture instant, ms since the epoch (UTC).
    pub exif_at: Option<i64>,
    /// EXIF position, WGS-84 (lat, lng), decrypted.
    pub exif_position: Option<(f64, f64)>,
    pub created_at: i64,
}

/// What the server learnt about an upload.
#[derive(Clone, Debug, PartialEq)]
pub struct PhotoInput {
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub employee_id: Option<String>,
    pub uploaded_by: String,
    pub exif_at: Option<i64>,
    pub exif_position: Option<(f64, f64)>,
}

const COLUMNS: &str = "id, sha256, content_type, size_bytes, employee_id, uploaded_by, exif_at, \
     exif_position, created_at";
const TABLE: &str = "photos";
const POSITION: &str = "exif_position";

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check(input: &PhotoInput) -> Result<()> {
    if !is_sha256_hex(&input.sha256) {
        return Err(StoreError::invalid(
            "sha256",
            "must be 64 lowercase hex digits",
        ));
    }
    if !PHOTO_TYPES.contains(&input.content_type.as_str()) {
        return Err(StoreError::invalid(
            "content_type",
            format!("must be one of {}", PHOTO_TYPES.join(", ")),
        ));
    }
    if input.size_bytes <= 0 {
        return Err(StoreError::invalid("size_bytes", "must be positive"));
    }
    if input.uploaded_by.trim().is_empty() {
        return Err(StoreError::invalid("uploaded_by", "must not be empty"));
    }
    if let Some((lat, lng)) = input.exif_position
        && !(lat.is_finite() && lng.is_finite() && lat.abs() <= 90.0 && lng.abs() <= 180.0)
    {
        return Err(StoreError::invalid(
            "exif_position",
            "must be a WGS-84 latitude within ±90 and longitude within ±180",
        ));
    }
    Ok(())
}

impl Store {
    fn photo_of(&self, t: &Tenant, r: &AnyRow) -> Result<Photo> {
        let id: String = r.try_get("id")?;
        let sealed: Option<Vec<u8>> = r.try_get(POSITION)?;
        let exif_position = match sealed {
            None => None,
            Some(blob) => {
                let plain = self.open_sealed(t, TABLE, &id, POSITION, &blob)?;
                let v: serde_json::Value = serde_json::from_slice(&plain)
                    .map_err(|e| StoreError::Database(format!("photo position: {e}")))?;
                match (v["lat"].as_f64(), v["lng"].as_f64()) {
                    (Some(lat), Some(lng)) => Some((lat, lng)),
                    _ => {
                        return Err(StoreError::Database(
                            "photo position: not {lat, lng}".into(),
                        ));
                    }
                }
            }
        };
        Ok(Photo {
            id,
            sha256: r.try_get("sha256")?,
            content_type: r.try_get("content_type")?,
            size_bytes: r.try_get("size_bytes")?,
            employee_id: r.try_get("employee_id")?,
            uploaded_by: r.try_get("uploaded_by")?,
            exif_at: r.try_get("exif_at")?,
            exif_position,
            created_at: r.try_get("created_at")?,
        })
    }

    /// One photo of the tenant; NotFound for another tenant's id.
    pub async fn photo(&self, t: &Tenant, id: &str) -> Result<Photo> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM photos WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(t.id())
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        self.photo_of(t, &r)
    }

    /// Records an uploaded photo whose file is already durable. Returns the photo and `true`
    /// when a row was made, or the uploader's earlier row for the same bytes and employee and
    /// `false`.
    pub async fn create_photo(
        &self,
        t: &Tenant,
        actor: &Actor,
        input: &PhotoInput,
    ) -> Result<(Photo, bool)> {
        check(input)?;
        let photo = Photo {
            id: new_id(),
            sha256: input.sha256.clone(),
            content_type: input.content_type.clone(),
            size_bytes: input.size_bytes,
            employee_id: input.employee_id.clone(),
            uploaded_by: input.uploaded_by.clone(),
            exif_at: input.exif_at,
            exif_position: input.exif_position,
            created_at: now_ms(),
        };
        let sealed = match photo.exif_position {
            None => None,
            Some((lat, lng)) => {
                let plain = serde_json::json!({"lat": lat, "lng": lng}).to_string();
                Some(self.seal(t, TABLE, &photo.id, POSITION, plain.as_bytes())?)
            }
        };
        let tenant = t.clone();
        let actor = actor.clone();
        let made = self
            .write(move |c| {
                Box::pin(async move {
                    let t = tenant;
                    lock_tenant(c, &t).await?;
                    if let Some(e) = &photo.employee_id
                        && find_employee(c, &t, e).await?.is_none()
                    {
                        return Err(StoreError::invalid("employee_id", "no such employee"));
                    }
                    if let Some(id) = earlier_upload(c, &t, &photo).await? {
                        return Ok(Err(id));
                    }
                    insert(c, &t, &photo, sealed).await?;
                    // The position stays out of the audit log: it is personal data, sealed.
                    let after = serde_json::json!({
                        "id": photo.id, "sha256": photo.sha256,
                        "content_type": photo.content_type, "size_bytes": photo.size_bytes,
                        "employee_id": photo.employee_id, "uploaded_by": photo.uploaded_by,
                        "exif_at": photo.exif_at,
                        "exif_position": photo.exif_position.is_some(),
                        "created_at": photo.created_at,
                    });
                    audit::append(
                        c,
                        &t,
                        &actor,
                        "create",
                        "photo",
                        &photo.id,
                        None,
                        Some(after),
                    )
                    .await?;
                    Ok(Ok(photo))
                })
            })
            .await?;
        match made {
            Ok(photo) => Ok((photo, true)),
            Err(id) => Ok((self.photo(t, &id).await?, false)),
        }
    }
}

/// The id of the uploader's earlier row for the same bytes and employee, if any.
async fn earlier_upload(c: &mut AnyConnection, t: &Tenant, p: &Photo) -> Result<Option<String>> {
    // Employee compared here rather than in SQL: `$n IS NULL` on an untyped parameter is an
    // error on PostgreSQL.
    let rows = sqlx::query(
        "SELECT id, employee_id FROM photos \
         WHERE tenant_id = $1 AND sha256 = $2 AND uploaded_by = $3 ORDER BY id",
    )
    .bind(t.id())
    .bind(&p.sha256)
    .bind(&p.uploaded_by)
    .fetch_all(&mut *c)
    .await?;
    for r in rows {
        let employee: Option<String> = r.try_get("employee_id")?;
        if employee == p.employee_id {
            return Ok(Some(r.try_get("id")?));
        }
    }
    Ok(None)
}

async fn insert(
    c: &mut AnyConnection,
    t: &Tenant,
    p: &Photo,
    sealed: Option<Vec<u8>>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO photos (tenant_id, id, sha256, content_type, size_bytes, employee_id, \
         uploaded_by, exif_at, exif_position, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(t.id())
    .bind(&p.id)
    .bind(&p.sha256)
    .bind(&p.content_type)
    .bind(p.size_bytes)
    .bind(&p.employee_id)
    .bind(&p.uploaded_by)
    .bind(p.exif_at)
    .bind(sealed)
    .bind(p.created_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}
