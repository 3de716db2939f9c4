//! Transfers of cases between organisations: proposed by the owning organisation,
//! accepted or declined by the receiving one. A transfer carries no case content.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A transfer.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TransferRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Sending organisation.
    pub from_org_id: Uuid,
    /// Receiving organisation.
    pub to_org_id: Uuid,
    /// Country of the case.
    pub country: String,
    /// `TransferState`.
    pub state: String,
    /// Who proposed it.
    pub requested_by: Option<Uuid>,
    /// When.
    pub requested_at: OffsetDateTime,
    /// Who decided.
    pub decided_by: Option<Uuid>,
    /// When.
    pub decided_at: Option<OffsetDateTime>,
    /// Row version.
    pub version: i64,
}

const COLS: &str =
    "id, case_id, from_org_id, to_org_id, country, state, requested_by, requested_at, decided_by, decided_at, version";

/// Propose a transfer (version 1).
pub async fn insert(tx: &mut Tx, t: &TransferRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO case_transfers (id, case_id, from_org_id, to_org_id, country, state, requested_by, requested_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
            vec![
                t.id.into(),
                t.case_id.into(),
                t.from_org_id.into(),
                t.to_org_id.into(),
                t.country.clone().into(),
                t.state.clone().into(),
                t.requested_by.into(),
                t.requested_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// One transfer (access is decided by the caller: sending case or receiving role).
pub async fn get(db: &Db, id: Uuid) -> Result<TransferRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM case_transfers WHERE id = ").bind(id);
    db.read().fetch_one(&q).await
}

/// The pending transfer of a case, if any.
pub async fn pending_of(db: &Db, case: Uuid) -> Result<Option<TransferRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM case_transfers WHERE state = 'pending' AND case_id = ").bind(case);
    db.read().fetch_optional(&q).await
}

/// The same inside a write transaction.
pub async fn pending_in(tx: &mut Tx, case: Uuid) -> Result<Option<TransferRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM case_transfers WHERE state = 'pending' AND case_id = ").bind(case);
    tx.q().fetch_optional(&q).await
}

/// Pending transfers to any of `orgs`, oldest first.
pub async fn incoming(db: &Db, orgs: &[Uuid]) -> Result<Vec<TransferRow>> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT ");
    q.push(COLS)
        .push(" FROM case_transfers WHERE state = 'pending' AND to_org_id IN (")
        .bind_list(orgs.iter().copied());
    q.push(") ORDER BY requested_at, id");
    db.read().fetch_all(&q).await
}

/// Decide a pending transfer; false when it was no longer pending.
pub async fn decide(tx: &mut Tx, id: Uuid, state: &str, by: Option<Uuid>, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE case_transfers SET state = $1, decided_by = $2, decided_at = $3, version = version + 1 \
             WHERE id = $4 AND state = 'pending'",
            vec![state.into(), by.into(), now.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}
