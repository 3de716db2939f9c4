//! Protection steps: police reports, child-welfare authority orders, court hearings,
//! compensation claims — the kinds configured for the case's country in the
//! `protection_step` vocabulary — with their dates. Planned steps due within
//! [`STEP_REMIND_DAYS`] go on the task list of the caseworker (or, without one, of the
//! team's supervisors) once, from the serve process's housekeeping tick.

use crate::config::Term;
use crate::{Caller, Result, Services};
use dtz_domain::case::{ProtectionStepId, REFERENCE_MAX, StepStatus, date};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::validate::{self, Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::cases::steps::{self, StepRow};
use uuid::Uuid;

/// Days before a dated step that its reminder goes out.
pub const STEP_REMIND_DAYS: i64 = 7;

/// A step as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct StepInput {
    /// Kind (term code of `protection_step`).
    #[serde(default)]
    pub kind: String,
    /// `planned`, `done` or `cancelled` (default planned).
    #[serde(default)]
    pub status: String,
    /// Due or set date, `YYYY-MM-DD`.
    #[serde(default)]
    pub due_date: String,
    /// Date it happened.
    #[serde(default)]
    pub done_date: String,
    /// Note: a reference number, what was decided.
    #[serde(default)]
    pub note: String,
}

struct Checked {
    status: StepStatus,
    due: Option<time::Date>,
    done: Option<time::Date>,
    note: Option<String>,
}

fn check(i: &StepInput) -> Result<Checked, Violations> {
    let mut v = Violations::default();
    let status = v.check(StepStatus::parse_optional("status", &i.status)).map(|s| s.unwrap_or(StepStatus::Planned));
    let due = v.check(date("due_date", &i.due_date));
    let done = v.check(date("done_date", &i.done_date));
    let note = v.check(validate::optional_text("note", &i.note, REFERENCE_MAX));
    let (Some(status), Some(due), Some(done), Some(note)) = (status, due, done, note) else { return Err(v) };
    if status == StepStatus::Done && done.is_none() && due.is_none() {
        v.push(Invalid::new("done_date", "Give the date it happened."));
    }
    v.into_result()?;
    Ok(Checked { status, due, done, note })
}

impl Services {
    /// The protection-step kinds offered in a country (everywhere's and the country's own).
    pub async fn step_kinds(&self, country: &str) -> Result<Vec<Term>> {
        Ok(self
            .terms("protection_step")
            .await?
            .into_iter()
            .filter(|t| t.row.active && (t.row.country.is_empty() || t.row.country == country))
            .collect())
    }

    /// Add a protection step to a case.
    pub async fn add_step(&self, caller: &Caller, case: Uuid, input: &StepInput) -> Result<Uuid> {
        let row = self.case_to_work_on(caller, case).await?;
        let c = check(input)?;
        let kinds = self.step_kinds(&row.country).await?;
        let Some(kind) = kinds.iter().find(|k| k.row.code == input.kind.trim()) else {
            return Err(Invalid::new("kind", "Choose a kind of step offered in this country.").into());
        };
        let key = self.case_key(&row).await?;
        let id = ProtectionStepId::new().0;
        let now = self.clock.now();
        let note = match &c.note {
            Some(n) => Some(key.for_child("protection_steps", id).seal_json("note", n)?),
            None => None,
        };
        let step = StepRow {
            id,
            case_id: case,
            kind: kind.row.code.clone(),
            status: c.status.as_str().into(),
            due_date: c.due,
            done_date: c.done,
            note,
            reminded_at: None,
            created_by: caller.user().map(|u| u.0),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        steps::insert(&mut tx, &step).await?;
        let mut fields = vec!["kind", "status"];
        fields.extend(c.due.map(|_| "due_date"));
        fields.extend(c.done.map(|_| "done_date"));
        fields.extend(c.note.as_ref().map(|_| "note"));
        let ev = step_event(caller, "case.step.create", id, 1, &fields, row.org_id);
        self.finish(tx, &[ev]).await?;
        Ok(id)
    }

    /// Change a step's status, dates or note, based on version `base` (the kind stays).
    pub async fn update_step(
        &self,
        caller: &Caller,
        case: Uuid,
        step: Uuid,
        base: i64,
        input: &StepInput,
    ) -> Result<()> {
        let row = self.case_to_work_on(caller, case).await?;
        let c = check(input)?;
        let key = self.case_key(&row).await?;
        let mut tx = self.db.begin().await?;
        let current = steps::get(&mut tx, case, step).await?;
        let old_note: Option<String> = match &current.note {
            Some(b) => Some(key.for_child("protection_steps", step).open_json("note", b)?),
            None => None,
        };
        let mut after = current.clone();
        after.status = c.status.as_str().into();
        after.due_date = c.due;
        after.done_date = c.done;
        let mut fields = Vec::new();
        if after.status != current.status {
            fields.push("status");
        }
        if after.due_date != current.due_date {
            fields.push("due_date");
            after.reminded_at = None;
        }
        if after.done_date != current.done_date {
            fields.push("done_date");
        }
        if old_note != c.note {
            fields.push("note");
            after.note = match &c.note {
                Some(n) => Some(key.for_child("protection_steps", step).seal_json("note", n)?),
                None => None,
            };
        }
        if fields.is_empty() {
            return Ok(());
        }
        let version = self.written(steps::write(&mut tx, &after, base, self.clock.now()).await, step).await?;
        self.finish(tx, &[step_event(caller, "case.step.update", step, version, &fields, row.org_id)]).await?;
        Ok(())
    }

    /// Put planned steps due within [`STEP_REMIND_DAYS`] on the task list of the
    /// caseworker (else of the supervisors of the case's team), once per step even with
    /// several serve processes. Returns how many people were told.
    pub async fn send_step_reminders(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut told = 0;
        for d in steps::due(&self.db, now.date() + time::Duration::days(STEP_REMIND_DAYS)).await? {
            let mut tx = self.db.begin().await?;
            if !steps::mark_reminded(&mut tx, d.id, now).await? {
                continue;
            }
            let people: Vec<UserId> = match d.caseworker_id {
                Some(w) => vec![UserId(w)],
                None => self
                    .case_staff(OrgId(d.org_id))
                    .await?
                    .into_iter()
                    .filter(|s| s.role == "case_supervisor" && s.team_id.is_none_or(|t| Some(t) == d.team_id))
                    .filter(|s| s.country.as_deref().is_none_or(|c| c == d.country))
                    .map(|s| UserId(s.user_id))
                    .collect(),
            };
            let mut people = people;
            people.sort();
            people.dedup();
            let mut events = vec![step_event(&Caller::System, "case.step.remind", d.id, 0, &["reminded_at"], d.org_id)];
            events[0].entity_version = None;
            let params = Params::new()
                .id("case", d.case_id)
                .code("number", &d.number)
                .code("kind", &d.kind)
                .code("due", &d.due_date.to_string());
            for p in people {
                let n = self
                    .notify(&mut tx, p, NotificationKind::ProtectionStepDue, &format!("/cases/{}", d.case_id), &params)
                    .await?;
                events.push(n.event);
                told += 1;
            }
            self.finish(tx, &events).await?;
        }
        Ok(told)
    }
}

fn step_event(caller: &Caller, action: &str, id: Uuid, version: i64, fields: &[&str], org: Uuid) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: "protection_step".into(),
        entity_id: Some(id),
        entity_version: Some(version),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(OrgId(org)),
    }
}
