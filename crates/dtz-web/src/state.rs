//! What every handler can reach.

use crate::throttle::{LoginThrottle, PublicThrottle, SourceKeys};
use dtz_services::Services;
use std::sync::Arc;

/// Settings of the HTTP layer.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Served over https (behind a proxy that terminates TLS): cookies get `Secure` and
    /// responses carry HSTS.
    pub https: bool,
    /// Sample-data banner on every page (the demo).
    pub demo: bool,
    /// An SMTP server is configured: notifications also go out by e-mail to those who
    /// want it (otherwise they show only in the task list).
    pub mail: bool,
}

/// Shared state of the server.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// Keyed hashes of source addresses (in memory, rotating).
    pub source_keys: Arc<SourceKeys>,
    /// Sign-in attempt limits.
    pub login_throttle: Arc<LoginThrottle>,
    /// Limits of the public reporting pages.
    pub public_throttle: Arc<PublicThrottle>,
    /// Settings.
    pub config: WebConfig,
}

impl AppState {
    /// State over `services` with fresh in-memory throttles.
    pub fn new(services: Services, config: WebConfig) -> Self {
        Self {
            services,
            source_keys: Arc::new(SourceKeys::new()),
            login_throttle: Arc::new(LoginThrottle::new()),
            public_throttle: Arc::new(PublicThrottle::new()),
            config,
        }
    }
}
