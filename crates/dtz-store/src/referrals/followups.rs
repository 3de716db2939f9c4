//! Follow-ups of cases (planned and done, with an assessment of progress) and their
//! append-only notes, sealed under the case's data key. The caller has checked access to
//! the case.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A follow-up.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct FollowUpRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// The referral it follows, if any.
    pub referral_id: Option<Uuid>,
    /// `FollowUpKind`.
    pub kind: String,
    /// `FollowUpStatus`.
    pub status: String,
    /// Planned for.
    pub planned_date: time::Date,
    /// Done on.
    pub done_date: Option<time::Date>,
    /// `Progress`.
    pub progress: Option<String>,
    /// When the overdue reminder went out.
    pub reminded_at: Option<OffsetDateTime>,
    /// Who planned it.
    pub created_by: Option<Uuid>,
    /// Row version.
    pub version: i64,
    /// Planned at.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, case_id, referral_id, kind, status, planned_date, done_date, progress, reminded_at, \
                    created_by, version, created_at, updated_at";

/// Plan a follow-up (version 1).
pub async fn insert(tx: &mut Tx, f: &FollowUpRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO follow_ups (id, case_id, referral_id, kind, status, planned_date, done_date, progress, \
             created_by, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
            vec![
                f.id.into(),
                f.case_id.into(),
                f.referral_id.into(),
                f.kind.clone().into(),
                f.status.clone().into(),
                f.planned_date.into(),
                f.done_date.into(),
                f.progress.clone().into(),
                f.created_by.into(),
                f.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Follow-ups of a case by planned date.
pub async fn of_case(db: &Db, case: Uuid) -> Result<Vec<FollowUpRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM follow_ups WHERE case_id = ").bind(case).push(" ORDER BY planned_date, created_at, id");
    db.read().fetch_all(&q).await
}

/// One follow-up of a case.
pub async fn get(tx: &mut Tx, case: Uuid, id: Uuid) -> Result<FollowUpRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM follow_ups WHERE case_id = ").bind(case).push(" AND id = ").bind(id);
    tx.q().fetch_one(&q).await
}

/// Write status, dates and assessment if still at `base`.
pub async fn write(tx: &mut Tx, f: &FollowUpRow, base: i64, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE follow_ups SET status = $1, planned_date = $2, done_date = $3, progress = $4, reminded_at = $5, \
             version = version + 1, updated_at = $6 WHERE id = $7 AND case_id = $8 AND version = $9",
            vec![
                f.status.clone().into(),
                f.planned_date.into(),
                f.done_date.into(),
                f.progress.clone().into(),
                f.reminded_at.into(),
                now.into(),
                f.id.into(),
                f.case_id.into(),
                base.into(),
            ],
        ))
        .await?;
    crate::cases::children::version_check(tx, "follow_ups", f.case_id, f.id, base, n).await
}

/// A note of a follow-up.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct NoteRow {
    /// Id.
    pub id: Uuid,
    /// Follow-up.
    pub follow_up_id: Uuid,
    /// The note it corrects.
    pub amends_id: Option<Uuid>,
    /// Sealed text.
    pub body: Option<Vec<u8>>,
    /// Author.
    pub author_id: Option<Uuid>,
    /// Written.
    pub created_at: OffsetDateTime,
}

/// Append a note.
pub async fn insert_note(tx: &mut Tx, n: &NoteRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO follow_up_notes (id, follow_up_id, amends_id, body, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                n.id.into(),
                n.follow_up_id.into(),
                n.amends_id.into(),
                n.body.clone().into(),
                n.author_id.into(),
                n.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Notes of the follow-ups of a case, oldest first.
pub async fn notes_of_case(db: &Db, case: Uuid) -> Result<Vec<NoteRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT n.id, n.follow_up_id, n.amends_id, n.body, n.author_id, n.created_at FROM follow_up_notes n \
             JOIN follow_ups f ON f.id = n.follow_up_id WHERE f.case_id = $1 ORDER BY n.created_at, n.id",
            vec![case.into()],
        ))
        .await
}

/// Whether a note belongs to a follow-up (a correction amends a note of the same one).
pub async fn note_of(tx: &mut Tx, follow_up: Uuid, note: Uuid) -> Result<bool> {
    let found: Option<(Uuid,)> = tx
        .q()
        .fetch_optional(&Sql::with_args(
            "SELECT id FROM follow_up_notes WHERE id = $1 AND follow_up_id = $2",
            vec![note.into(), follow_up.into()],
        ))
        .await?;
    Ok(found.is_some())
}

/// A planned follow-up past its date, not yet reminded of, with its case's people.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OverdueRow {
    /// Follow-up.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Case number.
    pub number: String,
    /// Planned date.
    pub planned_date: time::Date,
    /// Owning organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Caseworker.
    pub caseworker_id: Option<Uuid>,
}

/// Planned follow-ups of open cases planned before `today` and not reminded of.
pub async fn overdue(db: &Db, today: time::Date) -> Result<Vec<OverdueRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT f.id, f.case_id, c.number, f.planned_date, c.org_id, c.country, c.team_id, c.caseworker_id \
             FROM follow_ups f JOIN cases c ON c.id = f.case_id WHERE f.status = 'planned' AND f.reminded_at IS NULL \
             AND f.planned_date < $1 AND c.status <> 'closed' AND c.deleted_at IS NULL ORDER BY f.planned_date, f.id",
            vec![today.into()],
        ))
        .await
}

/// Claim a follow-up's overdue reminder: true for the one process that sets it.
pub async fn claim_reminder(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE follow_ups SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL AND status = 'planned'",
            vec![now.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}
