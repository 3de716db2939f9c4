//! Re-keying a case after a device that held its data key was revoked (migration 0025's
//! `case_rekeys`): the registry of every column sealed under a case's data key, and the
//! statements that read and rewrite them inside the re-keying transaction. The services
//! open and seal (`dtz_services::sync::rekey`).
//!
//! A new column sealed under the case key (`DataKey::for_child`) must be listed in
//! [`CASE_SEALED`], or re-keying would leave it under the old key and the case would no
//! longer open it.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A column sealed under a case's data key: its table (bound into the ciphertext with
/// the row id), the column, and how to read and rewrite it for one case.
#[derive(Clone, Copy, Debug)]
pub struct SealedColumn {
    /// Table of the row (the ciphertext is bound to it).
    pub table: &'static str,
    /// Column.
    pub column: &'static str,
    /// `(id, sealed)` of the case's rows with a value; `$1` is the case.
    select: &'static str,
    /// Set the column of one row: `$1` the new ciphertext, `$2` the row id.
    update: &'static str,
}

impl SealedColumn {
    /// The name used in the audit event: `profile` for the case itself, `table.column`
    /// for its children.
    pub fn field_name(&self) -> String {
        if self.table == "cases" { self.column.to_owned() } else { format!("{}.{}", self.table, self.column) }
    }
}

/// Every column sealed under a case's data key.
pub const CASE_SEALED: &[SealedColumn] = &[
    SealedColumn {
        table: "cases",
        column: "profile",
        select: "SELECT id, profile FROM cases WHERE id = $1 AND profile IS NOT NULL",
        update: "UPDATE cases SET profile = $1 WHERE id = $2",
    },
    SealedColumn {
        table: "case_consents",
        column: "reason",
        select: "SELECT id, reason FROM case_consents WHERE case_id = $1 AND reason IS NOT NULL",
        update: "UPDATE case_consents SET reason = $1 WHERE id = $2",
    },
    SealedColumn {
        table: "case_notes",
        column: "body",
        select: "SELECT id, body FROM case_notes WHERE case_id = $1 AND body IS NOT NULL",
        update: "UPDATE case_notes SET body = $1 WHERE id = $2",
    },
    SealedColumn {
        table: "case_goals",
        column: "body",
        select: "SELECT id, body FROM case_goals WHERE case_id = $1 AND body IS NOT NULL",
        update: "UPDATE case_goals SET body = $1 WHERE id = $2",
    },
    SealedColumn {
        table: "protection_steps",
        column: "note",
        select: "SELECT id, note FROM protection_steps WHERE case_id = $1 AND note IS NOT NULL",
        update: "UPDATE protection_steps SET note = $1 WHERE id = $2",
    },
    SealedColumn {
        table: "referrals",
        column: "details",
        select: "SELECT id, details FROM referrals WHERE case_id = $1 AND details IS NOT NULL",
        update: "UPDATE referrals SET details = $1 WHERE id = $2",
    },
    SealedColumn {
        table: "referral_steps",
        column: "reason",
        select: "SELECT s.id, s.reason FROM referral_steps s JOIN referrals r ON r.id = s.referral_id \
                 WHERE r.case_id = $1 AND s.reason IS NOT NULL",
        update: "UPDATE referral_steps SET reason = $1 WHERE id = $2",
    },
    SealedColumn {
        table: "follow_up_notes",
        column: "body",
        select: "SELECT n.id, n.body FROM follow_up_notes n JOIN follow_ups f ON f.id = n.follow_up_id \
                 WHERE f.case_id = $1 AND n.body IS NOT NULL",
        update: "UPDATE follow_up_notes SET body = $1 WHERE id = $2",
    },
];

/// The sealed values of one column for a case, in the re-keying transaction.
pub async fn sealed_values(tx: &mut Tx, col: &SealedColumn, case: Uuid) -> Result<Vec<(Uuid, Vec<u8>)>> {
    tx.q().fetch_all(&Sql::with_args(col.select, vec![case.into()])).await
}

/// The same, outside a transaction (tests and checks).
pub async fn sealed_values_now(db: &Db, col: &SealedColumn, case: Uuid) -> Result<Vec<(Uuid, Vec<u8>)>> {
    db.read().fetch_all(&Sql::with_args(col.select, vec![case.into()])).await
}

/// Rewrite one sealed value.
pub async fn set_sealed(tx: &mut Tx, col: &SealedColumn, row: Uuid, sealed: &[u8]) -> Result<()> {
    tx.q().execute(&Sql::with_args(col.update, vec![sealed.into(), row.into()])).await?;
    Ok(())
}

/// Cases with an open re-keying mark, oldest mark first, at most `limit`.
pub async fn marked_cases(db: &Db, limit: i64) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT case_id FROM case_rekeys WHERE rekeyed_at IS NULL GROUP BY case_id ORDER BY MIN(marked_at), case_id \
             LIMIT $1",
            vec![limit.into()],
        ))
        .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// A marked case's number, organisation and wrapped data key (deleted cases too: their
/// sealed fields are still there); `None` when the row is gone.
pub async fn case_for_rekey(db: &Db, case: Uuid) -> Result<Option<(String, Uuid, Option<Vec<u8>>)>> {
    db.read()
        .fetch_optional(&Sql::with_args("SELECT number, org_id, data_key FROM cases WHERE id = $1", vec![case.into()]))
        .await
}

/// The case's wrapped data key and version, read (and on PostgreSQL locked) in the
/// re-keying transaction; `None` when the case is gone.
pub async fn case_key_in(tx: &mut Tx, case: Uuid) -> Result<Option<(Option<Vec<u8>>, i64)>> {
    let mut q = Sql::with_args("SELECT data_key, version FROM cases WHERE id = $1", vec![case.into()]);
    if tx.dialect() == crate::Dialect::Postgres {
        q.push(" FOR UPDATE");
    }
    tx.q().fetch_optional(&q).await
}

/// Store the case's new wrapped data key; the version moves on, so a whole-row write
/// prepared under the old key (`cases::write` with its base version) is refused as stale.
/// Returns the new version.
pub async fn set_case_key(tx: &mut Tx, case: Uuid, wrapped: &[u8], base: i64) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE cases SET data_key = $1, version = version + 1 WHERE id = $2 AND version = $3",
            vec![wrapped.into(), case.into(), base.into()],
        ))
        .await?;
    crate::orgs::stale_check(tx, "cases", case, base, n).await
}

/// Destroy every other wrap of the case's key: escrow wraps, and the notes that devices
/// hold its key (the new key is on no device).
pub async fn destroy_old_wraps(tx: &mut Tx, case: Uuid) -> Result<()> {
    tx.q().execute(&Sql::with_args("DELETE FROM case_escrow_wraps WHERE case_id = $1", vec![case.into()])).await?;
    tx.q().execute(&Sql::with_args("DELETE FROM device_held_cases WHERE case_id = $1", vec![case.into()])).await?;
    Ok(())
}

/// Close the case's open marks. Returns how many were closed.
pub async fn close_marks(tx: &mut Tx, case: Uuid, now: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE case_rekeys SET rekeyed_at = $1 WHERE case_id = $2 AND rekeyed_at IS NULL",
            vec![now.into(), case.into()],
        ))
        .await
}
