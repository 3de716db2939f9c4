//! Follow-ups of a case: planned (date, kind, optionally of a referral) and done, with
//! an assessment of progress; notes are append-only and sealed (a correction is a new
//! note that amends another).

use super::event;
use crate::sync::outbox::Via;
use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_domain::case::{date, note_text};
use dtz_domain::referral::{FollowUpId, FollowUpKind, FollowUpNoteId, FollowUpStatus, Progress};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::referrals::followups::{self, FollowUpRow, NoteRow};
use time::OffsetDateTime;
use uuid::Uuid;

/// A follow-up as typed (planning it).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct FollowUpInput {
    /// `FollowUpKind` code.
    #[serde(default)]
    pub kind: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub planned_date: String,
    /// The referral it follows (optional).
    #[serde(default)]
    pub referral: String,
}

/// What happened at a follow-up, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct FollowUpRecord {
    /// `done` or `cancelled` (or `planned` with a new date).
    #[serde(default)]
    pub status: String,
    /// Planned date (kept when empty).
    #[serde(default)]
    pub planned_date: String,
    /// Date it happened.
    #[serde(default)]
    pub done_date: String,
    /// `Progress` code.
    #[serde(default)]
    pub progress: String,
}

/// A note, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUpNote {
    /// Id.
    pub id: Uuid,
    /// The note it corrects.
    pub amends: Option<Uuid>,
    /// Text.
    pub text: Option<String>,
    /// Author.
    pub author: Option<Uuid>,
    /// Written.
    pub at: OffsetDateTime,
}

/// A follow-up, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUp {
    /// Id.
    pub id: Uuid,
    /// The referral it follows.
    pub referral: Option<Uuid>,
    /// Kind.
    pub kind: FollowUpKind,
    /// Status.
    pub status: FollowUpStatus,
    /// Planned for.
    pub planned: time::Date,
    /// Done on.
    pub done: Option<time::Date>,
    /// Assessment.
    pub progress: Option<Progress>,
    /// Planned and its date passed.
    pub overdue: bool,
    /// Notes, oldest first.
    pub notes: Vec<FollowUpNote>,
    /// Row version.
    pub version: i64,
}

impl Services {
    /// Plan a follow-up of a case.
    pub async fn plan_follow_up(&self, caller: &Caller, case: Uuid, input: &FollowUpInput) -> Result<Uuid> {
        self.plan_follow_up_via(caller, case, FollowUpId::new().0, input, Via::Local).await
    }

    /// Plan follow-up `id`, here or pushed by a node (sync, issue 9).
    pub(crate) async fn plan_follow_up_via(
        &self,
        caller: &Caller,
        case: Uuid,
        id: Uuid,
        input: &FollowUpInput,
        via: Via<'_>,
    ) -> Result<Uuid> {
        let row = self.case_to_work_on(caller, case).await?;
        let mut v = Violations::default();
        let kind = v.check(FollowUpKind::parse("kind", &input.kind));
        let planned = match v.check(date("planned_date", &input.planned_date)) {
            Some(Some(d)) => Some(d),
            Some(None) => {
                v.push(Invalid::new("planned_date", "Give the date it is planned for."));
                None
            }
            None => None,
        };
        let referral = match input.referral.trim() {
            "" => None,
            r => v.check(r.parse::<Uuid>().map_err(|_| Invalid::new("referral", "Choose a referral of this case."))),
        };
        v.into_result()?;
        let (Some(kind), Some(planned)) = (kind, planned) else {
            return Err(Invalid::new("kind", "Choose a kind.").into());
        };
        if let Some(r) = referral {
            let ok = dtz_store::referrals::get(&self.db, &caller.scope(Area::Cases), r)
                .await
                .is_ok_and(|x| x.case_id == case);
            if !ok {
                return Err(Invalid::new("referral", "Choose a referral of this case.").into());
            }
        }
        let now = self.clock.now();
        let f = FollowUpRow {
            id,
            case_id: case,
            referral_id: referral,
            kind: kind.as_str().into(),
            status: FollowUpStatus::Planned.as_str().into(),
            planned_date: planned,
            done_date: None,
            progress: None,
            reminded_at: None,
            created_by: caller.user().map(|u| u.0),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        followups::insert(&mut tx, &f).await?;
        let mut fields = vec!["kind", "status", "planned_date"];
        fields.extend(referral.map(|_| "referral_id"));
        let op = crate::sync::push_cases::follow_up_planned(case, &f);
        let ev = event(caller, "follow_up.create", "follow_up", f.id, Some(1), &fields, row.org_id);
        self.finish_synced(tx, &[ev], &[op], via, None).await?;
        Ok(f.id)
    }

    /// Record what happened at a follow-up (or move it), based on version `base`.
    pub async fn record_follow_up(
        &self,
        caller: &Caller,
        case: Uuid,
        id: Uuid,
        base: i64,
        input: &FollowUpRecord,
    ) -> Result<()> {
        let row = self.case_to_work_on(caller, case).await?;
        let mut v = Violations::default();
        let status = v.check(FollowUpStatus::parse("status", &input.status));
        let planned = v.check(date("planned_date", &input.planned_date)).flatten();
        let done = v.check(date("done_date", &input.done_date)).flatten();
        let progress = v.check(Progress::parse_optional("progress", &input.progress)).flatten();
        if status == Some(FollowUpStatus::Done) && done.is_none() {
            v.push(Invalid::new("done_date", "Give the date it happened."));
        }
        v.into_result()?;
        let Some(status) = status else { return Err(Invalid::new("status", "Choose a status.").into()) };
        let mut tx = self.db.begin().await?;
        let current = followups::get(&mut tx, case, id).await?;
        let mut after = current.clone();
        after.status = status.as_str().into();
        after.done_date = if status == FollowUpStatus::Done { done } else { None };
        after.progress = progress.map(|p| p.as_str().into());
        if let Some(p) = planned {
            after.planned_date = p;
        }
        let mut fields = Vec::new();
        if after.status != current.status {
            fields.push("status");
        }
        if after.planned_date != current.planned_date {
            fields.push("planned_date");
            after.reminded_at = None;
        }
        if after.done_date != current.done_date {
            fields.push("done_date");
        }
        if after.progress != current.progress {
            fields.push("progress");
        }
        if fields.is_empty() {
            return Ok(());
        }
        let version = self.written(followups::write(&mut tx, &after, base, self.clock.now()).await, id).await?;
        self.finish(tx, &[event(caller, "follow_up.update", "follow_up", id, Some(version), &fields, row.org_id)])
            .await?;
        Ok(())
    }

    /// Add a note to a follow-up (append-only; `amends` corrects an earlier one).
    pub async fn add_follow_up_note(
        &self,
        caller: &Caller,
        case: Uuid,
        id: Uuid,
        text: &str,
        amends: Option<Uuid>,
    ) -> Result<Uuid> {
        self.add_follow_up_note_via(caller, (case, id), FollowUpNoteId::new().0, text, amends, Via::Local).await
    }

    /// Add note `nid` to follow-up `id` of `case`, here or pushed by a node (sync, issue 9).
    pub(crate) async fn add_follow_up_note_via(
        &self,
        caller: &Caller,
        (case, id): (Uuid, Uuid),
        nid: Uuid,
        text: &str,
        amends: Option<Uuid>,
        via: Via<'_>,
    ) -> Result<Uuid> {
        let row = self.case_to_work_on(caller, case).await?;
        let text = note_text("note", text)?;
        let key = self.case_key(&row).await?;
        let mut tx = self.db.begin().await?;
        followups::get(&mut tx, case, id).await?;
        if let Some(a) = amends
            && !followups::note_of(&mut tx, id, a).await?
        {
            return Err(Invalid::new("amends", "A correction amends a note of the same follow-up.").into());
        }
        let n = NoteRow {
            id: nid,
            follow_up_id: id,
            amends_id: amends,
            body: Some(key.for_child("follow_up_notes", nid).seal_json("body", &text)?),
            author_id: caller.user().map(|u| u.0),
            created_at: self.clock.now(),
        };
        followups::insert_note(&mut tx, &n).await?;
        let mut fields = vec!["follow_up_id", "body"];
        fields.extend(amends.map(|_| "amends_id"));
        let op = crate::sync::push_cases::follow_up_noted(case, &n);
        let ev = event(caller, "follow_up.note", "follow_up_note", nid, Some(1), &fields, row.org_id);
        self.finish_synced(tx, &[ev], &[op], via, None).await?;
        Ok(nid)
    }

    /// The follow-ups of a case with their notes opened; audited as a read of the case.
    pub async fn follow_ups(&self, caller: &Caller, case: Uuid) -> Result<Vec<FollowUp>> {
        let row = self.case_row(caller, case).await?;
        if !crate::cases::works_on(caller, &row) {
            return Err(crate::ServiceError::NotFound);
        }
        let today = self.clock.now().date();
        let mut notes = Vec::new();
        if row.data_key.is_some() {
            let key = self.case_key(&row).await?;
            for n in followups::notes_of_case(&self.db, case).await? {
                let text = match &n.body {
                    Some(b) => Some(key.for_child("follow_up_notes", n.id).open_json("body", b)?),
                    None => None,
                };
                notes.push((
                    n.follow_up_id,
                    FollowUpNote { id: n.id, amends: n.amends_id, text, author: n.author_id, at: n.created_at },
                ));
            }
        }
        let out = followups::of_case(&self.db, case)
            .await?
            .into_iter()
            .map(|f| {
                let status = FollowUpStatus::from_code(&f.status).unwrap_or(FollowUpStatus::Planned);
                FollowUp {
                    id: f.id,
                    referral: f.referral_id,
                    kind: FollowUpKind::from_code(&f.kind).unwrap_or(FollowUpKind::Other),
                    status,
                    planned: f.planned_date,
                    done: f.done_date,
                    progress: f.progress.as_deref().and_then(Progress::from_code),
                    overdue: status == FollowUpStatus::Planned && f.planned_date < today,
                    notes: notes.iter().filter(|(fid, _)| *fid == f.id).map(|(_, n)| n.clone()).collect(),
                    version: f.version,
                }
            })
            .collect();
        let tx = self.db.begin().await?;
        self.finish(
            tx,
            &[event(caller, "case.read", "case", case, None, &["follow_ups", "follow_up_notes"], row.org_id)],
        )
        .await?;
        Ok(out)
    }
}
