//! Each employee's counted punches around the dates they punch on, kept in memory so judging a
//! punch reads nothing from the database once the employee was seen.
//!
//! Exact on SQLite, where one server process owns the file (`daka serve` holds a lock on it):
//! every new punch passes through this process and is added after its commit (write-through),
//! and the only change to an existing punch's counting, a review, is audited, so an entry is
//! used only under the audit sequence it was loaded with. PostgreSQL may have several instances
//! writing punches, so there the cache is off and each judgement reads the punches.
//!
//! A load racing a commit: the load takes a ticket before its query, and is kept only when no
//! punch of that employee was added since the ticket; a punch both read and added is one entry
//! (keyed by a hash of the punch id).

use std::collections::HashMap;
use std::sync::Mutex;

/// Beyond this many employees the cache starts over (a bound, not a working-set size).
const MAX_EMPLOYEES: usize = 200_000;

type Key = (String, String);

#[derive(Debug)]
struct Entry {
    seq: i64,
    /// The instants covered, `[lo, hi)` in ms.
    lo: i64,
    hi: i64,
    /// (hash of the punch id, instant in ms): 16 bytes a punch, however long ids are.
    punches: Vec<(u64, i64)>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    /// Punches added so far (tickets count these).
    added: u64,
    /// Per employee: the value of `added` at their latest punch.
    last: HashMap<Key, u64>,
    /// Loads with a ticket below this are not kept (the cache was cleared after they began).
    floor: u64,
}

#[derive(Debug)]
pub(crate) struct RecentPunches {
    enabled: bool,
    inner: Mutex<Inner>,
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

fn key(tenant: &str, employee: &str) -> Key {
    (tenant.to_string(), employee.to_string())
}

impl RecentPunches {
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            enabled,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Taken before reading an employee's punches from the database.
    pub(crate) fn ticket(&self) -> u64 {
        self.inner.lock().map(|i| i.added).unwrap_or(u64::MAX)
    }

    /// The counted punches in `[lo, hi)` (ms), when an entry under `seq` covers it.
    pub(crate) fn get(
        &self,
        tenant: &str,
        employee: &str,
        seq: i64,
        lo: i64,
        hi: i64,
    ) -> Option<Vec<i64>> {
        if !self.enabled {
            return None;
        }
        let inner = self.inner.lock().ok()?;
        let e = inner.entries.get(&key(tenant, employee))?;
        (e.seq == seq && e.lo <= lo && hi <= e.hi).then(|| {
            e.punches
                .iter()
                .map(|(_, at)| *at)
                .filter(|at| (lo..hi).contains(at))
                .collect()
        })
    }

    /// Keeps what a load read, unless a punch of this employee was added after its ticket.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn put(
        &self,
        tenant: &str,
        employee: &str,
        seq: i64,
        lo: i64,
        hi: i64,
        punches: Vec<(String, i64)>,
        ticket: u64,
    ) {
        let punches = punches.iter().map(|(id, at)| (id_hash(id), *at)).collect();
        if !self.enabled {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let k = key(tenant, employee);
        if ticket < inner.floor || inner.last.get(&k).is_some_and(|&l| l > ticket) {
            return;
        }
        if inner.entries.len() >= MAX_EMPLOYEES {
            inner.entries.clear();
            inner.last.clear();
            inner.floor = inner.added;
        }
        inner.entries.insert(
            k,
            Entry {
                seq,
                lo,
                hi,
                punches,
            },
        );
    }

    /// A counted punch was committed: later judgements of the employee see it.
    pub(crate) fn add(&self, tenant: &str, employee: &str, id: &str, at: i64) {
        if !self.enabled {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.added += 1;
        let n = inner.added;
        let k = key(tenant, employee);
        let h = id_hash(id);
        if let Some(e) = inner.entries.get_mut(&k)
            && (e.lo..e.hi).contains(&at)
            && !e.punches.iter().any(|(p, _)| *p == h)
        {
            e.punches.push((h, at));
        }
        inner.last.insert(k, n);
    }
}

#[cfg(test)]
mod tests {
    use super::RecentPunches;

    fn loaded(seq: i64) -> RecentPunches {
        let r = RecentPunches::new(true);
        let ticket = r.ticket();
        r.put("t", "e", seq, 0, 1000, vec![("p1".into(), 100)], ticket);
        r
    }

    #[test]
    fn serves_only_a_covered_window_under_its_sequence() {
        let r = loaded(7);
        assert_eq!(r.get("t", "e", 7, 50, 500), Some(vec![100]));
        assert_eq!(r.get("t", "e", 7, 200, 500), Some(vec![]));
        assert_eq!(r.get("t", "e", 8, 50, 500), None, "the sequence moved");
        assert_eq!(r.get("t", "e", 7, 50, 1001), None, "beyond the window");
        assert_eq!(r.get("t", "other", 7, 50, 500), None);
        assert_eq!(r.get("u", "e", 7, 50, 500), None, "another tenant");
    }

    #[test]
    fn committed_punches_are_added_once() {
        let r = loaded(7);
        r.add("t", "e", "p2", 300);
        r.add("t", "e", "p1", 100);
        r.add("t", "e", "p3", 5000);
        assert_eq!(r.get("t", "e", 7, 0, 1000), Some(vec![100, 300]));
    }

    #[test]
    fn a_load_racing_a_commit_is_not_kept() {
        let r = RecentPunches::new(true);
        let ticket = r.ticket();
        // Committed (and added) after the load's query began: the load may have missed it.
        r.add("t", "e", "p1", 100);
        r.put("t", "e", 7, 0, 1000, vec![], ticket);
        assert_eq!(r.get("t", "e", 7, 0, 1000), None);
        // Another employee's punch does not spoil this employee's load.
        let ticket = r.ticket();
        r.add("t", "x", "p9", 100);
        r.put("t", "e", 7, 0, 1000, vec![("p1".into(), 100)], ticket);
        assert_eq!(r.get("t", "e", 7, 0, 1000), Some(vec![100]));
    }

    #[test]
    fn off_on_postgres() {
        let r = RecentPunches::new(false);
        let ticket = r.ticket();
        r.put("t", "e", 7, 0, 1000, vec![("p1".into(), 100)], ticket);
        assert_eq!(r.get("t", "e", 7, 0, 1000), None);
    }
}
