//! Consent (to services, to sharing with other organisations, to statistics), recorded
//! with who gave or refused it. In an emergency action may come first: consent is then
//! recorded as pending, with why, and the case is flagged until a decision is recorded.
//! A supervisor may override with a reason. Every record is kept (append-only); the case
//! carries the current state of each kind as plaintext for filtering.

use super::{consent_column, supervises};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::case::{ConsentId, ConsentKind, ConsentState, GivenBy, note_text};
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::cases::children::{self, ConsentRow};
use dtz_store::cases::{self, CaseRow};
use serde::Serialize;
use uuid::Uuid;

/// A consent record as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ConsentInput {
    /// `services`, `sharing` or `statistics`.
    #[serde(default)]
    pub kind: String,
    /// `granted`, `refused`, `pending` (emergency) or `overridden` (supervisors).
    #[serde(default)]
    pub state: String,
    /// `child`, `guardian` or `authority` (for granted and refused).
    #[serde(default)]
    pub given_by: String,
    /// Why (needed for pending and overridden).
    #[serde(default)]
    pub reason: String,
}

struct Checked {
    kind: ConsentKind,
    state: ConsentState,
    given_by: Option<GivenBy>,
    reason: Option<String>,
}

fn check(i: &ConsentInput) -> Result<Checked, Violations> {
    let mut v = Violations::default();
    let kind = v.check(ConsentKind::parse("kind", &i.kind));
    let state = v.check(ConsentState::parse("state", &i.state));
    let given_by = v.check(GivenBy::parse_optional("given_by", &i.given_by));
    let (Some(kind), Some(state), Some(given_by)) = (kind, state, given_by) else { return Err(v) };
    let decision = matches!(state, ConsentState::Granted | ConsentState::Refused);
    if decision && given_by.is_none() {
        v.push(Invalid::new("given_by", "Say who gave or refused consent."));
    }
    let reason = if decision {
        v.check(dtz_domain::validate::optional_text("reason", &i.reason, dtz_domain::case::NOTE_MAX)).flatten()
    } else {
        v.check(
            note_text("reason", &i.reason).map_err(|_| Invalid::new("reason", "Say why consent is not recorded now.")),
        )
    };
    v.into_result()?;
    Ok(Checked { kind, state, given_by: if decision { given_by } else { None }, reason })
}

/// The consent columns, for the audit (field names only leave this function).
#[derive(Serialize)]
struct ConsentView {
    consent_services: Option<String>,
    consent_sharing: Option<String>,
    consent_statistics: Option<String>,
    consent_flagged: bool,
}

fn view(r: &CaseRow) -> ConsentView {
    ConsentView {
        consent_services: r.consent_services.clone(),
        consent_sharing: r.consent_sharing.clone(),
        consent_statistics: r.consent_statistics.clone(),
        consent_flagged: r.consent_flagged,
    }
}

impl Services {
    /// Record consent for a case (pending: an emergency; overridden: supervisors only).
    pub async fn record_consent(&self, caller: &Caller, id: Uuid, input: &ConsentInput) -> Result<()> {
        let c = check(input)?;
        let current = self.case_to_work_on(caller, id).await?;
        if c.state == ConsentState::Overridden && !supervises(caller, &current) {
            return Err(ServiceError::Forbidden);
        }
        let key = self.case_key(&current).await?;
        let record_id = ConsentId::new().0;
        let reason = match &c.reason {
            Some(r) => Some(key.for_child("case_consents", record_id).seal_json("reason", r)?),
            None => None,
        };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut after = cases::get_in(&mut tx, &caller.scope(dtz_domain::access::Area::Cases), id).await?;
        let before = view(&after);
        let base = after.version;
        *consent_column(&mut after, c.kind) = Some(c.state.as_str().to_owned());
        after.consent_flagged = [&after.consent_services, &after.consent_sharing, &after.consent_statistics]
            .iter()
            .any(|s| s.as_deref() == Some(ConsentState::Pending.as_str()));
        let record = ConsentRow {
            id: record_id,
            case_id: id,
            kind: c.kind.as_str().into(),
            state: c.state.as_str().into(),
            given_by: c.given_by.map(|g| g.as_str().into()),
            reason,
            recorded_by: caller.user().map(|u| u.0),
            recorded_at: now,
        };
        children::insert_consent(&mut tx, &record).await?;
        let org = Some(OrgId(current.org_id));
        let mut fields = vec!["kind".to_owned(), "state".to_owned()];
        fields.extend(c.given_by.map(|_| "given_by".to_owned()));
        fields.extend(c.reason.as_ref().map(|_| "reason".to_owned()));
        let mut events = vec![NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: format!("case.consent.{}", c.state.as_str()),
            entity: "case_consent".into(),
            entity_id: Some(record_id),
            entity_version: Some(1),
            fields,
            org,
        }];
        let change = Change::update("case", id, base, &before, &view(&after));
        if !change.is_empty() {
            cases::write(&mut tx, &after, base, now).await?;
            events.push(caller.event("case.update", &change, org));
        }
        self.finish(tx, &events).await?;
        Ok(())
    }
}
