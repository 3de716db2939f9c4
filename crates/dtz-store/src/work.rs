//! Storage of the work records: harvested outcomes, policy instruments, prosecutions and
//! companies, their stage histories and The Code's criteria per year, and the counts
//! computed indicators are made of (`counts`). Every read of a record takes the caller's
//! scope; rows that hang off a record (stages, years, links) are read by record id after
//! the record itself was read within scope.

pub mod companies;
pub mod counts;
pub mod instruments;
pub mod outcomes;
pub mod prosecutions;
pub mod stages;

use crate::audit::Event;
use crate::scope::ScopeColumns;
use crate::sql::Sql;
use crate::{Db, Result};
use uuid::Uuid;

/// The scope columns every work record has (owning organisation and country), unqualified.
pub const SCOPE: ScopeColumns = ScopeColumns::place("org_id", "country");

/// Lines per page of a list.
pub const PER_PAGE: i64 = 50;

/// Which page of a list (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// Page number, from 1.
    pub page: i64,
    /// Lines per page.
    pub per_page: i64,
}

impl Default for Paging {
    fn default() -> Self {
        Self { page: 1, per_page: PER_PAGE }
    }
}

impl Paging {
    /// `LIMIT … OFFSET …` for this page.
    pub fn push_to(&self, q: &mut Sql) {
        let per = self.per_page.clamp(1, 500);
        q.push(" LIMIT ").bind(per).push(" OFFSET ").bind((self.page.max(1) - 1).saturating_mul(per));
    }
}

/// Filters shared by the lists: country and organisation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// Only this country.
    pub country: Option<String>,
    /// Only this organisation.
    pub org: Option<Uuid>,
}

impl Place {
    /// ` AND country = … AND org_id = …` for the columns of a table (alias prefix given).
    pub fn push_to(&self, q: &mut Sql, country_col: &'static str, org_col: &'static str) {
        if let Some(c) = &self.country {
            q.push(" AND ").push(country_col).push(" = ").bind(c.clone());
        }
        if let Some(o) = self.org {
            q.push(" AND ").push(org_col).push(" = ").bind(o);
        }
    }
}

/// Audit events about any of `ids` (a record and the rows hanging off it), newest
/// first: the history a record's page shows (names of fields, never values). The caller
/// has read the record within its scope.
pub async fn history(db: &Db, ids: &[Uuid]) -> Result<Vec<Event>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT * FROM audit_events WHERE entity_id IN (");
    q.bind_list(ids.iter().copied()).push(") ORDER BY seq DESC LIMIT 200");
    db.read().fetch_all(&q).await
}

/// Names of users by id (for histories).
pub async fn user_names(db: &Db, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT id, name FROM users WHERE id IN (");
    q.bind_list(ids.iter().copied()).push(")");
    db.read().fetch_all(&q).await
}

/// A goal or outcome of a results framework an outcome can link to.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NodeChoice {
    /// Node id.
    pub id: Uuid,
    /// Programme code.
    pub programme: String,
    /// Node code.
    pub code: String,
    /// Title.
    pub title: String,
    /// `goal` or `outcome`.
    pub level: String,
}

/// The goals and outcomes of every programme (`ids`: only these, when given).
pub async fn nodes(db: &Db, ids: Option<&[Uuid]>) -> Result<Vec<NodeChoice>> {
    let mut q = Sql::new(
        "SELECT n.id, p.code AS programme, n.code, n.title, n.level FROM result_nodes n JOIN programmes p ON p.id = n.programme_id \
         WHERE n.deleted_at IS NULL AND p.deleted_at IS NULL AND n.level IN ('goal', 'outcome')",
    );
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        q.push(" AND n.id IN (").bind_list(ids.iter().copied()).push(")");
    }
    q.push(" ORDER BY p.code, n.code");
    db.read().fetch_all(&q).await
}

/// A file attached to a work record (a stage of a policy instrument, a company's year),
/// with its link, whatever the caller's scope: the services check the record's scope.
pub async fn linked_file(db: &Db, entities: &[&'static str], file: Uuid) -> Result<Option<crate::files::LinkedFile>> {
    let mut q = Sql::new(
        "SELECT f.id, f.org_id, f.name, f.content_type, f.size, f.sha256, f.data_key, f.version, f.created_by, \
         f.created_at, l.entity, l.entity_id, l.subject_id FROM files f JOIN file_links l ON l.file_id = f.id \
         WHERE f.deleted_at IS NULL AND f.id = ",
    );
    q.bind(file).push(" AND l.entity IN (").bind_list(entities.iter().copied()).push(") ORDER BY l.created_at LIMIT 1");
    db.read().fetch_optional(&q).await
}

/// The countries work can be recorded in: every programme's and every configured one.
pub async fn countries(db: &Db) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db
        .read()
        .fetch_all(&Sql::new(
            "SELECT country FROM programme_countries WHERE deleted_at IS NULL UNION \
             SELECT country FROM country_settings WHERE deleted_at IS NULL ORDER BY 1",
        ))
        .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}
