//! Records that belong to one case: consent records and notes (append-only), and goals
//! of the case plan. Their texts are sealed under the case's data key, bound to their
//! own rows. The caller has checked access to the case.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A consent record.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ConsentRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// `ConsentKind`.
    pub kind: String,
    /// `ConsentState`.
    pub state: String,
    /// `GivenBy`, for a decision.
    pub given_by: Option<String>,
    /// Sealed reason (pending, override).
    pub reason: Option<Vec<u8>>,
    /// Who recorded it.
    pub recorded_by: Option<Uuid>,
    /// When.
    pub recorded_at: OffsetDateTime,
}

/// Append a consent record.
pub async fn insert_consent(tx: &mut Tx, c: &ConsentRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO case_consents (id, case_id, kind, state, given_by, reason, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                c.id.into(),
                c.case_id.into(),
                c.kind.clone().into(),
                c.state.clone().into(),
                c.given_by.clone().into(),
                c.reason.clone().into(),
                c.recorded_by.into(),
                c.recorded_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Consent records of a case, oldest first.
pub async fn consents(db: &Db, case: Uuid) -> Result<Vec<ConsentRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, case_id, kind, state, given_by, reason, recorded_by, recorded_at FROM case_consents \
             WHERE case_id = $1 ORDER BY recorded_at, id",
            vec![case.into()],
        ))
        .await
}

/// A note.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct NoteRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// The note this one corrects.
    pub amends_id: Option<Uuid>,
    /// Sealed text (none once erased).
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
            "INSERT INTO case_notes (id, case_id, amends_id, body, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                n.id.into(),
                n.case_id.into(),
                n.amends_id.into(),
                n.body.clone().into(),
                n.author_id.into(),
                n.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Notes of a case, oldest first.
pub async fn notes(db: &Db, case: Uuid) -> Result<Vec<NoteRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, case_id, amends_id, body, author_id, created_at FROM case_notes WHERE case_id = $1 \
             ORDER BY created_at, id",
            vec![case.into()],
        ))
        .await
}

/// Whether a note belongs to a case (a correction must amend a note of the same case).
pub async fn note_of_case(tx: &mut Tx, case: Uuid, note: Uuid) -> Result<bool> {
    let n: i64 = tx
        .q()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM case_notes WHERE case_id = $1 AND id = $2",
            vec![case.into(), note.into()],
        ))
        .await?;
    Ok(n > 0)
}

/// A goal of a case plan.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct GoalRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// `GoalStatus`.
    pub status: String,
    /// When it should be reached.
    pub due_date: Option<time::Date>,
    /// Sealed text.
    pub body: Option<Vec<u8>>,
    /// Who set it.
    pub created_by: Option<Uuid>,
    /// Row version.
    pub version: i64,
    /// Set.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// Add a goal (version 1).
pub async fn insert_goal(tx: &mut Tx, g: &GoalRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO case_goals (id, case_id, status, due_date, body, created_by, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
            vec![
                g.id.into(),
                g.case_id.into(),
                g.status.clone().into(),
                g.due_date.into(),
                g.body.clone().into(),
                g.created_by.into(),
                g.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Goals of a case, in the order they were set.
pub async fn goals(db: &Db, case: Uuid) -> Result<Vec<GoalRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, case_id, status, due_date, body, created_by, version, created_at, updated_at FROM case_goals \
             WHERE case_id = $1 ORDER BY created_at, id",
            vec![case.into()],
        ))
        .await
}

/// Set a goal's status if it belongs to `case` and is still at `base`.
pub async fn set_goal_status(
    tx: &mut Tx,
    case: Uuid,
    id: Uuid,
    base: i64,
    status: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE case_goals SET status = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND case_id = $4 AND version = $5",
            vec![status.into(), now.into(), id.into(), case.into(), base.into()],
        ))
        .await?;
    version_check(tx, "case_goals", case, id, base, n).await
}

/// Turn "0 rows updated" of a case's child into not found or stale.
pub(crate) async fn version_check(
    tx: &mut Tx,
    table: &'static str,
    case: Uuid,
    id: Uuid,
    base: i64,
    updated: u64,
) -> Result<i64> {
    if updated == 1 {
        return Ok(base + 1);
    }
    let mut q = Sql::new("SELECT version FROM ");
    q.push(table).push(" WHERE id = ").bind(id).push(" AND case_id = ").bind(case);
    match tx.q().fetch_optional::<(i64,)>(&q).await? {
        Some((current,)) => Err(crate::StoreError::Stale { base, current }),
        None => Err(crate::StoreError::NotFound),
    }
}
