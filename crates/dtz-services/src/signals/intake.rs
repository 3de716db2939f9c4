//! Signals entered by staff: a hotline call, someone at the office, outreach workers, a
//! partner passing a report on. Sealed like a public report, but without a receipt (the
//! reporter spoke to a person), and triaged at once when the form says so.

use super::signal_place;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Role, ScopeRow};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::signal::triage::{Intake, IntakeInput};
use dtz_domain::signal::{SignalId, SignalStatus};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::sealed;
use dtz_store::signals::SignalRow;
use dtz_store::signals::triage as store;

impl Services {
    /// The organisations the caller enters signals for (where they hold a case role).
    pub fn intake_orgs(caller: &Caller) -> Vec<OrgId> {
        let Caller::User(a) = caller else { return Vec::new() };
        let mut v: Vec<OrgId> = a
            .roles
            .iter()
            .filter(|r| matches!(r.role, Role::Caseworker | Role::CaseSupervisor))
            .filter_map(|r| r.org)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Enter a signal for `org` (the caller's, when it has only one). Returns its id.
    pub async fn enter_signal(&self, caller: &Caller, org: Option<OrgId>, input: &IntakeInput) -> Result<SignalId> {
        let Caller::User(actor) = caller else { return Err(ServiceError::Forbidden) };
        let language = dtz_store::users::get(&self.db, &dtz_domain::access::Scope::all(), actor.user).await?.language;
        let intake = Intake::parse(input, &language)?;
        let orgs = Self::intake_orgs(caller);
        let org = match (org, orgs.as_slice()) {
            (Some(o), _) if orgs.contains(&o) => o,
            (None, [one]) => *one,
            _ => return Err(Invalid::new("org", "Choose the organisation the report is for.").into()),
        };
        let row_scope = ScopeRow { org: Some(org), country: Some(intake.country), ..Default::default() };
        if !caller.scope(Area::Signals).admits(&row_scope) {
            return Err(Invalid::new("country", "Choose a country you work in.").into());
        }
        self.check_triage(&intake.triage, org, intake.country.as_str()).await?;
        let id = SignalId::new();
        let (key, wrapped) = sealed::new_data_key(&self.db, &self.keys, org, signal_place(id.0)).await?;
        let now = self.clock.now();
        let mut row = SignalRow {
            id: id.0,
            country: intake.country.as_str().to_owned(),
            org_id: org.0,
            channel: intake.channel.as_str().into(),
            reporter_type: Some(intake.reporter_type.as_str().into()),
            status: SignalStatus::New.as_str().into(),
            category: None,
            urgency: None,
            team_id: None,
            assignee_id: None,
            created_by: Some(actor.user.0),
            data_key: Some(wrapped),
            content: Some(key.seal_json("content", &intake.report)?),
            version: 1,
            created_at: now,
            updated_at: now,
            closed_at: None,
            triaged_at: None,
            urgent_since: None,
            picked_up_at: None,
            escalated_at: None,
            close_reason: None,
            duplicate_of: None,
            case_id: None,
        };
        self.apply_triage(&mut row, &intake.triage);
        if row.assignee_id == Some(actor.user.0) {
            // Whoever takes the call and keeps it has picked it up.
            row.status = SignalStatus::InProgress.as_str().into();
            row.picked_up_at = Some(now);
        }
        let mut tx = self.db.begin().await?;
        store::insert_staff(&mut tx, &row).await?;
        let mut fields = super::report_fields(&intake.report);
        fields.extend(["channel", "reporter_type", "status"].map(String::from));
        for (name, set) in [
            ("category", row.category.is_some()),
            ("urgency", row.urgency.is_some()),
            ("team_id", row.team_id.is_some()),
            ("assignee_id", row.assignee_id.is_some()),
        ] {
            if set {
                fields.push(name.into());
            }
        }
        let mut events = vec![NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "signal.enter".into(),
            entity: "signal".into(),
            entity_id: Some(id.0),
            entity_version: Some(1),
            fields,
            org: Some(org),
        }];
        if let Some(a) = row.assignee_id.filter(|a| *a != actor.user.0) {
            let params = Params::new().id("signal", id.0);
            let n = self
                .notify(&mut tx, UserId(a), NotificationKind::SignalAssigned, &format!("/signals/{}", id.0), &params)
                .await?;
            events.push(n.event);
        }
        self.finish(tx, &events).await?;
        Ok(id)
    }
}
