//! Field nodes (issue 9, point 5): anchoring a node's audit chain on the hub. The exact
//! bytes a node signs for a batch and the hub signs for its receipt, and the rule that a
//! batch must continue from the head the hub anchored last. No I/O.

use crate::sync::DeviceId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// Most events in one anchored batch (a node with more sends several batches).
pub const MAX_BATCH_EVENTS: usize = 2_000;

/// One event of a node's chain as it travels to the hub: everything its keyed hash covers,
/// plus the link and the hash themselves (hex). Ids and field names only, never values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEvent {
    /// Position in the node's chain.
    pub seq: i64,
    /// Event id.
    pub id: Uuid,
    /// When, on the node's clock.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Acting user.
    pub actor_user_id: Option<Uuid>,
    /// Acting user's organisation.
    pub actor_org_id: Option<Uuid>,
    /// Verb.
    pub action: String,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<Uuid>,
    /// Entity version after the change.
    pub entity_version: Option<i64>,
    /// JSON array of field names.
    pub fields: String,
    /// Organisation of the record.
    pub org_id: Option<Uuid>,
    /// Hash of the previous event (hex; empty for the first).
    pub prev_hash: String,
    /// This event's hash (hex).
    pub hash: String,
}

/// SHA-256 over the canonical JSON of a batch's events (struct fields in declaration
/// order), which the node signs and the receipt names.
pub fn batch_digest(events: &[NodeEvent]) -> [u8; 32] {
    Sha256::digest(serde_json::to_vec(events).unwrap_or_default()).into()
}

/// The exact bytes a device signs for a batch.
pub fn batch_signing_bytes(device: DeviceId, batch_no: i64, digest: &[u8]) -> Vec<u8> {
    let mut out = b"dtz audit batch v1\n".to_vec();
    out.extend(device.0.as_bytes());
    out.extend(batch_no.to_be_bytes());
    out.extend(digest);
    out
}

/// The head a hub anchored last for a device (sequence 0 and an empty hash before any).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Anchored {
    /// Number of the last batch (0: none).
    pub batch_no: i64,
    /// Sequence of the last anchored event.
    pub seq: i64,
    /// Its hash (hex).
    pub hash: String,
}

/// What the hub signs for an anchored batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorReceipt {
    /// Format of this record.
    pub format: u32,
    /// The device.
    pub device: DeviceId,
    /// The batch's number (1, 2, … per device).
    pub batch_no: i64,
    /// First event of the batch.
    pub from_seq: i64,
    /// Last event of the batch: the new anchored head.
    pub to_seq: i64,
    /// The head the batch continued from (hex).
    pub prev_hash: String,
    /// The new head's hash (hex).
    pub head_hash: String,
    /// [`batch_digest`] of the events (hex).
    pub digest: String,
    /// When the hub anchored it.
    #[serde(with = "time::serde::rfc3339")]
    pub anchored_at: OffsetDateTime,
}

impl AnchorReceipt {
    /// The exact bytes the hub signs: a tag and the JSON of the receipt.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = b"dtz audit receipt v1\n".to_vec();
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out
    }
}

/// Why a batch cannot be anchored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    /// Nothing to anchor, or too much at once.
    #[error("a batch holds 1 to {MAX_BATCH_EVENTS} events")]
    Size,
    /// Not the next batch number.
    #[error("expected batch {expected}, got {got}")]
    BatchNo {
        /// The number the hub expects.
        expected: i64,
        /// The number sent.
        got: i64,
    },
    /// The batch does not start right after the anchored head.
    #[error(
        "the batch does not continue from the anchored head (event {seq}): the node's chain was forked or rewritten"
    )]
    Fork {
        /// The anchored head's sequence.
        seq: i64,
    },
    /// The events of the batch do not link to each other.
    #[error("the batch's chain is broken at event {seq}")]
    Broken {
        /// First event that does not fit.
        seq: i64,
    },
}

/// Check that `events` continue the chain from `anchored` without a gap or a fork, as
/// batch number `batch_no`.
pub fn check_continuation(anchored: &Anchored, batch_no: i64, events: &[NodeEvent]) -> Result<(), AnchorError> {
    if events.is_empty() || events.len() > MAX_BATCH_EVENTS {
        return Err(AnchorError::Size);
    }
    if batch_no != anchored.batch_no + 1 {
        return Err(AnchorError::BatchNo { expected: anchored.batch_no + 1, got: batch_no });
    }
    let (mut seq, mut hash) = (anchored.seq, anchored.hash.as_str());
    for (i, e) in events.iter().enumerate() {
        if e.seq != seq + 1 || e.prev_hash != hash {
            return Err(if i == 0 {
                AnchorError::Fork { seq: anchored.seq }
            } else {
                AnchorError::Broken { seq: e.seq }
            });
        }
        seq = e.seq;
        hash = &e.hash;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(from: i64, prev: &str, n: i64) -> Vec<NodeEvent> {
        let mut prev = prev.to_owned();
        (from..from + n)
            .map(|seq| {
                let e = NodeEvent {
                    seq,
                    id: Uuid::new_v4(),
                    at: OffsetDateTime::UNIX_EPOCH,
                    actor_user_id: None,
                    actor_org_id: None,
                    action: "case.read".into(),
                    entity: "case".into(),
                    entity_id: None,
                    entity_version: None,
                    fields: "[]".into(),
                    org_id: None,
                    prev_hash: prev.clone(),
                    hash: format!("h{seq}"),
                };
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn a_batch_continues_from_the_anchored_head_or_is_refused() {
        let first = chain(1, "", 3);
        assert_eq!(check_continuation(&Anchored::default(), 1, &first), Ok(()));
        let head = Anchored { batch_no: 1, seq: 3, hash: "h3".into() };
        assert_eq!(check_continuation(&head, 2, &chain(4, "h3", 2)), Ok(()));
        assert_eq!(check_continuation(&head, 2, &chain(4, "forged", 2)), Err(AnchorError::Fork { seq: 3 }));
        assert_eq!(check_continuation(&head, 2, &chain(5, "h3", 2)), Err(AnchorError::Fork { seq: 3 }));
        assert_eq!(check_continuation(&head, 3, &chain(4, "h3", 2)), Err(AnchorError::BatchNo { expected: 2, got: 3 }));
        let mut broken = chain(4, "h3", 3);
        broken[2].prev_hash = "other".into();
        assert_eq!(check_continuation(&head, 2, &broken), Err(AnchorError::Broken { seq: 6 }));
        assert_eq!(check_continuation(&head, 2, &[]), Err(AnchorError::Size));
    }

    #[test]
    fn the_digest_changes_with_any_event() {
        let a = chain(1, "", 2);
        let mut b = a.clone();
        b[1].action = "case.update".into();
        assert_ne!(batch_digest(&a), batch_digest(&b));
    }
}
