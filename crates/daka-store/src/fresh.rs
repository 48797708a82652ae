//! The tenant's audit sequence, served from memory. Every change to rules, sites, employees,
//! credentials and reviews is audited, so the sequence is an exact change counter and every
//! cache keyed by it (rule context, fence index, credentials, recent punches) is current while
//! it holds.
//!
//! Within this process the sequence is re-read after any committed write (a generation counter
//! moves on every write). Changes made by another process are seen once the cached value is
//! older than `recheck`: on SQLite one server owns the file and only the CLI writes beside it,
//! so a second is plenty; on PostgreSQL several instances may share the database, so the
//! default there is zero (read on every request, one primary-key lookup).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::tenant::Tenant;

#[derive(Clone, Copy, Debug)]
struct Seen {
    seq: i64,
    generation: u64,
    at: Instant,
}

#[derive(Debug)]
pub(crate) struct Fresh {
    generation: AtomicU64,
    recheck_ms: AtomicU64,
    seqs: Mutex<HashMap<String, Seen>>,
}

impl Fresh {
    pub(crate) fn new(recheck: Duration) -> Self {
        Self {
            generation: AtomicU64::new(0),
            recheck_ms: AtomicU64::new(recheck.as_millis() as u64),
            seqs: Mutex::new(HashMap::new()),
        }
    }

    /// A write committed in this process: every cached sequence is re-read before use.
    pub(crate) fn wrote(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn cached(&self, tenant: &str) -> Option<i64> {
        let recheck = Duration::from_millis(self.recheck_ms.load(Ordering::Relaxed));
        if recheck.is_zero() {
            return None;
        }
        let g = self.generation.load(Ordering::Acquire);
        let map = self.seqs.lock().ok()?;
        let s = *map.get(tenant)?;
        (s.generation == g && s.at.elapsed() < recheck).then_some(s.seq)
    }
}

impl Store {
    /// How long a tenant's audit sequence read from the database is trusted for changes made
    /// by other processes (changes made through this store are seen at once).
    pub fn set_recheck(&self, recheck: Duration) {
        self.fresh
            .recheck_ms
            .store(recheck.as_millis() as u64, Ordering::Relaxed);
    }

    /// The tenant's audit sequence: it moves with every audited change.
    pub async fn audit_seq(&self, t: &Tenant) -> Result<i64> {
        if let Some(seq) = self.fresh.cached(t.id()) {
            return Ok(seq);
        }
        // The generation before the read: a write committing meanwhile retires this value.
        let generation = self.fresh.generation.load(Ordering::Acquire);
        let at = Instant::now();
        let seq: Option<i64> = sqlx::query_scalar("SELECT audit_seq FROM tenants WHERE id = $1")
            .bind(t.id())
            .fetch_optional(self.pool())
            .await?;
        let seq = seq.ok_or(StoreError::NotFound)?;
        if let Ok(mut map) = self.fresh.seqs.lock() {
            map.insert(
                t.id().to_string(),
                Seen {
                    seq,
                    generation,
                    at,
                },
            );
        }
        Ok(seq)
    }
}
