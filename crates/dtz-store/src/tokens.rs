//! API tokens, stored as SHA-256 hashes; the token itself is shown once.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::ids::{TokenId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A token as listed (never the secret).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TokenRow {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Name given at creation.
    pub name: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last used (updated at most once a minute).
    pub last_used_at: Option<OffsetDateTime>,
    /// Revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

/// Store a new token.
pub async fn insert(
    tx: &mut Tx,
    id: TokenId,
    user: UserId,
    name: &str,
    hash: &[u8],
    now: OffsetDateTime,
) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            vec![id.into(), user.into(), name.into(), hash.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// The live token with this hash, if its user is enabled.
pub async fn find(db: &Db, hash: &[u8]) -> Result<Option<TokenRow>> {
    db.read()
        .fetch_optional(&Sql::with_args(
            "SELECT t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.revoked_at FROM api_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = $2 AND u.deleted_at IS NULL",
            vec![hash.into(), false.into()],
        ))
        .await
}

/// Tokens of a user.
pub async fn list(db: &Db, user: UserId) -> Result<Vec<TokenRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
            vec![user.into()],
        ))
        .await
}

/// Revoke one token of a user; returns whether it was live.
pub async fn revoke(tx: &mut Tx, id: TokenId, user: UserId, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            vec![now.into(), id.into(), user.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// Note use, at most once a minute.
pub async fn touch(db: &Db, id: TokenId, now: OffsetDateTime) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.q()
        .execute(&Sql::with_args("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", vec![now.into(), id.into()]))
        .await?;
    tx.commit().await
}
