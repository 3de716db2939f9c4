//! The wire shapes of cases: plaintext columns, the opened profile and the records of a
//! case.

use dtz_domain::case::ProfileInput;
use dtz_services::cases::{CaseDetail, CaseSummary};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A case: plaintext columns.
#[derive(Serialize, ToSchema)]
pub struct CaseResponse {
    id: Uuid,
    number: String,
    country: String,
    org_id: Uuid,
    team_id: Option<Uuid>,
    caseworker_id: Option<Uuid>,
    signal_id: Option<Uuid>,
    /// `open`, `closure_requested` or `closed`.
    status: String,
    /// `low`, `medium`, `high`; absent until assessed.
    risk: Option<String>,
    /// Consent by kind (`services`, `sharing`, `statistics`): `granted`, `refused`,
    /// `pending`, `overridden`; absent until recorded.
    #[schema(value_type = Object)]
    consent: serde_json::Value,
    /// Some consent is pending after an emergency.
    consent_flagged: bool,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl From<&CaseSummary> for CaseResponse {
    fn from(c: &CaseSummary) -> Self {
        let consent: serde_json::Map<String, serde_json::Value> = dtz_domain::case::ConsentKind::ALL
            .iter()
            .filter_map(|k| c.consent_of(*k).map(|s| (k.as_str().to_owned(), s.as_str().into())))
            .collect();
        Self {
            id: c.id,
            number: c.number.clone(),
            country: c.country.clone(),
            org_id: c.org.0,
            team_id: c.team.map(|t| t.0),
            caseworker_id: c.caseworker.map(|u| u.0),
            signal_id: c.signal,
            status: c.status.as_str().into(),
            risk: c.risk.map(|r| r.as_str().into()),
            consent: consent.into(),
            consent_flagged: c.consent_flagged,
            created_at: crate::api::rfc3339(c.created_at),
            updated_at: crate::api::rfc3339(c.updated_at),
            version: c.version,
        }
    }
}

/// The child's profile; every field optional.
#[derive(Serialize, Deserialize, ToSchema, Default)]
pub struct ProfileDto {
    /// `female`, `male`, `other`, `unknown`.
    sex: Option<String>,
    /// Age in years (write only: stored as an estimated year of birth).
    age: Option<i64>,
    birth_year: Option<i64>,
    /// Read only: the year was worked out from an age.
    #[serde(default)]
    birth_year_estimated: bool,
    #[serde(default)]
    languages: Vec<String>,
    name: Option<String>,
    contact: Option<String>,
    address: Option<String>,
    guardian: Option<String>,
    situation: Option<String>,
}

impl ProfileDto {
    pub(super) fn input(&self) -> ProfileInput {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        ProfileInput {
            sex: s(&self.sex),
            age: self.age.map(|a| a.to_string()).unwrap_or_default(),
            birth_year: self.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            languages: self.languages.join(", "),
            name: s(&self.name),
            contact: s(&self.contact),
            address: s(&self.address),
            guardian: s(&self.guardian),
            situation: s(&self.situation),
        }
    }
}

/// A consent record.
#[derive(Serialize, ToSchema)]
pub struct ConsentDto {
    kind: String,
    state: String,
    given_by: Option<String>,
    reason: Option<String>,
    recorded_by: Option<Uuid>,
    recorded_at: String,
}

/// A goal, a step or a note of a case.
#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    id: Uuid,
    /// Goal: `open`, `achieved`, `dropped`; step: `planned`, `done`, `cancelled`.
    status: Option<String>,
    /// Step kind (term of `protection_step`).
    kind: Option<String>,
    due_date: Option<String>,
    done_date: Option<String>,
    text: Option<String>,
    /// Note: the note it amends.
    amends: Option<Uuid>,
    version: Option<i64>,
}

/// One case, opened.
#[derive(Serialize, ToSchema)]
pub struct CaseDetailResponse {
    #[serde(flatten)]
    case: CaseResponse,
    profile: ProfileDto,
    consents: Vec<ConsentDto>,
    goals: Vec<ItemDto>,
    protection_steps: Vec<ItemDto>,
    notes: Vec<ItemDto>,
    /// The pending transfer, if any.
    transfer_id: Option<Uuid>,
}

pub(super) fn detail(d: CaseDetail) -> CaseDetailResponse {
    let s = d.secrets.unwrap_or_default();
    let item = |id, status: Option<&str>, kind: Option<String>| ItemDto {
        id,
        status: status.map(String::from),
        kind,
        due_date: None,
        done_date: None,
        text: None,
        amends: None,
        version: None,
    };
    CaseDetailResponse {
        case: CaseResponse::from(&d.summary),
        profile: ProfileDto {
            sex: d.profile.sex.map(|x| x.as_str().into()),
            age: None,
            birth_year: d.profile.birth_year.map(i64::from),
            birth_year_estimated: d.profile.birth_year_estimated,
            languages: d.profile.languages,
            name: s.name,
            contact: s.contact,
            address: s.address,
            guardian: s.guardian,
            situation: s.situation,
        },
        consents: d
            .consents
            .into_iter()
            .map(|c| ConsentDto {
                kind: c.kind.as_str().into(),
                state: c.state.as_str().into(),
                given_by: c.given_by.map(|g| g.as_str().into()),
                reason: c.reason,
                recorded_by: c.recorded_by,
                recorded_at: crate::api::rfc3339(c.at),
            })
            .collect(),
        goals: d
            .goals
            .into_iter()
            .map(|g| ItemDto {
                due_date: g.due.map(|x| x.to_string()),
                text: g.text,
                version: Some(g.version),
                ..item(g.id, Some(g.status.as_str()), None)
            })
            .collect(),
        protection_steps: d
            .steps
            .into_iter()
            .map(|x| ItemDto {
                due_date: x.due.map(|v| v.to_string()),
                done_date: x.done.map(|v| v.to_string()),
                text: x.note,
                version: Some(x.version),
                ..item(x.id, Some(x.status.as_str()), Some(x.kind))
            })
            .collect(),
        notes: d
            .notes
            .into_iter()
            .map(|n| ItemDto { text: n.text, amends: n.amends, ..item(n.id, None, None) })
            .collect(),
        transfer_id: d.transfer.map(|t| t.id),
    }
}
