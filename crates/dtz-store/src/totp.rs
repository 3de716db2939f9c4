//! The second factor (TOTP) of users: the secret, sealed under the organisation's key,
//! the last accepted time step (replay protection), the count of wrong codes (attempt
//! limits) and single-use recovery codes, stored as hashes only.

use crate::crypto;
use crate::sql::Sql;
use crate::{Db, Dialect, Keys, Result, Tx, orgs};
use dtz_domain::ids::{OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A user's TOTP state.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TotpRow {
    /// The user.
    pub user_id: Uuid,
    /// The secret, sealed (see [`seal_secret`]).
    pub secret: Vec<u8>,
    /// When enrolment was confirmed with a code; `None` while pending.
    pub enabled_at: Option<OffsetDateTime>,
    /// Last accepted time step: codes for it or earlier are refused.
    pub last_step: Option<i64>,
    /// Wrong codes since `failures_since`.
    pub failures: i64,
    /// Start of the current window of wrong codes.
    pub failures_since: Option<OffsetDateTime>,
    /// Row version.
    pub version: i64,
}

const COLS: &str = "user_id, secret, enabled_at, last_step, failures, failures_since, version";

fn aad(user: UserId) -> Vec<u8> {
    format!("user_totp.secret|{user}").into_bytes()
}

/// Seal a secret under the organisation's current key, bound to the user's row.
pub async fn seal_secret(db: &Db, keys: &Keys, org: OrgId, user: UserId, secret: &[u8]) -> Result<Vec<u8>> {
    let (key_id, key) = orgs::current_org_key(db, keys, org).await?;
    crypto::seal(&key, key_id, &aad(user), secret)
}

/// Open a sealed secret with the organisation key that sealed it.
pub async fn open_secret(db: &Db, keys: &Keys, org: OrgId, user: UserId, sealed: &[u8]) -> Result<Vec<u8>> {
    let key = orgs::org_key(db, keys, org, crypto::key_id_of(sealed)?).await?;
    crypto::open(&key, &aad(user), sealed)
}

/// A user's TOTP row, if any.
pub async fn get(db: &Db, user: UserId) -> Result<Option<TotpRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM user_totp WHERE user_id = ").bind(user);
    db.read().fetch_optional(&q).await
}

/// The same inside a write transaction, locked on PostgreSQL so checks of one user's
/// codes run one at a time (SQLite writes are serial anyway).
pub async fn get_for_update(tx: &mut Tx, user: UserId) -> Result<Option<TotpRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM user_totp WHERE user_id = ").bind(user);
    if tx.dialect() == Dialect::Postgres {
        q.push(" FOR UPDATE");
    }
    tx.q().fetch_optional(&q).await
}

/// Store a pending (not yet confirmed) secret.
pub async fn insert_pending(tx: &mut Tx, user: UserId, sealed: &[u8], now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO user_totp (user_id, secret, enabled_at, last_step, failures, failures_since, version, created_at, updated_at) \
             VALUES ($1, $2, NULL, NULL, 0, NULL, 1, $3, $3)",
            vec![user.into(), sealed.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// Accept a time step: only if it is later than the last accepted one, so a code is
/// used once even by two requests at the same moment. Also clears the wrong-code count
/// and, with `enable`, confirms enrolment. Returns whether the step was accepted.
pub async fn accept_step(tx: &mut Tx, user: UserId, step: i64, enable: bool, now: OffsetDateTime) -> Result<bool> {
    let sql = if enable {
        "UPDATE user_totp SET last_step = $1, failures = 0, failures_since = NULL, enabled_at = $2, \
         version = version + 1, updated_at = $2 WHERE user_id = $3 AND (last_step IS NULL OR last_step < $1)"
    } else {
        "UPDATE user_totp SET last_step = $1, failures = 0, failures_since = NULL, \
         version = version + 1, updated_at = $2 WHERE user_id = $3 AND (last_step IS NULL OR last_step < $1)"
    };
    let n = tx.q().execute(&Sql::with_args(sql, vec![step.into(), now.into(), user.into()])).await?;
    Ok(n == 1)
}

/// Count a wrong code: the window restarts when the last one began before `window_start`.
pub async fn record_failure(
    tx: &mut Tx,
    user: UserId,
    now: OffsetDateTime,
    window_start: OffsetDateTime,
) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE user_totp SET \
             failures = CASE WHEN failures_since IS NULL OR failures_since <= $2 THEN 1 ELSE failures + 1 END, \
             failures_since = CASE WHEN failures_since IS NULL OR failures_since <= $2 THEN $1 ELSE failures_since END, \
             version = version + 1, updated_at = $1 WHERE user_id = $3",
            vec![now.into(), window_start.into(), user.into()],
        ))
        .await?;
    Ok(())
}

/// Clear the wrong-code count (after a good recovery code).
pub async fn clear_failures(tx: &mut Tx, user: UserId, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE user_totp SET failures = 0, failures_since = NULL, version = version + 1, updated_at = $1 \
             WHERE user_id = $2",
            vec![now.into(), user.into()],
        ))
        .await?;
    Ok(())
}

/// Remove the second factor of a user with its recovery codes. Returns whether there was one.
pub async fn delete(tx: &mut Tx, user: UserId) -> Result<bool> {
    delete_codes(tx, user).await?;
    let n = tx.q().execute(&Sql::with_args("DELETE FROM user_totp WHERE user_id = $1", vec![user.into()])).await?;
    Ok(n == 1)
}

/// Remove every recovery code of a user.
pub async fn delete_codes(tx: &mut Tx, user: UserId) -> Result<u64> {
    tx.q().execute(&Sql::with_args("DELETE FROM totp_recovery_codes WHERE user_id = $1", vec![user.into()])).await
}

/// Store the hashes of new recovery codes.
pub async fn insert_codes(tx: &mut Tx, user: UserId, hashes: &[Vec<u8>], now: OffsetDateTime) -> Result<()> {
    for h in hashes {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO totp_recovery_codes (id, user_id, code_hash, created_at, used_at) VALUES ($1, $2, $3, $4, NULL)",
                vec![Uuid::new_v4().into(), user.into(), h.clone().into(), now.into()],
            ))
            .await?;
    }
    Ok(())
}

/// Use a recovery code: true when an unused code with this hash existed (it is now used).
pub async fn use_code(tx: &mut Tx, user: UserId, hash: &[u8], now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE totp_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
            vec![now.into(), user.into(), hash.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// How many unused recovery codes a user has.
pub async fn codes_left(db: &Db, user: UserId) -> Result<i64> {
    db.read()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
            vec![user.into()],
        ))
        .await
}
