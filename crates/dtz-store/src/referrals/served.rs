//! Children receiving services, for computed indicators: one row per referral that
//! brought a child into a provider's care, with the case's organisation, country, sex
//! and year of birth and when the care began and ended. Plaintext columns only; exact
//! here, disclosed by the services before any figure is stored.

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result};
use dtz_domain::access::Scope;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

/// One referral in care.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Served {
    /// Case (the child).
    pub case_id: Uuid,
    /// The case's organisation.
    pub org_id: Uuid,
    /// The case's country.
    pub country: String,
    /// Sex as recorded.
    pub sex: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i64>,
    /// When the provider took the child into care.
    pub first_service_at: OffsetDateTime,
    /// When the referral ended (none: still in care).
    pub ended_at: Option<OffsetDateTime>,
}

/// Statuses of a referral whose child reached the provider: accepted, in progress, and
/// the ends that follow care (not declined, cancelled or did not arrive).
const REACHED: &str = "('accepted', 'in_progress', 'completed', 'left_service', 'referred_onward')";

/// Referrals in care at some time from `from` to `to` (both days included), to a service
/// of type `service` when given, of cases within `scope` (organisation and country:
/// teams do not narrow a count).
pub async fn served(db: &Db, scope: &Scope, from: Date, to: Date, service: Option<&str>) -> Result<Vec<Served>> {
    let start = OffsetDateTime::new_utc(from, Time::MIDNIGHT);
    let end = OffsetDateTime::new_utc(to.next_day().unwrap_or(to), Time::MIDNIGHT);
    let mut q = Sql::new(
        "SELECT c.id AS case_id, c.org_id, c.country, c.sex, c.birth_year, r.first_service_at, r.ended_at \
         FROM referrals r JOIN cases c ON c.id = r.case_id WHERE c.deleted_at IS NULL AND r.first_service_at IS NOT NULL",
    );
    q.push(" AND r.status IN ").push(REACHED);
    q.push(" AND r.first_service_at < ").bind(end).push(" AND (r.ended_at IS NULL OR r.ended_at >= ").bind(start);
    q.push(")");
    if let Some(t) = service {
        q.push(" AND r.service_type = ").bind(t.to_owned());
    }
    q.push(" AND ");
    q.append(filter(scope, &ScopeColumns::place("c.org_id", "c.country")));
    db.read().fetch_all(&q).await
}
