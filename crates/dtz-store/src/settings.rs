//! System settings: small JSON values by key, versioned like every mutable row.

use crate::sql::Sql;
use crate::{Db, Result, StoreError, Tx};
use time::OffsetDateTime;

/// A stored setting.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct SettingRow {
    /// Key, e.g. `totp.required_roles`.
    pub key: String,
    /// JSON value.
    pub value: String,
    /// Row version (0 when never set).
    pub version: i64,
}

/// A setting, if set.
pub async fn get(db: &Db, key: &str) -> Result<Option<SettingRow>> {
    db.read()
        .fetch_optional(&Sql::with_args("SELECT key, value, version FROM settings WHERE key = $1", vec![key.into()]))
        .await
}

/// Set a setting if it is still at `base_version` (0: not set yet). Returns the new version.
pub async fn put(tx: &mut Tx, key: &str, value: &str, base_version: i64, now: OffsetDateTime) -> Result<i64> {
    let n = if base_version == 0 {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO settings (key, value, version, updated_at) VALUES ($1, $2, 1, $3) ON CONFLICT (key) DO NOTHING",
                vec![key.into(), value.into(), now.into()],
            ))
            .await?
    } else {
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE settings SET value = $1, version = version + 1, updated_at = $2 WHERE key = $3 AND version = $4",
                vec![value.into(), now.into(), key.into(), base_version.into()],
            ))
            .await?
    };
    if n == 1 {
        return Ok(base_version + 1);
    }
    let current: Option<(i64,)> =
        tx.q().fetch_optional(&Sql::with_args("SELECT version FROM settings WHERE key = $1", vec![key.into()])).await?;
    Err(StoreError::Stale { base: base_version, current: current.map_or(0, |(v,)| v) })
}
