//! Closing a case takes two people: whoever works on it asks, with a reason, and a
//! supervisor of the case (not the one who asked) approves or sends it back. The
//! supervisors are told through their task list.

use super::{still_open, supervises};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::case::{CaseStatus, ClosureReason};
use dtz_domain::change::Change;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::validate::Invalid;
use dtz_store::cases::{self, CaseRow};
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
struct ClosureView {
    status: String,
    closure_reason: Option<String>,
    closure_requested_by: Option<Uuid>,
    closure_requested_at: Option<String>,
    closed_by: Option<Uuid>,
    closed_at: Option<String>,
}

fn view(r: &CaseRow) -> ClosureView {
    ClosureView {
        status: r.status.clone(),
        closure_reason: r.closure_reason.clone(),
        closure_requested_by: r.closure_requested_by,
        closure_requested_at: r.closure_requested_at.map(|t| t.to_string()),
        closed_by: r.closed_by,
        closed_at: r.closed_at.map(|t| t.to_string()),
    }
}

impl Services {
    /// Supervisors of a case's team (or of its whole organisation), for approvals.
    pub(crate) async fn case_supervisors(&self, r: &CaseRow) -> Result<Vec<UserId>> {
        let mut out: Vec<UserId> = self
            .case_staff(OrgId(r.org_id))
            .await?
            .into_iter()
            .filter(|s| s.role == "case_supervisor" && s.team_id.is_none_or(|t| Some(t) == r.team_id))
            .filter(|s| s.country.as_deref().is_none_or(|c| c == r.country))
            .map(|s| UserId(s.user_id))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Ask to close a case, with a reason; its supervisors are told.
    pub async fn request_closure(&self, caller: &Caller, id: Uuid, base: i64, reason: &str) -> Result<()> {
        let reason = ClosureReason::parse("reason", reason)?;
        let current = self.case_to_work_on(caller, id).await?;
        if current.status != CaseStatus::Open.as_str() {
            return Err(Invalid::new("reason", "Closure was asked for already.").into());
        }
        if dtz_store::cases::transfers::pending_of(&self.db, id).await?.is_some() {
            return Err(Invalid::new("reason", "The case is being transferred; wait for the answer first.").into());
        }
        let now = self.clock.now();
        let mut after = current.clone();
        after.status = CaseStatus::ClosureRequested.as_str().into();
        after.closure_reason = Some(reason.as_str().into());
        after.closure_requested_by = caller.user().map(|u| u.0);
        after.closure_requested_at = Some(now);
        let mut tx = self.db.begin().await?;
        let version = self.written(cases::write(&mut tx, &after, base, now).await, id).await?;
        let change = Change::update("case", id, version - 1, &view(&current), &view(&after));
        let mut events = vec![caller.event("case.closure.request", &change, Some(OrgId(current.org_id)))];
        let params = Params::new().id("case", id).code("number", &current.number);
        for s in self.case_supervisors(&current).await? {
            if Some(s) != caller.user() {
                let n = self
                    .notify(&mut tx, s, NotificationKind::ApprovalPending, &format!("/cases/{id}"), &params)
                    .await?;
                events.push(n.event);
            }
        }
        self.finish(tx, &events).await?;
        Ok(())
    }

    /// Approve (close the case) or refuse (back to open) a closure request.
    pub async fn decide_closure(&self, caller: &Caller, id: Uuid, base: i64, approve: bool) -> Result<()> {
        let current = self.case_row(caller, id).await?;
        if !supervises(caller, &current) {
            return Err(ServiceError::Forbidden);
        }
        still_open(&current)?;
        if current.status != CaseStatus::ClosureRequested.as_str() {
            return Err(Invalid::new("status", "Nobody asked to close this case.").into());
        }
        if caller.user().is_some_and(|u| Some(u.0) == current.closure_requested_by) {
            return Err(Invalid::new("status", "Another supervisor decides on a closure you asked for.").into());
        }
        let now = self.clock.now();
        let mut after = current.clone();
        if approve {
            after.status = CaseStatus::Closed.as_str().into();
            after.closed_by = caller.user().map(|u| u.0);
            after.closed_at = Some(now);
        } else {
            after.status = CaseStatus::Open.as_str().into();
            after.closure_reason = None;
            after.closure_requested_by = None;
            after.closure_requested_at = None;
        }
        let mut tx = self.db.begin().await?;
        let version = self.written(cases::write(&mut tx, &after, base, now).await, id).await?;
        let change = Change::update("case", id, version - 1, &view(&current), &view(&after));
        let action = if approve { "case.closure.approve" } else { "case.closure.refuse" };
        self.finish(tx, &[caller.event(action, &change, Some(OrgId(current.org_id)))]).await?;
        Ok(())
    }
}
