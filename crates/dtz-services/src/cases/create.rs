//! Opening a case: from a signal (its organisation and country) or directly, with a
//! number from the allocating site's own sequence.

use super::{place, scope_row};
use crate::sync::outbox::Via;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Role};
use dtz_domain::case::{Allocator, CaseNumber, CaseStatus, ProfileInput, RiskLevel, rules};
use dtz_domain::change::{Change, ChangeKind};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::org::CountryCode;
use dtz_domain::signal::SignalStatus;
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::cases::{self, CaseRow};
use dtz_store::signals::{self, triage as signal_store};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Setting holding this site's case-number allocator code (JSON string; default `H`).
pub const ALLOCATOR_SETTING: &str = "cases.allocator";

/// A case a node opened offline, as the hub applies it.
pub(crate) struct PushedCase {
    /// The node's id for it.
    pub id: Uuid,
    /// The number the node's allocator gave it.
    pub number: String,
    /// Its data key (opened from the escrow wrap).
    pub key: dtz_store::sealed::DataKey,
    /// The data key wrapped under the organisation's key.
    pub wrapped: Vec<u8>,
    /// The node's plaintext profile, so an estimated year of birth stays estimated.
    pub stored: dtz_domain::case::ChildProfile,
}

/// A new case as typed.
#[derive(Clone, Debug, Default)]
pub struct NewCaseInput {
    /// The signal it is opened from (its organisation and country then apply).
    pub signal: Option<Uuid>,
    /// Organisation, when the caller works for several (ignored with a signal).
    pub org: Option<OrgId>,
    /// Country code (ignored with a signal).
    pub country: String,
    /// Team id.
    pub team: String,
    /// Caseworker's user id.
    pub caseworker: String,
    /// Risk code.
    pub risk: String,
    /// The child's profile.
    pub profile: ProfileInput,
}

fn id_of<T: From<Uuid>>(field: &str, s: &str, v: &mut Violations) -> Option<T> {
    match s.trim() {
        "" => None,
        t => match t.parse::<Uuid>() {
            Ok(u) => Some(T::from(u)),
            Err(_) => {
                v.push(Invalid::new(field, "Choose from the list."));
                None
            }
        },
    }
}

/// The audit view of a new case: plaintext fields by name, sealed fields as present.
fn created_fields(r: &CaseRow, sealed_fields: &[&str]) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [
        ("country", Some(r.country.clone())),
        ("team_id", r.team_id.map(|t| t.to_string())),
        ("caseworker_id", r.caseworker_id.map(|t| t.to_string())),
        ("signal_id", r.signal_id.map(|t| t.to_string())),
        ("status", Some(r.status.clone())),
        ("risk", r.risk.clone()),
        ("sex", r.sex.clone()),
        ("birth_year", r.birth_year.map(|y| y.to_string())),
        ("languages", (!r.languages.is_empty()).then(|| r.languages.clone())),
    ] {
        if let Some(v) = v {
            m.insert(k.to_owned(), Value::String(v));
        }
    }
    for f in sealed_fields {
        m.insert(format!("profile.{f}"), Value::Bool(true));
    }
    m
}

/// A new case row (number and sealed parts still to come).
#[expect(clippy::too_many_arguments, reason = "one column each; a struct would only rename them")]
fn new_row(
    id: Uuid,
    org: OrgId,
    country: CountryCode,
    team: Option<TeamId>,
    worker: Option<UserId>,
    signal: Option<Uuid>,
    risk: Option<RiskLevel>,
    child: &dtz_domain::case::ChildProfile,
    caller: &Caller,
    now: time::OffsetDateTime,
) -> CaseRow {
    CaseRow {
        id,
        number: String::new(),
        country: country.as_str().to_owned(),
        org_id: org.0,
        team_id: team.map(|t| t.0),
        caseworker_id: worker.map(|w| w.0),
        signal_id: signal,
        status: CaseStatus::Open.as_str().to_owned(),
        risk: risk.map(|r| r.as_str().to_owned()),
        sex: child.sex.map(|s| s.as_str().to_owned()),
        birth_year: child.birth_year.map(i64::from),
        birth_year_estimated: child.birth_year_estimated,
        languages: child.languages.join(", "),
        consent_services: None,
        consent_sharing: None,
        consent_statistics: None,
        consent_flagged: false,
        closure_reason: None,
        closure_requested_by: None,
        closure_requested_at: None,
        closed_by: None,
        closed_at: None,
        data_key: None,
        profile: None,
        created_by: caller.user().map(|u| u.0),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

impl Services {
    /// Inside the transaction that opens case `case` from signal `signal`: the signal
    /// is in progress, picked up, and names its (first) case.
    async fn mark_signal_opened(
        &self,
        tx: &mut dtz_store::Tx,
        caller: &Caller,
        signal: Uuid,
        case: Uuid,
        org: OrgId,
    ) -> Result<dtz_store::audit::NewEvent> {
        let now = self.clock.now();
        let mut s = signal_store::get_in(tx, &dtz_domain::access::Scope::all(), signal).await?;
        let (base, before) = (s.version, s.clone());
        s.case_id = s.case_id.or(Some(case));
        if matches!(SignalStatus::parse(&s.status), SignalStatus::New | SignalStatus::Triaged) {
            s.status = SignalStatus::InProgress.as_str().to_owned();
        }
        s.picked_up_at = s.picked_up_at.or(Some(now));
        signal_store::write(tx, &s, base, now).await?;
        let mut fields = Vec::new();
        for (name, changed) in [
            ("case_id", before.case_id != s.case_id),
            ("picked_up_at", before.picked_up_at != s.picked_up_at),
            ("status", before.status != s.status),
        ] {
            if changed {
                fields.push(name.to_owned());
            }
        }
        Ok(dtz_store::audit::NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "signal.open_case".into(),
            entity: "signal".into(),
            entity_id: Some(s.id),
            entity_version: Some(base + 1),
            fields,
            org: Some(org),
        })
    }

    async fn allocator(&self) -> Result<Allocator> {
        let stored = dtz_store::settings::get(&self.db, ALLOCATOR_SETTING).await?;
        let code = stored.and_then(|s| serde_json::from_str::<String>(&s.value).ok());
        Ok(code.and_then(|c| Allocator::parse("allocator", &c).ok()).unwrap_or_else(Allocator::hub))
    }

    /// Where a new case belongs: the signal's organisation and country, or the
    /// caller's organisation and the country typed.
    async fn new_case_home(
        &self,
        caller: &Caller,
        input: &NewCaseInput,
    ) -> Result<(OrgId, CountryCode, Option<signals::SignalRow>)> {
        if let Some(sid) = input.signal {
            let s = signals::get(&self.db, &caller.scope(Area::Signals), sid).await?;
            if SignalStatus::parse(&s.status) == SignalStatus::Closed {
                return Err(Invalid::new("signal", "This signal is closed; open the case from an open signal.").into());
            }
            let cc = CountryCode::parse("country", &s.country)?;
            return Ok((OrgId(s.org_id), cc, Some(s)));
        }
        let country = CountryCode::parse("country", &input.country)?;
        let org = match (caller, input.org) {
            (_, Some(o)) => o,
            (Caller::User(a), None) => {
                let mut orgs: Vec<OrgId> = a
                    .roles
                    .iter()
                    .filter(|r| matches!(r.role, Role::Caseworker | Role::CaseSupervisor))
                    .filter_map(|r| r.org)
                    .collect();
                orgs.sort();
                orgs.dedup();
                match orgs.as_slice() {
                    [one] => *one,
                    _ => return Err(Invalid::new("org", "Choose the organisation the case belongs to.").into()),
                }
            }
            (Caller::System, None) => {
                return Err(Invalid::new("org", "Choose the organisation the case belongs to.").into());
            }
        };
        Ok((org, country, None))
    }

    /// Open a case. The caller must be case staff of its organisation and must be able to
    /// see the new case (a caseworker puts it in one of their teams).
    pub async fn open_case(&self, caller: &Caller, input: &NewCaseInput) -> Result<CaseRow> {
        self.open_case_via(caller, input, None, Via::Local).await
    }

    /// Open a case here, or apply a case a node opened offline (`pushed`: its id, number
    /// and data key, which the hub opened from the escrow wrap).
    pub(crate) async fn open_case_via(
        &self,
        caller: &Caller,
        input: &NewCaseInput,
        pushed: Option<PushedCase>,
        via: Via<'_>,
    ) -> Result<CaseRow> {
        let mut v = Violations::default();
        let this_year = self.clock.now().year();
        let hint = pushed.as_ref().map(|p| p.stored.clone());
        let profile = input.profile.parse(this_year, hint.as_ref()).map_err(|e| v.0.extend(e.0)).ok();
        let risk = v.check(RiskLevel::parse_optional("risk", &input.risk));
        let team: Option<TeamId> = id_of("team", &input.team, &mut v);
        let worker: Option<UserId> = id_of("caseworker", &input.caseworker, &mut v);
        let home = self.new_case_home(caller, input).await;
        let (org, country, signal) = match home {
            Ok(h) => h,
            Err(ServiceError::Invalid(e)) => {
                v.0.extend(e.0);
                return Err(v.into());
            }
            Err(e) => return Err(e),
        };
        let (Some((child, secrets)), Some(risk)) = (profile, risk) else { return Err(v.into()) };
        v.into_result()?;
        if let Caller::User(a) = caller
            && !rules::is_case_staff(a, org)
        {
            return Err(ServiceError::Forbidden);
        }
        let worker = if pushed.is_none() { self.node_caseworker(caller, org, team, worker).await? } else { worker };
        self.check_work_assignment(org, team, worker, "caseworker").await?;
        let id = pushed.as_ref().map_or_else(Uuid::new_v4, |p| p.id);
        let now = self.clock.now();
        let mut row = new_row(id, org, country, team, worker, signal.as_ref().map(|s| s.id), risk, &child, caller, now);
        if !caller.scope(Area::Cases).admits(&scope_row(&row)) {
            return Err(Invalid::new("team", "Choose a team you work in, or you could not see the case.").into());
        }
        let (key, wrapped, escrow) = match pushed {
            Some(p) => {
                row.number = p.number;
                (p.key, p.wrapped, None)
            }
            None => self.case_new_key(org, place(id)).await?,
        };
        row.data_key = Some(wrapped);
        row.profile = Some(key.seal_json("profile", &secrets)?);
        let mut tx = self.db.begin().await?;
        if row.number.is_empty() {
            let allocator = self.allocator().await?;
            let seq = cases::next_number(&mut tx, allocator.as_str(), country.as_str(), this_year).await?;
            row.number = CaseNumber::new(country, this_year, &allocator, seq).as_str().to_owned();
        }
        cases::insert(&mut tx, &row).await?;
        if let Some(w) = &escrow {
            self.keep_escrow_wrap(&mut tx, id, w).await?;
        }
        let change = Change::between_maps(
            "case",
            id,
            ChangeKind::Create,
            0,
            &Map::new(),
            &created_fields(&row, &secrets.filled()),
        );
        let mut events = vec![caller.event("case.create", &change, Some(org))];
        if let Some(sig) = signal {
            events.push(self.mark_signal_opened(&mut tx, caller, sig.id, id, org).await?);
        }
        if let Some(w) = worker
            && Some(w) != caller.user()
        {
            let params = Params::new().id("case", id).code("number", &row.number);
            events.push(
                self.notify(&mut tx, w, NotificationKind::CaseAssigned, &format!("/cases/{id}"), &params).await?.event,
            );
        }
        let op = crate::sync::push_cases::case_opened(&row, escrow.as_ref());
        self.finish_synced(tx, &events, &[op], via, Some(1)).await?;
        self.refresh_after_records(caller, org, country.as_str(), &[now.date()]).await;
        Ok(row)
    }
}
