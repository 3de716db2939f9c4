//! Triage by the receiving organisation's case staff: category (vocabulary
//! `signal_category` of the country), urgency, team and person; taking a signal on;
//! closing it with a reason, or as a duplicate of another. An urgent signal counts from
//! the moment it became urgent until someone takes it (see `escalate`).

use crate::config::Term;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::change::Change;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::signal::SignalStatus;
use dtz_domain::signal::triage::{CloseReason, Triage, TriageInput, Urgency};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::cases::StaffRow;
use dtz_store::signals::triage as store;
use dtz_store::signals::{self, SignalRow};
use dtz_store::teams::TeamRow;
use serde::Serialize;
use uuid::Uuid;

/// What the triage form offers for one signal.
#[derive(Clone, Debug)]
pub struct TriageOptions {
    /// Categories of the signal's country.
    pub categories: Vec<Term>,
    /// Teams of the receiving organisation.
    pub teams: Vec<TeamRow>,
    /// Its case staff.
    pub staff: Vec<StaffRow>,
    /// Other open signals of the country, for "duplicate of".
    pub others: Vec<(Uuid, time::OffsetDateTime)>,
}

/// The triage columns, for the audit (names only leave this module).
#[derive(Serialize)]
struct TriageView {
    status: String,
    category: Option<String>,
    urgency: Option<String>,
    team_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    picked_up_at: bool,
    close_reason: Option<String>,
    duplicate_of: Option<Uuid>,
}

fn view(s: &SignalRow) -> TriageView {
    TriageView {
        status: s.status.clone(),
        category: s.category.clone(),
        urgency: s.urgency.clone(),
        team_id: s.team_id,
        assignee_id: s.assignee_id,
        picked_up_at: s.picked_up_at.is_some(),
        close_reason: s.close_reason.clone(),
        duplicate_of: s.duplicate_of,
    }
}

fn is_open(s: &SignalRow) -> Result<()> {
    if SignalStatus::parse(&s.status) == SignalStatus::Closed {
        Err(Invalid::new("status", "This signal is closed.").into())
    } else {
        Ok(())
    }
}

impl Services {
    /// Active categories offered in a country.
    pub async fn signal_categories(&self, country: &str) -> Result<Vec<Term>> {
        Ok(self
            .terms("signal_category")
            .await?
            .into_iter()
            .filter(|t| t.row.active && (t.row.country.is_empty() || t.row.country == country))
            .collect())
    }

    /// The choices of the triage form of a signal in the caller's scope.
    pub async fn triage_options(&self, caller: &Caller, id: Uuid) -> Result<TriageOptions> {
        let scope = caller.scope(Area::Signals);
        let s = signals::get(&self.db, &scope, id).await?;
        let others = store::recent_open(&self.db, &scope, &s.country, id, 50).await?;
        Ok(TriageOptions {
            categories: self.signal_categories(&s.country).await?,
            teams: self.org_teams(OrgId(s.org_id)).await?,
            staff: self.case_staff(OrgId(s.org_id)).await?,
            others: others.into_iter().map(|o| (o.id, o.created_at)).collect(),
        })
    }

    /// Check triage against the signal's country and organisation.
    pub(crate) async fn check_triage(&self, t: &Triage, org: OrgId, country: &str) -> Result<()> {
        if let Some(c) = &t.category
            && !self.signal_categories(country).await?.iter().any(|x| &x.row.code == c)
        {
            return Err(Invalid::new("category", "Choose a category offered in this country.").into());
        }
        self.check_work_assignment(org, t.team, t.assignee, "assignee").await
    }

    /// Apply triage to a signal row in memory (status, urgency clock).
    pub(crate) fn apply_triage(&self, s: &mut SignalRow, t: &Triage) {
        let now = self.clock.now();
        let was_urgent = s.urgency.as_deref() == Some(Urgency::Urgent.as_str());
        s.category = t.category.clone();
        s.urgency = t.urgency.map(|u| u.as_str().to_owned());
        s.team_id = t.team.map(|x| x.0);
        s.assignee_id = t.assignee.map(|x| x.0);
        let urgent = t.urgency == Some(Urgency::Urgent);
        s.urgent_since = match (was_urgent, urgent) {
            (true, true) => s.urgent_since.or(Some(now)),
            (false, true) => Some(now),
            (_, false) => None,
        };
        let triaged = t.category.is_some() || t.urgency.is_some() || t.team.is_some() || t.assignee.is_some();
        if triaged {
            s.triaged_at = s.triaged_at.or(Some(now));
            if SignalStatus::parse(&s.status) == SignalStatus::New {
                s.status = SignalStatus::Triaged.as_str().into();
            }
        }
    }

    async fn write_signal(
        &self,
        caller: &Caller,
        before: &SignalRow,
        after: &SignalRow,
        base: i64,
        action: &str,
    ) -> Result<()> {
        let change = Change::update("signal", before.id, base, &view(before), &view(after));
        if change.is_empty() {
            return Ok(());
        }
        self.conflicts(before.id, base, before.version, &change.field_names()).await?;
        let mut tx = self.db.begin().await?;
        let version =
            self.written(store::write(&mut tx, after, before.version, self.clock.now()).await, before.id).await?;
        let mut change = change;
        change.base_version = version - 1;
        let mut events = vec![caller.event(action, &change, Some(OrgId(after.org_id)))];
        if let Some(a) = after.assignee_id
            && after.assignee_id != before.assignee_id
            && Some(UserId(a)) != caller.user()
        {
            let params = Params::new().id("signal", after.id);
            let n = self
                .notify(
                    &mut tx,
                    UserId(a),
                    NotificationKind::SignalAssigned,
                    &format!("/signals/{}", after.id),
                    &params,
                )
                .await?;
            events.push(n.event);
        }
        self.finish(tx, &events).await?;
        Ok(())
    }

    async fn signal_for_triage(&self, caller: &Caller, id: Uuid) -> Result<SignalRow> {
        let s = signals::get(&self.db, &caller.scope(Area::Signals), id).await?;
        if let Caller::User(a) = caller
            && !dtz_domain::case::rules::is_case_staff(a, OrgId(s.org_id))
        {
            return Err(ServiceError::Forbidden);
        }
        Ok(s)
    }

    /// Set a signal's category, urgency, team and person, based on version `base`.
    pub async fn triage_signal(&self, caller: &Caller, id: Uuid, base: i64, input: &TriageInput) -> Result<()> {
        let t = Triage::parse(input)?;
        let before = self.signal_for_triage(caller, id).await?;
        is_open(&before)?;
        self.check_triage(&t, OrgId(before.org_id), &before.country).await?;
        let mut after = before.clone();
        self.apply_triage(&mut after, &t);
        self.write_signal(caller, &before, &after, base, "signal.triage").await
    }

    /// Take a signal on: it is the caller's and in progress; an urgent one stops counting.
    pub async fn take_signal(&self, caller: &Caller, id: Uuid) -> Result<()> {
        let before = self.signal_for_triage(caller, id).await?;
        is_open(&before)?;
        let mut after = before.clone();
        after.assignee_id = caller.user().map(|u| u.0).or(before.assignee_id);
        after.status = SignalStatus::InProgress.as_str().into();
        after.picked_up_at = before.picked_up_at.or(Some(self.clock.now()));
        after.triaged_at = before.triaged_at.or(Some(self.clock.now()));
        self.write_signal(caller, &before, &after, before.version, "signal.take").await
    }

    /// Close a signal with a reason; a duplicate names the signal it repeats.
    pub async fn close_signal(
        &self,
        caller: &Caller,
        id: Uuid,
        base: i64,
        reason: &str,
        duplicate_of: &str,
    ) -> Result<()> {
        let reason = CloseReason::parse("reason", reason)?;
        let before = self.signal_for_triage(caller, id).await?;
        is_open(&before)?;
        let mut after = before.clone();
        if reason == CloseReason::Duplicate {
            let other = duplicate_of
                .trim()
                .parse::<Uuid>()
                .map_err(|_| Invalid::new("duplicate_of", "Choose the signal this one repeats."))?;
            let scope = caller.scope(Area::Signals);
            match signals::get(&self.db, &scope, other).await {
                Ok(o) if o.id != id && o.org_id == before.org_id => after.duplicate_of = Some(o.id),
                Ok(_) | Err(dtz_store::StoreError::NotFound) => {
                    return Err(Invalid::new("duplicate_of", "Choose the signal this one repeats.").into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        let now = self.clock.now();
        after.status = SignalStatus::Closed.as_str().into();
        after.close_reason = Some(reason.as_str().into());
        after.closed_at = Some(now);
        after.picked_up_at = before.picked_up_at.or(Some(now));
        self.write_signal(caller, &before, &after, base, "signal.close").await
    }
}

/// An event without a change (escalation bookkeeping).
pub(crate) fn plain_event(action: &str, entity_id: Uuid, fields: &[&str], org: Uuid) -> NewEvent {
    NewEvent {
        action: action.into(),
        entity: "signal".into(),
        entity_id: Some(entity_id),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(OrgId(org)),
        ..Default::default()
    }
}
