//! Finance records for IATI: per programme × alliance member × country × year, the
//! budget, the incoming funds (with their date), the expenditure, and the disbursements to
//! each local partner. A record is written whole (its disbursements replaced with it) at
//! the version it was read at; a cleared record stays as a tombstone with its version.

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, StoreError, Tx};
use dtz_domain::access::Scope;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A stored finance record (cleared ones have no figures and `deleted`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FinanceRow {
    /// Id.
    pub id: Uuid,
    /// The member.
    pub org_id: Uuid,
    /// Country code.
    pub country: String,
    /// Year.
    pub year: i64,
    /// Budget for the year.
    pub budget: Option<i64>,
    /// Incoming funds received from the donor (through the lead) for the year.
    pub incoming: Option<i64>,
    /// When the incoming funds arrived.
    pub incoming_date: Option<Date>,
    /// Expenditure in the year.
    pub expenditure: Option<i64>,
    /// Row version (0 when never stored).
    pub version: i64,
    /// Cleared.
    pub deleted: bool,
}

/// One disbursement to a partner.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DisbursementRow {
    /// The record.
    pub record_id: Uuid,
    /// The partner organisation.
    pub partner_id: Uuid,
    /// Amount.
    pub amount: i64,
}

/// A record to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFinance {
    /// The member.
    pub org_id: Uuid,
    /// Country code.
    pub country: String,
    /// Year.
    pub year: i64,
    /// Budget.
    pub budget: Option<i64>,
    /// Incoming funds.
    pub incoming: Option<i64>,
    /// Their date.
    pub incoming_date: Option<Date>,
    /// Expenditure.
    pub expenditure: Option<i64>,
    /// (partner, amount).
    pub disbursements: Vec<(Uuid, i64)>,
}

impl NewFinance {
    /// Whether the record says nothing (writing it clears the stored one).
    pub fn is_empty(&self) -> bool {
        self.budget.is_none()
            && self.incoming.is_none()
            && self.incoming_date.is_none()
            && self.expenditure.is_none()
            && self.disbursements.is_empty()
    }
}

const SCOPE: ScopeColumns = ScopeColumns::place("org_id", "country");

const COLS: &str = "id, org_id, country, year, budget, incoming, incoming_date, expenditure, version, \
                    deleted_at IS NOT NULL AS deleted";

/// The records of a programme within `scope` (cleared ones left out), by member, country
/// and year, with their disbursements.
pub async fn list(db: &Db, scope: &Scope, programme: Uuid) -> Result<(Vec<FinanceRow>, Vec<DisbursementRow>)> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM finance_records WHERE deleted_at IS NULL AND programme_id = ").bind(programme);
    q.push(" AND ").append(filter(scope, &SCOPE));
    q.push(" ORDER BY org_id, country, year");
    let rows: Vec<FinanceRow> = db.read().fetch_all(&q).await?;
    let mut d = Sql::new(
        "SELECT d.record_id, d.partner_id, d.amount FROM finance_disbursements d JOIN finance_records r ON r.id = d.record_id \
         WHERE r.deleted_at IS NULL AND r.programme_id = ",
    );
    d.bind(programme).push(" AND ");
    d.append(filter(scope, &ScopeColumns { org: Some("r.org_id"), country: Some("r.country"), ..SCOPE }));
    let disbursements = db.read().fetch_all(&d).await?;
    Ok((rows, disbursements))
}

/// The stored record with this key (cleared ones too), inside a write transaction.
pub async fn get_in(tx: &mut Tx, programme: Uuid, org: Uuid, country: &str, year: i64) -> Result<Option<FinanceRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM finance_records WHERE programme_id = ").bind(programme);
    q.push(" AND org_id = ").bind(org).push(" AND country = ").bind(country).push(" AND year = ").bind(year);
    tx.q().fetch_optional(&q).await
}

/// The disbursements of one record, inside a write transaction.
pub async fn disbursements_in(tx: &mut Tx, record: Uuid) -> Result<Vec<DisbursementRow>> {
    tx.q()
        .fetch_all(&Sql::with_args(
            "SELECT record_id, partner_id, amount FROM finance_disbursements WHERE record_id = $1 ORDER BY partner_id",
            vec![record.into()],
        ))
        .await
}

/// Write a record if the stored one is still at `base` (0: none stored); an empty record
/// clears it. Returns the new version.
pub async fn put(
    tx: &mut Tx,
    programme: Uuid,
    f: &NewFinance,
    base: i64,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<i64> {
    let deleted = f.is_empty().then_some(now);
    let id = match get_in(tx, programme, f.org_id, &f.country, f.year).await? {
        None if base == 0 => {
            let id = Uuid::new_v4();
            tx.q()
                .execute(&Sql::with_args(
                    "INSERT INTO finance_records (id, programme_id, org_id, country, year, budget, incoming, incoming_date, \
                     expenditure, version, created_at, updated_at, updated_by, deleted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, $11, $12)",
                    vec![
                        id.into(),
                        programme.into(),
                        f.org_id.into(),
                        f.country.clone().into(),
                        f.year.into(),
                        f.budget.into(),
                        f.incoming.into(),
                        f.incoming_date.into(),
                        f.expenditure.into(),
                        now.into(),
                        by.into(),
                        deleted.into(),
                    ],
                ))
                .await?;
            id
        }
        Some(row) if row.version == base => {
            let n = tx
                .q()
                .execute(&Sql::with_args(
                    "UPDATE finance_records SET budget = $1, incoming = $2, incoming_date = $3, expenditure = $4, \
                     version = version + 1, updated_at = $5, updated_by = $6, deleted_at = $7 WHERE id = $8 AND version = $9",
                    vec![
                        f.budget.into(),
                        f.incoming.into(),
                        f.incoming_date.into(),
                        f.expenditure.into(),
                        now.into(),
                        by.into(),
                        deleted.into(),
                        row.id.into(),
                        base.into(),
                    ],
                ))
                .await?;
            if n != 1 {
                return Err(StoreError::Stale { base, current: base + 1 });
            }
            row.id
        }
        Some(row) => return Err(StoreError::Stale { base, current: row.version }),
        None => return Err(StoreError::Stale { base, current: 0 }),
    };
    tx.q().execute(&Sql::with_args("DELETE FROM finance_disbursements WHERE record_id = $1", vec![id.into()])).await?;
    for (partner, amount) in &f.disbursements {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO finance_disbursements (id, record_id, partner_id, amount) VALUES ($1, $2, $3, $4)",
                vec![Uuid::new_v4().into(), id.into(), (*partner).into(), (*amount).into()],
            ))
            .await?;
    }
    Ok(base + 1)
}
