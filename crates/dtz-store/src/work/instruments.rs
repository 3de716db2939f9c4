//! Policy instruments (the policy tracker). Their stages live in `policy_stages`
//! ([`super::stages`]).

use super::{Paging, Place, SCOPE};
use crate::orgs::stale_check;
use crate::scope::filter;
use crate::sql::{Arg, Sql};
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::work::policy::InstrumentFields;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored policy instrument.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct InstrumentRow {
    /// Id.
    pub id: Uuid,
    /// Organisation that follows it.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Term code of `instrument_kind`.
    pub kind: String,
    /// Level code.
    pub level: String,
    /// State, province or municipality.
    pub area: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Row version.
    pub version: i64,
    /// Who recorded it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str =
    "id, org_id, country, kind, level, area, title, description, version, created_by, created_at, updated_at";

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct InstrumentFilter {
    /// Country and organisation.
    pub place: Place,
    /// Kind code.
    pub kind: Option<String>,
    /// Level code.
    pub level: Option<String>,
}

fn field_args(f: &InstrumentFields) -> Vec<Arg> {
    vec![
        f.kind.clone().into(),
        f.level.as_str().into(),
        f.area.clone().into(),
        f.title.clone().into(),
        f.description.clone().into(),
    ]
}

/// Insert an instrument.
pub async fn insert(
    tx: &mut Tx,
    id: Uuid,
    org: OrgId,
    country: &str,
    f: &InstrumentFields,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let mut args = field_args(f);
    args.extend([id.into(), org.into(), country.into(), by.into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO policy_instruments (kind, level, area, title, description, id, org_id, country, created_by, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1)",
            args,
        ))
        .await?;
    Ok(())
}

/// Write new field values if the row is still at `base`; the new version.
pub async fn update(tx: &mut Tx, id: Uuid, base: i64, f: &InstrumentFields, now: OffsetDateTime) -> Result<i64> {
    let mut args = field_args(f);
    args.extend([now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE policy_instruments SET kind = $1, level = $2, area = $3, title = $4, description = $5, \
             version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    stale_check(tx, "policy_instruments", id, base, n).await
}

fn select_one(scope: &Scope, id: Uuid) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM policy_instruments WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    q
}

/// One instrument in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<InstrumentRow> {
    db.read().fetch_one(&select_one(scope, id)).await
}

/// The same inside a write transaction.
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<InstrumentRow> {
    tx.q().fetch_one(&select_one(scope, id)).await
}

/// Instruments by id, in the caller's scope (to check and show an outcome's links).
pub async fn some(db: &Db, scope: &Scope, ids: &[Uuid]) -> Result<Vec<InstrumentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM policy_instruments WHERE deleted_at IS NULL AND id IN (");
    q.bind_list(ids.iter().copied()).push(") AND ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY title, id");
    db.read().fetch_all(&q).await
}

fn where_of(scope: &Scope, f: &InstrumentFilter) -> Sql {
    let mut q = Sql::new(" FROM policy_instruments WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    f.place.push_to(&mut q, "country", "org_id");
    if let Some(k) = &f.kind {
        q.push(" AND kind = ").bind(k.clone());
    }
    if let Some(l) = &f.level {
        q.push(" AND level = ").bind(l.clone());
    }
    q
}

/// A page of instruments in the caller's scope, by country and title, and how many there
/// are in all.
pub async fn list(db: &Db, scope: &Scope, f: &InstrumentFilter, paging: Paging) -> Result<(Vec<InstrumentRow>, i64)> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).append(where_of(scope, f));
    q.push(" ORDER BY country, title, id");
    paging.push_to(&mut q);
    let rows = db.read().fetch_all(&q).await?;
    let mut c = Sql::new("SELECT COUNT(*)");
    c.append(where_of(scope, f));
    let total: i64 = db.read().scalar(&c).await?;
    Ok((rows, total))
}
