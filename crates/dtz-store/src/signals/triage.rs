//! Triage columns of signals: filters of the inbox, writing triage, and finding urgent
//! signals nobody picked up.

use super::{COLS, SCOPE, SignalRow};
use crate::scope::filter;
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use time::OffsetDateTime;
use uuid::Uuid;

/// Filters of the inbox: plaintext columns only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignalFilter {
    /// Status.
    pub status: Option<String>,
    /// Not closed.
    pub open_only: bool,
    /// Urgency.
    pub urgency: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Organisation.
    pub org: Option<Uuid>,
    /// Assigned to this person.
    pub assignee: Option<Uuid>,
}

impl SignalFilter {
    /// The filter as ` AND …` conditions.
    pub fn sql(&self) -> Sql {
        let mut q = Sql::default();
        if let Some(s) = &self.status {
            q.push(" AND status = ").bind(s.clone());
        }
        if self.open_only {
            q.push(" AND status <> ").bind("closed");
        }
        if let Some(u) = &self.urgency {
            q.push(" AND urgency = ").bind(u.clone());
        }
        if let Some(c) = &self.country {
            q.push(" AND country = ").bind(c.clone());
        }
        if let Some(o) = self.org {
            q.push(" AND org_id = ").bind(o);
        }
        if let Some(a) = self.assignee {
            q.push(" AND assignee_id = ").bind(a);
        }
        q
    }
}

/// The same signal inside a write transaction (locked on PostgreSQL).
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<SignalRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM signals WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    if tx.dialect() == crate::Dialect::Postgres {
        q.push(" FOR UPDATE");
    }
    tx.q().fetch_one(&q).await
}

/// Insert a signal entered by staff (no receipt), with its triage.
pub async fn insert_staff(tx: &mut Tx, s: &SignalRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO signals (id, country, org_id, channel, reporter_type, status, category, urgency, team_id, \
             assignee_id, created_by, data_key, content, version, created_at, updated_at, triaged_at, urgent_since, \
             picked_up_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15, $16, $17)",
            vec![
                s.id.into(),
                s.country.clone().into(),
                s.org_id.into(),
                s.channel.clone().into(),
                s.reporter_type.clone().into(),
                s.status.clone().into(),
                s.category.clone().into(),
                s.urgency.clone().into(),
                s.team_id.into(),
                s.assignee_id.into(),
                s.created_by.into(),
                s.data_key.clone().into(),
                s.content.clone().into(),
                s.created_at.into(),
                s.triaged_at.into(),
                s.urgent_since.into(),
                s.picked_up_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Write the triage columns of `s` if the stored row is still at `base`.
pub async fn write(tx: &mut Tx, s: &SignalRow, base: i64, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE signals SET status = $1, reporter_type = $2, category = $3, urgency = $4, team_id = $5, \
             assignee_id = $6, closed_at = $7, triaged_at = $8, urgent_since = $9, picked_up_at = $10, \
             close_reason = $11, duplicate_of = $12, case_id = $13, version = version + 1, updated_at = $14 \
             WHERE id = $15 AND version = $16 AND deleted_at IS NULL",
            vec![
                s.status.clone().into(),
                s.reporter_type.clone().into(),
                s.category.clone().into(),
                s.urgency.clone().into(),
                s.team_id.into(),
                s.assignee_id.into(),
                s.closed_at.into(),
                s.triaged_at.into(),
                s.urgent_since.into(),
                s.picked_up_at.into(),
                s.close_reason.clone().into(),
                s.duplicate_of.into(),
                s.case_id.into(),
                now.into(),
                s.id.into(),
                base.into(),
            ],
        ))
        .await?;
    crate::orgs::stale_check(tx, "signals", s.id, base, n).await
}

/// Urgent signals not picked up, not closed and not yet escalated (whatever their age;
/// the caller applies each country's time).
pub async fn unescalated_urgent(db: &Db) -> Result<Vec<SignalRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(
        " FROM signals WHERE urgency = 'urgent' AND escalated_at IS NULL AND picked_up_at IS NULL \
         AND status IN ('new', 'triaged') AND urgent_since IS NOT NULL AND deleted_at IS NULL AND erased_at IS NULL \
         ORDER BY urgent_since, id",
    );
    db.read().fetch_all(&q).await
}

/// Claim a signal's escalation: true for the one process that sets it.
pub async fn mark_escalated(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE signals SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL AND picked_up_at IS NULL",
            vec![now.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// Recent open signals in the caller's scope in one country, for choosing what a
/// signal duplicates.
pub async fn recent_open(db: &Db, scope: &Scope, country: &str, except: Uuid, limit: i64) -> Result<Vec<SignalRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM signals WHERE deleted_at IS NULL AND status <> 'closed' AND country = ").bind(country);
    q.push(" AND id <> ").bind(except).push(" AND ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY created_at DESC, id LIMIT ").bind(limit);
    db.read().fetch_all(&q).await
}
