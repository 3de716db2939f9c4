//! Protection steps of cases (police report, child-welfare order, court hearing,
//! compensation claim — kinds from the `protection_step` vocabulary of the case's
//! country), and the reminders of dated steps that are near.

use super::children::version_check;
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A protection step.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct StepRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Kind (term code of `protection_step`).
    pub kind: String,
    /// `StepStatus`.
    pub status: String,
    /// The date it is due or set for (a hearing, a deadline).
    pub due_date: Option<time::Date>,
    /// The date it happened.
    pub done_date: Option<time::Date>,
    /// Sealed note (a reference number, what was decided).
    pub note: Option<Vec<u8>>,
    /// When the reminder went out.
    pub reminded_at: Option<OffsetDateTime>,
    /// Who added it.
    pub created_by: Option<Uuid>,
    /// Row version.
    pub version: i64,
    /// Added.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str =
    "id, case_id, kind, status, due_date, done_date, note, reminded_at, created_by, version, created_at, updated_at";

/// Add a step (version 1).
pub async fn insert(tx: &mut Tx, s: &StepRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO protection_steps (id, case_id, kind, status, due_date, done_date, note, created_by, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
            vec![
                s.id.into(),
                s.case_id.into(),
                s.kind.clone().into(),
                s.status.clone().into(),
                s.due_date.into(),
                s.done_date.into(),
                s.note.clone().into(),
                s.created_by.into(),
                s.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Steps of a case, by date (undated last).
pub async fn of_case(db: &Db, case: Uuid) -> Result<Vec<StepRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM protection_steps WHERE case_id = ").bind(case);
    q.push(" ORDER BY due_date IS NULL, due_date, created_at, id");
    db.read().fetch_all(&q).await
}

/// One step of a case.
pub async fn get(tx: &mut Tx, case: Uuid, id: Uuid) -> Result<StepRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM protection_steps WHERE case_id = ").bind(case).push(" AND id = ").bind(id);
    tx.q().fetch_one(&q).await
}

/// Write a step's status, dates and note if still at `base`. A changed due date is
/// reminded of again.
pub async fn write(tx: &mut Tx, s: &StepRow, base: i64, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE protection_steps SET status = $1, due_date = $2, done_date = $3, note = $4, reminded_at = $5, \
             version = version + 1, updated_at = $6 WHERE id = $7 AND case_id = $8 AND version = $9",
            vec![
                s.status.clone().into(),
                s.due_date.into(),
                s.done_date.into(),
                s.note.clone().into(),
                s.reminded_at.into(),
                now.into(),
                s.id.into(),
                s.case_id.into(),
                base.into(),
            ],
        ))
        .await?;
    version_check(tx, "protection_steps", s.case_id, s.id, base, n).await
}

/// A planned step due soon whose reminder has not gone out, with its case's people.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct DueRow {
    /// Step.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Case number.
    pub number: String,
    /// Kind.
    pub kind: String,
    /// Due date.
    pub due_date: time::Date,
    /// Owning organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Caseworker.
    pub caseworker_id: Option<Uuid>,
}

/// Planned steps of open cases due on or before `until` and not yet reminded of.
pub async fn due(db: &Db, until: time::Date) -> Result<Vec<DueRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT s.id, s.case_id, c.number, s.kind, s.due_date, c.org_id, c.country, c.team_id, c.caseworker_id \
             FROM protection_steps s JOIN cases c ON c.id = s.case_id \
             WHERE s.status = 'planned' AND s.reminded_at IS NULL AND s.due_date IS NOT NULL AND s.due_date <= $1 \
             AND c.status <> 'closed' AND c.deleted_at IS NULL ORDER BY s.due_date, s.id",
            vec![until.into()],
        ))
        .await
}

/// Claim a step's reminder: true for the one process that sets it.
pub async fn mark_reminded(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE protection_steps SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL",
            vec![now.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}
