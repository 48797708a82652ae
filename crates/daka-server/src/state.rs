//! What every handler shares. Nothing here is needed for correctness across instances: the
//! store holds all state that matters.

use std::sync::Arc;
use std::time::Duration;

use daka_store::Store;

use crate::auth::ratelimit::LoginLimiter;
use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::site_cache::SiteCache;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub limiter: Arc<LoginLimiter>,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
    pub sites: Arc<SiteCache>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        let limiter = LoginLimiter::new(
            config.login_max_failures,
            config.login_max_failures_per_ip,
            Duration::from_secs(config.login_lockout),
        );
        Self {
            metrics: Arc::new(Metrics::new(store.clone())),
            store,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            clock: Clock::system(),
            sites: Arc::new(SiteCache::default()),
        }
    }
}
