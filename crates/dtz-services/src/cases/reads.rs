//! Unusual volumes of case reads (DESIGN §5): when one user opens more distinct cases
//! within an hour than the threshold, the system administrators and the
//! administrators of the user's organisation are told — once a day per user. The count
//! comes from the audit log, which records every read anyway, inside the transaction
//! that records this one.

use crate::{Caller, Result, Services};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_store::Tx;
use dtz_store::audit::NewEvent;
use dtz_store::sql::Sql;
use uuid::Uuid;

/// Setting: distinct cases one user may open within an hour before administrators are
/// told (JSON number; default [`READ_ALERT_DEFAULT`]).
pub const READ_ALERT_SETTING: &str = "cases.read_alert_per_hour";
/// The threshold when none is set: a caseworker's busy day stays well below it.
pub const READ_ALERT_DEFAULT: i64 = 40;

async fn administrators_for(tx: &mut Tx, org: Option<Uuid>) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = tx
        .q()
        .fetch_all(&Sql::with_args(
            "SELECT DISTINCT u.id FROM users u JOIN role_assignments r ON r.user_id = u.id \
             WHERE u.deleted_at IS NULL AND r.deleted_at IS NULL AND u.disabled = $1 AND r.role = 'administrator' \
             AND (r.org_id IS NULL OR r.org_id = $2)",
            vec![false.into(), org.into()],
        ))
        .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

impl Services {
    async fn read_alert_threshold(&self) -> Result<i64> {
        self.whole_setting(READ_ALERT_SETTING, 1, READ_ALERT_DEFAULT).await
    }

    /// Inside the transaction of a read of case `case`: alert administrators when the
    /// reader's distinct case reads of the last hour, this one included, exceed the
    /// threshold. Returns the notifications' audit events.
    pub(crate) async fn watch_reads(&self, tx: &mut Tx, caller: &Caller, case: Uuid) -> Result<Vec<NewEvent>> {
        let Some(user) = caller.user() else { return Ok(Vec::new()) };
        let now = self.clock.now();
        let threshold = self.read_alert_threshold().await?;
        let reads = dtz_store::cases::reads::distinct_reads(tx, user.0, now - time::Duration::hours(1), case).await?;
        if reads <= threshold {
            return Ok(Vec::new());
        }
        if !dtz_store::cases::reads::claim_alert(tx, user.0, now, now - time::Duration::days(1)).await? {
            return Ok(Vec::new());
        }
        let mut events = vec![NewEvent {
            actor_user: None,
            actor_org: None,
            action: "case.read_alert".into(),
            entity: "user".into(),
            entity_id: Some(user.0),
            entity_version: None,
            fields: vec!["case.read".into()],
            org: caller.org(),
        }];
        let params = Params::new().id("user", user.0).count("cases", reads).count("threshold", threshold);
        for admin in administrators_for(tx, caller.org().map(|o| o.0)).await? {
            let n = self
                .notify(
                    tx,
                    dtz_domain::ids::UserId(admin),
                    NotificationKind::UnusualCaseReads,
                    "/audit?action=case.read",
                    &params,
                )
                .await?;
            events.push(n.event);
        }
        Ok(events)
    }
}
