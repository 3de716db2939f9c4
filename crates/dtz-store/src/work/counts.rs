//! What computed indicators are made of: counts of work records per organisation,
//! country and period, within a caller's scope. Each query groups by organisation,
//! country and day (or year) in SQL and the days are put into the asked periods here,
//! so no dialect's date functions are needed and periods of any length work (years,
//! half-years, quarters). Counts of prosecutions are exact here: whatever shows them
//! outside the prosecution pages passes them through `Disclosed` (the services do).

use super::SCOPE;
use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result};
use dtz_domain::access::Scope;
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

/// A period to count in: its name (`2019`, `2019-H1`…) and first and last day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Name of the period.
    pub label: String,
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
}

/// A count for one organisation, country and period. Places with nothing to count are
/// left out (a computed figure of 0).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlaceCount {
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Period name.
    pub period: String,
    /// How many.
    pub count: i64,
}

#[derive(sqlx::FromRow)]
struct Dated {
    org_id: Uuid,
    country: String,
    day: Date,
    n: i64,
}

fn bounds(spans: &[Span]) -> Option<(Date, Date)> {
    Some((spans.iter().map(|s| s.start).min()?, spans.iter().map(|s| s.end).max()?))
}

fn bucket(rows: Vec<Dated>, spans: &[Span]) -> Vec<PlaceCount> {
    let mut out: BTreeMap<(Uuid, String, String), i64> = BTreeMap::new();
    for r in rows {
        for s in spans.iter().filter(|s| s.start <= r.day && r.day <= s.end) {
            *out.entry((r.org_id, r.country.clone(), s.label.clone())).or_default() += r.n;
        }
    }
    out.into_iter().map(|((org_id, country, period), count)| PlaceCount { org_id, country, period, count }).collect()
}

const JOINED: ScopeColumns = ScopeColumns {
    org: Some("r.org_id"),
    country: Some("r.country"),
    team: None,
    owner: None,
    provider: None,
    case: None,
};

/// Policy instruments that reached `stage` (e.g. `adopted`) in each period: "policies
/// adopted per period".
pub async fn instruments_reaching(db: &Db, scope: &Scope, stage: &str, spans: &[Span]) -> Result<Vec<PlaceCount>> {
    reaching(db, scope, "policy_stages s JOIN policy_instruments r", stage, spans).await
}

/// Companies that reached an engagement `stage` (e.g. `signed_code`) in each period.
pub async fn companies_reaching(db: &Db, scope: &Scope, stage: &str, spans: &[Span]) -> Result<Vec<PlaceCount>> {
    reaching(db, scope, "company_stages s JOIN companies r", stage, spans).await
}

/// Prosecutions that reached a court `stage` in each period. Exact: pass them through
/// `Disclosed`.
pub async fn prosecutions_reaching(db: &Db, scope: &Scope, stage: &str, spans: &[Span]) -> Result<Vec<PlaceCount>> {
    reaching(db, scope, "prosecution_stages s JOIN prosecutions r", stage, spans).await
}

/// Records reaching `stage` per period; `tables` joins a stage table `s` to its records `r`.
async fn reaching(
    db: &Db,
    scope: &Scope,
    tables: &'static str,
    stage: &str,
    spans: &[Span],
) -> Result<Vec<PlaceCount>> {
    let mut q = Sql::new(
        "SELECT org_id, country, day, COUNT(*) AS n FROM (SELECT r.org_id, r.country, s.reached_on AS day FROM ",
    );
    q.push(tables).push(" ON r.id = s.record_id WHERE s.deleted_at IS NULL AND r.deleted_at IS NULL AND s.stage = ");
    q.bind(stage);
    scoped_inner(db, q, scope, spans).await
}

/// Companies whose current engagement stage at the end of each period is `stage`: the
/// last stage in `order` reached by then (stages are kept in order, so the latest date).
pub async fn companies_at_stage(
    db: &Db,
    scope: &Scope,
    stage: &str,
    order: &[&str],
    spans: &[Span],
) -> Result<Vec<PlaceCount>> {
    let Some((_, to)) = bounds(spans) else { return Ok(Vec::new()) };
    let mut q = Sql::new(
        "SELECT r.id, r.org_id, r.country, s.stage, s.reached_on FROM company_stages s \
         JOIN companies r ON r.id = s.record_id WHERE s.deleted_at IS NULL AND r.deleted_at IS NULL AND s.reached_on <= ",
    );
    q.bind(to).push(" AND ");
    q.append(filter(scope, &JOINED));
    let rows: Vec<(Uuid, Uuid, String, String, Date)> = db.read().fetch_all(&q).await?;
    let rank = |s: &str| order.iter().position(|o| *o == s);
    let mut out: BTreeMap<(Uuid, String, String), i64> = BTreeMap::new();
    for span in spans {
        let mut current: BTreeMap<Uuid, (usize, &str, Uuid, &str)> = BTreeMap::new();
        for (id, org, country, st, _) in rows.iter().filter(|r| r.4 <= span.end) {
            let Some(k) = rank(st) else { continue };
            if current.get(id).is_none_or(|c| c.0 < k) {
                current.insert(*id, (k, st.as_str(), *org, country.as_str()));
            }
        }
        for (_, _, org, country) in current.values().filter(|c| c.1 == stage) {
            *out.entry((*org, (*country).to_owned(), span.label.clone())).or_default() += 1;
        }
    }
    Ok(out
        .into_iter()
        .map(|((org_id, country, period), count)| PlaceCount { org_id, country, period, count })
        .collect())
}

/// Prosecutions opened in each period in which the alliance gave legal aid or
/// accompaniment ("prosecutions supported"). Exact: pass them through `Disclosed`.
pub async fn prosecutions_supported(db: &Db, scope: &Scope, spans: &[Span]) -> Result<Vec<PlaceCount>> {
    let q = Sql::new(
        "SELECT org_id, country, day, COUNT(*) AS n FROM (SELECT r.org_id, r.country, r.opened_on AS day \
         FROM prosecutions r WHERE r.deleted_at IS NULL AND (r.legal_aid OR r.accompaniment)",
    );
    scoped_inner(db, q, scope, spans).await
}

/// Outcomes observed in each period (only substantiated ones when `substantiated_only`).
pub async fn outcomes_observed(
    db: &Db,
    scope: &Scope,
    substantiated_only: bool,
    spans: &[Span],
) -> Result<Vec<PlaceCount>> {
    let mut q = Sql::new(
        "SELECT org_id, country, day, COUNT(*) AS n FROM (SELECT r.org_id, r.country, r.observed_on AS day \
         FROM harvested_outcomes r WHERE r.deleted_at IS NULL",
    );
    if substantiated_only {
        q.push(" AND r.verification = 'substantiated'");
    }
    scoped_inner(db, q, scope, spans).await
}

/// The inner query (opened with `(SELECT r.org_id, r.country, … AS day FROM … r …`) is
/// scoped and closed, then grouped by place and day.
async fn scoped_inner(db: &Db, mut q: Sql, scope: &Scope, spans: &[Span]) -> Result<Vec<PlaceCount>> {
    let Some((from, to)) = bounds(spans) else { return Ok(Vec::new()) };
    q.push(" AND ");
    q.append(filter(scope, &JOINED));
    q.push(") x WHERE day >= ").bind(from).push(" AND day <= ").bind(to);
    q.push(" GROUP BY org_id, country, day");
    Ok(bucket(db.read().fetch_all(&q).await?, spans))
}

/// Companies that met at least `min` of The Code's six criteria in each of `years`
/// ("companies meeting at least four of the six criteria", per year).
pub async fn companies_meeting(db: &Db, scope: &Scope, min: i64, years: &[i64]) -> Result<Vec<PlaceCount>> {
    if years.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT c.org_id, c.country, y.year, COUNT(*) FROM company_years y JOIN companies c ON c.id = y.company_id \
         WHERE y.deleted_at IS NULL AND c.deleted_at IS NULL AND (CASE WHEN y.policy THEN 1 ELSE 0 END \
         + CASE WHEN y.training THEN 1 ELSE 0 END + CASE WHEN y.clause THEN 1 ELSE 0 END \
         + CASE WHEN y.travellers THEN 1 ELSE 0 END + CASE WHEN y.stakeholders THEN 1 ELSE 0 END \
         + CASE WHEN y.report THEN 1 ELSE 0 END) >= ",
    );
    q.bind(min).push(" AND y.year IN (").bind_list(years.iter().copied()).push(") AND ");
    q.append(filter(scope, &ScopeColumns { org: Some("c.org_id"), country: Some("c.country"), ..SCOPE }));
    q.push(" GROUP BY c.org_id, c.country, y.year ORDER BY c.org_id, c.country, y.year");
    let rows: Vec<(Uuid, String, i64, i64)> = db.read().fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|(org_id, country, year, count)| PlaceCount { org_id, country, period: year.to_string(), count })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn days_fall_into_every_period_that_holds_them() {
        let org = Uuid::nil();
        let rows = vec![
            Dated { org_id: org, country: "BO".into(), day: date!(2019 - 03 - 01), n: 2 },
            Dated { org_id: org, country: "BO".into(), day: date!(2019 - 09 - 01), n: 1 },
            Dated { org_id: org, country: "BO".into(), day: date!(2021 - 01 - 01), n: 5 },
        ];
        let spans = [
            Span { label: "2019".into(), start: date!(2019 - 01 - 01), end: date!(2019 - 12 - 31) },
            Span { label: "2019-H1".into(), start: date!(2019 - 01 - 01), end: date!(2019 - 06 - 30) },
        ];
        let c = bucket(rows, &spans);
        let got: Vec<(&str, i64)> = c.iter().map(|p| (p.period.as_str(), p.count)).collect();
        assert_eq!(got, [("2019", 3), ("2019-H1", 2)]);
        assert_eq!(bounds(&spans), Some((date!(2019 - 01 - 01), date!(2019 - 12 - 31))));
        assert_eq!(bounds(&[]), None);
    }
}
