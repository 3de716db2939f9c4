//! A field node's keyring (migration 0025): the device key wrapped under the user's
//! passphrase, the hub's escrow key sealed under the device key, and the escrow wraps of
//! the cases opened offline. On the hub: the cases a device held and those marked for new
//! data keys when it was revoked. Wrapping and unwrapping happen in the services.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::sync::DeviceId;
use time::OffsetDateTime;
use uuid::Uuid;

/// The node's keyring row.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct KeyringRow {
    /// Id of the device key (named in what it seals).
    pub key_id: Uuid,
    /// The key derivation and its parameters, e.g. `argon2id m=65536 t=3 p=1`.
    pub kdf: String,
    /// Salt of the derivation.
    pub salt: Vec<u8>,
    /// The device key, sealed under the passphrase's key.
    pub wrapped_key: Vec<u8>,
    /// The hub's escrow key for this device, sealed under the device key.
    pub escrow_key: Option<Vec<u8>>,
    /// Made at enrolment.
    pub created_at: OffsetDateTime,
    /// Row version.
    pub version: i64,
}

/// The keyring, if this node has one.
pub async fn keyring(db: &Db) -> Result<Option<KeyringRow>> {
    db.read()
        .fetch_optional(&Sql::new(
            "SELECT key_id, kdf, salt, wrapped_key, escrow_key, created_at, version FROM node_keyring WHERE id = 1",
        ))
        .await
}

/// Store a new keyring, replacing one left by an enrolment that did not complete.
pub async fn put_keyring(tx: &mut Tx, k: &KeyringRow) -> Result<()> {
    tx.q().execute(&Sql::new("DELETE FROM node_keyring")).await?;
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO node_keyring (id, key_id, kdf, salt, wrapped_key, escrow_key, created_at, version) \
             VALUES (1, $1, $2, $3, $4, $5, $6, 1)",
            vec![
                k.key_id.into(),
                k.kdf.as_str().into(),
                k.salt.clone().into(),
                k.wrapped_key.clone().into(),
                k.escrow_key.clone().into(),
                k.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Keep the hub's escrow key, sealed.
pub async fn set_escrow(tx: &mut Tx, sealed: &[u8]) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE node_keyring SET escrow_key = $1, version = version + 1 WHERE id = 1",
            vec![sealed.into()],
        ))
        .await?;
    Ok(())
}

/// Keep a case's escrow wrap (in the case's own transaction).
pub async fn put_escrow_wrap(
    tx: &mut Tx,
    case: Uuid,
    device: DeviceId,
    wrapped: &[u8],
    now: OffsetDateTime,
) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO case_escrow_wraps (case_id, device_id, wrapped, created_at) VALUES ($1, $2, $3, $4)",
            vec![case.into(), device.0.into(), wrapped.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// A case's escrow wrap, if it was opened on this node.
pub async fn escrow_wrap(db: &Db, case: Uuid) -> Result<Option<(Uuid, Vec<u8>)>> {
    db.read()
        .fetch_optional(&Sql::with_args(
            "SELECT device_id, wrapped FROM case_escrow_wraps WHERE case_id = $1",
            vec![case.into()],
        ))
        .await
}

/// On the hub: note that a device holds a case's data key.
pub async fn hold(tx: &mut Tx, device: DeviceId, case: Uuid, now: OffsetDateTime) -> Result<()> {
    let q = "INSERT INTO device_held_cases (device_id, case_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    tx.q().execute(&Sql::with_args(q, vec![device.0.into(), case.into(), now.into()])).await?;
    Ok(())
}

/// On the hub, at revocation: mark every case the device held for new data keys.
/// Returns how many were marked.
pub async fn mark_for_rekey(tx: &mut Tx, device: DeviceId, now: OffsetDateTime) -> Result<u64> {
    let held = tx
        .q()
        .execute(&Sql::with_args(
            "INSERT INTO case_rekeys (case_id, device_id, marked_at) \
             SELECT case_id, device_id, $2 FROM device_held_cases WHERE device_id = $1 ON CONFLICT DO NOTHING",
            vec![device.0.into(), now.into()],
        ))
        .await?;
    // Cases ever checked out to it too: their keys may have reached it.
    let checked_out = tx
        .q()
        .execute(&Sql::with_args(
            "INSERT INTO case_rekeys (case_id, device_id, marked_at) \
             SELECT DISTINCT case_id, device_id, $2 FROM case_checkouts WHERE device_id = $1 ON CONFLICT DO NOTHING",
            vec![device.0.into(), now.into()],
        ))
        .await?;
    Ok(held + checked_out)
}

/// A case waiting for a new data key.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct RekeyRow {
    /// The case.
    pub case_id: Uuid,
    /// The revoked device that held its key.
    pub device_id: Uuid,
    /// When it was marked.
    pub marked_at: OffsetDateTime,
}

/// Cases still waiting for a new data key, for the devices of `org` (all with `None`).
pub async fn pending_rekeys(db: &Db, org: Option<Uuid>) -> Result<Vec<RekeyRow>> {
    let mut q = Sql::new(
        "SELECT r.case_id, r.device_id, r.marked_at FROM case_rekeys r JOIN devices d ON d.id = r.device_id \
         WHERE r.rekeyed_at IS NULL",
    );
    if let Some(o) = org {
        q.push(" AND d.org_id = ").bind(o);
    }
    q.push(" ORDER BY r.marked_at, r.case_id");
    db.read().fetch_all(&q).await
}

/// The grant a node holds (JSON), read in a write transaction (none on a hub).
pub async fn node_grant_json(tx: &mut Tx) -> Result<Option<String>> {
    let row: Option<(String,)> =
        tx.q().fetch_optional(&Sql::new("SELECT grant_json FROM node_identity WHERE id = 1")).await?;
    Ok(row.map(|(g,)| g))
}
