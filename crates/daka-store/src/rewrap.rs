//! Key rotation for sealed columns: moving every blob to the active key, and finding which keys
//! blobs still use (so retired keys can be dropped from the key file).
//!
//! These are the store's one deliberate exception to "no query without a tenant": they walk
//! every tenant's rows, but touch only ciphertext columns, and each blob is opened and sealed
//! again under its own row's associated data (tenant, table, row, column), so a blob can never
//! move between rows or tenants.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sqlx::Row;

use crate::audit;
use crate::crypto::{KeyId, Keyring, key_id_of, row_aad};
use crate::db::Store;
use crate::error::Result;
use crate::tenant::{Actor, Tenant};

/// The sealed columns: (table, column).
pub const SEALED_COLUMNS: [(&str, &str); 2] =
    [("punches", "location"), ("photos", "exif_position")];

/// What [`Store::rewrap_sealed`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RewrapCounts {
    /// Blobs moved to the active key.
    pub punch_locations: u64,
    pub photo_positions: u64,
    /// Blobs already under the active key.
    pub already_current: u64,
    /// Blobs that could not be opened (unknown key, tampered or copied between rows), as
    /// `table tenant/row: problem`; they are left as they are.
    pub unreadable: Vec<String>,
}

/// One blob to replace: (tenant, row id, old blob, new blob).
type Swap = (String, String, Vec<u8>, Vec<u8>);

impl Store {
    /// Seals every blob of every sealed column again with the active key, `batch` rows per
    /// transaction. Restart-safe: a blob already under the active key is skipped, so an
    /// interrupted run is finished by running it again. A row changed meanwhile (purged) is
    /// left alone: each update only replaces the exact blob it read.
    pub async fn rewrap_sealed(&self, batch: usize) -> Result<RewrapCounts> {
        let ring = self.keyring()?;
        let mut counts = RewrapCounts::default();
        for (table, column) in SEALED_COLUMNS {
            let done = self
                .rewrap_column(&ring, table, column, batch.max(1), &mut counts)
                .await?;
            match table {
                "punches" => counts.punch_locations += done,
                _ => counts.photo_positions += done,
            }
        }
        Ok(counts)
    }

    async fn rewrap_column(
        &self,
        ring: &Keyring,
        table: &'static str,
        column: &'static str,
        batch: usize,
        counts: &mut RewrapCounts,
    ) -> Result<u64> {
        let sql = format!(
            "SELECT tenant_id, id, {column} FROM {table} WHERE {column} IS NOT NULL \
             AND (tenant_id > $1 OR (tenant_id = $1 AND id > $2)) ORDER BY tenant_id, id LIMIT $3"
        );
        let mut after = (String::new(), String::new());
        let mut done = 0;
        loop {
            let rows = sqlx::query(&sql)
                .bind(&after.0)
                .bind(&after.1)
                .bind(batch as i64)
                .fetch_all(self.pool())
                .await?;
            let Some(last) = rows.last() else { break };
            after = (last.try_get(0)?, last.try_get(1)?);
            let mut swaps: Vec<Swap> = Vec::new();
            for row in &rows {
                let tenant: String = row.try_get(0)?;
                let id: String = row.try_get(1)?;
                let blob: Vec<u8> = row.try_get(2)?;
                if !ring.needs_rewrap(&blob) {
                    counts.already_current += 1;
                    continue;
                }
                let aad = row_aad(&Tenant::trusted(&tenant), table, &id, column);
                match ring.rewrap(&blob, &aad) {
                    Ok(new) => swaps.push((tenant, id, blob, new)),
                    Err(e) => counts
                        .unreadable
                        .push(format!("{table} {tenant}/{id}: {e}")),
                }
            }
            if !swaps.is_empty() {
                done += self
                    .apply_swaps(table, column, ring.active_id(), swaps)
                    .await?;
            }
        }
        Ok(done)
    }

    /// Replaces the blobs of one batch in one transaction, with one audit entry per tenant.
    async fn apply_swaps(
        &self,
        table: &'static str,
        column: &'static str,
        key: KeyId,
        swaps: Vec<Swap>,
    ) -> Result<u64> {
        self.write(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "UPDATE {table} SET {column} = $1 WHERE tenant_id = $2 AND id = $3 AND {column} = $4"
                );
                let mut per_tenant: BTreeMap<String, u64> = BTreeMap::new();
                for (tenant, id, old, new) in &swaps {
                    let n = sqlx::query(&sql)
                        .bind(new.as_slice())
                        .bind(tenant)
                        .bind(id)
                        .bind(old.as_slice())
                        .execute(&mut *c)
                        .await?
                        .rows_affected();
                    *per_tenant.entry(tenant.clone()).or_default() += n;
                }
                let actor = Actor::system("rotate-key");
                let mut total = 0;
                for (tenant, n) in per_tenant {
                    total += n;
                    if n == 0 {
                        continue;
                    }
                    let t = Tenant::trusted(tenant);
                    let after = serde_json::json!({"rows": n, "key": key});
                    let what = format!("{table}.{column}");
                    audit::append(c, &t, &actor, "rewrap", "sealed_column", &what, None, Some(after))
                        .await?;
                }
                Ok(total)
            })
        })
        .await
    }

    /// How many blobs each key seals, over every sealed column of every tenant. A key absent
    /// from the answer seals nothing and can be retired. Malformed blobs count under key 0.
    pub async fn sealed_key_usage(&self) -> Result<BTreeMap<KeyId, u64>> {
        let mut usage: HashMap<KeyId, u64> = HashMap::new();
        for (table, column) in SEALED_COLUMNS {
            let sql = format!(
                "SELECT tenant_id, id, {column} FROM {table} WHERE {column} IS NOT NULL \
                 AND (tenant_id > $1 OR (tenant_id = $1 AND id > $2)) ORDER BY tenant_id, id LIMIT 1000"
            );
            let mut after = (String::new(), String::new());
            loop {
                let rows = sqlx::query(&sql)
                    .bind(&after.0)
                    .bind(&after.1)
                    .fetch_all(self.pool())
                    .await?;
                let Some(last) = rows.last() else { break };
                after = (last.try_get(0)?, last.try_get(1)?);
                for row in &rows {
                    let blob: Vec<u8> = row.try_get(2)?;
                    *usage.entry(key_id_of(&blob).unwrap_or(0)).or_default() += 1;
                }
            }
        }
        Ok(usage.into_iter().collect())
    }
}
