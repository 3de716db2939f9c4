//! Organisations and their key-encryption keys.

use crate::bulk;
use crate::crypto::{self, SecretKey};
use crate::scope::{ScopeColumns, filter};
use crate::sql::{Arg, Sql};
use crate::{Db, Keys, Result, StoreError, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::OrgId;
use dtz_domain::org::{CountryCode, IatiOrgId, OrgFields, OrgKind};
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored organisation.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OrgRow {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Kind (see [`OrgKind`]).
    pub kind: String,
    /// IATI organisation id.
    pub iati_id: Option<String>,
    /// Home country.
    pub country: Option<String>,
    /// May be named in public data.
    pub publishable: bool,
    /// Row version.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

impl OrgRow {
    /// The editable fields, parsed back into domain types.
    pub fn fields(&self) -> OrgFields {
        OrgFields {
            name: self.name.clone(),
            kind: OrgKind::parse("kind", &self.kind).unwrap_or(OrgKind::LocalPartner),
            iati_id: self.iati_id.as_deref().and_then(|s| IatiOrgId::parse("iati_id", s).ok()),
            country: self.country.as_deref().and_then(|s| CountryCode::parse("country", s).ok()),
            publishable: self.publishable,
        }
    }
}

const COLS: &str = "id, name, kind, iati_id, country, publishable, version, created_at, updated_at";
const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("id"),
    country: Some("country"),
    team: None,
    owner: None,
    provider: Some("id"),
    case: None,
};

/// Insert an organisation with a fresh key-encryption key wrapped by the current master.
pub async fn insert(tx: &mut Tx, keys: &Keys, id: OrgId, f: &OrgFields, now: OffsetDateTime) -> Result<()> {
    insert_many(tx, keys, &[(id, f.clone())], now).await
}

/// Insert many organisations in a few statements, each with its own fresh
/// key-encryption key (from the operating system's generator, whatever made the rows).
pub async fn insert_many(tx: &mut Tx, keys: &Keys, orgs: &[(OrgId, OrgFields)], now: OffsetDateTime) -> Result<()> {
    let rows: Vec<Vec<Arg>> = orgs
        .iter()
        .map(|(id, f)| {
            vec![
                (*id).into(),
                f.name.clone().into(),
                f.kind.as_str().into(),
                f.iati_id.as_ref().map(|i| i.as_str().to_owned()).into(),
                f.country.map(|c| c.as_str().to_owned()).into(),
                f.publishable.into(),
                1i64.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO organisations (id, name, kind, iati_id, country, publishable, version, created_at, updated_at) VALUES ",
        &rows,
    )
    .await?;
    let key_rows = orgs.iter().map(|(id, _)| org_key_row(keys, *id, now)).collect::<Result<Vec<_>>>()?;
    bulk::insert(tx, ORG_KEYS_INSERT, &key_rows).await?;
    Ok(())
}

const ORG_KEYS_INSERT: &str = "INSERT INTO org_keys (id, org_id, master_key_id, wrapped, created_at) VALUES ";

/// Give an organisation a new key-encryption key (the newest one seals new data keys).
pub async fn add_org_key(tx: &mut Tx, keys: &Keys, org: OrgId, now: OffsetDateTime) -> Result<()> {
    bulk::insert(tx, ORG_KEYS_INSERT, &[org_key_row(keys, org, now)?]).await?;
    Ok(())
}

/// A fresh key-encryption key for `org`, wrapped by the current master key, as a row.
fn org_key_row(keys: &Keys, org: OrgId, now: OffsetDateTime) -> Result<Vec<Arg>> {
    let kek = SecretKey::generate()?;
    let key_id = Uuid::new_v4();
    let (master_id, master) = keys.current_master();
    let wrapped = crypto::seal(master, master_id, &org_key_aad(org, key_id), &kek.0)?;
    Ok(vec![key_id.into(), org.into(), master_id.to_string().into(), wrapped.into(), now.into()])
}

fn org_key_aad(org: OrgId, key_id: Uuid) -> Vec<u8> {
    format!("org_keys.wrapped|{org}|{key_id}").into_bytes()
}

#[derive(sqlx::FromRow)]
struct WrappedKey {
    id: Uuid,
    org_id: Uuid,
    master_key_id: String,
    wrapped: Vec<u8>,
}

/// The organisation's current key-encryption key, unwrapped.
pub async fn current_org_key(db: &Db, keys: &Keys, org: OrgId) -> Result<(Uuid, SecretKey)> {
    let w: WrappedKey = db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT id, org_id, master_key_id, wrapped FROM org_keys WHERE org_id = $1 AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
            vec![org.into()],
        ))
        .await?;
    Ok((w.id, unwrap_key(keys, &w)?))
}

/// One key-encryption key of an organisation by id (retired ones too, so data sealed
/// before a rotation still opens), unwrapped.
pub async fn org_key(db: &Db, keys: &Keys, org: OrgId, key_id: Uuid) -> Result<SecretKey> {
    let w: WrappedKey = db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT id, org_id, master_key_id, wrapped FROM org_keys WHERE org_id = $1 AND id = $2",
            vec![org.into(), key_id.into()],
        ))
        .await?;
    unwrap_key(keys, &w)
}

fn unwrap_key(keys: &Keys, w: &WrappedKey) -> Result<SecretKey> {
    let master_id: Uuid = w.master_key_id.parse().map_err(|_| StoreError::Crypto("bad master key id".into()))?;
    let master = keys
        .master(master_id)
        .ok_or_else(|| StoreError::Crypto(format!("master key {master_id} is not in the key file")))?;
    let bytes = crypto::open(master, &org_key_aad(OrgId(w.org_id), w.id), &w.wrapped)?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Crypto("bad key length".into()))?;
    Ok(SecretKey(arr))
}

/// Rewrap up to `batch` organisation keys that are not under the current master key.
/// Returns how many were rewrapped; 0 means the rotation is complete. Each batch is its
/// own transaction, so a crash loses at most one batch of work, which the next run redoes.
pub async fn rewrap_batch(tx: &mut Tx, keys: &Keys, batch: i64) -> Result<Vec<Uuid>> {
    let (master_id, master) = keys.current_master();
    let rows: Vec<WrappedKey> = tx
        .q()
        .fetch_all(&Sql::with_args(
            "SELECT id, org_id, master_key_id, wrapped FROM org_keys WHERE master_key_id <> $1 ORDER BY id LIMIT $2",
            vec![master_id.to_string().into(), batch.into()],
        ))
        .await?;
    let mut done = Vec::new();
    for w in rows {
        let kek = unwrap_key(keys, &w)?;
        let sealed = crypto::seal(master, master_id, &org_key_aad(OrgId(w.org_id), w.id), &kek.0)?;
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE org_keys SET master_key_id = $1, wrapped = $2 WHERE id = $3",
                vec![master_id.to_string().into(), sealed.into(), w.id.into()],
            ))
            .await?;
        done.push(w.id);
    }
    Ok(done)
}

/// Master key ids still in use by some wrapped key.
pub async fn masters_in_use(db: &Db) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db.read().fetch_all(&Sql::new("SELECT DISTINCT master_key_id FROM org_keys")).await?;
    Ok(rows.into_iter().map(|(s,)| s).collect())
}

/// One organisation in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: OrgId) -> Result<OrgRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM organisations WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_one(&q).await
}

/// The same, inside a write transaction (for read-modify-write).
pub async fn get_for_update(tx: &mut Tx, scope: &Scope, id: OrgId) -> Result<OrgRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM organisations WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    tx.q().fetch_one(&q).await
}

/// Organisations in the caller's scope, by name.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<OrgRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM organisations WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY name");
    db.read().fetch_all(&q).await
}

/// Find by exact name or id text (for the command line).
pub async fn find(db: &Db, name_or_id: &str) -> Result<OrgRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM organisations WHERE deleted_at IS NULL AND (name = ").bind(name_or_id);
    q.push(" OR iati_id = ").bind(name_or_id);
    if let Ok(id) = name_or_id.parse::<Uuid>() {
        q.push(" OR id = ").bind(id);
    }
    q.push(")");
    db.read().fetch_one(&q).await
}

/// Write new field values if the row is still at `base_version`.
pub async fn update(tx: &mut Tx, id: OrgId, base_version: i64, f: &OrgFields, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE organisations SET name = $1, kind = $2, iati_id = $3, country = $4, publishable = $5, \
             version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8 AND deleted_at IS NULL",
            vec![
                f.name.clone().into(),
                f.kind.as_str().into(),
                f.iati_id.as_ref().map(|i| i.as_str().to_owned()).into(),
                f.country.map(|c| c.as_str().to_owned()).into(),
                f.publishable.into(),
                now.into(),
                id.into(),
                base_version.into(),
            ],
        ))
        .await?;
    stale_check(tx, "organisations", id.0, base_version, n).await
}

/// Turn "0 rows updated" into the right error: not found, or stale with the version now.
pub async fn stale_check(tx: &mut Tx, table: &'static str, id: Uuid, base: i64, updated: u64) -> Result<i64> {
    if updated == 1 {
        return Ok(base + 1);
    }
    let mut q = Sql::new("SELECT version FROM ");
    q.push(table).push(" WHERE deleted_at IS NULL AND id = ").bind(id);
    let current: Option<(i64,)> = tx.q().fetch_optional(&q).await?;
    match current {
        Some((current,)) => Err(StoreError::Stale { base, current }),
        None => Err(StoreError::NotFound),
    }
}
