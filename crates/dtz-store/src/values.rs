//! Reports and indicator values, with the history of every value.

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::results::Entry;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored report.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReportRow {
    /// Id.
    pub id: Uuid,
    /// Programme.
    pub programme_id: Uuid,
    /// Reporting organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Period (`2016`, `2016-H1`, …).
    pub period: String,
    /// Status name.
    pub status: String,
    /// Why it was returned or reopened.
    pub returned_reason: Option<String>,
    /// Submitted.
    pub submitted_at: Option<OffsetDateTime>,
    /// Approved in the country.
    pub country_approved_at: Option<OffsetDateTime>,
    /// Who approved in the country.
    pub country_approved_by: Option<Uuid>,
    /// Approved by the alliance.
    pub alliance_approved_at: Option<OffsetDateTime>,
    /// Row version.
    pub version: i64,
}

const COLS: &str = "id, programme_id, org_id, country, period, status, returned_reason, submitted_at, country_approved_at, \
                    country_approved_by, alliance_approved_at, version";

/// Need to know on reports: the reporting organisation (and country), a country, or all.
pub const SCOPE: ScopeColumns = ScopeColumns::place("org_id", "country");

/// A report by its key, within scope.
pub async fn find(
    db: &Db,
    scope: &Scope,
    programme: Uuid,
    org: OrgId,
    country: &str,
    period: &str,
) -> Result<Option<ReportRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM reports WHERE programme_id = ").bind(programme);
    q.push(" AND org_id = ")
        .bind(org)
        .push(" AND country = ")
        .bind(country)
        .push(" AND period = ")
        .bind(period)
        .push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_optional(&q).await
}

/// A report by id, within scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<ReportRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM reports WHERE id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_one(&q).await
}

/// A report by id inside a write transaction (one just created there).
pub async fn get_in(tx: &mut Tx, id: Uuid) -> Result<ReportRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM reports WHERE id = ").bind(id);
    tx.q().fetch_one(&q).await
}

/// Reports of a programme within scope, optionally of one period.
pub async fn list(db: &Db, scope: &Scope, programme: Uuid, period: Option<&str>) -> Result<Vec<ReportRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM reports WHERE programme_id = ").bind(programme).push(" AND ");
    q.append(filter(scope, &SCOPE));
    if let Some(p) = period {
        q.push(" AND period = ").bind(p);
    }
    q.push(" ORDER BY period, country, org_id");
    db.read().fetch_all(&q).await
}

/// A new draft report.
pub async fn insert(
    tx: &mut Tx,
    id: Uuid,
    programme: Uuid,
    org: OrgId,
    country: &str,
    period: &str,
    now: OffsetDateTime,
) -> Result<()> {
    insert_many(tx, &[(id, programme, org, country, period)], now).await
}

/// New draft reports (an import's), in multi-row inserts: (id, programme, organisation,
/// country, period) each.
pub async fn insert_many(tx: &mut Tx, reports: &[(Uuid, Uuid, OrgId, &str, &str)], now: OffsetDateTime) -> Result<()> {
    let rows: Vec<Vec<crate::Arg>> = reports
        .iter()
        .map(|(id, programme, org, country, period)| {
            vec![
                (*id).into(),
                (*programme).into(),
                (*org).into(),
                (*country).into(),
                (*period).into(),
                "draft".into(),
                1i64.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    crate::bulk::insert(
        tx,
        "INSERT INTO reports (id, programme_id, org_id, country, period, status, version, created_at, updated_at) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}

/// Every report of a programme inside a write transaction (an import's, which reads
/// them once rather than one by one).
pub async fn list_in(tx: &mut Tx, programme: Uuid) -> Result<Vec<ReportRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM reports WHERE programme_id = ").bind(programme);
    tx.q().fetch_all(&q).await
}

/// Move a report to `status` if still at `base`; stamps who and when by status. A
/// return or reopening clears the approvals.
pub async fn set_status(
    tx: &mut Tx,
    id: Uuid,
    base: i64,
    status: &str,
    reason: Option<&str>,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<i64> {
    let head: Vec<crate::Arg> = vec![status.into(), reason.into(), id.into(), base.into(), now.into()];
    let (sql, args): (&'static str, Vec<crate::Arg>) = match status {
        "submitted" => (
            "UPDATE reports SET status = $1, returned_reason = $2, version = version + 1, updated_at = $5, submitted_at = $5, submitted_by = $6 \
             WHERE id = $3 AND version = $4",
            [head, vec![by.into()]].concat(),
        ),
        "country_approved" => (
            "UPDATE reports SET status = $1, returned_reason = $2, version = version + 1, updated_at = $5, country_approved_at = $5, \
             country_approved_by = $6 WHERE id = $3 AND version = $4",
            [head, vec![by.into()]].concat(),
        ),
        "approved" => (
            "UPDATE reports SET status = $1, returned_reason = $2, version = version + 1, updated_at = $5, alliance_approved_at = $5, \
             alliance_approved_by = $6 WHERE id = $3 AND version = $4",
            [head, vec![by.into()]].concat(),
        ),
        _ => (
            "UPDATE reports SET status = $1, returned_reason = $2, version = version + 1, updated_at = $5, country_approved_at = NULL, \
             country_approved_by = NULL, alliance_approved_at = NULL, alliance_approved_by = NULL WHERE id = $3 AND version = $4",
            head,
        ),
    };
    let n = tx.q().execute(&Sql::with_args(sql, args)).await?;
    let version = stale(tx, id, base, n).await?;
    // Into or (returned, reopened) possibly out of the approved set.
    if !matches!(status, "submitted" | "country_approved") {
        crate::programmes::bump_approved(tx, id).await?;
    }
    Ok(version)
}

async fn stale(tx: &mut Tx, id: Uuid, base: i64, n: u64) -> Result<i64> {
    if n == 1 {
        return Ok(base + 1);
    }
    let cur: Option<(i64,)> =
        tx.q().fetch_optional(&Sql::with_args("SELECT version FROM reports WHERE id = $1", vec![id.into()])).await?;
    match cur {
        Some((current,)) => Err(crate::StoreError::Stale { base, current }),
        None => Err(crate::StoreError::NotFound),
    }
}

/// A stored value.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ValueRow {
    /// Id.
    pub id: Uuid,
    /// Report.
    pub report_id: Uuid,
    /// Indicator.
    pub indicator_id: Uuid,
    /// Part: `""` for the total, `set=option` for a breakdown.
    pub part: String,
    /// Count, yes/no or level.
    pub value: Option<i64>,
    /// Numerator.
    pub numerator: Option<i64>,
    /// Denominator.
    pub denominator: Option<i64>,
    /// Text.
    pub text_value: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Row version.
    pub version: i64,
}

impl ValueRow {
    /// As an entry.
    pub fn entry(&self) -> Entry {
        Entry {
            value: self.value,
            numerator: self.numerator,
            denominator: self.denominator,
            text: self.text_value.clone(),
            comment: self.comment.clone(),
        }
    }
}

mod write;
pub use write::{ReportValues, put, put_many, put_reports};

const VCOLS: &str = "id, report_id, indicator_id, part, value, numerator, denominator, text_value, comment, version";

/// Values of a report.
pub async fn values(db: &Db, report: Uuid) -> Result<Vec<ValueRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(VCOLS).push(" FROM data_values WHERE report_id = ").bind(report).push(" ORDER BY indicator_id, part");
    db.read().fetch_all(&q).await
}

/// A past version of a value.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct HistoryRow {
    /// Version.
    pub version: i64,
    /// Count, yes/no or level.
    pub value: Option<i64>,
    /// Numerator.
    pub numerator: Option<i64>,
    /// Denominator.
    pub denominator: Option<i64>,
    /// Text.
    pub text_value: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub changed_at: OffsetDateTime,
    /// Who.
    pub changed_by: Option<Uuid>,
}

/// The history of a value, oldest first.
pub async fn history(db: &Db, value: Uuid) -> Result<Vec<HistoryRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT version, value, numerator, denominator, text_value, comment, changed_at, changed_by FROM data_value_history \
             WHERE value_id = $1 ORDER BY version",
            vec![value.into()],
        ))
        .await
}

/// One value with what the rollup needs to place it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PointRow {
    /// Indicator.
    pub indicator_id: Uuid,
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Period.
    pub period: String,
    /// Report status.
    pub status: String,
    /// Part.
    pub part: String,
    /// Count, yes/no or level.
    pub value: Option<i64>,
    /// Numerator.
    pub numerator: Option<i64>,
    /// Denominator.
    pub denominator: Option<i64>,
    /// Text.
    pub text_value: Option<String>,
}

/// A stored baseline or target (a baseline has `period` = its year, no organisation and
/// no part). A row without a figure is a cleared one, kept with its version.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct GoalRow {
    /// Indicator.
    pub indicator_id: Uuid,
    /// Country.
    pub country: String,
    /// Organisation (targets only; none: the whole country).
    pub org_id: Option<Uuid>,
    /// Period (targets) or year (baselines).
    pub period: String,
    /// Part: `""` for the total, `set=option` for a breakdown (targets only).
    pub part: String,
    /// Count, yes/no or level.
    pub value: Option<i64>,
    /// Numerator.
    pub numerator: Option<i64>,
    /// Denominator.
    pub denominator: Option<i64>,
    /// Row version (0 for one not stored yet).
    pub version: i64,
}

impl GoalRow {
    /// Whether it holds a figure (a cleared one does not).
    pub fn is_set(&self) -> bool {
        self.value.is_some() || self.numerator.is_some() || self.denominator.is_some()
    }
}

const SET: &str = " AND (t.value IS NOT NULL OR t.numerator IS NOT NULL OR t.denominator IS NOT NULL)";

/// Targets of a programme's indicators, every part (cleared ones left out).
pub async fn targets(db: &Db, programme: Uuid) -> Result<Vec<GoalRow>> {
    let mut q = Sql::new(
        "SELECT t.indicator_id, t.country, t.org_id, t.period, t.part, t.value, t.numerator, t.denominator, t.version FROM targets t \
         JOIN indicators i ON i.id = t.indicator_id WHERE i.programme_id = ",
    );
    q.bind(programme).push(" AND i.deleted_at IS NULL").push(SET).push(" ORDER BY t.country, t.period, t.part");
    db.read().fetch_all(&q).await
}

/// Baselines of a programme's indicators (cleared ones left out).
pub async fn baselines(db: &Db, programme: Uuid) -> Result<Vec<GoalRow>> {
    let mut q = Sql::new(
        "SELECT t.indicator_id, t.country, NULL AS org_id, CAST(t.year AS TEXT) AS period, '' AS part, t.value, t.numerator, \
         t.denominator, t.version FROM baselines t JOIN indicators i ON i.id = t.indicator_id WHERE i.programme_id = ",
    );
    q.bind(programme).push(" AND i.deleted_at IS NULL").push(SET).push(" ORDER BY t.country");
    db.read().fetch_all(&q).await
}

fn target_key(q: &mut Sql, g: &GoalRow) {
    q.push(" WHERE indicator_id = ")
        .bind(g.indicator_id)
        .push(" AND country = ")
        .bind(g.country.clone())
        .push(" AND period = ")
        .bind(g.period.clone())
        .push(" AND part = ")
        .bind(g.part.clone());
    match g.org_id {
        Some(o) => q.push(" AND org_id = ").bind(o),
        None => q.push(" AND org_id IS NULL"),
    };
}

/// The stored target with the key of `g` (cleared ones too), read in the write
/// transaction so its version can be checked.
pub async fn target_in(tx: &mut Tx, g: &GoalRow) -> Result<Option<GoalRow>> {
    let mut q = Sql::new(
        "SELECT indicator_id, country, org_id, period, part, value, numerator, denominator, version FROM targets",
    );
    target_key(&mut q, g);
    tx.q().fetch_optional(&q).await
}

/// The stored baseline of `g`'s indicator and country (a cleared one too).
pub async fn baseline_in(tx: &mut Tx, g: &GoalRow) -> Result<Option<GoalRow>> {
    tx.q()
        .fetch_optional(&Sql::with_args(
            "SELECT indicator_id, country, NULL AS org_id, CAST(year AS TEXT) AS period, '' AS part, value, numerator, denominator, \
             version FROM baselines WHERE indicator_id = $1 AND country = $2",
            vec![g.indicator_id.into(), g.country.clone().into()],
        ))
        .await
}

/// Set (or clear, with no figure) a target that is at version `base` (0: not stored yet);
/// a row that moved on meanwhile is `Stale`.
pub async fn put_target(tx: &mut Tx, g: &GoalRow, base: i64, now: OffsetDateTime) -> Result<()> {
    if base == 0 {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO targets (id, indicator_id, country, org_id, period, part, value, numerator, denominator, version, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)",
                vec![
                    Uuid::new_v4().into(),
                    g.indicator_id.into(),
                    g.country.clone().into(),
                    g.org_id.into(),
                    g.period.clone().into(),
                    g.part.clone().into(),
                    g.value.into(),
                    g.numerator.into(),
                    g.denominator.into(),
                    now.into(),
                ],
            ))
            .await?;
        return Ok(());
    }
    let mut q = Sql::new("UPDATE targets SET value = ");
    q.bind(g.value)
        .push(", numerator = ")
        .bind(g.numerator)
        .push(", denominator = ")
        .bind(g.denominator)
        .push(", version = version + 1, updated_at = ")
        .bind(now);
    target_key(&mut q, g);
    q.push(" AND version = ").bind(base);
    match tx.q().execute(&q).await? {
        1 => Ok(()),
        _ => Err(crate::StoreError::Stale { base, current: base + 1 }),
    }
}

/// Set (or clear) the baseline of an indicator for a country, at version `base` (0: not
/// stored yet).
pub async fn put_baseline(tx: &mut Tx, g: &GoalRow, year: i64, base: i64, now: OffsetDateTime) -> Result<()> {
    let figures: Vec<crate::Arg> =
        vec![year.into(), g.value.into(), g.numerator.into(), g.denominator.into(), now.into()];
    let key: Vec<crate::Arg> = vec![g.indicator_id.into(), g.country.clone().into()];
    if base == 0 {
        let mut args = figures;
        args.extend(key);
        args.push(Uuid::new_v4().into());
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO baselines (year, value, numerator, denominator, updated_at, indicator_id, country, id, note, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', 1)",
                args,
            ))
            .await?;
        return Ok(());
    }
    let mut args = figures;
    args.extend(key);
    args.push(base.into());
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE baselines SET year = $1, value = $2, numerator = $3, denominator = $4, updated_at = $5, version = version + 1 \
             WHERE indicator_id = $6 AND country = $7 AND version = $8",
            args,
        ))
        .await?;
    if n == 1 { Ok(()) } else { Err(crate::StoreError::Stale { base, current: base + 1 }) }
}

/// The report a value belongs to.
pub async fn report_of(db: &Db, value: Uuid) -> Result<Uuid> {
    let (id,): (Uuid,) = db
        .read()
        .fetch_one(&Sql::with_args("SELECT report_id FROM data_values WHERE id = $1", vec![value.into()]))
        .await?;
    Ok(id)
}

/// A reporting deadline.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct DeadlineRow {
    /// Id.
    pub id: Uuid,
    /// Programme.
    pub programme_id: Uuid,
    /// Period.
    pub period: String,
    /// Due date.
    pub due_date: time::Date,
    /// When reminders went out.
    pub reminded_at: Option<OffsetDateTime>,
}

/// Deadlines of a programme (all programmes when `None`).
pub async fn deadlines(db: &Db, programme: Option<Uuid>) -> Result<Vec<DeadlineRow>> {
    let mut q = Sql::new("SELECT id, programme_id, period, due_date, reminded_at FROM period_deadlines WHERE 1 = 1");
    if let Some(p) = programme {
        q.push(" AND programme_id = ").bind(p);
    }
    q.push(" ORDER BY due_date");
    db.read().fetch_all(&q).await
}

/// Set a period's deadline (reminders go out again for a new date).
pub async fn put_deadline(
    tx: &mut Tx,
    programme: Uuid,
    period: &str,
    due: time::Date,
    now: OffsetDateTime,
) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "DELETE FROM period_deadlines WHERE programme_id = $1 AND period = $2",
            vec![programme.into(), period.into()],
        ))
        .await?;
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO period_deadlines (id, programme_id, period, due_date, version, updated_at) VALUES ($1, $2, $3, $4, 1, $5)",
            vec![Uuid::new_v4().into(), programme.into(), period.into(), due.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// Mark a deadline's reminders as sent, once: false when another process did already.
pub async fn mark_reminded(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE period_deadlines SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL",
            vec![now.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}
