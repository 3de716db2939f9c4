//! Field nodes on the hub: enrolment codes and enrolled devices (migration 0020). The
//! node's own side (its identity, its outbox) is in [`node`].

pub mod anchor;
pub mod cases_down;
pub mod cases_up;
pub mod keyring;
pub mod node;
pub mod ops;
pub mod outbox;
pub mod pull;
pub mod quarantine;
pub mod reference;
pub mod rekey;

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::sync::{DeviceId, EnrolmentId};
use time::OffsetDateTime;
use uuid::Uuid;

/// Devices are seen by the administrators of their organisation (and by their user).
pub const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("d.org_id"),
    country: None,
    team: None,
    owner: Some("d.user_id"),
    provider: None,
    case: None,
};

/// An enrolled device as stored (never its token).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct DeviceRow {
    /// Id.
    pub id: Uuid,
    /// The user working on it.
    pub user_id: Uuid,
    /// The user's organisation.
    pub org_id: Uuid,
    /// Name given at enrolment.
    pub name: String,
    /// Its Ed25519 public key (32 bytes).
    pub public_key: Vec<u8>,
    /// Its case-number allocator.
    pub allocator: String,
    /// JSON array of the areas of its grant.
    pub areas: String,
    /// Length of the offline lease a sync renews.
    pub lease_days: i64,
    /// End of the current lease.
    pub lease_until: OffsetDateTime,
    /// Enrolled.
    pub enrolled_at: OffsetDateTime,
    /// Last time it reached the hub.
    pub last_contact_at: Option<OffsetDateTime>,
    /// Highest node sequence the hub has applied from it.
    pub last_seq: i64,
    /// Revoked: its token and grant no longer work.
    pub revoked_at: Option<OffsetDateTime>,
    /// A wipe was ordered for its next contact.
    pub wipe_ordered_at: Option<OffsetDateTime>,
    /// The device confirmed the wipe.
    pub wiped_at: Option<OffsetDateTime>,
    /// Row version.
    pub version: i64,
}

const DEVICE_COLUMNS: &str = "SELECT d.id, d.user_id, d.org_id, d.name, d.public_key, d.allocator, d.areas, \
     d.lease_days, d.lease_until, d.enrolled_at, d.last_contact_at, d.last_seq, d.revoked_at, d.wipe_ordered_at, \
     d.wiped_at, d.version FROM devices d";

/// A device to store at enrolment.
#[derive(Clone, Debug)]
pub struct NewDevice<'a> {
    /// Id.
    pub id: DeviceId,
    /// User.
    pub user: UserId,
    /// Organisation.
    pub org: OrgId,
    /// Name.
    pub name: &'a str,
    /// Public key.
    pub public_key: &'a [u8],
    /// SHA-256 of its sync token.
    pub token_hash: &'a [u8],
    /// Allocator code.
    pub allocator: &'a str,
    /// JSON array of areas.
    pub areas: &'a str,
    /// Lease length.
    pub lease_days: i64,
    /// End of the first lease.
    pub lease_until: OffsetDateTime,
}

/// Store an enrolment code (its hash).
pub async fn insert_enrolment(
    tx: &mut Tx,
    id: EnrolmentId,
    user: UserId,
    code_hash: &[u8],
    created_by: Option<UserId>,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO node_enrolments (id, user_id, code_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![id.0.into(), user.into(), code_hash.into(), created_by.into(), now.into(), expires_at.into()],
        ))
        .await?;
    Ok(())
}

/// Use a live code once: marks it used and returns its id and user, or nothing when the
/// code is unknown, used or expired (one answer for all three).
pub async fn claim_enrolment(tx: &mut Tx, code_hash: &[u8], now: OffsetDateTime) -> Result<Option<(Uuid, Uuid)>> {
    tx.q()
        .fetch_optional(&Sql::with_args(
            "UPDATE node_enrolments SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING id, user_id",
            vec![now.into(), code_hash.into()],
        ))
        .await
}

/// Note which device a code enrolled.
pub async fn link_enrolment(tx: &mut Tx, id: Uuid, device: DeviceId) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE node_enrolments SET device_id = $1 WHERE id = $2",
            vec![device.0.into(), id.into()],
        ))
        .await?;
    Ok(())
}

/// How many devices were ever enrolled (allocators are numbered from it).
pub async fn device_count(tx: &mut Tx) -> Result<i64> {
    tx.q().scalar(&Sql::new("SELECT COUNT(*) FROM devices")).await
}

/// Store an enrolled device, version 1.
pub async fn insert_device(tx: &mut Tx, d: &NewDevice<'_>, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO devices (id, user_id, org_id, name, public_key, token_hash, allocator, areas, lease_days, \
             lease_until, enrolled_at, last_contact_at, last_seq, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 0, 1)",
            vec![
                d.id.0.into(),
                d.user.into(),
                d.org.into(),
                d.name.into(),
                d.public_key.into(),
                d.token_hash.into(),
                d.allocator.into(),
                d.areas.into(),
                d.lease_days.into(),
                d.lease_until.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Devices in the caller's scope, newest first.
pub async fn list_devices(db: &Db, scope: &Scope) -> Result<Vec<DeviceRow>> {
    let mut q = Sql::new(DEVICE_COLUMNS);
    q.push(" WHERE ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY d.enrolled_at DESC, d.id");
    db.read().fetch_all(&q).await
}

/// One device in the caller's scope.
pub async fn device(db: &Db, scope: &Scope, id: DeviceId) -> Result<Option<DeviceRow>> {
    let mut q = Sql::new(DEVICE_COLUMNS);
    q.push(" WHERE d.id = ").bind(id.0).push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_optional(&q).await
}

/// The device holding a sync token (revoked ones too: they are told so).
pub async fn device_by_token(db: &Db, token_hash: &[u8]) -> Result<Option<DeviceRow>> {
    let mut q = Sql::new(DEVICE_COLUMNS);
    q.push(" WHERE d.token_hash = ").bind(token_hash);
    db.read().fetch_optional(&q).await
}

/// Revoke a live device; returns whether it was live.
pub async fn revoke(tx: &mut Tx, id: DeviceId, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE devices SET revoked_at = $1, version = version + 1 WHERE id = $2 AND revoked_at IS NULL",
            vec![now.into(), id.0.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// Order a wipe at the device's next contact; returns whether one was not yet ordered.
pub async fn order_wipe(tx: &mut Tx, id: DeviceId, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE devices SET wipe_ordered_at = $1, version = version + 1 WHERE id = $2 AND wipe_ordered_at IS NULL",
            vec![now.into(), id.0.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// The device confirmed it wiped its data.
pub async fn confirm_wipe(tx: &mut Tx, id: DeviceId, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE devices SET wiped_at = $1, last_contact_at = $1, version = version + 1 \
             WHERE id = $2 AND wipe_ordered_at IS NOT NULL AND wiped_at IS NULL",
            vec![now.into(), id.0.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// A contact from a live device: note it and renew its lease.
pub async fn contact(tx: &mut Tx, id: DeviceId, now: OffsetDateTime, lease_until: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE devices SET last_contact_at = $1, lease_until = $2 WHERE id = $3 AND revoked_at IS NULL",
            vec![now.into(), lease_until.into(), id.0.into()],
        ))
        .await?;
    Ok(())
}
