//! Steps on a referral: the provider answers and reports progress; for a provider
//! without accounts the caseworker records them on its behalf (audited with the field
//! `on_behalf`); the case side cancels or refers onward, which sends the next referral
//! in the same transaction. An illegal step is refused and nothing changes.

use super::send::ReferralInput;
use super::{Relation, event, status_of};
use crate::sync::outbox::Via;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::referral::{Action, Side, next};
use dtz_domain::validate::Invalid;
use dtz_store::referrals::{self, StepRow};
use uuid::Uuid;

/// A step as asked for.
#[derive(Clone, Debug, Default)]
pub struct StepInput {
    /// The referral's version as read.
    pub version: i64,
    /// `Action` code.
    pub action: String,
    /// Why (needed to decline or cancel).
    pub reason: String,
    /// The next referral, for `refer_onward`.
    pub onward: Option<ReferralInput>,
}

impl Services {
    /// Take a step on a referral. Returns the id of the onward referral, if one was sent.
    pub async fn referral_step(&self, caller: &Caller, id: Uuid, input: &StepInput) -> Result<Option<Uuid>> {
        self.referral_step_via(caller, id, input, Uuid::new_v4(), Via::Local).await
    }

    /// Take step `step_id` on a referral, here or pushed by a node (sync, issue 9).
    pub(crate) async fn referral_step_via(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &StepInput,
        step_id: Uuid,
        via: Via<'_>,
    ) -> Result<Option<Uuid>> {
        let (row, relation) = self.referral_row(caller, id).await?;
        let action = Action::parse("action", &input.action)?;
        let on_behalf = match (action.side(), relation) {
            (Side::Provider, Relation::Provider) => false,
            (Side::Provider, Relation::CaseStaff) => {
                if referrals::provider_accounts(&self.db, row.provider_id).await? > 0 {
                    return Err(ServiceError::Forbidden);
                }
                true
            }
            (Side::Case, Relation::CaseStaff) => false,
            (Side::Case, Relation::Provider) => return Err(ServiceError::Forbidden),
        };
        let from = status_of(&row);
        let to = next(from, action).map_err(Invalid::from)?;
        let reason = dtz_domain::validate::optional_text("reason", &input.reason, dtz_domain::referral::TEXT_MAX)?;
        if action.needs_reason() && reason.is_none() {
            return Err(Invalid::new("reason", "Say why you decline or cancel.").into());
        }
        let onward = match (action, &input.onward) {
            (Action::ReferOnward, Some(o)) => Some(self.onward_parts(o).await?),
            (Action::ReferOnward, None) => return Err(Invalid::new("service", "Choose the next service.").into()),
            _ => None,
        };
        let case = self.case_row_for_referral(&row).await?;
        let key = self.case_key(&case).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut after = referrals::get_in(&mut tx, &caller.scope(Area::Cases), id).await?;
        if after.version != input.version {
            return Err(ServiceError::Stale {
                base: input.version,
                current: after.version,
                changed: vec!["status".into()],
            });
        }
        after.status = to.as_str().into();
        if matches!(action, Action::Accept | Action::Decline) {
            after.answered_at = Some(now);
        }
        if to.in_care() && after.first_service_at.is_none() {
            after.first_service_at = Some(now);
        }
        if to.is_final() {
            after.ended_at = Some(now);
        }
        let version = referrals::write_status(&mut tx, &after, input.version, now).await?;
        let sealed = match &reason {
            Some(r) => Some(key.for_child("referral_steps", step_id).seal_json("reason", r)?),
            None => None,
        };
        let step = StepRow {
            id: step_id,
            referral_id: id,
            action: action.as_str().into(),
            status: to.as_str().into(),
            on_behalf,
            reason: sealed,
            actor_id: caller.user().map(|u| u.0),
            at: now,
        };
        referrals::insert_step(&mut tx, &step).await?;
        let mut fields = vec!["status"];
        fields.extend(reason.as_ref().map(|_| "reason"));
        if on_behalf {
            fields.push("on_behalf");
        }
        let name = format!("referral.{}", action.as_str());
        let mut events = vec![event(caller, &name, "referral", id, Some(version), &fields, row.case_org_id)];
        let mut onward_id = None;
        if let Some(parts) = &onward {
            let (nid, evs) = self.send_onward(&mut tx, caller, &case, parts, id).await?;
            onward_id = Some(nid);
            events.extend(evs);
        }
        let op = crate::sync::push_cases::referral_stepped(&row, input.version, &step);
        self.finish_synced(tx, &events, &[op], via, Some(version)).await?;
        if to.in_care() || to.is_final() {
            // "Children receiving services" is computed from referrals in care: the open
            // reports of the case's organisation follow at once (the system refreshes them,
            // not the provider, who does not report for that organisation).
            let days: Vec<time::Date> =
                after.first_service_at.map(|f| f.date()).into_iter().chain([now.date()]).collect();
            let org = dtz_domain::ids::OrgId(case.org_id);
            self.refresh_after_records(&Caller::System, org, &case.country, &days).await;
        }
        Ok(onward_id)
    }

    /// The case of a referral, read without the caller's scope: the caller reached the
    /// referral through its scope already (a provider sees no case itself).
    pub(crate) async fn case_row_for_referral(
        &self,
        row: &dtz_store::referrals::ReferralRow,
    ) -> Result<dtz_store::cases::CaseRow> {
        Ok(dtz_store::cases::get(&self.db, &dtz_domain::access::Scope::all(), row.case_id).await?)
    }
}
