//! What people on the hub see of case work from nodes: conflicts on a case header (seen
//! by whoever sees the case, resolved by a supervisor of the case, audited) and the
//! operations the hub refused (an illegal referral step, a note on a closed case), listed
//! for whoever sees the case or referral they were filed under.

use super::super::conflicts::{Conflict, Resolution};
use super::super::outbox::Via;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Role, Scope};
use dtz_domain::ids::OrgId;
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::sync::DeviceId;
use dtz_domain::sync::cases::{CASE, CASE_ENTITIES, REFERRAL_STEP};
use dtz_domain::sync::protocol::OpResult;
use time::OffsetDateTime;
use uuid::Uuid;

/// An operation of case work the hub refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRefusal {
    /// The operation.
    pub operation: Uuid,
    /// The device that sent it.
    pub device: Uuid,
    /// Entity name (`case`, `case_note`, `referral_step`, …).
    pub entity: String,
    /// The case or referral it is filed under.
    pub record: Uuid,
    /// Why, as the node was told.
    pub detail: String,
    /// When the hub received it.
    pub received_at: OffsetDateTime,
}

impl Services {
    /// Whether the caller sees the case a conflict is about.
    pub(crate) async fn sees_case_conflict(&self, caller: &Caller, c: &Conflict) -> Result<bool> {
        match self.case_row(caller, c.row.entity_id).await {
            Ok(_) => Ok(true),
            Err(ServiceError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Settle a conflict on a case header: only a supervisor of the case. Taking the
    /// node's values writes them through the page's edit as the supervisor's own change.
    pub(crate) async fn resolve_case_conflict(&self, caller: &Caller, c: Conflict, how: Resolution) -> Result<()> {
        let case = self.case_row(caller, c.row.entity_id).await?;
        if !crate::cases::supervises(caller, &case) {
            return Err(ServiceError::Forbidden);
        }
        let payload = c.payload.clone().ok_or(ServiceError::NotFound)?;
        if how == Resolution::TakeNode {
            let edit = self.case_edit_from(&case, &payload, &c.fields).await?;
            self.update_case_via(caller, case.id, case.version, &edit, Via::Local).await?;
        }
        self.mark_resolved(caller, &c, how).await
    }

    /// Case work from nodes that the hub refused, for the caller: those filed under a case
    /// or referral the caller sees; a refused case opening (no such case on the hub) for
    /// the device's user and the case supervisors of the device's organisation.
    pub async fn case_work_refusals(&self, caller: &Caller) -> Result<Vec<CaseRefusal>> {
        let mut out = Vec::new();
        for r in dtz_store::sync::cases_up::refused(&self.db, &CASE_ENTITIES, 500).await? {
            let seen = match r.entity.as_str() {
                // Case staff only: a provider answers on its own pages, not from laptops.
                REFERRAL_STEP => match self.referral_row(caller, r.entity_id).await {
                    Ok((_, crate::referrals::Relation::CaseStaff)) => Ok(()),
                    Ok(_) => Err(ServiceError::NotFound),
                    Err(e) => Err(e),
                },
                _ => self.case_row(caller, r.entity_id).await.map(|_| ()),
            };
            let sees = match seen {
                Ok(()) => true,
                Err(ServiceError::NotFound) if r.entity == CASE => self.sees_device_work(caller, r.device_id).await?,
                Err(ServiceError::NotFound) => false,
                Err(e) => return Err(e),
            };
            if sees {
                let detail =
                    serde_json::from_str::<OpResult>(&r.result).ok().and_then(|x| x.detail).unwrap_or_default();
                out.push(CaseRefusal {
                    operation: r.id,
                    device: r.device_id,
                    entity: r.entity,
                    record: r.entity_id,
                    detail,
                    received_at: r.received_at,
                });
            }
        }
        Ok(out)
    }

    /// Refusals of a referral, for its page (already in the caller's scope).
    pub async fn referral_refusals(&self, caller: &Caller, referral: Uuid) -> Result<Vec<CaseRefusal>> {
        Ok(self.case_work_refusals(caller).await?.into_iter().filter(|r| r.record == referral).collect())
    }

    /// Tell the supervisors of a case that a laptop's change to it waits for them (after the
    /// conflict is stored; a replay gets the stored answer and tells nobody again).
    pub(crate) async fn tell_case_supervisors(&self, case: &dtz_store::cases::CaseRow) -> Result<()> {
        let supervisors = self.case_supervisors(case).await?;
        if supervisors.is_empty() {
            return Ok(());
        }
        let params = Params::new().id("case", case.id).code("number", &case.number);
        let mut tx = self.db.begin().await?;
        let mut events = Vec::new();
        for u in supervisors {
            match self.notify(&mut tx, u, NotificationKind::SyncConflict, "/sync/conflicts", &params).await {
                Ok(n) => events.push(n.event),
                Err(ServiceError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        self.finish(tx, &events).await?;
        Ok(())
    }

    async fn sees_device_work(&self, caller: &Caller, device: Uuid) -> Result<bool> {
        let Caller::User(a) = caller else { return Ok(true) };
        let Some(d) = dtz_store::sync::device(&self.db, &Scope::all(), DeviceId(device)).await? else {
            return Ok(false);
        };
        Ok(d.user_id == a.user.0
            || a.roles.iter().any(|r| r.role == Role::CaseSupervisor && r.org == Some(OrgId(d.org_id))))
    }
}
