//! The server's notion of "now". Normally the system clock; `daka demo` replays a month of
//! punches through the real API with a manual clock set to when each punch would have been
//! received, so skew and offline-sync rules judge them as they would have live.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that says `ms` (milliseconds since the Unix epoch) until [`set`](Self::set).
    pub fn manual(ms: i64) -> Self {
        Self(Some(Arc::new(AtomicI64::new(ms))))
    }

    /// Moves a manual clock; no effect on the system clock.
    pub fn set(&self, ms: i64) {
        if let Some(c) = &self.0 {
            c.store(ms, Ordering::SeqCst);
        }
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(c) => c.load(Ordering::SeqCst),
            None => daka_store::now_ms(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_set() {
        let c = Clock::manual(1_000);
        let shared = c.clone();
        assert_eq!(c.now_ms(), 1_000);
        shared.set(2_000);
        assert_eq!(c.now_ms(), 2_000);
        assert!(Clock::system().now_ms() > 1_700_000_000_000);
    }
}
