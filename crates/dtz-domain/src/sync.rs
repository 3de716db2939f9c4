//! Field nodes and sync (issue 9), the rules without I/O: the signed device grant, the
//! operations of a node's outbox, and how a node's change meets the hub's record.
//!
//! Signatures themselves (Ed25519) are made and checked in the services; this module fixes
//! the exact bytes that are signed, so both sides agree by construction.

pub mod cases;
pub mod protocol;

use crate::case::number::Allocator;
use crate::ids::{OrgId, UserId, id_type};
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

id_type!(
    /// A device enrolled as a field node.
    DeviceId,
    /// A one-time enrolment code.
    EnrolmentId,
    /// One operation of a node's outbox.
    OperationId,
    /// A change sync could not merge, waiting for a person.
    ConflictId,
);

/// The offline lease a grant gives when the administrator says nothing else.
pub const DEFAULT_LEASE_DAYS: i64 = 14;

/// How long an enrolment code stays usable.
pub const ENROLMENT_CODE_HOURS: i64 = 72;

/// What a device's grant lets it hold and change. The rows themselves are chosen on the
/// hub at every pull from the user's roles of that moment; the grant only bounds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncArea {
    /// The user's organisation's activities.
    Activities,
    /// Indicator values of the organisation's draft or returned reports.
    Values,
}

impl SyncArea {
    /// Every area a grant can name today (cases come with checkouts, a later slice).
    pub const ALL: [SyncArea; 2] = [SyncArea::Activities, SyncArea::Values];

    /// Stable name, as stored and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncArea::Activities => "activities",
            SyncArea::Values => "values",
        }
    }

    /// Read a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// What the hub signs when it enrols or renews a device: user × scope × expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceGrant {
    /// Format of this record.
    pub format: u32,
    /// The device.
    pub device: DeviceId,
    /// The user working on it.
    pub user: UserId,
    /// The user's organisation.
    pub org: OrgId,
    /// The case-number allocator the device numbers with offline.
    pub allocator: String,
    /// The areas it may hold and change.
    pub areas: Vec<SyncArea>,
    /// When the hub issued this grant.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// End of the offline lease: past it, without a sync, the node stops working on
    /// synced data (and, once cases are synced, refuses to unwrap case keys).
    #[serde(with = "time::serde::rfc3339")]
    pub lease_until: OffsetDateTime,
}

impl DeviceGrant {
    /// The exact bytes the hub signs: a domain-separation tag and the JSON of the grant
    /// (fields in declaration order, so the encoding is canonical).
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = b"dtz device grant v1\n".to_vec();
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out
    }

    /// Whether the lease still runs at `now`.
    pub fn lease_runs(&self, now: OffsetDateTime) -> bool {
        now < self.lease_until
    }
}

/// The allocator of the `n`-th device (1-based): `N1`, `N2`, … — never the hub's `H`.
pub fn device_allocator(n: i64) -> Result<Allocator, Invalid> {
    Allocator::parse("allocator", &format!("N{n}"))
}

/// Check an offline lease length.
pub fn lease_days(field: &str, days: i64) -> Result<i64, Invalid> {
    if (1..=90).contains(&days) { Ok(days) } else { Err(Invalid::new(field, "Choose a lease of 1 to 90 days.")) }
}

/// What an operation does to its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// A new record.
    Create,
    /// New values for some fields.
    Update,
    /// A tombstone.
    Delete,
}

/// The body of an operation: the field-level change a node made (DESIGN §3), with the new
/// values. Hashed (SHA-256 of its JSON) and signed with the node's sequence and id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpPayload {
    /// Entity name, e.g. `activity`.
    pub entity: String,
    /// Record id.
    pub entity_id: Uuid,
    /// Create, update or delete.
    pub kind: OpKind,
    /// The version the node based the change on (0 for a create).
    pub base_version: i64,
    /// New values of the changed fields, by name (sorted, as a JSON object).
    pub fields: Map<String, Value>,
}

impl OpPayload {
    /// The canonical bytes that are hashed: `serde_json` keeps a `Map` sorted by key.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The names of the fields the node changed.
    pub fn field_names(&self) -> Vec<String> {
        self.fields.keys().cloned().collect()
    }
}

/// The exact bytes a node signs for one operation.
pub fn operation_signing_bytes(device: DeviceId, id: OperationId, node_seq: i64, payload_hash: &[u8]) -> Vec<u8> {
    let mut out = b"dtz sync operation v1\n".to_vec();
    out.extend(device.0.as_bytes());
    out.extend(id.0.as_bytes());
    out.extend(node_seq.to_be_bytes());
    out.extend(payload_hash);
    out
}

/// How a node's update meets the hub's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Merge {
    /// No field the node changed moved on the hub since the node's base version: apply.
    Apply,
    /// These fields changed on both sides: a person decides, nothing is overwritten.
    Conflict(Vec<String>),
}

/// Disjoint field changes merge; the same field changed on both sides is a conflict,
/// never last-writer-wins. `hub_changed` are the fields changed on the hub since the
/// node's base version.
pub fn merge(node_fields: &[String], hub_changed: &[String]) -> Merge {
    let mut both: Vec<String> = node_fields.iter().filter(|f| hub_changed.contains(f)).cloned().collect();
    both.sort();
    both.dedup();
    if both.is_empty() { Merge::Apply } else { Merge::Conflict(both) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disjoint_fields_merge_and_shared_ones_conflict() {
        let node = vec!["title".to_owned(), "area".to_owned()];
        assert_eq!(merge(&node, &["description".to_owned()]), Merge::Apply);
        assert_eq!(merge(&node, &["area".to_owned(), "links".to_owned()]), Merge::Conflict(vec!["area".to_owned()]));
    }

    #[test]
    fn device_allocators_never_take_the_hubs_code() {
        assert_eq!(device_allocator(1).map(|a| a.as_str().to_owned()), Ok("N1".to_owned()));
        assert!(device_allocator(12_345_678).is_err(), "over 8 characters");
    }

    #[test]
    fn signing_bytes_change_with_every_field_of_the_grant() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let g = DeviceGrant {
            format: 1,
            device: DeviceId::new(),
            user: UserId::new(),
            org: OrgId::new(),
            allocator: "N1".into(),
            areas: SyncArea::ALL.to_vec(),
            issued_at: t,
            lease_until: t + time::Duration::days(14),
        };
        let mut later = g.clone();
        later.lease_until += time::Duration::seconds(1);
        assert_ne!(g.signing_bytes(), later.signing_bytes());
        assert!(g.lease_runs(t + time::Duration::days(13)));
        assert!(!g.lease_runs(t + time::Duration::days(14)));
    }
}
