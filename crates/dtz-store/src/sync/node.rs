//! A field node's own side: who it is (one `node_identity` row, written at enrolment).
//! Its secret key and sync token are sealed by the services before they get here.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// The node's identity.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct NodeIdentity {
    /// The device id the hub gave.
    pub device_id: Uuid,
    /// The hub's base URL.
    pub hub_url: String,
    /// The user the grant is for.
    pub user_id: Uuid,
    /// The user's organisation.
    pub org_id: Uuid,
    /// The device's Ed25519 seed, sealed.
    pub secret_key: Vec<u8>,
    /// The device's sync token, sealed.
    pub device_token: Vec<u8>,
    /// The grant as the hub signed it (JSON).
    pub grant_json: String,
    /// The hub's signature over the grant.
    pub grant_sig: Vec<u8>,
    /// The hub's Ed25519 public key.
    pub hub_public_key: Vec<u8>,
    /// The case-number allocator.
    pub allocator: String,
    /// When it enrolled.
    pub enrolled_at: OffsetDateTime,
    /// Last complete sync.
    pub last_sync_at: Option<OffsetDateTime>,
    /// Row version.
    pub version: i64,
}

/// The identity, if this database is an enrolled node.
pub async fn identity(db: &Db) -> Result<Option<NodeIdentity>> {
    db.read()
        .fetch_optional(&Sql::new(
            "SELECT device_id, hub_url, user_id, org_id, secret_key, device_token, grant_json, grant_sig, \
             hub_public_key, allocator, enrolled_at, last_sync_at, version FROM node_identity WHERE id = 1",
        ))
        .await
}

/// The identity, read inside a writing transaction (the outbox signs with its key).
pub async fn identity_in(tx: &mut Tx) -> Result<Option<NodeIdentity>> {
    tx.q()
        .fetch_optional(&Sql::new(
            "SELECT device_id, hub_url, user_id, org_id, secret_key, device_token, grant_json, grant_sig, \
             hub_public_key, allocator, enrolled_at, last_sync_at, version FROM node_identity WHERE id = 1",
        ))
        .await
}

/// Become a node (fails with a conflict when already one).
pub async fn insert_identity(tx: &mut Tx, n: &NodeIdentity) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO node_identity (id, device_id, hub_url, user_id, org_id, secret_key, device_token, \
             grant_json, grant_sig, hub_public_key, allocator, enrolled_at, version) \
             VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)",
            vec![
                n.device_id.into(),
                n.hub_url.as_str().into(),
                n.user_id.into(),
                n.org_id.into(),
                n.secret_key.clone().into(),
                n.device_token.clone().into(),
                n.grant_json.as_str().into(),
                n.grant_sig.clone().into(),
                n.hub_public_key.clone().into(),
                n.allocator.as_str().into(),
                n.enrolled_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Keep a renewed grant and note a complete sync.
pub async fn renew(tx: &mut Tx, grant_json: &str, grant_sig: &[u8], now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE node_identity SET grant_json = $1, grant_sig = $2, last_sync_at = $3, version = version + 1 \
             WHERE id = 1",
            vec![grant_json.into(), grant_sig.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// Note a complete sync.
pub async fn synced(tx: &mut Tx, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args("UPDATE node_identity SET last_sync_at = $1 WHERE id = 1", vec![now.into()]))
        .await?;
    Ok(())
}

/// Forget the identity and the outbox (a wipe ordered by the hub).
pub async fn forget(tx: &mut Tx) -> Result<()> {
    tx.q().execute(&Sql::new("DELETE FROM sync_outbox")).await?;
    tx.q().execute(&Sql::new("DELETE FROM node_identity")).await?;
    Ok(())
}
