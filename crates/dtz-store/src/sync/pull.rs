//! Pull (issue 9): on the hub, what changed since a node's cursor (the audit chain's change
//! sequence) and which rows a user's current scope holds; on the node, writing the hub's
//! rows as they are (no audit event, no outbox: they are the hub's, not the node's
//! changes) and evicting rows that left the scope.

use crate::activities::{ActivityRow, ReachRow};
use crate::scope::filter;
use crate::sql::Sql;
use crate::values::ReportRow;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use uuid::Uuid;

/// The change sequence now: a pull's next cursor.
pub async fn head(db: &Db) -> Result<i64> {
    db.read().scalar(&Sql::new("SELECT COALESCE(MAX(seq), 0) FROM audit_events")).await
}

/// Records of an entity written after `cursor` (by the audit chain, which every write
/// extends in its own transaction).
pub async fn changed_since(db: &Db, entity: &str, cursor: i64) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT DISTINCT entity_id FROM audit_events WHERE seq > $1 AND entity = $2 AND entity_id IS NOT NULL",
            vec![cursor.into(), entity.into()],
        ))
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Ids of an organisation's live activities within scope (what a node of it holds).
pub async fn activity_ids(db: &Db, scope: &Scope, org: Uuid) -> Result<Vec<Uuid>> {
    let mut q = Sql::new("SELECT a.id FROM activities a WHERE a.deleted_at IS NULL AND a.org_id = ");
    q.bind(org).push(" AND ");
    q.append(filter(scope, &crate::activities::SCOPE));
    let rows: Vec<(Uuid,)> = db.read().fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Which of `ids` are tombstones of the organisation within scope.
pub async fn removed_activities(db: &Db, scope: &Scope, org: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let mut q = Sql::new("SELECT a.id FROM activities a WHERE a.deleted_at IS NOT NULL AND a.org_id = ");
        q.bind(org).push(" AND a.id IN (").bind_list(chunk.iter().copied()).push(") AND ");
        q.append(filter(scope, &crate::activities::SCOPE));
        let rows: Vec<(Uuid,)> = db.read().fetch_all(&q).await?;
        out.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(out)
}

const REPORT_COLS: &str = "SELECT id, programme_id, org_id, country, period, status, returned_reason, submitted_at, \
                           country_approved_at, country_approved_by, alliance_approved_at, version FROM reports";

/// An organisation's reports within scope.
pub async fn reports(db: &Db, scope: &Scope, org: Uuid) -> Result<Vec<ReportRow>> {
    let mut q = Sql::new(REPORT_COLS);
    q.push(" WHERE org_id = ").bind(org).push(" AND ");
    q.append(filter(scope, &crate::values::SCOPE));
    db.read().fetch_all(&q).await
}

/// Every report on this database (a node's held set).
pub async fn all_reports(db: &Db) -> Result<Vec<ReportRow>> {
    db.read().fetch_all(&Sql::new(REPORT_COLS)).await
}

/// Ids of the live activities a node holds.
pub async fn held_activities(db: &Db) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> =
        db.read().fetch_all(&Sql::new("SELECT id FROM activities WHERE deleted_at IS NULL")).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// On a node: write the hub's activity as it is, with its version (insert or replace).
pub async fn put_activity(tx: &mut Tx, a: &ActivityRow, reach: &[ReachRow]) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO activities (id, programme_id, org_id, country, goal, period, activity_type, title, start_date, \
             end_date, area, description, links, basis, reached, version, created_by, created_at, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, NULL, $17, NULL, $18) \
             ON CONFLICT (id) DO UPDATE SET programme_id = $2, org_id = $3, country = $4, goal = $5, period = $6, \
             activity_type = $7, title = $8, start_date = $9, end_date = $10, area = $11, description = $12, links = $13, \
             basis = $14, reached = $15, version = $16, updated_at = $18, deleted_at = NULL",
            vec![
                a.id.into(),
                a.programme_id.into(),
                a.org_id.into(),
                a.country.as_str().into(),
                a.goal.as_str().into(),
                a.period.as_str().into(),
                a.activity_type.as_str().into(),
                a.title.as_str().into(),
                a.start_date.into(),
                a.end_date.into(),
                a.area.as_str().into(),
                a.description.as_str().into(),
                a.links.as_str().into(),
                a.basis.as_str().into(),
                a.reached.into(),
                a.version.into(),
                a.created_at.into(),
                a.updated_at.into(),
            ],
        ))
        .await?;
    tx.q().execute(&Sql::with_args("DELETE FROM activity_reach WHERE activity_id = $1", vec![a.id.into()])).await?;
    for r in reach {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO activity_reach (activity_id, reach_group, sex, age, first_time, repeat_count) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                vec![
                    a.id.into(),
                    r.reach_group.as_str().into(),
                    r.sex.as_str().into(),
                    r.age.as_str().into(),
                    r.first_time.into(),
                    r.repeat_count.into(),
                ],
            ))
            .await?;
    }
    Ok(())
}

/// On a node: forget an activity (removed on the hub, or no longer in the user's scope).
pub async fn drop_activity(tx: &mut Tx, id: Uuid) -> Result<()> {
    tx.q().execute(&Sql::with_args("DELETE FROM activity_reach WHERE activity_id = $1", vec![id.into()])).await?;
    tx.q().execute(&Sql::with_args("DELETE FROM activities WHERE id = $1", vec![id.into()])).await?;
    Ok(())
}

/// On a node: take the hub's report state (status and version) for a report key; returns
/// the local id (the node's own when it opened the report offline).
pub async fn put_report(tx: &mut Tx, r: &ReportRow) -> Result<Uuid> {
    let local: Option<(Uuid,)> = tx
        .q()
        .fetch_optional(&Sql::with_args(
            "SELECT id FROM reports WHERE programme_id = $1 AND org_id = $2 AND country = $3 AND period = $4",
            vec![r.programme_id.into(), r.org_id.into(), r.country.as_str().into(), r.period.as_str().into()],
        ))
        .await?;
    let id = local.map_or(r.id, |(id,)| id);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO reports (id, programme_id, org_id, country, period, status, returned_reason, submitted_at, \
             country_approved_at, alliance_approved_at, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
             ON CONFLICT (id) DO UPDATE SET status = $6, returned_reason = $7, submitted_at = $8, \
             country_approved_at = $9, alliance_approved_at = $10, version = $11, updated_at = $12",
            vec![
                id.into(),
                r.programme_id.into(),
                r.org_id.into(),
                r.country.as_str().into(),
                r.period.as_str().into(),
                r.status.as_str().into(),
                r.returned_reason.clone().into(),
                r.submitted_at.into(),
                r.country_approved_at.into(),
                r.alliance_approved_at.into(),
                r.version.into(),
                r.submitted_at.unwrap_or(time::OffsetDateTime::UNIX_EPOCH).into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// On a node: forget a report and its values (no longer in the user's scope).
pub async fn drop_report(tx: &mut Tx, id: Uuid) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "DELETE FROM data_value_history WHERE value_id IN (SELECT id FROM data_values WHERE report_id = $1)",
            vec![id.into()],
        ))
        .await?;
    tx.q().execute(&Sql::with_args("DELETE FROM data_values WHERE report_id = $1", vec![id.into()])).await?;
    tx.q().execute(&Sql::with_args("DELETE FROM reports WHERE id = $1", vec![id.into()])).await?;
    Ok(())
}
