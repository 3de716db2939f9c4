//! Prosecutions. Nothing about the victim is stored; the case reference (which case
//! staff can follow to a child's case) is sealed under the owning organisation's key,
//! bound to its row, so a copy of the database alone does not link the two. Their
//! stages live in `prosecution_stages` ([`super::stages`]).

use super::{Paging, Place, SCOPE};
use crate::orgs::{self, stale_check};
use crate::scope::filter;
use crate::sql::{Arg, Sql};
use crate::{Db, Keys, Result, Tx, crypto};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::work::prosecution::ProsecutionFields;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A stored prosecution.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ProsecutionRow {
    /// Id.
    pub id: Uuid,
    /// Organisation that supports it.
    pub org_id: Uuid,
    /// Country (its legal system).
    pub country: String,
    /// The organisation's file number.
    pub reference: String,
    /// Term code of `offence_type`.
    pub offence: String,
    /// When it started.
    pub opened_on: Date,
    /// Legal aid given.
    pub legal_aid: bool,
    /// Accompaniment given.
    pub accompaniment: bool,
    /// The case reference, sealed.
    pub case_ref: Option<Vec<u8>>,
    /// Row version.
    pub version: i64,
    /// Who recorded it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, org_id, country, reference, offence, opened_on, legal_aid, accompaniment, case_ref, version, \
                    created_by, created_at, updated_at";

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct ProsecutionFilter {
    /// Country and organisation.
    pub place: Place,
    /// Offence type code.
    pub offence: Option<String>,
}

fn aad(id: Uuid) -> Vec<u8> {
    format!("prosecutions.case_ref|{id}").into_bytes()
}

/// Seal a case reference under the organisation's current key, bound to the row.
pub async fn seal_case_ref(db: &Db, keys: &Keys, org: OrgId, id: Uuid, plain: &str) -> Result<Vec<u8>> {
    let (key_id, key) = orgs::current_org_key(db, keys, org).await?;
    crypto::seal(&key, key_id, &aad(id), plain.as_bytes())
}

/// Open a sealed case reference.
pub async fn open_case_ref(db: &Db, keys: &Keys, org: OrgId, id: Uuid, sealed: &[u8]) -> Result<String> {
    let key = orgs::org_key(db, keys, org, crypto::key_id_of(sealed)?).await?;
    let bytes = crypto::open(&key, &aad(id), sealed)?;
    String::from_utf8(bytes).map_err(|_| crate::StoreError::Crypto("case reference is not UTF-8".into()))
}

fn field_args(f: &ProsecutionFields, case_ref: Option<Vec<u8>>) -> Vec<Arg> {
    vec![
        f.reference.clone().into(),
        f.offence.clone().into(),
        f.opened_on.into(),
        f.legal_aid.into(),
        f.accompaniment.into(),
        case_ref.into(),
    ]
}

/// Insert a prosecution (`case_ref` sealed with [`seal_case_ref`]).
#[expect(clippy::too_many_arguments, reason = "one row, written once")]
pub async fn insert(
    tx: &mut Tx,
    id: Uuid,
    org: OrgId,
    country: &str,
    f: &ProsecutionFields,
    case_ref: Option<Vec<u8>>,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let mut args = field_args(f, case_ref);
    args.extend([id.into(), org.into(), country.into(), by.into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO prosecutions (reference, offence, opened_on, legal_aid, accompaniment, case_ref, id, org_id, \
             country, created_by, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1)",
            args,
        ))
        .await?;
    Ok(())
}

/// Write new field values (and the sealed case reference as it is to be) if the row is
/// still at `base`; the new version.
pub async fn update(
    tx: &mut Tx,
    id: Uuid,
    base: i64,
    f: &ProsecutionFields,
    case_ref: Option<Vec<u8>>,
    now: OffsetDateTime,
) -> Result<i64> {
    let mut args = field_args(f, case_ref);
    args.extend([now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE prosecutions SET reference = $1, offence = $2, opened_on = $3, legal_aid = $4, accompaniment = $5, \
             case_ref = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    stale_check(tx, "prosecutions", id, base, n).await
}

fn select_one(scope: &Scope, id: Uuid) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM prosecutions WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    q
}

/// One prosecution in the caller's scope (of `Area::Prosecutions`).
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<ProsecutionRow> {
    db.read().fetch_one(&select_one(scope, id)).await
}

/// The same inside a write transaction.
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<ProsecutionRow> {
    tx.q().fetch_one(&select_one(scope, id)).await
}

fn where_of(scope: &Scope, f: &ProsecutionFilter) -> Sql {
    let mut q = Sql::new(" FROM prosecutions WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    f.place.push_to(&mut q, "country", "org_id");
    if let Some(o) = &f.offence {
        q.push(" AND offence = ").bind(o.clone());
    }
    q
}

/// A page of prosecutions in the caller's scope, newest first, and how many in all.
pub async fn list(db: &Db, scope: &Scope, f: &ProsecutionFilter, paging: Paging) -> Result<(Vec<ProsecutionRow>, i64)> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).append(where_of(scope, f));
    q.push(" ORDER BY opened_on DESC, reference, id");
    paging.push_to(&mut q);
    let rows = db.read().fetch_all(&q).await?;
    let mut c = Sql::new("SELECT COUNT(*)");
    c.append(where_of(scope, f));
    let total: i64 = db.read().scalar(&c).await?;
    Ok((rows, total))
}

/// Every recorded stage of every prosecution in `scope` (one row per prosecution and
/// stage; a prosecution without stages once, with no stage): what the disclosed summary
/// is computed from. `scope` here is the caller's *results* scope: the summary is for
/// those who may not read the records themselves.
pub async fn stage_rows(db: &Db, scope: &Scope) -> Result<Vec<(Uuid, String, Option<String>)>> {
    let mut q = Sql::new(
        "SELECT p.id, p.country, s.stage FROM prosecutions p LEFT JOIN prosecution_stages s \
         ON s.record_id = p.id AND s.deleted_at IS NULL WHERE p.deleted_at IS NULL AND ",
    );
    q.append(filter(
        scope,
        &crate::scope::ScopeColumns { org: Some("p.org_id"), country: Some("p.country"), ..Default::default() },
    ));
    q.push(" ORDER BY p.country, p.id");
    db.read().fetch_all(&q).await
}
