//! Harvested outcomes and their links (to goals and outcomes of a framework, to policy
//! instruments, to activities).

use super::{Paging, Place, SCOPE};
use crate::orgs::stale_check;
use crate::scope::filter;
use crate::sql::{Arg, Sql};
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::work::outcome::OutcomeFields;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A stored outcome.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OutcomeRow {
    /// Id.
    pub id: Uuid,
    /// Owning organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Short statement.
    pub title: String,
    /// When the change was observed.
    pub observed_on: Date,
    /// What changed.
    pub change_text: String,
    /// The social actor.
    pub social_actor: String,
    /// Significance.
    pub significance: String,
    /// The alliance's contribution.
    pub contribution: String,
    /// Sources.
    pub sources: Option<String>,
    /// Verification status code.
    pub verification: String,
    /// Row version.
    pub version: i64,
    /// Who recorded it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, org_id, country, title, observed_on, change_text, social_actor, significance, contribution, \
                    sources, verification, version, created_by, created_at, updated_at";

/// A link of an outcome.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkRow {
    /// The outcome.
    pub outcome_id: Uuid,
    /// `node`, `instrument` or `activity`.
    pub kind: String,
    /// What it links to.
    pub target_id: Uuid,
}

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct OutcomeFilter {
    /// Country and organisation.
    pub place: Place,
    /// Verification status code.
    pub verification: Option<String>,
    /// Linked to this goal or outcome of a framework.
    pub node: Option<Uuid>,
}

fn field_args(f: &OutcomeFields) -> Vec<Arg> {
    vec![
        f.title.clone().into(),
        f.observed_on.into(),
        f.change.clone().into(),
        f.social_actor.clone().into(),
        f.significance.clone().into(),
        f.contribution.clone().into(),
        f.sources.clone().into(),
        f.verification.as_str().into(),
    ]
}

/// Insert an outcome.
pub async fn insert(
    tx: &mut Tx,
    id: Uuid,
    org: OrgId,
    country: &str,
    f: &OutcomeFields,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let mut args = field_args(f);
    args.extend([id.into(), org.into(), country.into(), by.into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO harvested_outcomes (title, observed_on, change_text, social_actor, significance, contribution, \
             sources, verification, id, org_id, country, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1)",
            args,
        ))
        .await?;
    Ok(())
}

/// Write new field values if the row is still at `base`; the new version.
pub async fn update(tx: &mut Tx, id: Uuid, base: i64, f: &OutcomeFields, now: OffsetDateTime) -> Result<i64> {
    let mut args = field_args(f);
    args.extend([now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE harvested_outcomes SET title = $1, observed_on = $2, change_text = $3, social_actor = $4, \
             significance = $5, contribution = $6, sources = $7, verification = $8, version = version + 1, \
             updated_at = $9 WHERE id = $10 AND version = $11 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    stale_check(tx, "harvested_outcomes", id, base, n).await
}

fn select_one(scope: &Scope, id: Uuid) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM harvested_outcomes WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    q
}

/// One outcome in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<OutcomeRow> {
    db.read().fetch_one(&select_one(scope, id)).await
}

/// The same inside a write transaction.
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<OutcomeRow> {
    tx.q().fetch_one(&select_one(scope, id)).await
}

fn where_of(scope: &Scope, f: &OutcomeFilter) -> Sql {
    let mut q = Sql::new(" FROM harvested_outcomes WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    f.place.push_to(&mut q, "country", "org_id");
    if let Some(v) = &f.verification {
        q.push(" AND verification = ").bind(v.clone());
    }
    if let Some(n) = f.node {
        q.push(" AND id IN (SELECT outcome_id FROM outcome_links WHERE kind = 'node' AND target_id = ").bind(n);
        q.push(")");
    }
    q
}

/// A page of outcomes in the caller's scope, newest observation first, and how many
/// there are in all.
pub async fn list(db: &Db, scope: &Scope, f: &OutcomeFilter, paging: Paging) -> Result<(Vec<OutcomeRow>, i64)> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).append(where_of(scope, f));
    q.push(" ORDER BY observed_on DESC, title, id");
    paging.push_to(&mut q);
    let rows = db.read().fetch_all(&q).await?;
    let mut c = Sql::new("SELECT COUNT(*)");
    c.append(where_of(scope, f));
    let total: i64 = db.read().scalar(&c).await?;
    Ok((rows, total))
}

/// Outcomes in the caller's scope linked to one target (the outcomes of a policy
/// instrument), newest first.
pub async fn linked_to(db: &Db, scope: &Scope, kind: &str, target: Uuid) -> Result<Vec<OutcomeRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM harvested_outcomes WHERE deleted_at IS NULL AND id IN (SELECT outcome_id FROM outcome_links WHERE kind = ");
    q.bind(kind).push(" AND target_id = ").bind(target).push(") AND ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY observed_on DESC, id");
    db.read().fetch_all(&q).await
}

/// The links of some outcomes.
pub async fn links(db: &Db, outcomes: &[Uuid]) -> Result<Vec<LinkRow>> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT outcome_id, kind, target_id FROM outcome_links WHERE outcome_id IN (");
    q.bind_list(outcomes.iter().copied()).push(") ORDER BY kind, created_at, target_id");
    db.read().fetch_all(&q).await
}

/// Replace the links of an outcome by `links` (kind, target).
pub async fn set_links(tx: &mut Tx, outcome: Uuid, links: &[(&'static str, Uuid)], now: OffsetDateTime) -> Result<()> {
    tx.q().execute(&Sql::with_args("DELETE FROM outcome_links WHERE outcome_id = $1", vec![outcome.into()])).await?;
    let rows: Vec<Vec<Arg>> = links
        .iter()
        .map(|(kind, target)| vec![Uuid::new_v4().into(), outcome.into(), (*kind).into(), (*target).into(), now.into()])
        .collect();
    crate::bulk::insert(tx, "INSERT INTO outcome_links (id, outcome_id, kind, target_id, created_at) VALUES ", &rows)
        .await?;
    Ok(())
}
