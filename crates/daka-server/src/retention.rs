//! The location retention job: every hour (and once at start), raw location older than
//! `location_retention_days` is purged (see `Store::purge_locations`). Runs in every instance;
//! concurrent runs are harmless, since a purged row no longer matches.

use std::time::Duration;

use daka_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the job runs.
pub const INTERVAL: Duration = Duration::from_secs(3600);

const DAY_MS: i64 = 86_400_000;

/// The instant before which locations are purged, for a retention of `days`.
pub fn cutoff(now_ms: i64, days: u64) -> i64 {
    now_ms.saturating_sub(
        i64::try_from(days)
            .unwrap_or(i64::MAX)
            .saturating_mul(DAY_MS),
    )
}

/// Starts the job unless `days` is 0 (keep forever). It ends when `stop` changes or its sender
/// is dropped; a purge in progress finishes first.
pub fn spawn(store: Store, days: u64, mut stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
    if days == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            let before = cutoff(daka_store::now_ms(), days);
            match store.purge_locations(before).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, days, "location retention: purged raw locations"),
                Err(e) => {
                    tracing::error!(error = %e, "location retention failed; retrying in an hour")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(INTERVAL) => {}
                _ = stop.changed() => return,
            }
        }
    }))
}
