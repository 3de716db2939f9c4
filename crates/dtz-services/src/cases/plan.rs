//! The case plan (goals with a status and a date) and notes. Notes are append-only: a
//! correction is a new note that amends an earlier one. Texts are sealed.

use crate::sync::outbox::Via;
use crate::{Caller, Result, Services};
use dtz_domain::case::{CaseGoalId, CaseNoteId, GoalStatus, date, note_text};
use dtz_domain::ids::OrgId;
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::cases::children::{self, GoalRow, NoteRow};
use uuid::Uuid;

fn event(caller: &Caller, action: &str, entity: &str, id: Uuid, version: i64, fields: &[&str], org: Uuid) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: entity.into(),
        entity_id: Some(id),
        entity_version: Some(version),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(OrgId(org)),
    }
}

impl Services {
    /// Add a goal to a case's plan.
    pub async fn add_goal(&self, caller: &Caller, case: Uuid, text: &str, due: &str) -> Result<Uuid> {
        let mut v = Violations::default();
        let text = v.check(note_text("goal", text));
        let due = v.check(date("due_date", due));
        let (Some(text), Some(due)) = (text, due) else { return Err(v.into()) };
        let row = self.case_to_work_on(caller, case).await?;
        let key = self.case_key(&row).await?;
        let id = CaseGoalId::new().0;
        let now = self.clock.now();
        let goal = GoalRow {
            id,
            case_id: case,
            status: GoalStatus::Open.as_str().into(),
            due_date: due,
            body: Some(key.for_child("case_goals", id).seal_json("body", &text)?),
            created_by: caller.user().map(|u| u.0),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        children::insert_goal(&mut tx, &goal).await?;
        let mut fields = vec!["body", "status"];
        if due.is_some() {
            fields.push("due_date");
        }
        self.finish(tx, &[event(caller, "case.goal.create", "case_goal", id, 1, &fields, row.org_id)]).await?;
        Ok(id)
    }

    /// Mark a goal achieved, dropped or open again, based on version `base`.
    pub async fn set_goal_status(
        &self,
        caller: &Caller,
        case: Uuid,
        goal: Uuid,
        base: i64,
        status: &str,
    ) -> Result<()> {
        let status = GoalStatus::parse("status", status)?;
        let row = self.case_to_work_on(caller, case).await?;
        let mut tx = self.db.begin().await?;
        let version = self
            .written(
                children::set_goal_status(&mut tx, case, goal, base, status.as_str(), self.clock.now()).await,
                goal,
            )
            .await?;
        self.finish(tx, &[event(caller, "case.goal.update", "case_goal", goal, version, &["status"], row.org_id)])
            .await?;
        Ok(())
    }

    /// Add a note to a case; `amends` names the note it corrects.
    pub async fn add_note(&self, caller: &Caller, case: Uuid, text: &str, amends: Option<Uuid>) -> Result<Uuid> {
        self.add_note_via(caller, case, CaseNoteId::new().0, text, amends, Via::Local).await
    }

    /// Add note `id` to a case, written here or pushed by a node (sync, issue 9).
    pub(crate) async fn add_note_via(
        &self,
        caller: &Caller,
        case: Uuid,
        id: Uuid,
        text: &str,
        amends: Option<Uuid>,
        via: Via<'_>,
    ) -> Result<Uuid> {
        let text = note_text("note", text)?;
        let row = self.case_to_work_on(caller, case).await?;
        let key = self.case_key(&row).await?;
        let note = NoteRow {
            id,
            case_id: case,
            amends_id: amends,
            body: Some(key.for_child("case_notes", id).seal_json("body", &text)?),
            author_id: caller.user().map(|u| u.0),
            created_at: self.clock.now(),
        };
        let mut tx = self.db.begin().await?;
        if let Some(a) = amends
            && !children::note_of_case(&mut tx, case, a).await?
        {
            return Err(Invalid::new("amends", "Choose a note of this case.").into());
        }
        children::insert_note(&mut tx, &note).await?;
        let fields: &[&str] = if amends.is_some() { &["body", "amends_id"] } else { &["body"] };
        let op = crate::sync::push_cases::note_added(case, id, amends, note.body.as_deref());
        let ev = event(caller, "case.note.create", "case_note", id, 1, fields, row.org_id);
        self.finish_synced(tx, &[ev], &[op], via, None).await?;
        Ok(id)
    }
}
