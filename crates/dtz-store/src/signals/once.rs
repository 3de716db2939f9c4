//! One-time use of public report forms: the keyed hash of a used form token, kept until
//! the token would have expired anyway, so a reload of the receipt page (the browser
//! sending the same form again) stores nothing twice. Nothing here names the reporter.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;

/// Whether a form token (by its keyed hash) was used already.
pub async fn used(db: &Db, hash: &[u8]) -> Result<bool> {
    let n: i64 = db
        .read()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM public_form_uses WHERE token_hash = $1",
            vec![hash.to_vec().into()],
        ))
        .await?;
    Ok(n > 0)
}

/// Record a token as used, in the transaction that stores what it sent; a second use
/// fails with `StoreError::Duplicate` naming `public_form_uses`.
pub async fn mark_used(tx: &mut Tx, hash: &[u8], expires_at: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO public_form_uses (token_hash, expires_at) VALUES ($1, $2)",
            vec![hash.to_vec().into(), expires_at.into()],
        ))
        .await?;
    Ok(())
}
