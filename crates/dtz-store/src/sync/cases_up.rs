//! The hub's records of case work pushed by nodes (issue 9, point 4): the device's last
//! operation on a case header (it maps the node's versions onto the hub's), and the
//! operations it refused, for the people who see their case or referral.

use super::ops::OperationRow;
use crate::sql::Sql;
use crate::{Db, Result};
use uuid::Uuid;

const COLS: &str = "SELECT id, device_id, node_seq, entity, entity_id, payload_hash, outcome, result, device_clock, \
                    received_at FROM sync_operations";

/// The device's last operation on a record of `entity` before `node_seq`.
pub async fn last_on(
    db: &Db,
    device: Uuid,
    entity: &str,
    entity_id: Uuid,
    node_seq: i64,
) -> Result<Option<OperationRow>> {
    let mut q = Sql::new(COLS);
    q.push(" WHERE device_id = ").bind(device).push(" AND entity = ").bind(entity.to_owned());
    q.push(" AND entity_id = ").bind(entity_id).push(" AND node_seq < ").bind(node_seq);
    q.push(" ORDER BY node_seq DESC LIMIT 1");
    db.read().fetch_optional(&q).await
}

/// Refused operations of these entities, newest first (the caller filters by need to know).
pub async fn refused(db: &Db, entities: &[&str], limit: i64) -> Result<Vec<OperationRow>> {
    let mut q = Sql::new(COLS);
    q.push(" WHERE outcome = 'refused' AND entity IN (");
    q.bind_list(entities.iter().map(|e| (*e).to_owned()));
    q.push(") ORDER BY received_at DESC, node_seq DESC LIMIT ").bind(limit);
    db.read().fetch_all(&q).await
}
