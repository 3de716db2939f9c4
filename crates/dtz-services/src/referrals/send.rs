//! Sending a referral. It needs consent to services, and to sharing when the provider is
//! another organisation — except an emergency referral, which may go first: the missing
//! consents are then recorded as pending and the case is flagged until someone records
//! a decision (the consent use case clears the flag). The provider's staff are told.

use super::event;
use crate::cases::consent_column;
use crate::sync::outbox::Via;
use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_domain::case::{ConsentId, ConsentKind, ConsentState};
use dtz_domain::change::Change;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::referral::{ReferralId, ReferralStatus, TEXT_MAX, Urgency};
use dtz_domain::validate::{self, Invalid, Violations};
use dtz_store::Tx;
use dtz_store::audit::NewEvent;
use dtz_store::cases::children::{self, ConsentRow};
use dtz_store::cases::{self, CaseRow};
use dtz_store::referrals::{self, ReferralRow, StepRow, TargetRow};
use dtz_store::sealed::DataKey;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A referral as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReferralInput {
    /// The provider's service (`provider_services` id).
    #[serde(default)]
    pub service: String,
    /// `urgent`, `normal` or `low`.
    #[serde(default)]
    pub urgency: String,
    /// Sent before consent is recorded.
    #[serde(default)]
    pub emergency: bool,
    /// Why the child is referred.
    #[serde(default)]
    pub reason: String,
    /// Risks to the child's safety the provider must know (who may come looking).
    #[serde(default)]
    pub security_risks: String,
    /// Anything else.
    #[serde(default)]
    pub notes: String,
}

/// The sealed part of a referral.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub(crate) reason: String,
    pub(crate) security_risks: Option<String>,
    pub(crate) notes: Option<String>,
}

struct Checked {
    service: Uuid,
    urgency: Urgency,
    sealed: Sealed,
}

fn check(i: &ReferralInput) -> Result<Checked, Violations> {
    let mut v = Violations::default();
    let service = v.check(i.service.trim().parse::<Uuid>().map_err(|_| Invalid::new("service", "Choose a service.")));
    let urgency = v.check(Urgency::parse("urgency", &i.urgency));
    let reason = v.check(dtz_domain::case::note_text("reason", &i.reason));
    let security_risks = v.check(validate::optional_text("security_risks", &i.security_risks, TEXT_MAX)).flatten();
    let notes = v.check(validate::optional_text("notes", &i.notes, TEXT_MAX)).flatten();
    let (Some(service), Some(urgency), Some(reason)) = (service, urgency, reason) else { return Err(v) };
    v.into_result()?;
    Ok(Checked { service, urgency, sealed: Sealed { reason, security_risks, notes } })
}

/// Whether consent of this state lets a referral go.
fn given(s: Option<&str>) -> bool {
    matches!(s.and_then(ConsentState::from_code), Some(ConsentState::Granted | ConsentState::Overridden))
}

impl Services {
    /// Send a referral from a case to a provider's service.
    pub async fn send_referral(&self, caller: &Caller, case: Uuid, input: &ReferralInput) -> Result<Uuid> {
        self.send_referral_via(caller, case, ReferralId::new().0, input, Via::Local).await
    }

    /// Send referral `id`, here or pushed by a node (sync, issue 9): on a node the
    /// operation is queued with the sealed details as stored.
    pub(crate) async fn send_referral_via(
        &self,
        caller: &Caller,
        case: Uuid,
        id: Uuid,
        input: &ReferralInput,
        via: Via<'_>,
    ) -> Result<Uuid> {
        let row = self.case_to_work_on(caller, case).await?;
        let c = check(input)?;
        let target = self.referral_target(c.service).await?;
        let key = self.case_key(&row).await?;
        let mut tx = self.db.begin().await?;
        let (id, events) = self.send_in(&mut tx, caller, &row, &key, &target, &c, input.emergency, None, id).await?;
        let sent = referrals::get_in(&mut tx, &dtz_domain::access::Scope::all(), id).await?;
        let op = crate::sync::push_cases::referral_sent(&sent);
        self.finish_synced(tx, &events, &[op], via, None).await?;
        Ok(id)
    }

    pub(crate) async fn referral_target(&self, service: Uuid) -> Result<TargetRow> {
        let t = match referrals::target(&self.db, service).await {
            Ok(t) => t,
            Err(dtz_store::StoreError::NotFound) => {
                return Err(Invalid::new("service", "Choose a service of the directory.").into());
            }
            Err(e) => return Err(e.into()),
        };
        if !t.takes_referrals {
            return Err(Invalid::new("service", "This provider does not take referrals.").into());
        }
        Ok(t)
    }

    /// Parse a referral for the onward step.
    pub(crate) async fn onward_parts(&self, input: &ReferralInput) -> Result<(TargetRow, bool, OnwardChecked)> {
        let c = check(input)?;
        let t = self.referral_target(c.service).await?;
        Ok((t, input.emergency, OnwardChecked(c)))
    }

    #[expect(clippy::too_many_arguments, reason = "one transaction's parts, shared with the onward step")]
    async fn send_in(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        case: &CaseRow,
        key: &DataKey,
        target: &TargetRow,
        c: &Checked,
        emergency: bool,
        onward_from: Option<Uuid>,
        id: Uuid,
    ) -> Result<(Uuid, Vec<NewEvent>)> {
        let mut events = self.consent_for_referral(tx, caller, case, key, target, emergency).await?;
        let now = self.clock.now();
        let hours = self.response_hours(c.urgency).await?;
        let r = ReferralRow {
            id,
            case_id: case.id,
            provider_id: target.provider_id,
            service_id: target.service_id,
            provider_org_id: target.org_id,
            service_type: target.service_type.clone(),
            country: case.country.clone(),
            urgency: c.urgency.as_str().into(),
            emergency,
            status: ReferralStatus::Pending.as_str().into(),
            onward_from,
            details: Some(key.for_child("referrals", id).seal_json("details", &c.sealed)?),
            respond_by: now + time::Duration::hours(hours),
            answered_at: None,
            first_service_at: None,
            ended_at: None,
            escalated_at: None,
            sent_by: caller.user().map(|u| u.0),
            version: 1,
            created_at: now,
            updated_at: now,
            case_number: case.number.clone(),
            case_org_id: case.org_id,
            case_team_id: case.team_id,
            caseworker_id: case.caseworker_id,
            sex: None,
            birth_year: None,
            languages: String::new(),
            provider_name: String::new(),
        };
        referrals::insert(tx, &r).await?;
        let step = StepRow {
            id: Uuid::new_v4(),
            referral_id: id,
            action: "send".into(),
            status: r.status.clone(),
            on_behalf: false,
            reason: None,
            actor_id: r.sent_by,
            at: now,
        };
        referrals::insert_step(tx, &step).await?;
        let mut fields = vec!["case_id", "service_id", "urgency", "emergency", "details.reason"];
        fields.extend(c.sealed.security_risks.as_ref().map(|_| "details.security_risks"));
        fields.extend(c.sealed.notes.as_ref().map(|_| "details.notes"));
        fields.extend(onward_from.map(|_| "onward_from"));
        events.push(event(caller, "referral.create", "referral", id, Some(1), &fields, case.org_id));
        if let Some(org) = target.org_id {
            let params = Params::new().id("referral", id).code("urgency", c.urgency.as_str());
            for u in referrals::provider_staff(tx, org).await? {
                let n = self
                    .notify(tx, UserId(u), NotificationKind::NewReferral, &format!("/referrals/{id}"), &params)
                    .await?;
                events.push(n.event);
            }
        }
        Ok((id, events))
    }

    /// Check consent for a referral; in an emergency, record what is missing as pending
    /// and flag the case. Returns the audit events of what it changed.
    async fn consent_for_referral(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        case: &CaseRow,
        key: &DataKey,
        target: &TargetRow,
        emergency: bool,
    ) -> Result<Vec<NewEvent>> {
        let mut current = cases::get_in(tx, &caller.scope(Area::Cases), case.id).await?;
        let mut kinds = vec![ConsentKind::Services];
        if target.org_id != Some(current.org_id) {
            kinds.push(ConsentKind::Sharing);
        }
        let missing: Vec<ConsentKind> =
            kinds.into_iter().filter(|k| !given(consent_column(&mut current, *k).as_deref())).collect();
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        let refused =
            missing.iter().any(|k| consent_column(&mut current, *k).as_deref() == Some(ConsentState::Refused.as_str()));
        if refused {
            return Err(Invalid::new("consent", "Consent was refused: a referral cannot be sent.").into());
        }
        if !emergency {
            return Err(Invalid::new(
                "consent",
                "Record consent to services and to sharing first, or mark the referral as an emergency.",
            )
            .into());
        }
        let before = consent_fields(&current);
        let base = current.version;
        let now = self.clock.now();
        let mut events = Vec::new();
        for k in &missing {
            *consent_column(&mut current, *k) = Some(ConsentState::Pending.as_str().into());
            let rid = ConsentId::new().0;
            let record = ConsentRow {
                id: rid,
                case_id: case.id,
                kind: k.as_str().into(),
                state: ConsentState::Pending.as_str().into(),
                given_by: None,
                reason: Some(key.for_child("case_consents", rid).seal_json("reason", &"emergency referral")?),
                recorded_by: caller.user().map(|u| u.0),
                recorded_at: now,
            };
            children::insert_consent(tx, &record).await?;
            let f = ["kind", "state", "reason"];
            events.push(event(caller, "case.consent.pending", "case_consent", rid, Some(1), &f, case.org_id));
        }
        current.consent_flagged = true;
        let change = Change::update("case", case.id, base, &before, &consent_fields(&current));
        cases::write(tx, &current, base, now).await?;
        events.push(caller.event("case.update", &change, Some(OrgId(case.org_id))));
        Ok(events)
    }

    /// The onward step: the next referral, in the transaction of the step.
    pub(crate) async fn send_onward(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        case: &CaseRow,
        parts: &(TargetRow, bool, OnwardChecked),
        from: Uuid,
    ) -> Result<(Uuid, Vec<NewEvent>)> {
        let key = self.case_key(case).await?;
        self.send_in(tx, caller, case, &key, &parts.0, &(parts.2).0, parts.1, Some(from), ReferralId::new().0).await
    }
}

/// A checked onward referral.
pub(crate) struct OnwardChecked(Checked);

#[derive(Serialize)]
struct ConsentFields {
    consent_services: Option<String>,
    consent_sharing: Option<String>,
    consent_flagged: bool,
}

fn consent_fields(r: &CaseRow) -> ConsentFields {
    ConsentFields {
        consent_services: r.consent_services.clone(),
        consent_sharing: r.consent_sharing.clone(),
        consent_flagged: r.consent_flagged,
    }
}
