//! Location retention: raw location (coordinates, Wi-Fi, beacons, IP) is personal data kept only
//! as long as configured. Purging drops the sealed blob and records when; the punch, its
//! decision and so its attendance result stay.

use serde::Serialize;
use sqlx::Row;

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::Result;
use crate::now_ms;
use crate::tenant::{Actor, Tenant};

/// Rows whose location is (or would be) purged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    pub punch_locations: u64,
    pub photo_positions: u64,
}

impl PurgeCounts {
    pub fn total(&self) -> u64 {
        self.punch_locations + self.photo_positions
    }
}

/// The rows a purge with cutoff `$2` touches in tenant `$1`.
const PUNCHES_DUE: &str = "tenant_id = $1 AND received_at < $2 AND location IS NOT NULL";
const PHOTOS_DUE: &str = "tenant_id = $1 AND created_at < $2 AND exif_position IS NOT NULL";

impl Store {
    async fn tenant_ids(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM tenants ORDER BY id")
            .fetch_all(self.pool())
            .await?)
    }

    /// What [`Store::purge_locations`] would purge in one tenant.
    pub async fn purgeable_locations(&self, t: &Tenant, older_than_ms: i64) -> Result<PurgeCounts> {
        let mut counts = PurgeCounts::default();
        for (table, due, slot) in [
            ("punches", PUNCHES_DUE, &mut counts.punch_locations),
            ("photos", PHOTOS_DUE, &mut counts.photo_positions),
        ] {
            let row = sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE {due}"))
                .bind(t.id())
                .bind(older_than_ms)
                .fetch_one(self.pool())
                .await?;
            *slot = u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0);
        }
        Ok(counts)
    }

    /// What [`Store::purge_locations`] would purge, over every tenant (for `--dry-run`).
    pub async fn purgeable_locations_all(&self, older_than_ms: i64) -> Result<PurgeCounts> {
        let mut all = PurgeCounts::default();
        for id in self.tenant_ids().await? {
            let c = self
                .purgeable_locations(&Tenant::trusted(id), older_than_ms)
                .await?;
            all.punch_locations += c.punch_locations;
            all.photo_positions += c.photo_positions;
        }
        Ok(all)
    }

    /// Drops the raw location of every punch received before `older_than_ms` (setting
    /// `location_purged_at`) and the EXIF position of every photo uploaded before it, tenant by
    /// tenant, each tenant in one transaction with one audit entry by `system:retention`
    /// summarising it. Returns how many rows were purged (punches and photos).
    pub async fn purge_locations(&self, older_than_ms: i64) -> Result<u64> {
        let mut total = 0;
        for id in self.tenant_ids().await? {
            let t = Tenant::trusted(id);
            // Most runs find nothing: only then is a write (and an audit entry) made.
            if self.purgeable_locations(&t, older_than_ms).await?.total() == 0 {
                continue;
            }
            total += self.purge_tenant(t, older_than_ms).await?.total();
        }
        Ok(total)
    }

    async fn purge_tenant(&self, t: Tenant, cutoff: i64) -> Result<PurgeCounts> {
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let now = now_ms();
                let punches = sqlx::query(&format!(
                    "UPDATE punches SET location = NULL, location_purged_at = $3 WHERE {PUNCHES_DUE}"
                ))
                .bind(t.id())
                .bind(cutoff)
                .bind(now)
                .execute(&mut *c)
                .await?
                .rows_affected();
                let photos = sqlx::query(&format!(
                    "UPDATE photos SET exif_position = NULL WHERE {PHOTOS_DUE}"
                ))
                .bind(t.id())
                .bind(cutoff)
                .execute(&mut *c)
                .await?
                .rows_affected();
                let counts = PurgeCounts {
                    punch_locations: punches,
                    photo_positions: photos,
                };
                if counts.total() > 0 {
                    let after = serde_json::json!({
                        "punch_locations": punches,
                        "photo_positions": photos,
                        "received_before": cutoff,
                    });
                    let actor = Actor::system("retention");
                    audit::append(
                        c,
                        &t,
                        &actor,
                        "purge",
                        "location",
                        "retention",
                        None,
                        Some(after),
                    )
                    .await?;
                }
                Ok(counts)
            })
        })
        .await
    }
}
