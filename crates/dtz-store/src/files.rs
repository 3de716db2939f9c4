//! Files attached to records (evidence of indicator values now; activities and policy
//! instruments later), sealed by envelope encryption (DESIGN §5): each file has its own
//! random data key, wrapped by the owning organisation's key-encryption key; the name and
//! the content are sealed with the data key. Associated data names table, column and
//! file id, so a ciphertext moved to another row does not open. A removed file keeps its
//! row as a tombstone, with data key, name and content erased.
//!
//! A link attaches a file to a record: entity kind, entity id, and for records with parts
//! the part (`subject_id`; for a report, the indicator). Reading a file through a link
//! applies the scope of the linked record; see [`get_via_report`].

use crate::crypto::{self, SecretKey};
use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Keys, Result, StoreError, Tx, orgs};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Entity kind of a report (files attached to one of its indicators).
pub const REPORT: &str = "report";

/// A file as stored, without its content.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct FileRow {
    /// Id.
    pub id: Uuid,
    /// Owning organisation (whose key wraps the data key).
    pub org_id: Uuid,
    /// Name, sealed.
    pub name: Vec<u8>,
    /// Media type decided from the content.
    pub content_type: String,
    /// Size in bytes of the plaintext.
    pub size: i64,
    /// SHA-256 of the plaintext.
    pub sha256: Vec<u8>,
    /// Data key, wrapped by the organisation's key-encryption key.
    pub data_key: Vec<u8>,
    /// Row version.
    pub version: i64,
    /// Who attached it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: OffsetDateTime,
}

const COLS: &str =
    "f.id, f.org_id, f.name, f.content_type, f.size, f.sha256, f.data_key, f.version, f.created_by, f.created_at";

/// A file with the link that attaches it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LinkedFile {
    /// The file.
    #[sqlx(flatten)]
    pub file: FileRow,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: Uuid,
    /// Part of the entity (a report's indicator), if any.
    pub subject_id: Option<Uuid>,
}

/// A file to store.
#[derive(Clone, Debug)]
pub struct NewFile<'a> {
    /// Id.
    pub id: Uuid,
    /// Owning organisation.
    pub org: OrgId,
    /// Name as kept.
    pub name: &'a str,
    /// Media type decided from the content.
    pub content_type: &'a str,
    /// The bytes.
    pub content: &'a [u8],
    /// Who attaches it.
    pub by: Option<UserId>,
}

/// A file sealed and ready to insert.
#[derive(Clone, Debug)]
pub struct Sealed {
    id: Uuid,
    org: OrgId,
    name: Vec<u8>,
    content_type: String,
    size: i64,
    sha256: Vec<u8>,
    data_key: Vec<u8>,
    content: Vec<u8>,
    by: Option<UserId>,
}

impl Sealed {
    /// SHA-256 of the plaintext.
    pub fn sha256(&self) -> &[u8] {
        &self.sha256
    }
}

fn aad(column: &str, id: Uuid) -> Vec<u8> {
    format!("files.{column}|{id}").into_bytes()
}

/// Seal a file: a fresh data key seals name and content; the organisation's current
/// key-encryption key wraps the data key. Done before the write transaction (it reads the
/// organisation's key).
pub async fn seal(db: &Db, keys: &Keys, f: &NewFile<'_>) -> Result<Sealed> {
    let (kek_id, kek) = orgs::current_org_key(db, keys, f.org).await?;
    let data_key = SecretKey::generate()?;
    let size = i64::try_from(f.content.len()).map_err(|_| StoreError::Crypto("file too large".into()))?;
    Ok(Sealed {
        id: f.id,
        org: f.org,
        name: crypto::seal(&data_key, f.id, &aad("name", f.id), f.name.as_bytes())?,
        content_type: f.content_type.to_owned(),
        size,
        sha256: Sha256::digest(f.content).to_vec(),
        data_key: crypto::seal(&kek, kek_id, &aad("data_key", f.id), &data_key.0)?,
        content: crypto::seal(&data_key, f.id, &aad("content", f.id), f.content)?,
        by: f.by,
    })
}

/// Insert a sealed file and attach it to `entity` (`subject`: the part of it).
pub async fn insert(
    tx: &mut Tx,
    s: &Sealed,
    entity: &'static str,
    entity_id: Uuid,
    subject: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO files (id, org_id, name, content_type, size, sha256, data_key, content, version, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)",
            vec![
                s.id.into(),
                s.org.into(),
                s.name.clone().into(),
                s.content_type.clone().into(),
                s.size.into(),
                s.sha256.clone().into(),
                s.data_key.clone().into(),
                s.content.clone().into(),
                s.by.into(),
                now.into(),
            ],
        ))
        .await?;
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO file_links (id, file_id, entity, entity_id, subject_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            vec![Uuid::new_v4().into(), s.id.into(), entity.into(), entity_id.into(), subject.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// Files attached to any of `ids` of one entity kind (not removed), oldest first: one
/// query for a whole page. The caller has checked that it may see those records.
pub async fn attached(db: &Db, entity: &'static str, ids: &[Uuid]) -> Result<Vec<LinkedFile>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(", l.entity, l.entity_id, l.subject_id FROM file_links l JOIN files f ON f.id = l.file_id ");
    q.push("WHERE f.deleted_at IS NULL AND l.entity = ").bind(entity).push(" AND l.entity_id IN (");
    q.bind_list(ids.iter().copied()).push(") ORDER BY f.created_at, f.id");
    db.read().fetch_all(&q).await
}

/// A file attached to a report, read through the report's scope: `None` when the file
/// does not exist, was removed, is attached to no report, or to none the scope admits.
pub async fn get_via_report(db: &Db, scope: &Scope, id: Uuid) -> Result<Option<LinkedFile>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(", l.entity, l.entity_id, l.subject_id FROM files f JOIN file_links l ON l.file_id = f.id ");
    q.push("JOIN reports r ON r.id = l.entity_id WHERE f.deleted_at IS NULL AND l.entity = ").bind(REPORT);
    q.push(" AND f.id = ").bind(id).push(" AND ");
    q.append(filter(scope, &ScopeColumns { org: Some("r.org_id"), country: Some("r.country"), ..Default::default() }));
    q.push(" ORDER BY l.created_at LIMIT 1");
    db.read().fetch_optional(&q).await
}

/// The sealed content of a file that is not removed.
pub async fn content(db: &Db, id: Uuid) -> Result<Vec<u8>> {
    let (c,): (Vec<u8>,) = db
        .read()
        .fetch_one(&Sql::with_args("SELECT content FROM files WHERE id = $1 AND deleted_at IS NULL", vec![id.into()]))
        .await?;
    Ok(c)
}

/// Opens the files of a page, unwrapping each organisation key once.
pub struct Opener<'a> {
    db: &'a Db,
    keys: &'a Keys,
    keks: HashMap<(Uuid, Uuid), SecretKey>,
}

impl<'a> Opener<'a> {
    /// An opener over the database and the key file.
    pub fn new(db: &'a Db, keys: &'a Keys) -> Self {
        Self { db, keys, keks: HashMap::new() }
    }

    async fn data_key(&mut self, f: &FileRow) -> Result<SecretKey> {
        let kek_id = crypto::key_id_of(&f.data_key)?;
        let k = (f.org_id, kek_id);
        if !self.keks.contains_key(&k) {
            let kek = orgs::org_key(self.db, self.keys, OrgId(f.org_id), kek_id).await?;
            self.keks.insert(k, kek);
        }
        let kek = self.keks.get(&k).ok_or_else(|| StoreError::Crypto("key vanished".into()))?;
        let raw = crypto::open(kek, &aad("data_key", f.id), &f.data_key)?;
        let arr: [u8; 32] = raw.try_into().map_err(|_| StoreError::Crypto("bad data key length".into()))?;
        Ok(SecretKey(arr))
    }

    /// The file's name.
    pub async fn name(&mut self, f: &FileRow) -> Result<String> {
        let key = self.data_key(f).await?;
        let bytes = crypto::open(&key, &aad("name", f.id), &f.name)?;
        String::from_utf8(bytes).map_err(|_| StoreError::Crypto("file name is not UTF-8".into()))
    }

    /// The file's content, checked against its SHA-256.
    pub async fn content(&mut self, f: &FileRow, sealed: &[u8]) -> Result<Vec<u8>> {
        let key = self.data_key(f).await?;
        let bytes = crypto::open(&key, &aad("content", f.id), sealed)?;
        if Sha256::digest(&bytes).as_slice() != f.sha256.as_slice() {
            return Err(StoreError::Crypto("file content does not match its hash".into()));
        }
        Ok(bytes)
    }
}

/// Remove a file: a tombstone, with its data key, name and content erased (what was
/// sealed can no longer be opened, even from a backup of this row). Returns the new
/// version, or `NotFound` when it was removed already.
pub async fn remove(tx: &mut Tx, id: Uuid, by: Option<UserId>, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE files SET deleted_at = $1, deleted_by = $2, data_key = $3, name = $3, content = $3, version = version + 1 \
             WHERE id = $4 AND deleted_at IS NULL",
            vec![now.into(), by.into(), Vec::<u8>::new().into(), id.into()],
        ))
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let (v,): (i64,) =
        tx.q().fetch_one(&Sql::with_args("SELECT version FROM files WHERE id = $1", vec![id.into()])).await?;
    Ok(v)
}

/// The status of a report inside a write transaction, locked on PostgreSQL so that no
/// submission or approval commits between this check and the evidence change (SQLite
/// writes are serial anyway). `None` when there is no such report.
pub async fn report_status_locked(tx: &mut Tx, report: Uuid) -> Result<Option<String>> {
    let mut q = Sql::new("SELECT status FROM reports WHERE id = ");
    q.bind(report);
    if tx.dialect() == crate::Dialect::Postgres {
        q.push(" FOR UPDATE");
    }
    let row: Option<(String,)> = tx.q().fetch_optional(&q).await?;
    Ok(row.map(|(s,)| s))
}
