//! Case work a node pushes to the hub (issue 9, point 4): the entity names of its
//! operations and the rule for a risk level changed on both sides. See
//! docs/ARCHITECTURE.md, "Case work from a node: the push".

use crate::case::RiskLevel;

/// A case: opened offline (create) or its header changed (update).
pub const CASE: &str = "case";
/// A note of a case (append-only).
pub const CASE_NOTE: &str = "case_note";
/// A follow-up planned for a case (append-only from a node).
pub const FOLLOW_UP: &str = "follow_up";
/// A note of a follow-up (append-only).
pub const FOLLOW_UP_NOTE: &str = "follow_up_note";
/// A step on a referral (a command the hub checks against the state machine).
pub const REFERRAL_STEP: &str = "referral_step";

/// A new referral sent from a node (its case's consent and the directory checked on the hub).
pub const REFERRAL: &str = "referral";

/// Every entity of case work, as filed on the hub.
pub const CASE_ENTITIES: [&str; 6] = [CASE, CASE_NOTE, FOLLOW_UP, FOLLOW_UP_NOTE, REFERRAL_STEP, REFERRAL];

/// The plaintext header fields of a case a node may change, named as the audit names them.
pub const HEADER_FIELDS: [&str; 7] =
    ["team_id", "caseworker_id", "risk", "sex", "birth_year", "birth_year_estimated", "languages"];

/// The sealed profile fields, named as the audit names them (`profile.<field>`).
pub const SEALED_FIELDS: [&str; 5] = ["name", "contact", "address", "guardian", "situation"];

/// What the hub writes when the risk level was changed on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskMerge {
    /// The node's level is higher: it stands on the hub at once (a raised risk holds),
    /// and a supervisor of the case reviews the conflict.
    TakeNode,
    /// The hub's level is as high or higher: it stays, and a supervisor reviews.
    KeepHub,
}

/// A risk changed on both sides: the higher of the two stands (no assessment is lowest),
/// never the later write; either way a supervisor of the case decides afterwards.
pub fn risk_merge(node: Option<RiskLevel>, hub: Option<RiskLevel>) -> RiskMerge {
    if node > hub { RiskMerge::TakeNode } else { RiskMerge::KeepHub }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_higher_risk_stands() {
        use RiskLevel::*;
        assert_eq!(risk_merge(Some(High), Some(Medium)), RiskMerge::TakeNode, "a node's raise holds");
        assert_eq!(risk_merge(Some(Low), Some(High)), RiskMerge::KeepHub, "a node cannot lower a hub's raise");
        assert_eq!(risk_merge(None, Some(Low)), RiskMerge::KeepHub);
        assert_eq!(risk_merge(Some(Low), None), RiskMerge::TakeNode);
        assert_eq!(risk_merge(Some(Medium), Some(Medium)), RiskMerge::KeepHub);
    }
}
