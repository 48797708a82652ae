//! Failed-login limits per account and per client IP, with a temporary lockout. Kept in the
//! process: with several instances each applies its own limit, which only makes guessing slower.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    max_account: u32,
    max_ip: u32,
    lockout: Duration,
    state: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    pub fn new(max_account: u32, max_ip: u32, lockout: Duration) -> Self {
        Self {
            max_account: max_account.max(1),
            max_ip: max_ip.max(1),
            lockout,
            state: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, ip: &str) -> [String; 2] {
        [format!("a:{account}"), format!("i:{ip}")]
    }

    /// Seconds left of a lockout on the account or the IP, if any.
    pub fn locked(&self, account: &str, ip: &str) -> Option<u64> {
        let now = Instant::now();
        let Ok(mut m) = self.state.lock() else {
            return None;
        };
        m.retain(|_, (_, since)| now.duration_since(*since) < self.lockout);
        let [a, i] = Self::keys(account, ip);
        let over = |k: &str, max: u32| {
            m.get(k)
                .filter(|(n, _)| *n >= max)
                .map(|(_, since)| (self.lockout - now.duration_since(*since)).as_secs().max(1))
        };
        over(&a, self.max_account).or_else(|| over(&i, self.max_ip))
    }

    pub fn failed(&self, account: &str, ip: &str) {
        let now = Instant::now();
        if let Ok(mut m) = self.state.lock() {
            for k in Self::keys(account, ip) {
                let e = m.entry(k).or_insert((0, now));
                e.0 += 1;
                e.1 = now;
            }
        }
    }

    pub fn succeeded(&self, account: &str) {
        if let Ok(mut m) = self.state.lock() {
            m.remove(&format!("a:{account}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit() {
        let l = LoginLimiter::new(3, 100, Duration::from_secs(60));
        for _ in 0..2 {
            l.failed("t/alice", "1.2.3.4");
        }
        assert!(l.locked("t/alice", "1.2.3.4").is_none());
        l.failed("t/alice", "1.2.3.4");
        assert!(l.locked("t/alice", "9.9.9.9").is_some());
        assert!(l.locked("t/bob", "9.9.9.9").is_none());
    }
}
