//! `daka admin rotate-key`, `retire-keys` and `purge-locations`: key rotation for the sealed
//! columns and the location retention purge, run by an operator.

use std::path::Path;

use daka_server::Config;
use daka_server::retention::cutoff;
use daka_store::Store;
use daka_store::crypto::{KEYS_ENV, Keyring};

use crate::admin::store_err;

/// Rows per rewrap transaction: small enough not to hold the writer for long.
const BATCH: usize = 500;

/// The key file `rotate-key` may change, refusing keys given in `DAKA_KEYS` (there is no file
/// to write: the variable has to be changed where it is set).
fn key_file(config: &Config) -> Result<std::path::PathBuf, String> {
    if std::env::var(KEYS_ENV).is_ok_and(|v| !v.trim().is_empty()) {
        return Err(format!(
            "keys come from {KEYS_ENV}, which daka cannot rewrite: add a key and make it active \
             where {KEYS_ENV} is set, or keep the keys in a key file (key_file / DAKA_KEY_FILE)"
        ));
    }
    Ok(config.key_file())
}

fn load(path: &Path) -> Result<Keyring, String> {
    Keyring::load(path).map_err(|e| format!("key file: {e}"))
}

/// Adds a new active key (unless `no_rotate`), saves the key file, then rewraps every sealed
/// blob to the active key. Rerunning with `no_rotate` finishes an interrupted run.
pub async fn rotate_key(
    store: Store,
    config: &Config,
    no_rotate: bool,
    retire_old: bool,
) -> Result<(), String> {
    let path = key_file(config)?;
    let mut ring = load(&path)?;
    if !no_rotate {
        ring.rotate().map_err(|e| format!("rotate: {e}"))?;
        ring.save(&path).map_err(|e| format!("key file: {e}"))?;
    }
    let store = store.with_keyring(ring.clone(), Some(path.clone()));
    let counts = store
        .rewrap_sealed(BATCH)
        .await
        .map_err(|e| store_err("rewrap", e))?;
    println!(
        "{} key {}; rewrapped {} punch locations, {} photo positions ({} already under it)",
        if no_rotate { "still" } else { "rotated to" },
        ring.active_id(),
        counts.punch_locations,
        counts.photo_positions,
        counts.already_current
    );
    if !counts.unreadable.is_empty() {
        eprintln!(
            "warning: {} sealed values cannot be opened with any key and were left as they are:",
            counts.unreadable.len()
        );
        for u in counts.unreadable.iter().take(20) {
            eprintln!("  {u}");
        }
    }
    if retire_old {
        retire_keys(&store, config).await?;
    }
    Ok(())
}

/// Removes from the key file every key that is not active and seals no stored value.
pub async fn retire_keys(store: &Store, config: &Config) -> Result<(), String> {
    let path = key_file(config)?;
    let mut ring = load(&path)?;
    let usage = store
        .sealed_key_usage()
        .await
        .map_err(|e| store_err("key usage", e))?;
    let mut retired = Vec::new();
    let mut kept = Vec::new();
    for id in ring.ids() {
        if id == ring.active_id() {
            continue;
        }
        match usage.get(&id) {
            Some(n) => kept.push(format!("{id} ({n} values still sealed with it)")),
            None => {
                ring.remove(id)
                    .map_err(|e| format!("retire key {id}: {e}"))?;
                retired.push(id.to_string());
            }
        }
    }
    if !retired.is_empty() {
        ring.save(&path).map_err(|e| format!("key file: {e}"))?;
    }
    println!(
        "retired keys: {}; active key {}",
        if retired.is_empty() {
            "none".to_string()
        } else {
            retired.join(", ")
        },
        ring.active_id()
    );
    if !kept.is_empty() {
        println!(
            "kept: {} (run daka admin rotate-key --no-rotate to rewrap them)",
            kept.join(", ")
        );
    }
    Ok(())
}

/// Purges raw location older than the retention (`days`, default the configured one).
pub async fn purge_locations(
    store: &Store,
    config: &Config,
    days: Option<u64>,
    dry_run: bool,
) -> Result<(), String> {
    let days = days.unwrap_or(config.location_retention_days);
    if days == 0 {
        println!("location_retention_days is 0 (keep forever): nothing purged");
        return Ok(());
    }
    let before = cutoff(daka_store::now_ms(), days);
    let when = jiff::Timestamp::from_millisecond(before)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| before.to_string());
    if dry_run {
        let c = store
            .purgeable_locations_all(before)
            .await
            .map_err(|e| store_err("purge-locations", e))?;
        println!(
            "would purge {} punch locations and {} photo positions from before {when} (dry run)",
            c.punch_locations, c.photo_positions
        );
        return Ok(());
    }
    let n = store
        .purge_locations(before)
        .await
        .map_err(|e| store_err("purge-locations", e))?;
    println!("purged {n} locations (punches and photos) from before {when}");
    Ok(())
}
