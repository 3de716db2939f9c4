//! Counts for progress monitoring: fixed groupings over plaintext columns of signals,
//! cases and protection steps, always within the reader's scope and an optional country
//! and organisation. Disclosure control happens above, in the domain.

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result};
use dtz_domain::access::Scope;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Where the figures are for (besides the scope).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// Country (ISO code), if limited.
    pub country: Option<String>,
    /// Owning organisation, if limited.
    pub org: Option<Uuid>,
}

/// Case columns with the `c.` alias, for queries that join cases.
const CASES: ScopeColumns = ScopeColumns {
    org: Some("c.org_id"),
    country: Some("c.country"),
    team: Some("c.team_id"),
    owner: Some("c.caseworker_id"),
    provider: None,
    case: Some("c.id"),
};

/// Signal columns with the `s.` alias.
const SIGNALS: ScopeColumns = ScopeColumns {
    org: Some("s.org_id"),
    country: Some("s.country"),
    team: Some("s.team_id"),
    owner: Some("s.assignee_id"),
    provider: None,
    case: None,
};

/// A grouping column: which one, on which alias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// Cases by risk.
    CaseRisk,
    /// Cases by status.
    CaseStatus,
    /// Signals by status.
    SignalStatus,
    /// Signals by channel.
    SignalChannel,
}

fn place(q: &mut Sql, p: &Place, alias_country: &'static str, alias_org: &'static str) {
    if let Some(c) = &p.country {
        q.push(" AND ").push(alias_country).push(" = ").bind(c.clone());
    }
    if let Some(o) = p.org {
        q.push(" AND ").push(alias_org).push(" = ").bind(o);
    }
}

fn open_cases(scope: &Scope, p: &Place, head: &'static str) -> Sql {
    let mut q = Sql::new(head);
    q.push(" FROM cases c WHERE c.deleted_at IS NULL AND c.status <> 'closed' AND ");
    q.append(filter(scope, &CASES));
    place(&mut q, p, "c.country", "c.org_id");
    q
}

fn signals_since(scope: &Scope, p: &Place, head: &'static str, since: OffsetDateTime) -> Sql {
    let mut q = Sql::new(head);
    q.push(" FROM signals s WHERE s.deleted_at IS NULL AND s.created_at >= ").bind(since).push(" AND ");
    q.append(filter(scope, &SIGNALS));
    place(&mut q, p, "s.country", "s.org_id");
    q
}

/// Counts per value of a column: open cases (for case columns) or signals received
/// since `since` (for signal columns). A missing value is `None`.
pub async fn grouped(
    db: &Db,
    scope: &Scope,
    p: &Place,
    by: By,
    since: OffsetDateTime,
) -> Result<Vec<(Option<String>, i64)>> {
    let inner = match by {
        By::CaseRisk => open_cases(scope, p, "SELECT c.risk AS k"),
        By::CaseStatus => open_cases(scope, p, "SELECT c.status AS k"),
        By::SignalStatus => signals_since(scope, p, "SELECT s.status AS k", since),
        By::SignalChannel => signals_since(scope, p, "SELECT s.channel AS k", since),
    };
    let mut full = Sql::new("SELECT g.k, COUNT(*) FROM (");
    full.append(inner).push(") g GROUP BY g.k");
    db.read().fetch_all(&full).await
}

/// Open cases with consent still pending after an emergency.
pub async fn consent_flagged(db: &Db, scope: &Scope, p: &Place) -> Result<i64> {
    let mut q = open_cases(scope, p, "SELECT COUNT(*)");
    q.push(" AND c.consent_flagged = ").bind(true);
    db.read().scalar(&q).await
}

/// Urgent signals received since `since` that were escalated to supervisors.
pub async fn escalated(db: &Db, scope: &Scope, p: &Place, since: OffsetDateTime) -> Result<i64> {
    let mut q = signals_since(scope, p, "SELECT COUNT(*)", since);
    q.push(" AND s.escalated_at IS NOT NULL");
    db.read().scalar(&q).await
}

/// When the signal came and when its case was opened, for cases opened since `since`.
pub async fn signal_to_case(
    db: &Db,
    scope: &Scope,
    p: &Place,
    since: OffsetDateTime,
) -> Result<Vec<(OffsetDateTime, OffsetDateTime)>> {
    let mut q = Sql::new(
        "SELECT s.created_at, c.created_at FROM cases c JOIN signals s ON s.id = c.signal_id \
         WHERE c.deleted_at IS NULL AND c.created_at >= ",
    );
    q.bind(since).push(" AND ");
    q.append(filter(scope, &CASES));
    place(&mut q, p, "c.country", "c.org_id");
    db.read().fetch_all(&q).await
}

/// Planned protection steps of open cases: (due within `soon` days from `today`, overdue).
pub async fn steps_due(db: &Db, scope: &Scope, p: &Place, today: Date, soon: Date) -> Result<(i64, i64)> {
    let base = || {
        let mut q = Sql::new(
            "SELECT COUNT(*) FROM protection_steps ps JOIN cases c ON c.id = ps.case_id \
             WHERE ps.status = 'planned' AND c.deleted_at IS NULL AND c.status <> 'closed' AND ",
        );
        q.append(filter(scope, &CASES));
        place(&mut q, p, "c.country", "c.org_id");
        q
    };
    let mut due = base();
    due.push(" AND ps.due_date >= ").bind(today).push(" AND ps.due_date <= ").bind(soon);
    let mut overdue = base();
    overdue.push(" AND ps.due_date < ").bind(today);
    Ok((db.read().scalar(&due).await?, db.read().scalar(&overdue).await?))
}
