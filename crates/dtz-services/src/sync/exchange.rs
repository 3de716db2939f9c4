//! `dtz node sync` without the wire: push the outbox in node order until the hub has
//! answered every operation, then pull each scope from its cursor, rebuilding a scope
//! whose checksum differs. The transport (HTTP in the CLI, a lossy simulation in the
//! tests) is a parameter; every step is safe to repeat after a lost answer.

use super::pull::{Applied, PullAnswer};
use crate::{Result, ServiceError, Services};
use dtz_domain::sync::OperationId;
use dtz_domain::sync::protocol::{OpResult, Outcome, PullScope, PushedOp};
use dtz_store::sync::node as node_store;
use dtz_store::sync::outbox::{self, OutboxRow};
use std::future::Future;
use uuid::Uuid;

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncFailure {
    /// The hub did not answer (or the answer was lost): nothing is lost, sync again.
    #[error("the hub could not be reached: {0}")]
    Unreachable(String),
    /// The hub refused this device.
    #[error("this device was revoked by the hub; it can no longer sync")]
    Revoked,
    /// Something failed here.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<dtz_store::StoreError> for SyncFailure {
    fn from(e: dtz_store::StoreError) -> Self {
        SyncFailure::Service(e.into())
    }
}

/// How a node reaches its hub.
pub trait Transport {
    /// `POST /api/v1/sync/push`.
    fn push(&self, ops: &[PushedOp]) -> impl Future<Output = std::result::Result<Vec<OpResult>, SyncFailure>>;
    /// `GET /api/v1/sync/pull?scope=&cursor=`.
    fn pull(&self, scope: PullScope, cursor: i64)
    -> impl Future<Output = std::result::Result<PullAnswer, SyncFailure>>;
    /// `POST /api/v1/sync/evictions`: the node deleted these cases on the hub's word.
    fn ack_evictions(&self, cases: &[Uuid]) -> impl Future<Output = std::result::Result<(), SyncFailure>>;
}

/// What one sync did.
#[derive(Clone, Debug, Default)]
pub struct SyncSummary {
    /// Operations the hub answered in this sync, by outcome.
    pub applied: usize,
    /// … kept as conflicts for a person on the hub.
    pub conflicts: usize,
    /// … refused or not found.
    pub refused: usize,
    /// Operations still waiting for the hub.
    pub waiting: usize,
    /// Per scope: what the pull changed, and whether the scope was rebuilt.
    pub pulled: Vec<(PullScope, Applied, bool)>,
}

fn cursor_key(scope: PullScope) -> &'static str {
    match scope {
        PullScope::Reference => "sync.cursor.reference",
        PullScope::Activities => "sync.cursor.activities",
        PullScope::Values => "sync.cursor.values",
        PullScope::Cases => "sync.cursor.cases",
    }
}

/// An outbox row as pushed.
pub fn pushed(r: &OutboxRow) -> PushedOp {
    PushedOp {
        id: OperationId(r.id),
        node_seq: r.node_seq,
        payload: r.payload.clone(),
        signature: hex::encode(&r.signature),
        device_clock: r.device_clock.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    }
}

impl Services {
    /// Push then pull, reporting each step to `progress`.
    pub async fn node_sync<T: Transport>(
        &self,
        t: &T,
        progress: &mut dyn FnMut(String),
    ) -> std::result::Result<SyncSummary, SyncFailure> {
        if self.node_status().await?.is_none() {
            return Err(ServiceError::NotFound.into());
        }
        let mut s = SyncSummary::default();
        self.node_push_all(t, &mut s, progress).await?;
        for scope in PullScope::ALL {
            let key = cursor_key(scope);
            let stored = dtz_store::settings::get(&self.db, key).await?;
            let cursor: i64 = stored.as_ref().and_then(|r| r.value.parse().ok()).unwrap_or(0);
            let mut answer = t.pull(scope, cursor).await?;
            let mut applied = self.node_apply_pull(&answer).await?;
            let mut rebuilt = false;
            let quiet = outbox::pending(&self.db).await?.is_empty();
            if quiet && applied.checksum != answer.checksum && !answer.reset {
                progress(format!("{}: checksum differs from the hub's; rebuilding this scope", scope.as_str()));
                answer = t.pull(scope, 0).await?;
                let mut again = self.node_apply_pull(&answer).await?;
                again.evicted.extend(std::mem::take(&mut applied.evicted));
                applied =
                    Applied { rows: applied.rows + again.rows, dropped: applied.dropped + again.dropped, ..again };
                rebuilt = true;
            }
            if !applied.evicted.is_empty() {
                t.ack_evictions(&applied.evicted).await?;
                progress(format!("{}: {} deletions acknowledged to the hub", scope.as_str(), applied.evicted.len()));
            }
            let mut tx = self.db.begin().await?;
            let base = dtz_store::settings::get(&self.db, key).await?.map_or(0, |r| r.version);
            dtz_store::settings::put(&mut tx, key, &answer.cursor.to_string(), base, self.clock.now()).await?;
            tx.commit().await?;
            progress(format!(
                "pulled {}: {} written, {} removed or out of scope",
                scope.as_str(),
                applied.rows,
                applied.dropped
            ));
            s.pulled.push((scope, applied, rebuilt));
        }
        let mut tx = self.db.begin().await?;
        node_store::synced(&mut tx, self.clock.now()).await?;
        tx.commit().await?;
        Ok(s)
    }

    async fn node_push_all<T: Transport>(
        &self,
        t: &T,
        s: &mut SyncSummary,
        progress: &mut dyn FnMut(String),
    ) -> std::result::Result<(), SyncFailure> {
        loop {
            let pending = outbox::pending(&self.db).await?;
            if pending.is_empty() {
                break;
            }
            let mut bytes = 0;
            let batch: Vec<PushedOp> = pending
                .iter()
                .take(super::push::MAX_PUSH)
                .map(pushed)
                .enumerate()
                .take_while(|(i, op)| {
                    bytes += op.payload.len() + op.signature.len() + 256;
                    *i == 0 || bytes <= super::push::MAX_PUSH_BYTES
                })
                .map(|(_, op)| op)
                .collect();
            progress(format!("pushing {} of {} operations", batch.len(), pending.len()));
            let results = t.push(&batch).await?;
            let now = self.clock.now();
            let mut tx = self.db.begin().await?;
            let mut progressed = 0;
            for r in &results {
                if !pending.iter().any(|p| p.id == r.id.0) {
                    continue;
                }
                outbox::ack(&mut tx, r.id.0, &serde_json::to_string(r).unwrap_or_default(), now).await?;
                progressed += 1;
                match r.outcome {
                    Outcome::Applied => s.applied += 1,
                    Outcome::Conflict => s.conflicts += 1,
                    Outcome::Refused | Outcome::NotFound => s.refused += 1,
                }
            }
            tx.commit().await?;
            if progressed == 0 {
                break;
            }
        }
        s.waiting = outbox::pending(&self.db).await?.len();
        progress(format!(
            "pushed: {} applied, {} conflicts, {} refused; {} waiting",
            s.applied, s.conflicts, s.refused, s.waiting
        ));
        Ok(())
    }

    /// The node's operations the hub did not apply (conflicts and refusals), newest first.
    pub async fn node_unapplied(&self) -> Result<Vec<(OutboxRow, OpResult)>> {
        let rows = outbox::answered(&self.db, 500).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let res: OpResult = serde_json::from_str(r.outcome.as_deref()?).ok()?;
                (res.outcome != Outcome::Applied).then_some((r, res))
            })
            .collect())
    }
}
