//! In-memory limits on sign-in attempts, per normalised e-mail and per source. Sources
//! are keyed by a keyed hash of the address (an IPv6 /64 counts as one), under a key that
//! lives only in memory and rotates, so no address is kept (DESIGN §5).

use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const ROTATE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Keyed hashes of source addresses.
#[derive(Debug)]
pub struct SourceKeys {
    key: RwLock<([u8; 32], Instant)>,
}

impl Default for SourceKeys {
    fn default() -> Self {
        Self::new()
    }
}

fn fresh_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    // Without randomness the key is all zeros: the hash still separates sources, it is
    // only less private; getrandom fails only on broken systems.
    let _ = getrandom::fill(&mut k);
    k
}

impl SourceKeys {
    /// A fresh random key.
    pub fn new() -> Self {
        Self { key: RwLock::new((fresh_key(), Instant::now())) }
    }

    /// The keyed hash of an address (IPv6: its /64).
    pub fn key_for(&self, ip: Option<IpAddr>) -> [u8; 32] {
        {
            let mut w = self.key.write().unwrap_or_else(|e| e.into_inner());
            if w.1.elapsed() > ROTATE_EVERY {
                *w = (fresh_key(), Instant::now());
            }
        }
        let k = self.key.read().unwrap_or_else(|e| e.into_inner()).0;
        let bytes: Vec<u8> = match ip {
            Some(IpAddr::V4(v4)) => v4.octets().to_vec(),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets()[..8].to_vec(),
            },
            None => b"unknown".to_vec(),
        };
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&k) else {
            return [0; 32];
        };
        mac.update(&bytes);
        mac.finalize().into_bytes().into()
    }
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Sign-in limits: 10 tries per e-mail per 15 minutes (then one a minute), 50 per
/// source per 15 minutes — generous enough for an office behind one address.
#[derive(Debug)]
pub struct LoginThrottle {
    per_email: Keyed<String>,
    per_source: Keyed<[u8; 32]>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

fn quota(burst: u32, per: Duration) -> Quota {
    let b = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per / burst).unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN)).allow_burst(b)
}

impl LoginThrottle {
    /// Fresh, empty limits.
    pub fn new() -> Self {
        Self {
            per_email: RateLimiter::keyed(quota(10, Duration::from_secs(15 * 60))),
            per_source: RateLimiter::keyed(quota(50, Duration::from_secs(15 * 60))),
        }
    }

    /// Whether one more attempt is allowed (and count it).
    pub fn check(&self, email: &str, source: [u8; 32]) -> bool {
        let e = email.trim().to_lowercase();
        let src_ok = self.per_source.check_key(&source).is_ok();
        let email_ok = self.per_email.check_key(&e).is_ok();
        src_ok && email_ok
    }

    /// Forget idle keys (run on a timer).
    pub fn sweep(&self) {
        self.per_email.retain_recent();
        self.per_source.retain_recent();
    }
}

/// Limits of the public reporting pages, per source only (a keyed hash of the address,
/// see [`SourceKeys`]): 20 reports and 60 receipt checks an hour, generous enough for a
/// school or a mobile network behind one address. There is no global limit, which one
/// attacker could use to silence every child.
#[derive(Debug)]
pub struct PublicThrottle {
    reports: Keyed<[u8; 32]>,
    checks: Keyed<[u8; 32]>,
}

impl Default for PublicThrottle {
    fn default() -> Self {
        Self::new()
    }
}

/// Reports per source per hour.
pub const REPORTS_PER_HOUR: u32 = 20;
/// Receipt checks (and additions) per source per hour.
pub const CHECKS_PER_HOUR: u32 = 60;

impl PublicThrottle {
    /// Fresh, empty limits.
    pub fn new() -> Self {
        let hour = Duration::from_secs(3600);
        Self {
            reports: RateLimiter::keyed(quota(REPORTS_PER_HOUR, hour)),
            checks: RateLimiter::keyed(quota(CHECKS_PER_HOUR, hour)),
        }
    }

    /// Whether one more report from `source` is allowed (and count it).
    pub fn report(&self, source: [u8; 32]) -> bool {
        self.reports.check_key(&source).is_ok()
    }

    /// Whether one more receipt check from `source` is allowed (and count it).
    pub fn check(&self, source: [u8; 32]) -> bool {
        self.checks.check_key(&source).is_ok()
    }

    /// Forget idle keys (run on a timer).
    pub fn sweep(&self) {
        self.reports.retain_recent();
        self.checks.retain_recent();
    }
}
