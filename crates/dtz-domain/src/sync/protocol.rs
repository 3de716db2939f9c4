//! The sync protocol's wire shapes and its small rules (issue 9): what a node pushes, what
//! each operation's answer says, and the scopes a node pulls. See docs/ARCHITECTURE.md,
//! "Sync protocol".

use super::OperationId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Entity name of an activity operation.
pub const ACTIVITY: &str = "activity";
/// Entity name of an operation on a report's values (the record is the report's key).
pub const REPORT_VALUES: &str = "report_values";

/// What happened to one pushed operation. Stored with the operation, so a replay gets the
/// same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied on the hub, audited like the page write.
    Applied,
    /// Not applied: the same field (or a frozen value) changed on the hub; a person
    /// resolves it on the hub's conflicts page.
    Conflict,
    /// Not applied: invalid, not allowed, or a replay with another payload.
    Refused,
    /// Not applied: the record is not in the user's current scope on the hub (or does not
    /// exist) — one answer for both, as everywhere.
    NotFound,
}

impl Outcome {
    /// Stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Conflict => "conflict",
            Outcome::Refused => "refused",
            Outcome::NotFound => "not_found",
        }
    }

    /// Read a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Outcome::Applied, Outcome::Conflict, Outcome::Refused, Outcome::NotFound].into_iter().find(|o| o.as_str() == s)
    }
}

/// One operation as a node pushes it. `payload` is the exact JSON text of the
/// [`super::OpPayload`] the node hashed and signed, so the hub hashes the same bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedOp {
    /// Random id the node gave it.
    pub id: OperationId,
    /// Its place in the node's order (1, 2, …).
    pub node_seq: i64,
    /// The payload's JSON text.
    pub payload: String,
    /// The device's Ed25519 signature over `operation_signing_bytes`, hex.
    pub signature: String,
    /// The device's clock when it was made: recorded, never used to order.
    pub device_clock: String,
}

/// The hub's answer to one operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpResult {
    /// The operation.
    pub id: OperationId,
    /// Its node sequence.
    pub node_seq: i64,
    /// What happened.
    pub outcome: Outcome,
    /// Why, for a person (conflict fields, the refusal), never record values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The record's version on the hub after this operation (applied or conflict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_version: Option<i64>,
    /// The record's version on the node after the operation (base + 1): with
    /// `hub_version`, how the hub maps the node's later base versions onto its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_version: Option<i64>,
}

/// What a node pulls, one scope at a time, each with its own cursor and checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PullScope {
    /// Organisations, programmes with their frameworks, activity types: read-only.
    Reference,
    /// The user's organisation's activities within the user's current scope.
    Activities,
    /// The user's organisation's reports and indicator values within the current scope.
    Values,
    /// The user's caseload and the cases checked out to the device, with their key wrapped
    /// for the device (see `dtz_services::sync::pull_cases`).
    Cases,
}

impl PullScope {
    /// Every scope, in the order a node pulls them (reference data first).
    pub const ALL: [PullScope; 4] = [PullScope::Reference, PullScope::Activities, PullScope::Values, PullScope::Cases];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            PullScope::Reference => "reference",
            PullScope::Activities => "activities",
            PullScope::Values => "values",
            PullScope::Cases => "cases",
        }
    }

    /// Read a name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The id standing for a report's values on every site: reports get random ids where they
/// are opened, so a node and the hub name one report by its key. The bytes are the first
/// 16 of a SHA-256 the caller computes over [`report_key_text`].
pub fn report_key_text(programme: &str, org: Uuid, country: &str, period: &str) -> String {
    format!("dtz report key v1\n{programme}\n{org}\n{country}\n{period}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for o in [Outcome::Applied, Outcome::Conflict, Outcome::Refused, Outcome::NotFound] {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        for s in PullScope::ALL {
            assert_eq!(PullScope::parse(s.as_str()), Some(s));
        }
    }
}
