//! The review of the quarantine (what revoked devices sent, migration 0025; the review
//! note since 0029). Listing is [`super::anchor::quarantined`].

use super::anchor::QuarantineRow;
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// One item of the quarantine, if it exists.
pub async fn item(db: &Db, id: Uuid) -> Result<Option<QuarantineRow>> {
    db.read()
        .fetch_optional(&Sql::with_args(
            "SELECT id, device_id, org_id, kind, payload, received_at, reviewed_at, reviewed_by, review_key, \
             review_note FROM sync_quarantine WHERE id = $1",
            vec![id.into()],
        ))
        .await
}

/// Mark an item reviewed, once: returns whether this call did (false: reviewed already).
pub async fn mark_reviewed(
    tx: &mut Tx,
    id: Uuid,
    by: Uuid,
    key: &[u8],
    note: &[u8],
    now: OffsetDateTime,
) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE sync_quarantine SET reviewed_at = $1, reviewed_by = $2, review_key = $3, review_note = $4 \
             WHERE id = $5 AND reviewed_at IS NULL",
            vec![now.into(), by.into(), key.into(), note.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}
