//! Cases checked out to a field node (issue 9): who took which case to which device,
//! why and until when. A checkout carries no case content.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A checkout, with the names to show it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CheckoutRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Device.
    pub device_id: Uuid,
    /// The device's name.
    pub device_name: String,
    /// Who took it.
    pub user_id: Uuid,
    /// Their name.
    pub user_name: String,
    /// `CheckoutReason`.
    pub reason: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// Until when.
    pub until: OffsetDateTime,
    /// Returned when (None: still out, unless past `until`).
    pub returned_at: Option<OffsetDateTime>,
}

/// A new checkout.
#[derive(Clone, Debug)]
pub struct NewCheckout {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Device.
    pub device_id: Uuid,
    /// Who takes it.
    pub user_id: Uuid,
    /// The case's organisation (for the audit and need to know).
    pub org_id: Uuid,
    /// `CheckoutReason`.
    pub reason: String,
    /// Until when.
    pub until: OffsetDateTime,
}

const SELECT: &str = "SELECT k.id, k.case_id, k.device_id, d.name AS device_name, k.user_id, u.name AS user_name, \
                      k.reason, k.created_at, k.until, k.returned_at FROM case_checkouts k \
                      JOIN devices d ON d.id = k.device_id JOIN users u ON u.id = k.user_id";

/// Record a checkout. `false` when the device holds this case checked out already.
pub async fn insert(tx: &mut Tx, c: &NewCheckout, now: OffsetDateTime) -> Result<bool> {
    let open: i64 = tx
        .q()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM case_checkouts WHERE case_id = $1 AND device_id = $2 AND returned_at IS NULL \
             AND until > $3",
            vec![c.case_id.into(), c.device_id.into(), now.into()],
        ))
        .await?;
    if open > 0 {
        return Ok(false);
    }
    // An expired checkout of the same pair still holds the unique index's place: close it.
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE case_checkouts SET returned_at = until WHERE case_id = $1 AND device_id = $2 \
             AND returned_at IS NULL",
            vec![c.case_id.into(), c.device_id.into()],
        ))
        .await?;
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO case_checkouts (id, case_id, device_id, user_id, org_id, reason, created_at, until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                c.id.into(),
                c.case_id.into(),
                c.device_id.into(),
                c.user_id.into(),
                c.org_id.into(),
                c.reason.clone().into(),
                now.into(),
                c.until.into(),
            ],
        ))
        .await?;
    Ok(true)
}

/// Checkouts a device holds now (not returned, not expired), inside a transaction.
pub async fn open_on_device(tx: &mut Tx, device: Uuid, now: OffsetDateTime) -> Result<i64> {
    tx.q()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM case_checkouts WHERE device_id = $1 AND returned_at IS NULL AND until > $2",
            vec![device.into(), now.into()],
        ))
        .await
}

/// The checkouts of a case that are out now, oldest first.
pub async fn open_of_case(db: &Db, case: Uuid, now: OffsetDateTime) -> Result<Vec<CheckoutRow>> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE k.case_id = ").bind(case);
    q.push(" AND k.returned_at IS NULL AND k.until > ").bind(now);
    q.push(" ORDER BY k.created_at, k.id");
    db.read().fetch_all(&q).await
}

/// The cases a device holds checked out now: the hub adds them to what a node may
/// hold at each pull; anything else it held by checkout is evicted.
pub async fn cases_on_device(db: &Db, device: Uuid, now: OffsetDateTime) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT case_id FROM case_checkouts WHERE device_id = $1 AND returned_at IS NULL AND until > $2 \
             ORDER BY case_id",
            vec![device.into(), now.into()],
        ))
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// One checkout of a case (out or not).
pub async fn get(db: &Db, case: Uuid, id: Uuid) -> Result<Option<CheckoutRow>> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE k.case_id = ").bind(case);
    q.push(" AND k.id = ").bind(id);
    db.read().fetch_optional(&q).await
}

/// Return a checkout; `false` when it was returned already.
pub async fn give_back(tx: &mut Tx, id: Uuid, by: Option<Uuid>, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE case_checkouts SET returned_at = $1, returned_by = $2 WHERE id = $3 AND returned_at IS NULL",
            vec![now.into(), by.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// Return every checkout of a device (revoked or wiped): its cases leave it.
pub async fn give_back_device(tx: &mut Tx, device: Uuid, by: Option<Uuid>, now: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE case_checkouts SET returned_at = $1, returned_by = $2 WHERE device_id = $3 \
             AND returned_at IS NULL",
            vec![now.into(), by.into(), device.into()],
        ))
        .await
}

/// A person's devices that may take cases: enrolled, not revoked, no wipe ordered.
pub async fn live_devices_of(db: &Db, user: Uuid) -> Result<Vec<(Uuid, String)>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, name FROM devices WHERE user_id = $1 AND revoked_at IS NULL AND wipe_ordered_at IS NULL \
             AND wiped_at IS NULL ORDER BY enrolled_at, id",
            vec![user.into()],
        ))
        .await
}
