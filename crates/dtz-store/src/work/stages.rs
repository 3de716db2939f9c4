//! Stage histories of policy instruments, prosecutions and companies: three tables of
//! one shape (`record_id`, `stage`, `reached_on`, `note`), at most one live entry per
//! record and stage (a partial unique index); a withdrawn entry is a tombstone.

use crate::orgs::stale_check;
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::ids::UserId;
use dtz_domain::work::stage::StageFields;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Which stage history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageTable {
    /// `policy_stages` of `policy_instruments`.
    Policy,
    /// `prosecution_stages` of `prosecutions`.
    Prosecution,
    /// `company_stages` of `companies`.
    Company,
}

impl StageTable {
    /// The table.
    pub fn table(self) -> &'static str {
        match self {
            StageTable::Policy => "policy_stages",
            StageTable::Prosecution => "prosecution_stages",
            StageTable::Company => "company_stages",
        }
    }
}

/// A stage entry.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StageRow {
    /// Id.
    pub id: Uuid,
    /// The record.
    pub record_id: Uuid,
    /// Stage code.
    pub stage: String,
    /// When it was reached.
    pub reached_on: Date,
    /// Note.
    pub note: Option<String>,
    /// Row version.
    pub version: i64,
    /// Who recorded it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: OffsetDateTime,
}

impl StageRow {
    /// The fields as the domain sees them.
    pub fn fields(&self) -> StageFields {
        StageFields { reached_on: self.reached_on, note: self.note.clone() }
    }
}

const COLS: &str = "id, record_id, stage, reached_on, note, version, created_by, created_at";

/// The live stage entries of some records, by record and date.
pub async fn of(db: &Db, t: StageTable, records: &[Uuid]) -> Result<Vec<StageRow>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM ").push(t.table()).push(" WHERE deleted_at IS NULL AND record_id IN (");
    q.bind_list(records.iter().copied()).push(") ORDER BY record_id, reached_on, created_at");
    db.read().fetch_all(&q).await
}

/// The live stage entries of one record inside a write transaction.
pub async fn of_in(tx: &mut Tx, t: StageTable, record: Uuid) -> Result<Vec<StageRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM ").push(t.table()).push(" WHERE deleted_at IS NULL AND record_id = ").bind(record);
    q.push(" ORDER BY reached_on, created_at");
    tx.q().fetch_all(&q).await
}

/// One live entry by id (reads; the caller checks the record's scope).
pub async fn by_id(db: &Db, t: StageTable, id: Uuid) -> Result<StageRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM ").push(t.table()).push(" WHERE deleted_at IS NULL AND id = ").bind(id);
    db.read().fetch_one(&q).await
}

/// Insert an entry.
#[expect(clippy::too_many_arguments, reason = "one column each; the stage tables share this insert")]
pub async fn insert(
    tx: &mut Tx,
    t: StageTable,
    id: Uuid,
    record: Uuid,
    stage: &str,
    f: &StageFields,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let mut q = Sql::new("INSERT INTO ");
    q.push(t.table())
        .push(" (id, record_id, stage, reached_on, note, version, created_by, created_at, updated_at) VALUES (");
    let args: [crate::Arg; 5] = [id.into(), record.into(), stage.into(), f.reached_on.into(), f.note.clone().into()];
    q.bind_list(args);
    q.push(", 1, ").bind(by).push(", ").bind(now).push(", ").bind(now).push(")");
    tx.q().execute(&q).await?;
    Ok(())
}

/// Change an entry if still at `base`; the new version.
pub async fn update(
    tx: &mut Tx,
    t: StageTable,
    id: Uuid,
    base: i64,
    f: &StageFields,
    now: OffsetDateTime,
) -> Result<i64> {
    let mut q = Sql::new("UPDATE ");
    q.push(t.table()).push(" SET reached_on = ").bind(f.reached_on).push(", note = ").bind(f.note.clone());
    q.push(", version = version + 1, updated_at = ").bind(now);
    q.push(" WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND version = ").bind(base);
    let n = tx.q().execute(&q).await?;
    stale_check(tx, t.table(), id, base, n).await
}

/// Withdraw an entry (a tombstone) if still at `base`; the new version.
pub async fn withdraw(tx: &mut Tx, t: StageTable, id: Uuid, base: i64, now: OffsetDateTime) -> Result<i64> {
    let mut q = Sql::new("UPDATE ");
    q.push(t.table()).push(" SET deleted_at = ").bind(now).push(", updated_at = ").bind(now);
    q.push(", version = version + 1 WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND version = ").bind(base);
    let n = tx.q().execute(&q).await?;
    if n == 1 {
        return Ok(base + 1);
    }
    stale_check(tx, t.table(), id, base, 0).await
}

/// The ids of every entry of a record, withdrawn ones too (for its history).
pub async fn ids_all(db: &Db, t: StageTable, record: Uuid) -> Result<Vec<Uuid>> {
    let mut q = Sql::new("SELECT id FROM ");
    q.push(t.table()).push(" WHERE record_id = ").bind(record);
    let rows: Vec<(Uuid,)> = db.read().fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
