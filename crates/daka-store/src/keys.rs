//! The store's keyring for sealed columns. A running server may meet a blob sealed under a key
//! that `daka admin rotate-key` added after it started: opening such a blob reloads the key
//! file once and retries, so rotation needs no restart. Sealing notices a changed key file
//! (its modification time) and reloads it first, so new blobs use the newly active key at once
//! and a retired key is never used again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use crate::crypto::{CryptoError, Keyring, row_aad};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::tenant::Tenant;

#[derive(Debug, Default)]
pub(crate) struct Keys {
    ring: RwLock<Option<Arc<Keyring>>>,
    /// The key file to reload from when a blob names an unknown key.
    path: Option<PathBuf>,
    /// The key file's modification time when last loaded.
    loaded: Mutex<Option<SystemTime>>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Keys {
    pub(crate) fn new(ring: Keyring, path: Option<PathBuf>) -> Self {
        let loaded = path.as_deref().and_then(modified);
        Self {
            ring: RwLock::new(Some(Arc::new(ring))),
            path,
            loaded: Mutex::new(loaded),
        }
    }

    /// The keyring for sealing: reloaded first when the key file changed since it was read
    /// (one `stat` per seal). A file that cannot be read keeps the keys in memory.
    fn for_sealing(&self) -> Result<Arc<Keyring>> {
        if let Some(path) = &self.path {
            let now = modified(path);
            let changed = self
                .loaded
                .lock()
                .map(|l| now.is_some() && *l != now)
                .unwrap_or(false);
            if changed && let Ok(ring) = self.reload() {
                return Ok(ring);
            }
        }
        self.current()
    }

    fn current(&self) -> Result<Arc<Keyring>> {
        self.ring
            .read()
            .map_err(|_| StoreError::Database("keyring lock poisoned".into()))?
            .clone()
            .ok_or_else(|| StoreError::Database("no encryption keyring is configured".into()))
    }

    fn reload(&self) -> Result<Arc<Keyring>> {
        let Some(path) = &self.path else {
            return self.current();
        };
        let stamp = modified(path);
        let ring = Arc::new(Keyring::load(path)?);
        if let Ok(mut l) = self.loaded.lock() {
            *l = stamp;
        }
        let mut slot = self
            .ring
            .write()
            .map_err(|_| StoreError::Database("keyring lock poisoned".into()))?;
        *slot = Some(ring.clone());
        Ok(ring)
    }
}

impl Store {
    /// Uses `ring` to seal and open personal-data columns; `path` is the key file it came from
    /// (reloaded when a blob names a key added since).
    pub fn with_keyring(mut self, ring: Keyring, path: Option<PathBuf>) -> Self {
        self.keys = Arc::new(Keys::new(ring, path));
        self
    }

    /// The keyring in use (for rotation and rewrapping).
    pub fn keyring(&self) -> Result<Arc<Keyring>> {
        self.keys.current()
    }

    /// Seals `plaintext` for one column of one row (see [`row_aad`]).
    pub fn seal(
        &self,
        t: &Tenant,
        table: &str,
        row_id: &str,
        column: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let ring = self.keys.for_sealing()?;
        Ok(ring.seal(plaintext, &row_aad(t, table, row_id, column))?)
    }

    /// Opens a blob sealed by [`Store::seal`] for the same place.
    pub fn open_sealed(
        &self,
        t: &Tenant,
        table: &str,
        row_id: &str,
        column: &str,
        blob: &[u8],
    ) -> Result<Vec<u8>> {
        let aad = row_aad(t, table, row_id, column);
        let ring = self.keys.current()?;
        match ring.open(blob, &aad) {
            Err(CryptoError::UnknownKey(_)) => Ok(self.keys.reload()?.open(blob, &aad)?),
            other => Ok(other?),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn sealing_follows_a_rotated_key_file() {
        let dir = std::env::temp_dir().join(format!("daka-keys-{}", crate::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.json");
        let mut ring = Keyring::generate().unwrap();
        ring.save(&path).unwrap();
        let keys = Keys::new(ring.clone(), Some(path.clone()));
        assert_eq!(keys.for_sealing().unwrap().active_id(), 1);

        // `daka admin rotate-key` in another process: a new active key in the file. (The file's
        // time is moved on explicitly: two writes within a clock tick could share it.)
        ring.rotate().unwrap();
        ring.save(&path).unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(10);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(keys.for_sealing().unwrap().active_id(), 2);
        assert_eq!(keys.current().unwrap().ids(), [1, 2]);
        // A missing file keeps the keys in memory.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(keys.for_sealing().unwrap().active_id(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
