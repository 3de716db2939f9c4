//! Values and reports of a programme narrowed in SQL by the filters of the results pages
//! (country, organisation, period, indicators), within the caller's scope: one query
//! each, whatever the size of the programme.

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::values::{PointRow, ReportRow, SCOPE};
use crate::{Db, Result};
use dtz_domain::access::Scope;
use dtz_domain::ids::OrgId;
use uuid::Uuid;

/// What to narrow to; `None` keeps everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PointFilter {
    /// One country.
    pub country: Option<String>,
    /// One organisation.
    pub org: Option<OrgId>,
    /// Periods up to and including this one (a running total needs the earlier ones).
    /// Period names of one programme sort in time order as text (`2016`, `2016-H1`,
    /// `2016-Q3`).
    pub up_to_period: Option<String>,
    /// These indicators only.
    pub indicators: Option<Vec<Uuid>>,
}

fn narrow(q: &mut Sql, f: &PointFilter) {
    if let Some(c) = &f.country {
        q.push(" AND r.country = ").bind(c.clone());
    }
    if let Some(o) = f.org {
        q.push(" AND r.org_id = ").bind(o);
    }
    if let Some(p) = &f.up_to_period {
        q.push(" AND r.period <= ").bind(p.clone());
    }
}

/// Every value of a programme within scope and the filter, in one query.
pub async fn points(db: &Db, scope: &Scope, programme: Uuid, f: &PointFilter) -> Result<Vec<PointRow>> {
    let mut rows = Vec::new();
    each_point(db, scope, programme, f, |r| rows.push(r)).await?;
    Ok(rows)
}

/// As [`points`], handing each value to `each` as it arrives instead of collecting them
/// (a rollup at scale keeps only its compact points, never the rows as read).
pub async fn each_point(
    db: &Db,
    scope: &Scope,
    programme: Uuid,
    f: &PointFilter,
    each: impl FnMut(PointRow) + Send,
) -> Result<()> {
    let mut q = Sql::new(
        "SELECT v.indicator_id, r.org_id, r.country, r.period, r.status, v.part, v.value, v.numerator, v.denominator, v.text_value \
         FROM data_values v JOIN reports r ON r.id = v.report_id WHERE r.programme_id = ",
    );
    q.bind(programme).push(" AND ");
    q.append(filter(scope, &ScopeColumns { org: Some("r.org_id"), country: Some("r.country"), ..SCOPE }));
    narrow(&mut q, f);
    if let Some(ids) = &f.indicators {
        if ids.is_empty() {
            return Ok(());
        }
        q.push(" AND v.indicator_id IN (").bind_list(ids.iter().copied()).push(")");
    }
    db.read().for_each(&q, each).await
}

/// Reports of a programme within scope and the filter (every period up to the filter's).
pub async fn reports(db: &Db, scope: &Scope, programme: Uuid, f: &PointFilter) -> Result<Vec<ReportRow>> {
    let mut q = Sql::new(
        "SELECT r.id, r.programme_id, r.org_id, r.country, r.period, r.status, r.returned_reason, r.submitted_at, \
         r.country_approved_at, r.country_approved_by, r.alliance_approved_at, r.version FROM reports r WHERE r.programme_id = ",
    );
    q.bind(programme).push(" AND ");
    q.append(filter(scope, &ScopeColumns { org: Some("r.org_id"), country: Some("r.country"), ..SCOPE }));
    narrow(&mut q, f);
    q.push(" ORDER BY r.period, r.country, r.org_id");
    db.read().fetch_all(&q).await
}
