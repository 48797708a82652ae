//! Punches: the facts attendance is computed from. A punch is written once, keyed by the
//! client's UUID so retries and replayed offline batches find the first answer; it is never
//! rewritten except to record a supervisor's review of an exception.
//!
//! Punches are not audited one by one: the row itself records who submitted it, when and from
//! which device, and writing an audit entry would take the tenant's audit lock, serialising
//! every punch of the tenant. Reviews are audited.

use std::collections::HashMap;

use sqlx::Row;

use crate::db::Store;
use crate::error::Result;
use crate::fields::placeholders;
use crate::tenant::Tenant;

mod context;
pub(crate) mod insert;
mod read;
pub(crate) mod recent;

pub use context::EmployeeContext;
pub use read::{PunchFilter, PunchRow};

/// A punch ready to store (location already sealed for its row, answer already built).
#[derive(Clone, Debug)]
pub struct NewPunch {
    pub id: String,
    pub client_id: String,
    pub employee_id: String,
    pub at: i64,
    pub device_at: Option<i64>,
    pub received_at: i64,
    pub time_flag: Option<String>,
    pub source: String,
    pub device_id: Option<String>,
    pub submitted_by: String,
    pub decision: String,
    pub note: Option<String>,
    pub photo_id: Option<String>,
    pub location: Option<Vec<u8>>,
    pub answer: String,
}

/// A punch already stored under a client id: whose it is and the answer it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub employee_id: String,
    pub answer: String,
}

/// What became of one [`NewPunch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// Another request stored this client id first (a concurrent duplicate).
    Existing(Recorded),
}

/// A photo as a punch sees it.
#[derive(Clone, Debug)]
pub struct PhotoRow {
    pub employee_id: Option<String>,
    pub exif_at: Option<i64>,
    pub exif_position: Option<Vec<u8>>,
}

impl Store {
    /// The punches already stored under these client ids (one query).
    pub async fn recorded_punches(
        &self,
        t: &Tenant,
        client_ids: &[String],
    ) -> Result<HashMap<String, Recorded>> {
        let mut out = HashMap::new();
        if client_ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT client_id, employee_id, answer FROM punches WHERE tenant_id = $1 AND client_id IN ({})",
            placeholders(2, client_ids.len())
        );
        let mut q = sqlx::query(&sql).bind(t.id());
        for c in client_ids {
            q = q.bind(c);
        }
        for r in q.fetch_all(self.pool()).await? {
            out.insert(
                r.try_get(0)?,
                Recorded {
                    employee_id: r.try_get(1)?,
                    answer: r.try_get(2)?,
                },
            );
        }
        Ok(out)
    }

    /// Stores punches in one transaction, returning once it is durably committed. A client id
    /// stored meanwhile by another request is not an error: its first answer is returned.
    /// Takes no tenant lock, so punches of one tenant do not queue behind each other; on
    /// SQLite the punches of concurrent requests share statements and a commit.
    pub async fn insert_punches(
        &self,
        t: &Tenant,
        punches: Vec<NewPunch>,
    ) -> Result<Vec<Inserted>> {
        // What the recent-punch cache needs once they are stored.
        let counted: Vec<Option<(String, String, i64)>> = punches
            .iter()
            .map(|p| {
                matches!(p.decision.as_str(), "accepted" | "field_work")
                    .then(|| (p.employee_id.clone(), p.id.clone(), p.at))
            })
            .collect();
        // In client-id order, so two overlapping batches take the unique index's locks in the
        // same order (no deadlock on PostgreSQL); answered in input order.
        let mut order: Vec<usize> = (0..punches.len()).collect();
        order.sort_by(|&a, &b| punches[a].client_id.cmp(&punches[b].client_id));
        let mut slots: Vec<Option<NewPunch>> = punches.into_iter().map(Some).collect();
        let sorted: Vec<NewPunch> = order.iter().filter_map(|&i| slots[i].take()).collect();
        let done = match self.writer() {
            Some(w) => w.submit_punches(t.id(), sorted).await?,
            // One statement is atomic by itself: no transaction, one round trip.
            None if sorted.len() <= insert::MAX_ROWS => {
                let rows: Vec<(&str, &NewPunch)> = sorted.iter().map(|p| (t.id(), p)).collect();
                let mut c = self.pool().acquire().await?;
                insert::insert_many(&mut c, &rows).await?
            }
            None => {
                let tenant = t.id().to_string();
                self.write(move |c| {
                    Box::pin(async move {
                        let rows: Vec<(&str, &NewPunch)> =
                            sorted.iter().map(|p| (tenant.as_str(), p)).collect();
                        insert::insert_many(c, &rows).await
                    })
                })
                .await?
            }
        };
        let mut out: Vec<Option<Inserted>> = vec![None; counted.len()];
        for (i, ins) in order.into_iter().zip(done) {
            out[i] = Some(ins);
        }
        let out: Vec<Inserted> = out.into_iter().flatten().collect();
        for (c, ins) in counted.iter().zip(&out) {
            if let (Some((emp, id, at)), Inserted::New) = (c, ins) {
                self.recent.add(t.id(), emp, id, *at);
            }
        }
        Ok(out)
    }

    /// A photo's owner and EXIF facts (the position still sealed).
    pub async fn punch_photo(&self, t: &Tenant, id: &str) -> Result<Option<PhotoRow>> {
        let r = sqlx::query(
            "SELECT employee_id, exif_at, exif_position FROM photos WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t.id())
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| {
            Ok(PhotoRow {
                employee_id: r.try_get(0)?,
                exif_at: r.try_get(1)?,
                exif_position: r.try_get(2)?,
            })
        })
        .transpose()
    }
}
