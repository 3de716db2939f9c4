//! Moving a case to another organisation: a supervisor of the case proposes it, a case
//! supervisor of the receiving organisation accepts (choosing a team) or declines.
//! Until then the case stays where it is. On acceptance the case's data key is wrapped
//! under the receiving organisation's key; nothing else is re-encrypted.

use super::supervises;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Actor, Role, Scope};
use dtz_domain::case::{CaseTransferId, TransferState, rules};
use dtz_domain::change::Change;
use dtz_domain::ids::{OrgId, TeamId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::org::{CountryCode, OrgKind};
use dtz_domain::validate::Invalid;
use dtz_store::cases::transfers::{self, TransferRow};
use dtz_store::cases::{self, CaseRow};
use dtz_store::sealed;
use serde::Serialize;
use uuid::Uuid;

/// A transfer as the receiving organisation sees it: plaintext columns of the case only.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomingTransfer {
    /// The transfer.
    pub transfer: TransferRow,
    /// Case number.
    pub number: String,
    /// Risk.
    pub risk: Option<String>,
    /// Sending organisation's name.
    pub from_name: String,
}

#[derive(Serialize)]
struct Ownership {
    org_id: Uuid,
    team_id: Option<Uuid>,
    caseworker_id: Option<Uuid>,
    data_key: bool,
}

fn may_receive(caller: &Caller, t: &TransferRow) -> bool {
    match caller {
        Caller::System => true,
        Caller::User(a) => rules::may_receive(a, OrgId(t.to_org_id), CountryCode::parse("country", &t.country).ok()),
    }
}

fn receiving_orgs(a: &Actor) -> Vec<Uuid> {
    let mut v: Vec<Uuid> =
        a.roles.iter().filter(|r| r.role == Role::CaseSupervisor).filter_map(|r| r.org.map(|o| o.0)).collect();
    v.sort();
    v.dedup();
    v
}

impl Services {
    /// Propose to move a case to another organisation; its case supervisors are told.
    pub async fn propose_transfer(&self, caller: &Caller, id: Uuid, to: OrgId) -> Result<Uuid> {
        let case = self.case_to_work_on(caller, id).await?;
        if !supervises(caller, &case) {
            return Err(ServiceError::Forbidden);
        }
        if case.status != dtz_domain::case::CaseStatus::Open.as_str() {
            return Err(Invalid::new("to_org", "A case waiting for closure cannot be transferred.").into());
        }
        let target = self
            .org(&Caller::System, to)
            .await
            .map_err(|_| Invalid::new("to_org", "Choose an organisation from the list."))?;
        let kind = OrgKind::parse("kind", &target.kind).ok();
        if to.0 == case.org_id || !matches!(kind, Some(OrgKind::AllianceMember | OrgKind::LocalPartner)) {
            return Err(Invalid::new("to_org", "Choose another alliance member or partner organisation.").into());
        }
        let now = self.clock.now();
        let t = TransferRow {
            id: CaseTransferId::new().0,
            case_id: id,
            from_org_id: case.org_id,
            to_org_id: to.0,
            country: case.country.clone(),
            state: TransferState::Pending.as_str().into(),
            requested_by: caller.user().map(|u| u.0),
            requested_at: now,
            decided_by: None,
            decided_at: None,
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        if transfers::pending_in(&mut tx, id).await?.is_some() {
            return Err(Invalid::new("to_org", "A transfer of this case is waiting already.").into());
        }
        transfers::insert(&mut tx, &t).await?;
        let mut ev = caller.event(
            "case.transfer.propose",
            &Change::create("case_transfer", t.id, &t.state),
            Some(OrgId(case.org_id)),
        );
        ev.fields = ["case_id", "from_org_id", "to_org_id", "state"].map(String::from).to_vec();
        let mut events = vec![ev];
        let params = Params::new().id("transfer", t.id).code("number", &case.number);
        let receivers = dtz_store::users::holders(&mut tx, Role::CaseSupervisor, Some(to), Some(&case.country)).await?;
        for r in receivers {
            let n = self
                .notify(&mut tx, r, NotificationKind::CaseTransfer, &format!("/cases/transfers/{}", t.id), &params)
                .await?;
            events.push(n.event);
        }
        self.finish(tx, &events).await?;
        Ok(t.id)
    }

    /// Withdraw the pending transfer of a case (a supervisor of the case).
    pub async fn withdraw_transfer(&self, caller: &Caller, id: Uuid) -> Result<()> {
        let case = self.case_row(caller, id).await?;
        if !supervises(caller, &case) {
            return Err(ServiceError::Forbidden);
        }
        let t = transfers::pending_of(&self.db, id).await?.ok_or(ServiceError::NotFound)?;
        self.settle_transfer(caller, &t, TransferState::Withdrawn, "case.transfer.withdraw").await
    }

    async fn settle_transfer(
        &self,
        caller: &Caller,
        t: &TransferRow,
        state: TransferState,
        action: &str,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if !transfers::decide(&mut tx, t.id, state.as_str(), caller.user().map(|u| u.0), self.clock.now()).await? {
            return Err(Invalid::new("transfer", "This transfer was decided already.").into());
        }
        let mut ev =
            caller.event(action, &Change::delete("case_transfer", t.id, t.version), Some(OrgId(t.from_org_id)));
        ev.fields = vec!["state".into(), "decided_by".into(), "decided_at".into()];
        self.finish(tx, &[ev]).await?;
        Ok(())
    }

    /// Transfers waiting for the caller's organisations.
    pub async fn incoming_transfers(&self, caller: &Caller) -> Result<Vec<IncomingTransfer>> {
        let Caller::User(a) = caller else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for t in transfers::incoming(&self.db, &receiving_orgs(a)).await? {
            if may_receive(caller, &t) {
                out.push(self.incoming(t).await?);
            }
        }
        Ok(out)
    }

    async fn incoming(&self, t: TransferRow) -> Result<IncomingTransfer> {
        let case = cases::get(&self.db, &Scope::all(), t.case_id).await?;
        let from_name = self.org(&Caller::System, OrgId(t.from_org_id)).await.map(|o| o.name).unwrap_or_default();
        Ok(IncomingTransfer { number: case.number, risk: case.risk, from_name, transfer: t })
    }

    /// One transfer, for the receiving organisation's supervisors (else not found). It
    /// shows the case's number and risk, so the read is audited.
    pub async fn transfer(&self, caller: &Caller, id: Uuid) -> Result<IncomingTransfer> {
        let t = transfers::get(&self.db, id).await?;
        if !may_receive(caller, &t) {
            return Err(ServiceError::NotFound);
        }
        let view = self.incoming(t).await?;
        let tx = self.db.begin().await?;
        let ev = dtz_store::audit::NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "case.transfer.read".into(),
            entity: "case".into(),
            entity_id: Some(view.transfer.case_id),
            entity_version: None,
            fields: vec!["number".into(), "country".into(), "risk".into()],
            org: Some(OrgId(view.transfer.from_org_id)),
        };
        self.finish(tx, &[ev]).await?;
        Ok(view)
    }

    /// Accept (into `team` of the receiving organisation) or decline a transfer.
    pub async fn decide_transfer(&self, caller: &Caller, id: Uuid, accept: bool, team: Option<TeamId>) -> Result<()> {
        let t = transfers::get(&self.db, id).await?;
        if !may_receive(caller, &t) {
            return Err(ServiceError::NotFound);
        }
        if t.state != TransferState::Pending.as_str() {
            return Err(Invalid::new("transfer", "This transfer was decided already.").into());
        }
        if !accept {
            return self.settle_transfer(caller, &t, TransferState::Declined, "case.transfer.decline").await;
        }
        let to = OrgId(t.to_org_id);
        self.check_work_assignment(to, team, None, "team").await?;
        let case = cases::get(&self.db, &Scope::all(), t.case_id).await?;
        let key = self.case_key(&case).await?;
        let wrapped = sealed::rewrap(&self.db, &self.keys, &key, to).await?;
        let now = self.clock.now();
        let mut after: CaseRow = case.clone();
        after.org_id = to.0;
        after.team_id = team.map(|x| x.0);
        after.caseworker_id = None;
        after.data_key = Some(wrapped);
        let mut tx = self.db.begin().await?;
        if !transfers::decide(&mut tx, t.id, TransferState::Accepted.as_str(), caller.user().map(|u| u.0), now).await? {
            return Err(Invalid::new("transfer", "This transfer was decided already.").into());
        }
        let version = self.written(cases::write(&mut tx, &after, case.version, now).await, case.id).await?;
        let own = |r: &CaseRow| Ownership {
            org_id: r.org_id,
            team_id: r.team_id,
            caseworker_id: r.caseworker_id,
            data_key: false,
        };
        let mut new_own = own(&after);
        new_own.data_key = true;
        let change = Change::update("case", case.id, version - 1, &own(&case), &new_own);
        let mut ev = caller.event("case.transfer.accept", &Change::delete("case_transfer", t.id, t.version), Some(to));
        ev.fields = vec!["state".into(), "decided_by".into(), "decided_at".into()];
        let events = vec![ev, caller.event("case.update", &change, Some(to))];
        self.finish(tx, &events).await?;
        Ok(())
    }
}
