//! Anchoring node audit chains (migration 0025). On the hub: the batches anchored per
//! device, their events, and the quarantine of what a revoked device sent. On a node: the
//! receipts the hub signed.

use crate::audit::Event;
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::sync::DeviceId;
use dtz_domain::sync_anchor::NodeEvent;
use time::OffsetDateTime;
use uuid::Uuid;

/// An anchored batch as the hub stores it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct BatchRow {
    /// Id (the entity of the hub's own audit event).
    pub id: Uuid,
    /// The device.
    pub device_id: Uuid,
    /// Its number per device.
    pub batch_no: i64,
    /// First event.
    pub from_seq: i64,
    /// Last event: the anchored head.
    pub to_seq: i64,
    /// The head it continued from.
    pub prev_hash: Vec<u8>,
    /// The new head's hash.
    pub head_hash: Vec<u8>,
    /// SHA-256 of the events' canonical JSON.
    pub digest: Vec<u8>,
    /// The receipt (JSON) the hub signed.
    pub receipt: String,
    /// The hub's signature over the receipt's signing bytes.
    pub signature: Vec<u8>,
    /// When.
    pub received_at: OffsetDateTime,
}

const BATCH_COLUMNS: &str = "SELECT id, device_id, batch_no, from_seq, to_seq, prev_hash, head_hash, digest, receipt, \
     signature, received_at FROM device_audit_batches";

/// The last batch anchored for a device.
pub async fn last_batch(tx: &mut Tx, device: DeviceId) -> Result<Option<BatchRow>> {
    let mut q = Sql::new(BATCH_COLUMNS);
    q.push(" WHERE device_id = ").bind(device.0).push(" ORDER BY batch_no DESC LIMIT 1");
    tx.q().fetch_optional(&q).await
}

/// A batch by number (a replay gets its receipt again).
pub async fn batch(tx: &mut Tx, device: DeviceId, batch_no: i64) -> Result<Option<BatchRow>> {
    let mut q = Sql::new(BATCH_COLUMNS);
    q.push(" WHERE device_id = ").bind(device.0).push(" AND batch_no = ").bind(batch_no);
    tx.q().fetch_optional(&q).await
}

/// Every batch, by device and number (for verification).
pub async fn all_batches(db: &Db) -> Result<Vec<BatchRow>> {
    let mut q = Sql::new(BATCH_COLUMNS);
    q.push(" ORDER BY device_id, batch_no");
    db.read().fetch_all(&q).await
}

/// Store a batch and its events.
pub async fn insert_batch(tx: &mut Tx, b: &BatchRow, events: &[NodeEvent]) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO device_audit_batches (id, device_id, batch_no, from_seq, to_seq, prev_hash, head_hash, digest, \
             receipt, signature, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            vec![
                b.id.into(),
                b.device_id.into(),
                b.batch_no.into(),
                b.from_seq.into(),
                b.to_seq.into(),
                b.prev_hash.clone().into(),
                b.head_hash.clone().into(),
                b.digest.clone().into(),
                b.receipt.as_str().into(),
                b.signature.clone().into(),
                b.received_at.into(),
            ],
        ))
        .await?;
    let rows: Vec<Vec<crate::sql::Arg>> = events
        .iter()
        .map(|e| {
            vec![
                b.device_id.into(),
                e.seq.into(),
                b.id.into(),
                e.id.into(),
                e.at.into(),
                e.actor_user_id.into(),
                e.actor_org_id.into(),
                e.action.as_str().into(),
                e.entity.as_str().into(),
                e.entity_id.into(),
                e.entity_version.into(),
                e.fields.as_str().into(),
                e.org_id.into(),
                hex::decode(&e.prev_hash).unwrap_or_default().into(),
                hex::decode(&e.hash).unwrap_or_default().into(),
            ]
        })
        .collect();
    crate::bulk::insert(
        tx,
        "INSERT INTO device_audit_events (device_id, seq, batch_id, id, at, actor_user_id, actor_org_id, action, entity, \
         entity_id, entity_version, fields, org_id, prev_hash, hash) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}

/// A device's anchored events as stored, in order (between two sequences, inclusive).
pub async fn device_events(db: &Db, device: Uuid, from: i64, to: i64) -> Result<Vec<Event>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT seq, id, at, actor_user_id, actor_org_id, action, entity, entity_id, entity_version, fields, org_id, \
             prev_hash, hash FROM device_audit_events WHERE device_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq",
            vec![device.into(), from.into(), to.into()],
        ))
        .await
}

/// The newest anchored events of a device (newest first), for the audit page.
pub async fn recent_device_events(db: &Db, device: Uuid, before_seq: Option<i64>, limit: i64) -> Result<Vec<Event>> {
    let mut q = Sql::new(
        "SELECT seq, id, at, actor_user_id, actor_org_id, action, entity, entity_id, entity_version, fields, org_id, \
         prev_hash, hash FROM device_audit_events WHERE device_id = ",
    );
    q.bind(device);
    if let Some(b) = before_seq {
        q.push(" AND seq < ").bind(b);
    }
    q.push(" ORDER BY seq DESC LIMIT ").bind(limit.clamp(1, 500));
    db.read().fetch_all(&q).await
}

/// Keep what a revoked device sent, for review; never applied.
pub async fn quarantine(
    tx: &mut Tx,
    id: Uuid,
    device: DeviceId,
    org: Uuid,
    kind: &str,
    payload: &str,
    now: OffsetDateTime,
) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO sync_quarantine (id, device_id, org_id, kind, payload, received_at) VALUES ($1, $2, $3, $4, $5, $6)",
            vec![id.into(), device.0.into(), org.into(), kind.into(), payload.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// An item of the quarantine.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct QuarantineRow {
    /// Id.
    pub id: Uuid,
    /// The revoked device.
    pub device_id: Uuid,
    /// Its organisation.
    pub org_id: Uuid,
    /// What it is: `audit_batch` or `operation`.
    pub kind: String,
    /// What the device sent (JSON; ids and field names for audit, a payload for operations).
    pub payload: String,
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// When a person reviewed it.
    pub reviewed_at: Option<OffsetDateTime>,
    /// Who reviewed it.
    pub reviewed_by: Option<Uuid>,
    /// The data key of the review note, wrapped under the organisation's key.
    pub review_key: Option<Vec<u8>>,
    /// The review note, sealed (see `sync::quarantine`).
    pub review_note: Option<Vec<u8>>,
}

/// The quarantine, newest first, for the organisations given (all with `None`).
pub async fn quarantined(db: &Db, org: Option<Uuid>) -> Result<Vec<QuarantineRow>> {
    let mut q = Sql::new(
        "SELECT id, device_id, org_id, kind, payload, received_at, reviewed_at, reviewed_by, review_key, review_note \
         FROM sync_quarantine WHERE 1 = 1",
    );
    if let Some(o) = org {
        q.push(" AND org_id = ").bind(o);
    }
    q.push(" ORDER BY received_at DESC, id LIMIT 500");
    db.read().fetch_all(&q).await
}

/// A receipt the node holds.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReceiptRow {
    /// Batch number.
    pub batch_no: i64,
    /// First event.
    pub from_seq: i64,
    /// Last event.
    pub to_seq: i64,
    /// The anchored head's hash.
    pub head_hash: Vec<u8>,
    /// The receipt (JSON).
    pub receipt: String,
    /// The hub's signature.
    pub signature: Vec<u8>,
    /// When it came.
    pub received_at: OffsetDateTime,
}

/// The node's receipts, in order.
pub async fn receipts(db: &Db) -> Result<Vec<ReceiptRow>> {
    db.read()
        .fetch_all(&Sql::new(
            "SELECT batch_no, from_seq, to_seq, head_hash, receipt, signature, received_at FROM node_audit_receipts \
             ORDER BY batch_no",
        ))
        .await
}

/// Keep a receipt.
pub async fn insert_receipt(tx: &mut Tx, r: &ReceiptRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO node_audit_receipts (batch_no, from_seq, to_seq, head_hash, receipt, signature, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                r.batch_no.into(),
                r.from_seq.into(),
                r.to_seq.into(),
                r.head_hash.clone().into(),
                r.receipt.as_str().into(),
                r.signature.clone().into(),
                r.received_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// The node's own events after `seq`, at most `limit`, in order.
pub async fn events_after(db: &Db, seq: i64, limit: i64) -> Result<Vec<Event>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
            vec![seq.into(), limit.into()],
        ))
        .await
}

/// One of the node's own events.
pub async fn event_at(db: &Db, seq: i64) -> Result<Option<Event>> {
    db.read().fetch_optional(&Sql::with_args("SELECT * FROM audit_events WHERE seq = $1", vec![seq.into()])).await
}
