//! The binary's clock: the wall clock, or — for tests of the binary only — the wall clock
//! moved forward by `DTZ_TEST_CLOCK_AHEAD_DAYS` days. The offset is honoured only together
//! with `DTZ_INSECURE_FAST_HASH=1` (never set in a deployment) and only forward, so it can
//! make a node's lease run out sooner but never extend one.

use dtz_domain::{Clock, SystemClock};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

#[derive(Debug)]
struct Ahead(Duration);

impl Clock for Ahead {
    fn now(&self) -> OffsetDateTime {
        SystemClock.now() + self.0
    }
}

/// The clock the services get.
pub fn clock() -> Arc<dyn Clock> {
    let test = std::env::var("DTZ_INSECURE_FAST_HASH").is_ok_and(|v| v == "1");
    let days = std::env::var("DTZ_TEST_CLOCK_AHEAD_DAYS").ok().and_then(|d| d.parse::<u16>().ok());
    match days {
        Some(d) if test && d > 0 => Arc::new(Ahead(Duration::days(i64::from(d)))),
        _ => Arc::new(SystemClock),
    }
}
