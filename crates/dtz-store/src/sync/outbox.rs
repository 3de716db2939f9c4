//! A node's outbox (migration 0020 `sync_outbox`): every change made on the node, in the
//! record's transaction, numbered in node order, signed; acknowledged with the hub's
//! outcome after a push.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// One operation of the outbox.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OutboxRow {
    /// Random id.
    pub id: Uuid,
    /// Place in node order.
    pub node_seq: i64,
    /// Entity name.
    pub entity: String,
    /// Record id.
    pub entity_id: Uuid,
    /// The version the change was based on.
    pub base_version: i64,
    /// The payload's JSON text (what was hashed).
    pub payload: String,
    /// SHA-256 of `payload`.
    pub payload_hash: Vec<u8>,
    /// The device's signature.
    pub signature: Vec<u8>,
    /// The device's clock, recorded only.
    pub device_clock: OffsetDateTime,
    /// When the hub's answer arrived.
    pub acked_at: Option<OffsetDateTime>,
    /// The hub's answer (JSON of the operation's result).
    pub outcome: Option<String>,
}

const COLS: &str = "SELECT id, node_seq, entity, entity_id, base_version, payload, payload_hash, signature, \
                    device_clock, acked_at, outcome FROM sync_outbox";

/// The next node sequence (inside the writing transaction, so the order is commit order).
pub async fn next_seq(tx: &mut Tx) -> Result<i64> {
    tx.q().scalar(&Sql::new("SELECT COALESCE(MAX(node_seq), 0) + 1 FROM sync_outbox")).await
}

/// Append an operation.
pub async fn insert(tx: &mut Tx, r: &OutboxRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO sync_outbox (id, node_seq, entity, entity_id, base_version, payload, payload_hash, signature, \
             device_clock) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                r.id.into(),
                r.node_seq.into(),
                r.entity.as_str().into(),
                r.entity_id.into(),
                r.base_version.into(),
                r.payload.as_str().into(),
                r.payload_hash.clone().into(),
                r.signature.clone().into(),
                r.device_clock.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Operations the hub has not answered yet, in node order.
pub async fn pending(db: &Db) -> Result<Vec<OutboxRow>> {
    let mut q = Sql::new(COLS);
    q.push(" WHERE acked_at IS NULL ORDER BY node_seq");
    db.read().fetch_all(&q).await
}

/// Operations the hub answered, newest first, at most `limit`.
pub async fn answered(db: &Db, limit: i64) -> Result<Vec<OutboxRow>> {
    let mut q = Sql::new(COLS);
    q.push(" WHERE acked_at IS NOT NULL ORDER BY node_seq DESC LIMIT ").bind(limit);
    db.read().fetch_all(&q).await
}

/// Note the hub's answer to an operation (once: a second answer to a replay is the same).
pub async fn ack(tx: &mut Tx, id: Uuid, outcome: &str, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE sync_outbox SET acked_at = $1, outcome = $2 WHERE id = $3 AND acked_at IS NULL",
            vec![now.into(), outcome.into(), id.into()],
        ))
        .await?;
    Ok(())
}

/// Records with an operation still waiting for the hub (a pull leaves them as they are).
pub async fn pending_entities(db: &Db) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> =
        db.read().fetch_all(&Sql::new("SELECT DISTINCT entity_id FROM sync_outbox WHERE acked_at IS NULL")).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
