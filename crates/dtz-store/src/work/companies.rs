//! Companies and industry associations, and The Code's six criteria per year. Their
//! engagement stages live in `company_stages` ([`super::stages`]).

use super::{Paging, Place, SCOPE};
use crate::orgs::stale_check;
use crate::scope::filter;
use crate::sql::{Arg, Sql};
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::work::company::{CompanyFields, YearFields};
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored company.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CompanyRow {
    /// Id.
    pub id: Uuid,
    /// Organisation that engages it.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Name.
    pub name: String,
    /// Company or association.
    pub kind: String,
    /// Sector code.
    pub sector: String,
    /// Size code.
    pub size: String,
    /// Row version.
    pub version: i64,
    /// Who recorded it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, org_id, country, name, kind, sector, size, version, created_by, created_at, updated_at";

/// A stored year of The Code's criteria.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct YearRow {
    /// Id.
    pub id: Uuid,
    /// The company.
    pub company_id: Uuid,
    /// Calendar year.
    pub year: i64,
    /// Policy in place.
    pub policy: bool,
    /// Staff trained.
    pub training: bool,
    /// How many staff were trained.
    pub staff_trained: Option<i64>,
    /// Contract clause.
    pub clause: bool,
    /// Information for travellers.
    pub travellers: bool,
    /// Stakeholders engaged.
    pub stakeholders: bool,
    /// Annual report.
    pub report: bool,
    /// Evidence of the policy.
    pub policy_evidence: Option<String>,
    /// Evidence of the training.
    pub training_evidence: Option<String>,
    /// Evidence of the clause.
    pub clause_evidence: Option<String>,
    /// Evidence of the information for travellers.
    pub travellers_evidence: Option<String>,
    /// Evidence of the engagement of stakeholders.
    pub stakeholders_evidence: Option<String>,
    /// Evidence of the annual report.
    pub report_evidence: Option<String>,
    /// Row version.
    pub version: i64,
}

impl YearRow {
    /// The fields as the domain sees them.
    pub fn fields(&self) -> YearFields {
        YearFields {
            policy: self.policy,
            training: self.training,
            staff_trained: self.staff_trained,
            clause: self.clause,
            travellers: self.travellers,
            stakeholders: self.stakeholders,
            report: self.report,
            evidence: [
                self.policy_evidence.clone(),
                self.training_evidence.clone(),
                self.clause_evidence.clone(),
                self.travellers_evidence.clone(),
                self.stakeholders_evidence.clone(),
                self.report_evidence.clone(),
            ],
        }
    }
}

const YEAR_COLS: &str = "id, company_id, year, policy, training, staff_trained, clause, travellers, stakeholders, \
                         report, policy_evidence, training_evidence, clause_evidence, travellers_evidence, \
                         stakeholders_evidence, report_evidence, version";

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct CompanyFilter {
    /// Country and organisation.
    pub place: Place,
    /// Sector code.
    pub sector: Option<String>,
    /// Kind code.
    pub kind: Option<String>,
}

fn field_args(f: &CompanyFields) -> Vec<Arg> {
    vec![f.name.clone().into(), f.kind.as_str().into(), f.sector.as_str().into(), f.size.as_str().into()]
}

/// Insert a company.
pub async fn insert(
    tx: &mut Tx,
    id: Uuid,
    org: OrgId,
    country: &str,
    f: &CompanyFields,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let mut args = field_args(f);
    args.extend([id.into(), org.into(), country.into(), by.into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO companies (name, kind, sector, size, id, org_id, country, created_by, created_at, updated_at, \
             version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)",
            args,
        ))
        .await?;
    Ok(())
}

/// Write new field values if the row is still at `base`; the new version.
pub async fn update(tx: &mut Tx, id: Uuid, base: i64, f: &CompanyFields, now: OffsetDateTime) -> Result<i64> {
    let mut args = field_args(f);
    args.extend([now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE companies SET name = $1, kind = $2, sector = $3, size = $4, version = version + 1, updated_at = $5 \
             WHERE id = $6 AND version = $7 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    stale_check(tx, "companies", id, base, n).await
}

fn select_one(scope: &Scope, id: Uuid) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM companies WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    q
}

/// One company in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<CompanyRow> {
    db.read().fetch_one(&select_one(scope, id)).await
}

/// The same inside a write transaction.
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<CompanyRow> {
    tx.q().fetch_one(&select_one(scope, id)).await
}

fn where_of(scope: &Scope, f: &CompanyFilter) -> Sql {
    let mut q = Sql::new(" FROM companies WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    f.place.push_to(&mut q, "country", "org_id");
    if let Some(s) = &f.sector {
        q.push(" AND sector = ").bind(s.clone());
    }
    if let Some(k) = &f.kind {
        q.push(" AND kind = ").bind(k.clone());
    }
    q
}

/// A page of companies in the caller's scope, by name, and how many in all.
pub async fn list(db: &Db, scope: &Scope, f: &CompanyFilter, paging: Paging) -> Result<(Vec<CompanyRow>, i64)> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).append(where_of(scope, f));
    q.push(" ORDER BY name, country, id");
    paging.push_to(&mut q);
    let rows = db.read().fetch_all(&q).await?;
    let mut c = Sql::new("SELECT COUNT(*)");
    c.append(where_of(scope, f));
    let total: i64 = db.read().scalar(&c).await?;
    Ok((rows, total))
}

/// The years of some companies, by company and year.
pub async fn years(db: &Db, companies: &[Uuid]) -> Result<Vec<YearRow>> {
    if companies.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT ");
    q.push(YEAR_COLS).push(" FROM company_years WHERE deleted_at IS NULL AND company_id IN (");
    q.bind_list(companies.iter().copied()).push(") ORDER BY company_id, year");
    db.read().fetch_all(&q).await
}

/// One year of a company inside a write transaction, if recorded.
pub async fn year_in(tx: &mut Tx, company: Uuid, year: i64) -> Result<Option<YearRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(YEAR_COLS).push(" FROM company_years WHERE deleted_at IS NULL AND company_id = ").bind(company);
    q.push(" AND year = ").bind(year);
    tx.q().fetch_optional(&q).await
}

/// One year row by id (reads; the caller checks the company's scope).
pub async fn year_by_id(db: &Db, id: Uuid) -> Result<YearRow> {
    let mut q = Sql::new("SELECT ");
    q.push(YEAR_COLS).push(" FROM company_years WHERE deleted_at IS NULL AND id = ").bind(id);
    db.read().fetch_one(&q).await
}

fn year_args(y: &YearFields) -> Vec<Arg> {
    let mut a: Vec<Arg> = vec![
        y.policy.into(),
        y.training.into(),
        y.staff_trained.into(),
        y.clause.into(),
        y.travellers.into(),
        y.stakeholders.into(),
        y.report.into(),
    ];
    a.extend(y.evidence.iter().map(|e| Arg::from(e.clone())));
    a
}

/// Insert a year of a company.
pub async fn insert_year(
    tx: &mut Tx,
    id: Uuid,
    company: Uuid,
    year: i64,
    y: &YearFields,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let mut args = year_args(y);
    args.extend([id.into(), company.into(), year.into(), by.into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO company_years (policy, training, staff_trained, clause, travellers, stakeholders, report, \
             policy_evidence, training_evidence, clause_evidence, travellers_evidence, stakeholders_evidence, \
             report_evidence, id, company_id, year, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, 1)",
            args,
        ))
        .await?;
    Ok(())
}

/// Write a year if the row is still at `base`; the new version.
pub async fn update_year(tx: &mut Tx, id: Uuid, base: i64, y: &YearFields, now: OffsetDateTime) -> Result<i64> {
    let mut args = year_args(y);
    args.extend([now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE company_years SET policy = $1, training = $2, staff_trained = $3, clause = $4, travellers = $5, \
             stakeholders = $6, report = $7, policy_evidence = $8, training_evidence = $9, clause_evidence = $10, \
             travellers_evidence = $11, stakeholders_evidence = $12, report_evidence = $13, version = version + 1, \
             updated_at = $14 WHERE id = $15 AND version = $16 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    stale_check(tx, "company_years", id, base, n).await
}
