//! Watching case reads: how many distinct cases one user opened lately (from the audit
//! log, which records every read), and one alert per user and day when it is unusual.

use crate::sql::Sql;
use crate::{Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// Distinct cases `user` read since `since` (audit action `case.read`), counting `now`
/// as read too (its own read is not in the log yet).
pub async fn distinct_reads(tx: &mut Tx, user: Uuid, since: OffsetDateTime, now: Uuid) -> Result<i64> {
    let before: i64 = tx
        .q()
        .scalar(&Sql::with_args(
            "SELECT COUNT(DISTINCT entity_id) FROM audit_events WHERE actor_user_id = $1 AND action = 'case.read' AND at >= $2",
            vec![user.into(), since.into()],
        ))
        .await?;
    let seen: i64 = tx
        .q()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM audit_events WHERE actor_user_id = $1 AND action = 'case.read' AND at >= $2 AND entity_id = $3",
            vec![user.into(), since.into(), now.into()],
        ))
        .await?;
    Ok(before + i64::from(seen == 0))
}

/// Claim the alert about `user`: true when none went out since `quiet_since` (and
/// records this one).
pub async fn claim_alert(tx: &mut Tx, user: Uuid, now: OffsetDateTime, quiet_since: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "INSERT INTO case_read_alerts (user_id, alerted_at) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET alerted_at = excluded.alerted_at \
             WHERE case_read_alerts.alerted_at < $3",
            vec![user.into(), now.into(), quiet_since.into()],
        ))
        .await?;
    Ok(n == 1)
}
