//! Cases opened, for computed indicators: one row per organisation, country, sex, year
//! of birth and day of opening, within a scope. Exact counts: whatever shows them
//! outside the case pages passes them through `Disclosed` (the services do).

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result};
use dtz_domain::access::Scope;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

/// Cases opened on one day by one organisation in one country, of one sex and year of
/// birth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Sex as recorded (none: not recorded).
    pub sex: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i64>,
    /// Day the case was opened (UTC).
    pub day: Date,
    /// How many.
    pub n: i64,
}

/// Organisation, country, sex, year of birth and day of opening: what cases are counted by.
type Group = (Uuid, String, Option<String>, Option<i64>, Date);

/// Organisation, country, sex, year of birth and when a case was opened.
type OpenedRow = (Uuid, String, Option<String>, Option<i64>, OffsetDateTime);

/// Cases opened (not removed) from `from` to `to` (both days included) within `scope`
/// (an organisation and country scope: teams and caseworkers do not narrow a count).
pub async fn opened(db: &Db, scope: &Scope, from: Date, to: Date) -> Result<Vec<Opened>> {
    let start = OffsetDateTime::new_utc(from, Time::MIDNIGHT);
    let end = OffsetDateTime::new_utc(to.next_day().unwrap_or(to), Time::MIDNIGHT);
    let mut q = Sql::new("SELECT org_id, country, sex, birth_year, created_at FROM cases WHERE deleted_at IS NULL");
    q.push(" AND created_at >= ").bind(start).push(" AND created_at < ").bind(end).push(" AND ");
    q.append(filter(scope, &ScopeColumns::place("org_id", "country")));
    let rows: Vec<OpenedRow> = db.read().fetch_all(&q).await?;
    // Grouped in a map: at scale (100,000 cases) a linear search per row would be
    // quadratic.
    let mut groups: std::collections::BTreeMap<Group, i64> = std::collections::BTreeMap::new();
    for (org_id, country, sex, birth_year, at) in rows {
        let day = at.to_offset(time::UtcOffset::UTC).date();
        *groups.entry((org_id, country, sex, birth_year, day)).or_default() += 1;
    }
    Ok(groups
        .into_iter()
        .map(|((org_id, country, sex, birth_year, day), n)| Opened { org_id, country, sex, birth_year, day, n })
        .collect())
}
