//! Cases (DESIGN §4, §5): opened from a signal or directly by caseworkers and
//! supervisors, seen only within `Area::Cases` scope (anything else is not found), every
//! read and every change audited with ids and field names only.
//!
//! Each case has its own data key wrapped by the owning organisation's key-encryption
//! key; the profile's names and contacts, notes, goal texts, step notes and consent
//! reasons are sealed under it, each bound to its own table, column and row. Moving a
//! case to another organisation rewraps the one data key.

mod checkouts;
mod closure;
mod consent;
mod create;
mod edit;
mod plan;
mod reads;
mod steps;
mod transfer;
mod view;

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, ScopeRow};
use dtz_domain::case::{CaseStatus, ConsentKind, ConsentState, RiskLevel, rules};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_domain::validate::Invalid;
use dtz_store::cases::{self, CaseListRow, CaseRow, StaffRow};
use dtz_store::sealed::{DataKey, Place};
use time::OffsetDateTime;
use uuid::Uuid;

pub use checkouts::{CaseCheckouts, CheckoutInput};
pub use consent::ConsentInput;
pub use create::NewCaseInput;
pub(crate) use create::PushedCase;
pub use edit::CaseEdit;
pub use reads::READ_ALERT_SETTING;
pub use steps::{STEP_REMIND_DAYS, StepInput};
pub use transfer::IncomingTransfer;
pub(crate) use view::child_profile;
pub use view::{CaseDetail, ConsentRecord, Goal, Note, Step};

/// A case as lists show it: plaintext columns only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    /// Id.
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// Country code.
    pub country: String,
    /// Owning organisation.
    pub org: OrgId,
    /// Team.
    pub team: Option<TeamId>,
    /// Caseworker.
    pub caseworker: Option<UserId>,
    /// The signal it came from.
    pub signal: Option<Uuid>,
    /// Status.
    pub status: CaseStatus,
    /// Risk.
    pub risk: Option<RiskLevel>,
    /// Consent to services, sharing, statistics (in [`ConsentKind::ALL`] order).
    pub consent: [Option<ConsentState>; 3],
    /// Some consent is pending after an emergency.
    pub consent_flagged: bool,
    /// Opened.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Row version.
    pub version: i64,
}

impl From<&CaseRow> for CaseSummary {
    fn from(r: &CaseRow) -> Self {
        Self::from(&CaseListRow::from(r))
    }
}

impl From<&CaseListRow> for CaseSummary {
    fn from(r: &CaseListRow) -> Self {
        let state = |s: &Option<String>| s.as_deref().and_then(ConsentState::from_code);
        Self {
            id: r.id,
            number: r.number.clone(),
            country: r.country.clone(),
            org: OrgId(r.org_id),
            team: r.team_id.map(TeamId),
            caseworker: r.caseworker_id.map(UserId),
            signal: r.signal_id,
            status: CaseStatus::from_code(&r.status).unwrap_or(CaseStatus::Open),
            risk: r.risk.as_deref().and_then(RiskLevel::from_code),
            consent: [state(&r.consent_services), state(&r.consent_sharing), state(&r.consent_statistics)],
            consent_flagged: r.consent_flagged,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

impl CaseSummary {
    /// The consent state of one kind.
    pub fn consent_of(&self, kind: ConsentKind) -> Option<ConsentState> {
        let i = ConsentKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        self.consent[i]
    }
}

/// Where a case's ciphertexts live.
pub(crate) fn place(id: Uuid) -> Place {
    Place { table: "cases", row: id }
}

/// A case as need to know sees it.
pub(crate) fn scope_row(r: &CaseRow) -> ScopeRow {
    ScopeRow {
        org: Some(OrgId(r.org_id)),
        country: CountryCode::parse("country", &r.country).ok(),
        team: r.team_id.map(TeamId),
        owner: r.caseworker_id.map(UserId),
        provider: None,
        case: Some(r.id),
    }
}

/// Whether the caller works on the case (the operator at the command line does).
pub(crate) fn works_on(caller: &Caller, r: &CaseRow) -> bool {
    match caller {
        Caller::System => true,
        Caller::User(a) => rules::works_on(a, &scope_row(r)),
    }
}

/// Whether the caller supervises the case.
pub(crate) fn supervises(caller: &Caller, r: &CaseRow) -> bool {
    match caller {
        Caller::System => true,
        Caller::User(a) => rules::supervises(a, &scope_row(r)),
    }
}

/// Refuse changes to a closed case.
pub(crate) fn still_open(r: &CaseRow) -> Result<()> {
    if r.status == CaseStatus::Closed.as_str() {
        Err(Invalid::new("status", "This case is closed and cannot change.").into())
    } else {
        Ok(())
    }
}

/// The consent state column of a kind.
pub(crate) fn consent_column(r: &mut CaseRow, kind: ConsentKind) -> &mut Option<String> {
    match kind {
        ConsentKind::Services => &mut r.consent_services,
        ConsentKind::Sharing => &mut r.consent_sharing,
        ConsentKind::Statistics => &mut r.consent_statistics,
    }
}

impl Services {
    /// A case in the caller's scope, for a change (not found otherwise).
    pub(crate) async fn case_row(&self, caller: &Caller, id: Uuid) -> Result<CaseRow> {
        Ok(cases::get(&self.db, &caller.scope(Area::Cases), id).await?)
    }

    /// A case for a caseworker's change: in scope (else not found), worked on by the
    /// caller (else forbidden) and not closed.
    pub(crate) async fn case_to_work_on(&self, caller: &Caller, id: Uuid) -> Result<CaseRow> {
        let row = self.case_row(caller, id).await?;
        if !works_on(caller, &row) {
            return Err(ServiceError::Forbidden);
        }
        still_open(&row)?;
        Ok(row)
    }

    /// A case's data key, unwrapped (an erased case has none).
    pub(crate) async fn case_key(&self, r: &CaseRow) -> Result<DataKey> {
        let wrapped = r.data_key.as_deref().ok_or(ServiceError::NotFound)?;
        self.case_open_key(OrgId(r.org_id), place(r.id), wrapped).await
    }

    /// The case staff of an organisation (for choosing a caseworker).
    pub async fn case_staff(&self, org: OrgId) -> Result<Vec<StaffRow>> {
        Ok(cases::staff(&self.db, org.0).await?)
    }

    /// The teams of an organisation (for choosing a team).
    pub async fn org_teams(&self, org: OrgId) -> Result<Vec<dtz_store::teams::TeamRow>> {
        Ok(cases::teams_of(&self.db, org.0).await?)
    }

    /// Check a team and a person chosen for work of `org`: the team must be the
    /// organisation's, the person on its case staff (in that team, when their role has
    /// one).
    pub(crate) async fn check_work_assignment(
        &self,
        org: OrgId,
        team: Option<TeamId>,
        person: Option<UserId>,
        person_field: &str,
    ) -> Result<()> {
        if let Some(t) = team
            && !self.org_teams(org).await?.iter().any(|x| x.id == t.0)
        {
            return Err(Invalid::new("team", "Choose a team of the organisation.").into());
        }
        if let Some(p) = person {
            let staff = self.case_staff(org).await?;
            let ok = staff
                .iter()
                .any(|s| s.user_id == p.0 && (team.is_none() || s.team_id.is_none_or(|t| Some(TeamId(t)) == team)));
            if !ok {
                return Err(
                    Invalid::new(person_field, "Choose a caseworker of the organisation (and of the team).").into()
                );
            }
        }
        Ok(())
    }

    /// Field names changed on a record since `base`, and whether any of `mine` is among
    /// them: the rule for edits made on an older version.
    pub(crate) async fn conflicts(&self, id: Uuid, base: i64, current: i64, mine: &[String]) -> Result<()> {
        if base == current {
            return Ok(());
        }
        let moved = dtz_store::audit::fields_changed_since(&self.db, id, base).await?;
        if mine.iter().any(|f| moved.contains(f)) {
            return Err(ServiceError::Stale { base, current, changed: moved });
        }
        Ok(())
    }
}
