//! Approved figures computed ahead (issue 8): after an alliance approval or a reopening,
//! the first reader of a programme's results used to pay the whole rollup (every value of
//! the programme read and rolled up: about 0.5 s at scale 10, seconds at scale 100).
//! The serve process runs [`keep_warm`], which computes the answers pages and the API ask
//! most, for the whole-alliance scope, as soon as the approved figures of a programme
//! change, so that reader finds them remembered. It only fills the memo (`memo.rs`);
//! nothing is kept in sync by hand, and an answer it did not compute is computed by its
//! first reader as before.

use super::ResultsFilter;
use crate::{Caller, Result, Services};
use dtz_domain::results::rollup::Grouping;
use dtz_store::programmes;
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// What is computed ahead: the results page and the API's `group=period` (one answer),
/// the API's `group=country,period`, and `period,part` (IATI, `dtz bench rollup`).
pub const WARM: [Grouping; 3] = [
    Grouping { country: false, org: false, period: true, part: false },
    Grouping { country: true, org: false, period: true, part: false },
    Grouping { country: false, org: false, period: true, part: true },
];

/// Approvals made by another process (a second `dtz serve` on PostgreSQL, a bulk load)
/// wake no one here: they are seen by looking this often.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// Approvals often come in a burst (a page of reports): wait this long after the first.
const SETTLE: Duration = Duration::from_secs(1);

/// The framework version and approved generation of each programme (what the memo keys on).
pub type Seen = HashMap<Uuid, (i64, i64)>;

impl Services {
    /// Compute the [`WARM`] answers of programme `code` for the whole-alliance scope
    /// (alliance managers, donors and the system share it), unfiltered.
    pub async fn warm_rollups(&self, code: &str) -> Result<()> {
        self.figures_filtered(&Caller::System, code, &WARM, false, &ResultsFilter::default()).await?;
        Ok(())
    }

    /// The codes of the programmes whose framework or approved figures changed since
    /// `seen`, which is brought up to date.
    pub async fn rollups_changed(&self, seen: &mut Seen) -> Result<Vec<String>> {
        let mut changed = Vec::new();
        for p in programmes::list(&self.db).await? {
            let now = (p.version, p.approved_generation);
            if seen.insert(p.id, now).is_some_and(|before| before != now) {
                changed.push(p.code);
            }
        }
        Ok(changed)
    }
}

/// Keep the most asked approved figures computed (run by `dtz serve`). Nothing is
/// computed at start, which would cost every start the rollup of every programme (and
/// its memory at idle): programmes are warmed when their approved figures change.
pub async fn keep_warm(services: Services) {
    let mut seen = Seen::new();
    if let Err(e) = services.rollups_changed(&mut seen).await {
        tracing::warn!(error = %e, "rollup warming: cannot read programmes");
    }
    loop {
        tokio::select! {
            () = services.rollups.wait_changed() => tokio::time::sleep(SETTLE).await,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
        let codes = match services.rollups_changed(&mut seen).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "rollup warming: cannot read programmes");
                continue;
            }
        };
        for code in codes {
            let t = std::time::Instant::now();
            match services.warm_rollups(&code).await {
                Ok(()) => {
                    tracing::info!(programme = %code, ms = t.elapsed().as_millis() as u64, "approved figures computed ahead")
                }
                Err(e) => tracing::warn!(programme = %code, error = %e, "rollup warming failed"),
            }
        }
    }
}
