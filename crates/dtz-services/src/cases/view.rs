//! Reading cases: the list (plaintext columns, filtered; never exported), a lookup by
//! number, and one case opened. Each is audited with ids and field names only; opening
//! cases counts towards the unusual-reads alert.

use super::{CaseSummary, supervises, works_on};
use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_domain::case::{
    CaseNumber, ChildProfile, ConsentKind, ConsentState, GivenBy, GoalStatus, Secrets, Sex, StepStatus,
};
use dtz_store::audit::NewEvent;
use dtz_store::cases::children::{self, NoteRow};
use dtz_store::cases::steps as step_store;
use dtz_store::cases::transfers::{self, TransferRow};
use dtz_store::cases::{self, CaseFilter, CaseRow};
use dtz_store::sealed::DataKey;
use time::OffsetDateTime;
use uuid::Uuid;

/// A consent record, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    /// Kind.
    pub kind: ConsentKind,
    /// Decision.
    pub state: ConsentState,
    /// Who gave or refused it.
    pub given_by: Option<GivenBy>,
    /// Why (pending, override).
    pub reason: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<Uuid>,
    /// When.
    pub at: OffsetDateTime,
}

/// A note, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Id.
    pub id: Uuid,
    /// The note it corrects.
    pub amends: Option<Uuid>,
    /// Text (none once erased).
    pub text: Option<String>,
    /// Author.
    pub author: Option<Uuid>,
    /// Written.
    pub at: OffsetDateTime,
}

/// A goal of the case plan, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goal {
    /// Id.
    pub id: Uuid,
    /// Status.
    pub status: GoalStatus,
    /// When it should be reached.
    pub due: Option<time::Date>,
    /// Text.
    pub text: Option<String>,
    /// Row version.
    pub version: i64,
}

/// A protection step, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Id.
    pub id: Uuid,
    /// Kind (term code).
    pub kind: String,
    /// Status.
    pub status: StepStatus,
    /// The date it is due or set for.
    pub due: Option<time::Date>,
    /// The date it happened.
    pub done: Option<time::Date>,
    /// Note.
    pub note: Option<String>,
    /// Row version.
    pub version: i64,
}

/// One case, opened for someone in scope.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseDetail {
    /// Plaintext columns.
    pub summary: CaseSummary,
    /// Plaintext profile.
    pub profile: ChildProfile,
    /// Sealed profile (none once erased).
    pub secrets: Option<Secrets>,
    /// Consent records, oldest first.
    pub consents: Vec<ConsentRecord>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// Goals of the case plan.
    pub goals: Vec<Goal>,
    /// Protection steps by date.
    pub steps: Vec<Step>,
    /// The transfer waiting for the receiving organisation, if any.
    pub transfer: Option<TransferRow>,
    /// Why closure was asked for, or why it closed.
    pub closure_reason: Option<String>,
    /// Who asked to close it.
    pub closure_requested_by: Option<Uuid>,
    /// The caller works on the case.
    pub may_work: bool,
    /// The caller supervises the case.
    pub may_supervise: bool,
}

fn open_text(
    key: &DataKey,
    table: &'static str,
    column: &str,
    row: Uuid,
    sealed: &Option<Vec<u8>>,
) -> Result<Option<String>> {
    match sealed {
        Some(b) => Ok(Some(key.for_child(table, row).open_json(column, b)?)),
        None => Ok(None),
    }
}

/// The plaintext profile of a stored case.
pub(crate) fn child_profile(r: &CaseRow) -> ChildProfile {
    ChildProfile {
        sex: r.sex.as_deref().and_then(Sex::from_code),
        birth_year: r.birth_year.and_then(|y| i32::try_from(y).ok()),
        birth_year_estimated: r.birth_year_estimated,
        languages: r.languages.split(',').map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
    }
}

fn read_event(caller: &Caller, action: &str, id: Option<Uuid>, fields: &[&str], org: Option<Uuid>) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: "case".into(),
        entity_id: id,
        entity_version: None,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: org.map(dtz_domain::ids::OrgId),
    }
}

/// What a list shows, by field name.
const LIST_FIELDS: &[&str] = &["number", "country", "status", "risk", "team_id", "caseworker_id", "consent"];

impl Services {
    /// A page of the cases the caller may see that pass `f`, and how many there are.
    /// Plaintext columns only; the request is audited.
    pub async fn cases(
        &self,
        caller: &Caller,
        f: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<CaseSummary>, i64)> {
        let scope = caller.scope(Area::Cases);
        let rows = cases::list(&self.db, &scope, f, limit.clamp(1, 200), offset.max(0)).await?;
        let total = cases::count(&self.db, &scope, f).await?;
        self.audit_read(vec![read_event(caller, "case.list", None, LIST_FIELDS, None)]).await?;
        Ok((rows.iter().map(CaseSummary::from).collect(), total))
    }

    /// Numbers of the cases opened from a signal that the caller may see (a signal can
    /// concern several children).
    pub async fn cases_of_signal(&self, caller: &Caller, signal: Uuid) -> Result<Vec<CaseSummary>> {
        let rows = cases::of_signal(&self.db, &caller.scope(Area::Cases), signal).await?;
        Ok(rows.iter().map(CaseSummary::from).collect())
    }

    /// The plaintext columns of one case; audited.
    pub async fn case_summary(&self, caller: &Caller, id: Uuid) -> Result<CaseSummary> {
        let row = self.case_row(caller, id).await?;
        self.audit_read(vec![read_event(caller, "case.find", Some(row.id), LIST_FIELDS, Some(row.org_id))]).await?;
        Ok(CaseSummary::from(&row))
    }

    /// The case with this number, if the caller may see it; audited.
    pub async fn case_by_number(&self, caller: &Caller, number: &str) -> Result<CaseSummary> {
        let n = CaseNumber::parse("number", number)?;
        let f = CaseFilter { number: Some(n.as_str().to_owned()), ..Default::default() };
        let row = cases::list(&self.db, &caller.scope(Area::Cases), &f, 1, 0)
            .await?
            .into_iter()
            .next()
            .ok_or(crate::ServiceError::NotFound)?;
        self.audit_read(vec![read_event(caller, "case.find", Some(row.id), LIST_FIELDS, Some(row.org_id))]).await?;
        Ok(CaseSummary::from(&row))
    }

    /// One case opened: profile, consent, plan, steps, notes. The read is audited and
    /// counts towards the unusual-reads alert.
    pub async fn case(&self, caller: &Caller, id: Uuid) -> Result<CaseDetail> {
        let row = self.case_row(caller, id).await?;
        let detail = self.open_case_detail(caller, &row).await?;
        let mut tx = self.db.begin().await?;
        let fields = ["profile", "consents", "goals", "protection_steps", "notes"];
        let mut events = vec![read_event(caller, "case.read", Some(row.id), &fields, Some(row.org_id))];
        events.extend(self.watch_reads(&mut tx, caller, row.id).await?);
        self.finish(tx, &events).await?;
        Ok(detail)
    }

    async fn open_case_detail(&self, caller: &Caller, row: &CaseRow) -> Result<CaseDetail> {
        let summary = CaseSummary::from(row);
        let Some(_) = &row.data_key else {
            return Ok(self.erased_detail(caller, row, summary));
        };
        let key = self.case_key(row).await?;
        let secrets: Option<Secrets> = match &row.profile {
            Some(p) => Some(key.open_json("profile", p)?),
            None => None,
        };
        let mut consents = Vec::new();
        for c in children::consents(&self.db, row.id).await? {
            let (Some(kind), Some(state)) = (ConsentKind::from_code(&c.kind), ConsentState::from_code(&c.state)) else {
                continue;
            };
            consents.push(ConsentRecord {
                kind,
                state,
                given_by: c.given_by.as_deref().and_then(GivenBy::from_code),
                reason: open_text(&key, "case_consents", "reason", c.id, &c.reason)?,
                recorded_by: c.recorded_by,
                at: c.recorded_at,
            });
        }
        let notes = children::notes(&self.db, row.id)
            .await?
            .iter()
            .map(|n: &NoteRow| {
                Ok(Note {
                    id: n.id,
                    amends: n.amends_id,
                    text: open_text(&key, "case_notes", "body", n.id, &n.body)?,
                    author: n.author_id,
                    at: n.created_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut goals = Vec::new();
        for g in children::goals(&self.db, row.id).await? {
            goals.push(Goal {
                id: g.id,
                status: GoalStatus::from_code(&g.status).unwrap_or(GoalStatus::Open),
                due: g.due_date,
                text: open_text(&key, "case_goals", "body", g.id, &g.body)?,
                version: g.version,
            });
        }
        let mut steps = Vec::new();
        for s in step_store::of_case(&self.db, row.id).await? {
            steps.push(Step {
                id: s.id,
                kind: s.kind.clone(),
                status: StepStatus::from_code(&s.status).unwrap_or(StepStatus::Planned),
                due: s.due_date,
                done: s.done_date,
                note: open_text(&key, "protection_steps", "note", s.id, &s.note)?,
                version: s.version,
            });
        }
        Ok(CaseDetail {
            summary,
            profile: child_profile(row),
            secrets,
            consents,
            notes,
            goals,
            steps,
            transfer: transfers::pending_of(&self.db, row.id).await?,
            closure_reason: row.closure_reason.clone(),
            closure_requested_by: row.closure_requested_by,
            may_work: works_on(caller, row),
            may_supervise: supervises(caller, row),
        })
    }

    fn erased_detail(&self, caller: &Caller, row: &CaseRow, summary: CaseSummary) -> CaseDetail {
        CaseDetail {
            summary,
            profile: child_profile(row),
            secrets: None,
            consents: Vec::new(),
            notes: Vec::new(),
            goals: Vec::new(),
            steps: Vec::new(),
            transfer: None,
            closure_reason: row.closure_reason.clone(),
            closure_requested_by: row.closure_requested_by,
            may_work: works_on(caller, row),
            may_supervise: supervises(caller, row),
        }
    }
}
