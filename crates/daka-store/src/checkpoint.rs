//! SQLite's WAL checkpoints, run beside the writer instead of inside its commits. By default
//! the connection that commits also copies the WAL into the database file every 1,000 pages,
//! stalling every write queued behind it; measured here that copy was about a third of the
//! writer's time. A background task copies what is committed (PASSIVE: it never blocks the
//! writer), and when the WAL has grown past `RESTART_PAGES` because writes never paused, it
//! waits for a gap (RESTART) so the file starts over.

use std::time::Duration;

use sqlx::{AnyPool, Row};
use tokio::sync::watch;

/// How often committed pages are copied into the database file.
const EVERY: Duration = Duration::from_millis(1000);

/// A WAL longer than this (in pages, 64 MiB at 4 KiB) is restarted.
const RESTART_PAGES: i64 = 16_384;

/// Settings of the writer connection that go with this task.
pub(crate) const WRITER_PRAGMAS: [&str; 2] = [
    "PRAGMA wal_autocheckpoint = 0",
    // 64 MiB of page cache, so the indexes' hot pages stay in memory between groups.
    "PRAGMA cache_size = -65536",
];

/// Runs until `stop` changes.
pub(crate) async fn run(pool: AnyPool, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stop.changed() => return,
        }
        match checkpoint(&pool, "PASSIVE").await {
            Ok(log) if log > RESTART_PAGES => {
                if let Err(e) = checkpoint(&pool, "RESTART").await {
                    tracing::warn!(error = %e, "WAL checkpoint (restart) failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}

/// Runs one checkpoint; the WAL's length in pages.
async fn checkpoint(pool: &AnyPool, mode: &str) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(&format!("PRAGMA wal_checkpoint({mode})"))
        .fetch_one(pool)
        .await?;
    row.try_get::<i64, _>(1)
}
