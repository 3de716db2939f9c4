//! Nothing is lost offline (issue 9): on a field node, case and referral work that does not
//! travel to the hub is refused before it is written, in the write's own transaction, so a
//! change is never kept on a laptop and silently never sent.
//!
//! The rule sits in `Services::finish`, which every use case ends with: on a node (a
//! `node_identity` row exists), an audit event of case work (`case.*`, `follow_up.*`,
//! `referral.*`, reads aside) is refused unless the write queued its operation in the
//! outbox in that transaction (`finish_synced`); and referring onward
//! (`referral.refer_onward`) is refused even then, because the hub chooses the next
//! service. What travels is listed in `docs/ARCHITECTURE.md` ("Case work from a node").

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::sync_lease::lease_admits;
use dtz_domain::validate::Invalid;
use dtz_store::Tx;
use dtz_store::audit::NewEvent;

/// The housekeeping tick's reminders: claims of a notice, told to people, not case work.
const HOUSEKEEPING: [&str; 3] = ["referral.escalate", "follow_up.remind", "case.step.remind"];

/// Whether an audit action records a write to a case, its plan, referrals or follow-ups.
pub fn is_case_work(action: &str) -> bool {
    let case_area = ["case.", "follow_up.", "referral."].iter().any(|p| action.starts_with(p));
    let read = lease_admits(action) || action.ends_with(".find") || action == "case.transfer.read";
    case_area && !read && !HOUSEKEEPING.contains(&action)
}

/// Whether an event may be written on a node: `queued` says the write put its operation
/// in the outbox in the same transaction.
pub fn node_may_write(action: &str, queued: bool) -> bool {
    if !is_case_work(action) {
        return true;
    }
    queued && action != "referral.refer_onward"
}

impl Services {
    /// The caseworker of a case opened on a node without one: the laptop's user, when they
    /// open it. The hub sends a node its user's caseload, so a case opened offline with no
    /// caseworker would leave the laptop at the next pull, in the middle of the user's work.
    /// (Only when the user may be a caseworker of that team here; else none, as chosen.)
    pub(crate) async fn node_caseworker(
        &self,
        caller: &Caller,
        org: OrgId,
        team: Option<TeamId>,
        chosen: Option<UserId>,
    ) -> Result<Option<UserId>> {
        if chosen.is_some() {
            return Ok(chosen);
        }
        let Some(grant) = self.node_grant().await? else { return Ok(None) };
        let Some(user) = caller.user().filter(|u| *u == grant.user) else { return Ok(None) };
        match self.check_work_assignment(org, team, Some(user), "caseworker").await {
            Ok(()) => Ok(Some(user)),
            Err(ServiceError::Invalid(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Refuse, on a node, case work that would not reach the hub (see the module).
    pub(crate) async fn node_case_guard(&self, tx: &mut Tx, events: &[NewEvent], queued: bool) -> Result<()> {
        if events.iter().all(|e| node_may_write(&e.action, queued)) {
            return Ok(());
        }
        if dtz_store::sync::keyring::node_grant_json(tx).await?.is_none() {
            return Ok(());
        }
        Err(Invalid::new("node", "This cannot be done on a field laptop yet: do it on the hub after syncing.").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queued_case_work_passes_on_a_node_and_never_a_new_referral() {
        for read in ["case.read", "case.list", "case.find", "referral.read", "case.transfer.read", "case.read_alert"] {
            assert!(node_may_write(read, false), "{read}");
        }
        for other in ["activity.update", "values.save", "session.login", "node.wipe"] {
            assert!(node_may_write(other, false), "{other}");
        }
        for synced in ["case.create", "case.update", "case.note.create", "follow_up.create", "referral.accept"] {
            assert!(node_may_write(synced, true), "{synced}");
            assert!(!node_may_write(synced, false), "{synced} unqueued");
        }
        for local in [
            "case.goal.create",
            "case.step.update",
            "case.consent.given",
            "case.closure.request",
            "case.transfer.propose",
            "follow_up.update",
            "case.checkout",
            "case.checkout.return",
        ] {
            assert!(!node_may_write(local, false), "{local}");
        }
        assert!(node_may_write("referral.create", true), "a new referral travels");
        assert!(!node_may_write("referral.refer_onward", true), "the next service is chosen on the hub");
        assert!(node_may_write("follow_up.remind", false) && node_may_write("referral.escalate", false));
    }
}
