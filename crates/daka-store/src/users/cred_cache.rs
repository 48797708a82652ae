//! API tokens and device keys already checked, kept while the tenant's audit sequence holds:
//! revoking a token, disabling or changing a user are audited, so a cached credential is never
//! one the database would refuse (expiry is checked against the clock on every use). Unknown
//! secrets are not cached, so guessing costs a database read each time.

use std::collections::HashMap;
use std::sync::Mutex;

use super::User;
use super::credentials::{ApiToken, Device};

/// Beyond this many entries the cache starts over (a bound, not a working-set size).
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Debug)]
pub(crate) enum Cred {
    Token(ApiToken, Box<User>),
    Device(Device),
}

#[derive(Debug, Default)]
pub(crate) struct CredCache {
    map: Mutex<HashMap<(String, String), (i64, Cred)>>,
}

impl CredCache {
    pub(crate) fn get(&self, tenant: &str, hash: &str, seq: i64) -> Option<Cred> {
        let map = self.map.lock().ok()?;
        map.get(&(tenant.to_string(), hash.to_string()))
            .filter(|(s, _)| *s == seq)
            .map(|(_, c)| c.clone())
    }

    pub(crate) fn put(&self, tenant: &str, hash: &str, seq: i64, cred: Cred) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert((tenant.to_string(), hash.to_string()), (seq, cred));
        }
    }
}
