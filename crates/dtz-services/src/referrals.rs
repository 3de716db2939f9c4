//! Referrals of a child from a case to a provider's service, and follow-ups (issue 5,
//! points 6 and 7). A referral is seen through its case (`Area::Cases` scope of case
//! staff) or as addressed to a provider (`Grant::ProviderReferrals` on the copied
//! `provider_org_id`); anything else is not found. The state machine is
//! `dtz_domain::referral::next`; this module checks who takes a step, seals what names
//! the child's situation under the case's data key, and audits every read and write
//! with ids and field names only.

pub(crate) mod figures;
mod followups;
mod overdue;
mod send;
mod step;
mod view;

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Role};
use dtz_domain::ids::OrgId;
use dtz_domain::referral::{ReferralStatus, Urgency, default_response_hours};
use dtz_store::audit::NewEvent;
use dtz_store::referrals::{self, ReferralRow};
use uuid::Uuid;

pub use figures::{Figure, ReferralFigures, ServiceCount};
pub use followups::{FollowUp, FollowUpInput, FollowUpNote, FollowUpRecord};
pub use send::ReferralInput;
pub(crate) use send::Sealed as ReferralSealed;
pub use step::StepInput;
pub use view::{CareSummary, ReferralDetail, ReferralDetails, ReferralMinimum, ReferralStep};

/// Setting: hours within which a provider should answer, by urgency, as a JSON object
/// such as `{"urgent": 4, "normal": 48, "low": 120}`; missing entries take the defaults.
pub const RESPONSE_HOURS_SETTING: &str = "referrals.response_hours";

/// Who the caller is to a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// Works on the case (caseworker or supervisor in scope).
    CaseStaff,
    /// Staff of the provider the referral is addressed to.
    Provider,
}

/// Whether the caller holds the service-provider role of `org`.
pub(crate) fn provider_staff_of(caller: &Caller, org: Option<Uuid>) -> bool {
    match (caller, org) {
        (Caller::User(a), Some(o)) => {
            a.roles.iter().any(|r| r.role == Role::ServiceProvider && r.org == Some(OrgId(o)))
        }
        _ => false,
    }
}

/// The provider organisations the caller works for.
pub(crate) fn provider_orgs(caller: &Caller) -> Vec<Uuid> {
    match caller {
        Caller::User(a) => {
            let mut v: Vec<Uuid> =
                a.roles.iter().filter(|r| r.role == Role::ServiceProvider).filter_map(|r| r.org.map(|o| o.0)).collect();
            v.sort();
            v.dedup();
            v
        }
        Caller::System => Vec::new(),
    }
}

pub(crate) fn status_of(r: &ReferralRow) -> ReferralStatus {
    ReferralStatus::from_code(&r.status).unwrap_or(ReferralStatus::Pending)
}

pub(crate) fn event(
    caller: &Caller,
    action: &str,
    entity: &str,
    id: Uuid,
    version: Option<i64>,
    fields: &[&str],
    org: Uuid,
) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: entity.into(),
        entity_id: Some(id),
        entity_version: version,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(OrgId(org)),
    }
}

impl Services {
    /// A referral in the caller's scope and the caller's relation to it (not found when
    /// out of scope, or when in scope only through a grant that gives no role here).
    pub(crate) async fn referral_row(&self, caller: &Caller, id: Uuid) -> Result<(ReferralRow, Relation)> {
        let row = referrals::get(&self.db, &caller.scope(Area::Cases), id).await?;
        let relation = self.relation(caller, &row).await?;
        Ok((row, relation))
    }

    pub(crate) async fn relation(&self, caller: &Caller, row: &ReferralRow) -> Result<Relation> {
        if provider_staff_of(caller, row.provider_org_id) {
            return Ok(Relation::Provider);
        }
        match dtz_store::cases::get(&self.db, &caller.scope(Area::Cases), row.case_id).await {
            Ok(c) if crate::cases::works_on(caller, &c) => Ok(Relation::CaseStaff),
            Ok(_) | Err(dtz_store::StoreError::NotFound) => Err(ServiceError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Hours within which a referral of `urgency` should be answered.
    pub async fn response_hours(&self, urgency: Urgency) -> Result<i64> {
        let stored = dtz_store::settings::get(&self.db, RESPONSE_HOURS_SETTING).await?;
        let set = stored
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s.value).ok())
            .and_then(|v| v.get(urgency.as_str()).and_then(serde_json::Value::as_i64))
            .filter(|h| *h > 0);
        Ok(set.unwrap_or_else(|| default_response_hours(urgency)))
    }

    /// The caseworker of a case, else (and also) its supervisors: who hears of missed
    /// deadlines. Supervisors of the case's team, or of the whole organisation.
    pub(crate) async fn case_people(
        &self,
        org: Uuid,
        country: &str,
        team: Option<Uuid>,
        caseworker: Option<Uuid>,
    ) -> Result<Vec<dtz_domain::ids::UserId>> {
        let mut people: Vec<Uuid> = self
            .case_staff(OrgId(org))
            .await?
            .into_iter()
            .filter(|s| s.role == "case_supervisor" && s.team_id.is_none_or(|t| Some(t) == team))
            .filter(|s| s.country.as_deref().is_none_or(|c| c == country))
            .map(|s| s.user_id)
            .collect();
        people.extend(caseworker);
        people.sort();
        people.dedup();
        Ok(people.into_iter().map(dtz_domain::ids::UserId).collect())
    }
}
