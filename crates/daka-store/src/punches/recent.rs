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
//! (keyed by punch id).

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
    /// (punch id, instant in ms)
    punches: Vec<(String, i64)>,
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
        if let Some(e) = inner.entries.get_mut(&k)
            && (e.lo..e.hi).contains(&at)
            && !e.punches.iter().any(|(p, _)| p == id)
        {
            e.punches.push((id.to_string(), at));
        }
        inner.last.insert(k, n);
    }
}
