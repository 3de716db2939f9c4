//! Files uploaded for an import, held between its dry run and its confirmation, bound to
//! the session that uploaded them.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A held upload.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UploadRow {
    /// Id (random, given to the page that confirms).
    pub id: Uuid,
    /// Who uploaded it.
    pub user_id: Uuid,
    /// SHA-256 of the session id it was uploaded in.
    pub session_hash: Vec<u8>,
    /// Programme imported into.
    pub programme_code: String,
    /// The file's name as sent (shown only).
    pub file_name: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// When it was uploaded.
    pub created_at: OffsetDateTime,
}

/// Hold an upload.
pub async fn insert(tx: &mut Tx, u: &UploadRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO import_uploads (id, user_id, session_hash, programme_code, file_name, content, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                u.id.into(),
                u.user_id.into(),
                u.session_hash.as_slice().into(),
                u.programme_code.clone().into(),
                u.file_name.clone().into(),
                u.content.as_slice().into(),
                u.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// The upload with this id, if the same user uploaded it in the same session after `since`.
pub async fn find(
    db: &Db,
    id: Uuid,
    user: Uuid,
    session_hash: &[u8],
    since: OffsetDateTime,
) -> Result<Option<UploadRow>> {
    db.read()
        .fetch_optional(&Sql::with_args(
            "SELECT id, user_id, session_hash, programme_code, file_name, content, created_at FROM import_uploads \
             WHERE id = $1 AND user_id = $2 AND session_hash = $3 AND created_at >= $4",
            vec![id.into(), user.into(), session_hash.into(), since.into()],
        ))
        .await
}

/// Drop the uploads held for a session and every upload older than `before`; returns
/// how many went.
pub async fn sweep(tx: &mut Tx, session_hash: &[u8], before: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "DELETE FROM import_uploads WHERE session_hash = $1 OR created_at < $2",
            vec![session_hash.into(), before.into()],
        ))
        .await
}

/// Drop every upload older than `before`; returns how many went.
pub async fn purge(tx: &mut Tx, before: OffsetDateTime) -> Result<u64> {
    tx.q().execute(&Sql::with_args("DELETE FROM import_uploads WHERE created_at < $1", vec![before.into()])).await
}

/// Drop one upload.
pub async fn delete(tx: &mut Tx, id: Uuid) -> Result<bool> {
    let n = tx.q().execute(&Sql::with_args("DELETE FROM import_uploads WHERE id = $1", vec![id.into()])).await?;
    Ok(n == 1)
}
