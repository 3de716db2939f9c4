//! Reading referrals. A provider sees a defined minimum (case number, the child's sex
//! and age band, languages, the service asked, urgency, security risks) and, while the
//! child is in its care (accepted or in progress), a care summary — audited as a read of
//! the case; after the referral ends the summary is gone. Case staff see everything of
//! the referral. Every read is audited with ids and field names.

use super::send::Sealed;
use super::{Relation, event, provider_orgs, status_of};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::case::{RiskLevel, Secrets, Sex};
use dtz_domain::referral::{Action, AgeBand, ReferralStatus, Side, Urgency, age_band};
use dtz_store::referrals::{self, ReferralRow};
use dtz_store::sealed::DataKey;
use time::OffsetDateTime;
use uuid::Uuid;

/// What every reader of a referral sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralMinimum {
    /// Id.
    pub id: Uuid,
    /// Case id (case staff follow it; for a provider it leads nowhere).
    pub case_id: Uuid,
    /// Case number.
    pub case_number: String,
    /// Child's sex.
    pub sex: Option<Sex>,
    /// Child's age band.
    pub age_band: AgeBand,
    /// Languages.
    pub languages: Vec<String>,
    /// Provider entry.
    pub provider_id: Uuid,
    /// Provider's name.
    pub provider_name: String,
    /// Service type code asked.
    pub service_type: String,
    /// Urgency.
    pub urgency: Urgency,
    /// Sent before consent was recorded.
    pub emergency: bool,
    /// Risks to the child's safety.
    pub security_risks: Option<String>,
    /// Status.
    pub status: ReferralStatus,
    /// Answer expected by.
    pub respond_by: OffsetDateTime,
    /// Sent.
    pub sent_at: OffsetDateTime,
    /// Row version.
    pub version: i64,
}

/// The sealed details, for case staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralDetails {
    /// Why the child is referred.
    pub reason: String,
    /// Anything else.
    pub notes: Option<String>,
    /// The referral this follows on from.
    pub onward_from: Option<Uuid>,
}

/// What a provider needs while the child is in its care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CareSummary {
    /// The child's name, to recognise the child who arrives.
    pub name: Option<String>,
    /// Risk level.
    pub risk: Option<RiskLevel>,
    /// Why the child is referred.
    pub reason: String,
    /// Notes of the referral.
    pub notes: Option<String>,
    /// The caseworker to call.
    pub caseworker: Option<String>,
}

/// A step of the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralStep {
    /// `send` or an `Action` code.
    pub action: String,
    /// Status after it.
    pub status: ReferralStatus,
    /// Recorded by the caseworker for the provider.
    pub on_behalf: bool,
    /// Why (case staff only).
    pub reason: Option<String>,
    /// Who.
    pub actor: Option<Uuid>,
    /// When.
    pub at: OffsetDateTime,
}

/// A referral opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralDetail {
    /// The minimum.
    pub minimum: ReferralMinimum,
    /// Who the caller is to it.
    pub relation: Relation,
    /// The sealed details (case staff).
    pub details: Option<ReferralDetails>,
    /// The care summary (the provider, while the child is in its care).
    pub care: Option<CareSummary>,
    /// History.
    pub steps: Vec<ReferralStep>,
    /// The steps this caller may take now.
    pub actions: Vec<Action>,
    /// The caseworker records the provider's answers (provider without accounts).
    pub on_behalf: bool,
}

fn minimum(r: &ReferralRow, sealed: &Sealed, year: i32) -> ReferralMinimum {
    ReferralMinimum {
        id: r.id,
        case_id: r.case_id,
        case_number: r.case_number.clone(),
        sex: r.sex.as_deref().and_then(Sex::from_code),
        age_band: age_band(r.birth_year.and_then(|y| i32::try_from(y).ok()), year),
        languages: r.languages.split(',').map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
        provider_id: r.provider_id,
        provider_name: r.provider_name.clone(),
        service_type: r.service_type.clone(),
        urgency: Urgency::from_code(&r.urgency).unwrap_or(Urgency::Normal),
        emergency: r.emergency,
        security_risks: sealed.security_risks.clone(),
        status: status_of(r),
        respond_by: r.respond_by,
        sent_at: r.created_at,
        version: r.version,
    }
}

const MINIMUM_FIELDS: &[&str] =
    &["case_number", "sex", "age_band", "languages", "service_type", "urgency", "details.security_risks", "status"];

impl Services {
    async fn referral_key(&self, r: &ReferralRow) -> Result<DataKey> {
        let case = self.case_row_for_referral(r).await?;
        self.case_key(&case).await
    }

    fn open_sealed(key: &DataKey, r: &ReferralRow) -> Result<Sealed> {
        match &r.details {
            Some(b) => Ok(key.for_child("referrals", r.id).open_json("details", b)?),
            None => Ok(Sealed::default()),
        }
    }

    /// One referral, as the caller may see it; audited (the care summary as a case read).
    pub async fn referral(&self, caller: &Caller, id: Uuid) -> Result<ReferralDetail> {
        let (row, relation) = self.referral_row(caller, id).await?;
        let case = self.case_row_for_referral(&row).await?;
        let key = self.case_key(&case).await?;
        let sealed = Self::open_sealed(&key, &row)?;
        let status = status_of(&row);
        let on_behalf =
            relation == Relation::CaseStaff && referrals::provider_accounts(&self.db, row.provider_id).await? == 0;
        let actions = status
            .actions()
            .into_iter()
            .filter(|a| match a.side() {
                Side::Provider => relation == Relation::Provider || on_behalf,
                Side::Case => relation == Relation::CaseStaff,
            })
            .collect();
        let mut steps = Vec::new();
        for s in referrals::steps(&self.db, id).await? {
            let reason = match (&s.reason, relation) {
                (Some(b), Relation::CaseStaff) => Some(key.for_child("referral_steps", s.id).open_json("reason", b)?),
                _ => None,
            };
            steps.push(ReferralStep {
                action: s.action.clone(),
                status: ReferralStatus::from_code(&s.status).unwrap_or(ReferralStatus::Pending),
                on_behalf: s.on_behalf,
                reason,
                actor: s.actor_id,
                at: s.at,
            });
        }
        let mut fields: Vec<&str> = MINIMUM_FIELDS.to_vec();
        fields.push("steps");
        let details = (relation == Relation::CaseStaff).then(|| {
            fields.extend(["details.reason", "details.notes"]);
            ReferralDetails { reason: sealed.reason.clone(), notes: sealed.notes.clone(), onward_from: row.onward_from }
        });
        let mut events = vec![event(caller, "referral.read", "referral", id, None, &fields, row.case_org_id)];
        let mut tx = self.db.begin().await?;
        let care = if relation == Relation::Provider && status.in_care() {
            let secrets: Option<Secrets> = match &case.profile {
                Some(p) => Some(key.open_json("profile", p)?),
                None => None,
            };
            let caseworker = match case.caseworker_id {
                Some(w) => self
                    .case_staff(dtz_domain::ids::OrgId(case.org_id))
                    .await?
                    .into_iter()
                    .find(|s| s.user_id == w)
                    .map(|s| s.name),
                None => None,
            };
            let f = [
                "care_summary.name",
                "care_summary.risk",
                "care_summary.reason",
                "care_summary.notes",
                "care_summary.caseworker",
            ];
            events.push(event(caller, "case.read", "case", case.id, None, &f, case.org_id));
            events.extend(self.watch_reads(&mut tx, caller, case.id).await?);
            Some(CareSummary {
                name: secrets.and_then(|s| s.name),
                risk: case.risk.as_deref().and_then(RiskLevel::from_code),
                reason: sealed.reason.clone(),
                notes: sealed.notes.clone(),
                caseworker,
            })
        } else {
            None
        };
        self.finish(tx, &events).await?;
        let year = self.clock.now().year();
        Ok(ReferralDetail { minimum: minimum(&row, &sealed, year), relation, details, care, steps, actions, on_behalf })
    }

    /// The referrals addressed to the caller's provider organisations (its inbox);
    /// audited. Not found for anyone who is not a provider's staff.
    pub async fn referral_inbox(&self, caller: &Caller) -> Result<Vec<ReferralMinimum>> {
        let orgs = provider_orgs(caller);
        if orgs.is_empty() {
            return Err(ServiceError::NotFound);
        }
        let scope = caller.scope(Area::Cases);
        let mut rows = Vec::new();
        for o in &orgs {
            rows.extend(referrals::inbox(&self.db, &scope, *o).await?);
        }
        let out = self.minimums(&rows).await?;
        let tx = self.db.begin().await?;
        let ev = dtz_store::audit::NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "referral.list".into(),
            entity: "referral".into(),
            entity_id: None,
            entity_version: None,
            fields: MINIMUM_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
            org: caller.org(),
        };
        self.finish(tx, &[ev]).await?;
        Ok(out)
    }

    /// The referrals of a case, for its caseworkers and supervisors; audited as a read
    /// of the case's referrals.
    pub async fn case_referrals(&self, caller: &Caller, case: Uuid) -> Result<Vec<ReferralMinimum>> {
        let row = self.case_row(caller, case).await?;
        if !crate::cases::works_on(caller, &row) {
            return Err(ServiceError::NotFound);
        }
        let rows = referrals::of_case(&self.db, &caller.scope(Area::Cases), case).await?;
        let out = self.minimums(&rows).await?;
        let tx = self.db.begin().await?;
        let ev = event(caller, "case.read", "case", case, None, &["referrals"], row.org_id);
        self.finish(tx, &[ev]).await?;
        Ok(out)
    }

    async fn minimums(&self, rows: &[ReferralRow]) -> Result<Vec<ReferralMinimum>> {
        let year = self.clock.now().year();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let key = self.referral_key(r).await?;
            out.push(minimum(r, &Self::open_sealed(&key, r)?, year));
        }
        Ok(out)
    }
}
