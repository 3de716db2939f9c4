//! The hub's side of push (migration 0020): each operation received once, with the answer
//! it got (`sync_operations`), the device's place in its own order (`devices.last_seq`),
//! and the conflicts a person resolves (`sync_conflicts`).

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use time::OffsetDateTime;
use uuid::Uuid;

/// An operation the hub received.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OperationRow {
    /// The node's id for it.
    pub id: Uuid,
    /// The device.
    pub device_id: Uuid,
    /// Its place in the device's order.
    pub node_seq: i64,
    /// Entity name.
    pub entity: String,
    /// Record id.
    pub entity_id: Uuid,
    /// SHA-256 of its payload.
    pub payload_hash: Vec<u8>,
    /// Outcome name.
    pub outcome: String,
    /// The answer (JSON), given again to a replay.
    pub result: String,
    /// The device's clock, recorded only.
    pub device_clock: OffsetDateTime,
    /// When the hub received it.
    pub received_at: OffsetDateTime,
}

const COLS: &str = "SELECT id, device_id, node_seq, entity, entity_id, payload_hash, outcome, result, device_clock, \
                    received_at FROM sync_operations";

/// An operation by id.
pub async fn get(db: &Db, id: Uuid) -> Result<Option<OperationRow>> {
    let mut q = Sql::new(COLS);
    q.push(" WHERE id = ").bind(id);
    db.read().fetch_optional(&q).await
}

/// The device's last operation on a record before `node_seq` (its answer maps the node's
/// versions onto the hub's).
pub async fn last_on(db: &Db, device: Uuid, entity_id: Uuid, node_seq: i64) -> Result<Option<OperationRow>> {
    let mut q = Sql::new(COLS);
    q.push(" WHERE device_id = ").bind(device).push(" AND entity_id = ").bind(entity_id);
    q.push(" AND node_seq < ").bind(node_seq).push(" ORDER BY node_seq DESC LIMIT 1");
    db.read().fetch_optional(&q).await
}

/// Record an operation and move the device's sequence on, in the transaction that applied
/// it (a second insert of the same id fails, so an operation is applied once).
pub async fn record(tx: &mut Tx, r: &OperationRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO sync_operations (id, device_id, node_seq, entity, entity_id, payload_hash, outcome, result, \
             device_clock, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            vec![
                r.id.into(),
                r.device_id.into(),
                r.node_seq.into(),
                r.entity.as_str().into(),
                r.entity_id.into(),
                r.payload_hash.clone().into(),
                r.outcome.as_str().into(),
                r.result.as_str().into(),
                r.device_clock.into(),
                r.received_at.into(),
            ],
        ))
        .await?;
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE devices SET last_seq = $1 WHERE id = $2 AND last_seq < $1",
            vec![r.node_seq.into(), r.device_id.into()],
        ))
        .await?;
    Ok(())
}

/// The device's highest applied sequence, read in the transaction.
pub async fn last_seq(tx: &mut Tx, device: Uuid) -> Result<i64> {
    tx.q().scalar(&Sql::with_args("SELECT last_seq FROM devices WHERE id = $1", vec![device.into()])).await
}

/// A change sync could not merge.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ConflictRow {
    /// Id.
    pub id: Uuid,
    /// The device that made the change.
    pub device_id: Uuid,
    /// The operation.
    pub operation_id: Uuid,
    /// The record's organisation.
    pub org_id: Uuid,
    /// Entity name.
    pub entity: String,
    /// Record id.
    pub entity_id: Uuid,
    /// JSON list of the fields changed on both sides.
    pub fields: String,
    /// The node's payload (its values, for the person who resolves it).
    pub payload: String,
    /// Found.
    pub created_at: OffsetDateTime,
    /// Resolved.
    pub resolved_at: Option<OffsetDateTime>,
    /// By whom.
    pub resolved_by: Option<Uuid>,
}

/// Conflicts are seen within the organisation of their record.
pub const CONFLICT_SCOPE: ScopeColumns =
    ScopeColumns { org: Some("org_id"), country: None, team: None, owner: None, provider: None, case: None };

const CCOLS: &str = "SELECT id, device_id, operation_id, org_id, entity, entity_id, fields, payload, created_at, \
                     resolved_at, resolved_by FROM sync_conflicts";

/// Store a conflict (in the transaction that records its operation).
pub async fn insert_conflict(tx: &mut Tx, c: &ConflictRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO sync_conflicts (id, device_id, operation_id, org_id, entity, entity_id, fields, payload, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                c.id.into(),
                c.device_id.into(),
                c.operation_id.into(),
                c.org_id.into(),
                c.entity.as_str().into(),
                c.entity_id.into(),
                c.fields.as_str().into(),
                c.payload.as_str().into(),
                c.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Conflicts in scope, open ones first, newest first within.
pub async fn conflicts(db: &Db, scope: &Scope, open_only: bool) -> Result<Vec<ConflictRow>> {
    let mut q = Sql::new(CCOLS);
    q.push(" WHERE ");
    q.append(filter(scope, &CONFLICT_SCOPE));
    if open_only {
        q.push(" AND resolved_at IS NULL");
    }
    q.push(" ORDER BY created_at DESC, id LIMIT 500");
    db.read().fetch_all(&q).await
}

/// One conflict in scope.
pub async fn conflict(db: &Db, scope: &Scope, id: Uuid) -> Result<Option<ConflictRow>> {
    let mut q = Sql::new(CCOLS);
    q.push(" WHERE id = ").bind(id).push(" AND ");
    q.append(filter(scope, &CONFLICT_SCOPE));
    db.read().fetch_optional(&q).await
}

/// Mark an open conflict resolved; returns whether it was open.
pub async fn resolve(tx: &mut Tx, id: Uuid, by: Option<Uuid>, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE sync_conflicts SET resolved_at = $1, resolved_by = $2 WHERE id = $3 AND resolved_at IS NULL",
            vec![now.into(), by.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}
