//! Sign-in sessions, stored by the SHA-256 of their id so a copy of the database does not
//! hand out live sessions.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::ids::UserId;
use time::OffsetDateTime;
use uuid::Uuid;

/// A live session with its user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 of the session id.
    pub id_hash: Vec<u8>,
    /// The user.
    pub user_id: Uuid,
    /// Per-session CSRF token.
    pub csrf_token: String,
    /// When signed in (absolute timeout counts from here).
    pub created_at: OffsetDateTime,
    /// Last request (idle timeout counts from here).
    pub last_seen_at: OffsetDateTime,
    /// The user is disabled.
    pub disabled: bool,
    /// When the second factor was given in this session, if it was.
    pub second_factor_at: Option<OffsetDateTime>,
    /// The user has a confirmed second factor (TOTP).
    pub totp_enabled: bool,
}

/// Store a new session.
pub async fn insert(tx: &mut Tx, id_hash: &[u8], user: UserId, csrf: &str, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
            vec![id_hash.into(), user.into(), csrf.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// Find a session by the hash of its id.
pub async fn find(db: &Db, id_hash: &[u8]) -> Result<Option<SessionRow>> {
    db.read()
        .fetch_optional(&Sql::with_args(
            "SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.disabled, s.second_factor_at, \
             (t.enabled_at IS NOT NULL) AS totp_enabled \
             FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN user_totp t ON t.user_id = s.user_id \
             WHERE s.id_hash = $1 AND u.deleted_at IS NULL",
            vec![id_hash.into()],
        ))
        .await
}

/// A live session with everything a page request reads about its user, in one
/// statement: the user's row, the name of its organisation and one setting (every page
/// used to read these one statement at a time, issue 8).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionWithUser {
    /// The session, as [`find`] reads it.
    #[sqlx(flatten)]
    pub session: SessionRow,
    /// The user's organisation.
    pub u_org_id: Uuid,
    /// The user's e-mail.
    pub u_email: String,
    /// The user's name.
    pub u_name: String,
    /// The user's language.
    pub u_language: String,
    /// The user's row version.
    pub u_version: i64,
    /// The user's creation.
    pub u_created_at: OffsetDateTime,
    /// The user's last change.
    pub u_updated_at: OffsetDateTime,
    /// The organisation's name (none if it was deleted).
    pub org_name: Option<String>,
    /// The setting's value, if it is set.
    pub setting_value: Option<String>,
    /// The setting's version, if it is set.
    pub setting_version: Option<i64>,
}

impl SessionWithUser {
    /// The user's row, as `users::get` reads it.
    pub fn user(&self) -> crate::users::UserRow {
        crate::users::UserRow {
            id: self.session.user_id,
            org_id: self.u_org_id,
            email: self.u_email.clone(),
            name: self.u_name.clone(),
            language: self.u_language.clone(),
            disabled: self.session.disabled,
            version: self.u_version,
            created_at: self.u_created_at,
            updated_at: self.u_updated_at,
        }
    }
}

/// [`find`] with the session's user, its organisation's name and the setting `key`.
pub async fn find_with_user(db: &Db, id_hash: &[u8], key: &str) -> Result<Option<SessionWithUser>> {
    db.read()
        .fetch_optional(&Sql::with_args(
            "SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.disabled, s.second_factor_at, \
             (t.enabled_at IS NOT NULL) AS totp_enabled, u.org_id AS u_org_id, u.email AS u_email, u.name AS u_name, \
             u.language AS u_language, u.version AS u_version, u.created_at AS u_created_at, \
             u.updated_at AS u_updated_at, o.name AS org_name, st.value AS setting_value, st.version AS setting_version \
             FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN user_totp t ON t.user_id = s.user_id \
             LEFT JOIN organisations o ON o.id = u.org_id AND o.deleted_at IS NULL \
             LEFT JOIN settings st ON st.key = $2 \
             WHERE s.id_hash = $1 AND u.deleted_at IS NULL",
            vec![id_hash.into(), key.into()],
        ))
        .await
}

/// Record activity (done at most once a minute per session by the caller).
pub async fn touch(db: &Db, id_hash: &[u8], now: OffsetDateTime) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
            vec![now.into(), id_hash.into()],
        ))
        .await?;
    tx.commit().await
}

/// Mark a session as having passed the second factor, under a new id and CSRF token
/// (a change of privilege gets a fresh session id). Returns whether the session existed.
pub async fn pass_second_factor(
    tx: &mut Tx,
    old_hash: &[u8],
    new_hash: &[u8],
    csrf: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE sessions SET id_hash = $1, csrf_token = $2, second_factor_at = $3, last_seen_at = $3 WHERE id_hash = $4",
            vec![new_hash.into(), csrf.into(), now.into(), old_hash.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// End one session.
pub async fn delete(tx: &mut Tx, id_hash: &[u8]) -> Result<u64> {
    tx.q().execute(&Sql::with_args("DELETE FROM sessions WHERE id_hash = $1", vec![id_hash.into()])).await
}

/// End every session of a user (disabled, password changed).
pub async fn delete_for_user(tx: &mut Tx, user: UserId) -> Result<u64> {
    tx.q().execute(&Sql::with_args("DELETE FROM sessions WHERE user_id = $1", vec![user.into()])).await
}

/// Remove sessions idle since before `idle_before` or started before `started_before`.
pub async fn purge(tx: &mut Tx, idle_before: OffsetDateTime, started_before: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
            vec![idle_before.into(), started_before.into()],
        ))
        .await
}
