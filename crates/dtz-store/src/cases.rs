//! Cases. What names or locates a child is stored sealed (see [`crate::sealed`]); this
//! module moves rows and never sees plaintext. Lists filter and sort on plaintext
//! columns only, and every read takes the caller's scope.

pub mod checkouts;
pub mod children;
pub mod opened;
pub mod reads;
pub mod steps;
pub mod transfers;

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored case (sealed parts as bytes).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CaseRow {
    /// Id.
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// Country (ISO code).
    pub country: String,
    /// Owning organisation.
    pub org_id: Uuid,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Caseworker.
    pub caseworker_id: Option<Uuid>,
    /// The signal it was opened from.
    pub signal_id: Option<Uuid>,
    /// Status (`CaseStatus`).
    pub status: String,
    /// Risk level.
    pub risk: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i64>,
    /// The year of birth was worked out from an age.
    pub birth_year_estimated: bool,
    /// Languages, separated by commas.
    pub languages: String,
    /// Consent to services (`ConsentState`), none until recorded.
    pub consent_services: Option<String>,
    /// Consent to sharing.
    pub consent_sharing: Option<String>,
    /// Consent to statistics.
    pub consent_statistics: Option<String>,
    /// Some consent is pending after an emergency.
    pub consent_flagged: bool,
    /// Why it closes or closed.
    pub closure_reason: Option<String>,
    /// Who asked to close it.
    pub closure_requested_by: Option<Uuid>,
    /// When.
    pub closure_requested_at: Option<OffsetDateTime>,
    /// Supervisor who approved the closure.
    pub closed_by: Option<Uuid>,
    /// When.
    pub closed_at: Option<OffsetDateTime>,
    /// Data key wrapped by the owning organisation's key (none once erased).
    pub data_key: Option<Vec<u8>>,
    /// Sealed profile (none once erased).
    pub profile: Option<Vec<u8>>,
    /// Who opened it.
    pub created_by: Option<Uuid>,
    /// Row version.
    pub version: i64,
    /// Opened.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, number, country, org_id, team_id, caseworker_id, signal_id, status, risk, sex, birth_year, \
                    birth_year_estimated, languages, consent_services, consent_sharing, consent_statistics, \
                    consent_flagged, closure_reason, closure_requested_by, closure_requested_at, closed_by, closed_at, \
                    data_key, profile, created_by, version, created_at, updated_at";

/// A case as the list shows it: the plaintext columns only. The list never opens a
/// case, so it does not read the sealed profile or the wrapped key either (issue 8).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CaseListRow {
    /// Id.
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// Country (ISO code).
    pub country: String,
    /// Owning organisation.
    pub org_id: Uuid,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Caseworker.
    pub caseworker_id: Option<Uuid>,
    /// The signal it was opened from.
    pub signal_id: Option<Uuid>,
    /// Status (`CaseStatus`).
    pub status: String,
    /// Risk level.
    pub risk: Option<String>,
    /// Consent to services.
    pub consent_services: Option<String>,
    /// Consent to sharing.
    pub consent_sharing: Option<String>,
    /// Consent to statistics.
    pub consent_statistics: Option<String>,
    /// Some consent is pending after an emergency.
    pub consent_flagged: bool,
    /// Row version.
    pub version: i64,
    /// Opened.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const LIST_COLS: &str = "id, number, country, org_id, team_id, caseworker_id, signal_id, status, risk, \
                         consent_services, consent_sharing, consent_statistics, consent_flagged, version, \
                         created_at, updated_at";

impl From<&CaseRow> for CaseListRow {
    fn from(r: &CaseRow) -> Self {
        Self {
            id: r.id,
            number: r.number.clone(),
            country: r.country.clone(),
            org_id: r.org_id,
            team_id: r.team_id,
            caseworker_id: r.caseworker_id,
            signal_id: r.signal_id,
            status: r.status.clone(),
            risk: r.risk.clone(),
            consent_services: r.consent_services.clone(),
            consent_sharing: r.consent_sharing.clone(),
            consent_statistics: r.consent_statistics.clone(),
            consent_flagged: r.consent_flagged,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// How need to know sees a case.
pub const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("org_id"),
    country: Some("country"),
    team: Some("team_id"),
    owner: Some("caseworker_id"),
    provider: None,
    case: Some("id"),
};

/// The next number of `allocator` in `country` and `year` (1, 2, …), inside the
/// transaction that creates the case: the counter row is locked until it commits.
pub async fn next_number(tx: &mut Tx, allocator: &str, country: &str, year: i32) -> Result<i64> {
    let (n,): (i64,) = tx
        .q()
        .fetch_one(&Sql::with_args(
            "INSERT INTO case_number_sequences (allocator, country, year, last_seq) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (allocator, country, year) DO UPDATE SET last_seq = case_number_sequences.last_seq + 1 \
             RETURNING last_seq",
            vec![allocator.into(), country.into(), i64::from(year).into()],
        ))
        .await?;
    Ok(n)
}

/// Insert a case (version 1).
pub async fn insert(tx: &mut Tx, c: &CaseRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO cases (id, number, country, org_id, team_id, caseworker_id, signal_id, status, risk, sex, \
             birth_year, birth_year_estimated, languages, consent_services, consent_sharing, consent_statistics, \
             consent_flagged, data_key, profile, created_by, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1, $21, $21)",
            vec![
                c.id.into(),
                c.number.clone().into(),
                c.country.clone().into(),
                c.org_id.into(),
                c.team_id.into(),
                c.caseworker_id.into(),
                c.signal_id.into(),
                c.status.clone().into(),
                c.risk.clone().into(),
                c.sex.clone().into(),
                c.birth_year.into(),
                c.birth_year_estimated.into(),
                c.languages.clone().into(),
                c.consent_services.clone().into(),
                c.consent_sharing.clone().into(),
                c.consent_statistics.clone().into(),
                c.consent_flagged.into(),
                c.data_key.clone().into(),
                c.profile.clone().into(),
                c.created_by.into(),
                c.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Write every mutable column of `c` if the stored row is still at `base`; returns the
/// new version ([`crate::StoreError::Stale`] or `NotFound` otherwise).
pub async fn write(tx: &mut Tx, c: &CaseRow, base: i64, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE cases SET org_id = $1, team_id = $2, caseworker_id = $3, status = $4, risk = $5, sex = $6, \
             birth_year = $7, birth_year_estimated = $8, languages = $9, consent_services = $10, consent_sharing = $11, \
             consent_statistics = $12, consent_flagged = $13, closure_reason = $14, closure_requested_by = $15, \
             closure_requested_at = $16, closed_by = $17, closed_at = $18, data_key = $19, profile = $20, \
             version = version + 1, updated_at = $21 WHERE id = $22 AND version = $23 AND deleted_at IS NULL",
            vec![
                c.org_id.into(),
                c.team_id.into(),
                c.caseworker_id.into(),
                c.status.clone().into(),
                c.risk.clone().into(),
                c.sex.clone().into(),
                c.birth_year.into(),
                c.birth_year_estimated.into(),
                c.languages.clone().into(),
                c.consent_services.clone().into(),
                c.consent_sharing.clone().into(),
                c.consent_statistics.clone().into(),
                c.consent_flagged.into(),
                c.closure_reason.clone().into(),
                c.closure_requested_by.into(),
                c.closure_requested_at.into(),
                c.closed_by.into(),
                c.closed_at.into(),
                c.data_key.clone().into(),
                c.profile.clone().into(),
                now.into(),
                c.id.into(),
                base.into(),
            ],
        ))
        .await?;
    crate::orgs::stale_check(tx, "cases", c.id, base, n).await
}

fn select(scope: &Scope) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM cases WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    q
}

/// One case in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<CaseRow> {
    let mut q = select(scope);
    q.push(" AND id = ").bind(id);
    db.read().fetch_one(&q).await
}

/// The same inside a write transaction (the row is locked on PostgreSQL).
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<CaseRow> {
    let mut q = select(scope);
    q.push(" AND id = ").bind(id);
    if tx.dialect() == crate::Dialect::Postgres {
        q.push(" FOR UPDATE");
    }
    tx.q().fetch_one(&q).await
}

/// Filters of the case list: plaintext columns only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Exact case number.
    pub number: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Open cases only (not closed).
    pub open_only: bool,
    /// Risk level.
    pub risk: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Team.
    pub team: Option<Uuid>,
    /// Caseworker.
    pub caseworker: Option<Uuid>,
    /// Cases with consent pending after an emergency.
    pub consent_flagged: bool,
}

fn filtered(scope: &Scope, f: &CaseFilter, head: &'static str) -> Sql {
    let mut q = Sql::new(head);
    q.push(" FROM cases WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    let eq = |q: &mut Sql, col: &'static str, v: Option<crate::Arg>| {
        if let Some(v) = v {
            q.push(col).bind(v);
        }
    };
    eq(&mut q, " AND number = ", f.number.clone().map(Into::into));
    eq(&mut q, " AND status = ", f.status.clone().map(Into::into));
    eq(&mut q, " AND risk = ", f.risk.clone().map(Into::into));
    eq(&mut q, " AND country = ", f.country.clone().map(Into::into));
    eq(&mut q, " AND team_id = ", f.team.map(Into::into));
    eq(&mut q, " AND caseworker_id = ", f.caseworker.map(Into::into));
    // A literal, so the partial indexes of open cases (migration 0030) apply; a status
    // other than closed implies it, and naming it lets the filtered list use them too.
    if f.open_only || f.status.as_deref().is_some_and(|s| s != "closed") {
        q.push(" AND status <> 'closed'");
    }
    if f.consent_flagged {
        q.push(" AND consent_flagged = ").bind(true);
    }
    q
}

/// A page of cases in the caller's scope, most recently changed first.
pub async fn list(db: &Db, scope: &Scope, f: &CaseFilter, limit: i64, offset: i64) -> Result<Vec<CaseListRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(LIST_COLS).append(filtered(scope, f, ""));
    q.push(" ORDER BY updated_at DESC, id LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    db.read().fetch_all(&q).await
}

/// How many cases [`list`] would page through.
pub async fn count(db: &Db, scope: &Scope, f: &CaseFilter) -> Result<i64> {
    db.read().scalar(&filtered(scope, f, "SELECT COUNT(*)")).await
}

/// Cases of a signal (in the caller's scope).
pub async fn of_signal(db: &Db, scope: &Scope, signal: Uuid) -> Result<Vec<CaseRow>> {
    let mut q = select(scope);
    q.push(" AND signal_id = ").bind(signal).push(" ORDER BY created_at");
    db.read().fetch_all(&q).await
}

/// A member of an organisation's case staff, for choosing a caseworker.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffRow {
    /// User.
    pub user_id: Uuid,
    /// Name.
    pub name: String,
    /// `caseworker` or `case_supervisor`.
    pub role: String,
    /// Team of the role.
    pub team_id: Option<Uuid>,
    /// Country of the role.
    pub country: Option<String>,
}

/// Enabled users holding a case role in `org`, by name.
pub async fn staff(db: &Db, org: Uuid) -> Result<Vec<StaffRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT u.id AS user_id, u.name, r.role, r.team_id, r.country FROM users u \
             JOIN role_assignments r ON r.user_id = u.id \
             WHERE u.deleted_at IS NULL AND r.deleted_at IS NULL AND u.disabled = $1 AND r.org_id = $2 \
             AND r.role IN ('caseworker', 'case_supervisor') ORDER BY u.name, u.id",
            vec![false.into(), org.into()],
        ))
        .await
}

/// Teams of an organisation, by name.
pub async fn teams_of(db: &Db, org: Uuid) -> Result<Vec<crate::teams::TeamRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, org_id, country, name, version FROM teams WHERE deleted_at IS NULL AND org_id = $1 ORDER BY name",
            vec![org.into()],
        ))
        .await
}
