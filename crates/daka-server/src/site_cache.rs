//! Judged sites (fence index and signals) per tenant and site list, reused until the tenant's
//! audit sequence moves: every site change is audited, so a cached index is never stale, also
//! across instances sharing a database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::routes::sites::config::Judged;

type Key = (String, Vec<i64>);

#[derive(Default)]
pub struct SiteCache {
    map: Mutex<HashMap<Key, (i64, Arc<Judged>)>>,
}

impl SiteCache {
    pub fn get(&self, tenant: &str, nums: &[i64], seq: i64) -> Option<Arc<Judged>> {
        let map = self.map.lock().ok()?;
        map.get(&(tenant.to_string(), nums.to_vec()))
            .filter(|(s, _)| *s == seq)
            .map(|(_, j)| j.clone())
    }

    pub fn put(&self, tenant: &str, nums: Vec<i64>, seq: i64, judged: Arc<Judged>) {
        if let Ok(mut map) = self.map.lock() {
            // Old sequences of the same tenant are dead weight.
            map.retain(|(t, _), (s, _)| t != tenant || *s == seq);
            map.insert((tenant.to_string(), nums), (seq, judged));
        }
    }
}
