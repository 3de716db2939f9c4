//! The rows behind the referral figures for monitoring: one light row per referral (no
//! sealed column), filtered by the caller's scope and the country and organisation asked
//! for; the arithmetic and disclosure control happen in the services.

use super::SCOPE;
use crate::scope::filter;
use crate::sql::Sql;
use crate::{Db, Result};
use dtz_domain::access::Scope;
use time::OffsetDateTime;
use uuid::Uuid;

/// What the figures need of one referral.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct FigureRow {
    /// Case.
    pub case_id: Uuid,
    /// `ReferralStatus`.
    pub status: String,
    /// Service type code.
    pub service_type: String,
    /// First accepted.
    pub first_service_at: Option<OffsetDateTime>,
    /// When the case's signal came in (else when the case was opened).
    pub started_at: OffsetDateTime,
}

fn narrowed(q: &mut Sql, scope: &Scope, country: Option<&str>, org: Option<Uuid>) {
    q.append(filter(scope, &SCOPE));
    if let Some(c) = country {
        q.push(" AND c.country = ").bind(c.to_owned());
    }
    if let Some(o) = org {
        q.push(" AND c.org_id = ").bind(o);
    }
}

/// Referrals of cases in `scope`, optionally of one country and owning organisation.
pub async fn rows(db: &Db, scope: &Scope, country: Option<&str>, org: Option<Uuid>) -> Result<Vec<FigureRow>> {
    let mut q = Sql::new(
        "SELECT r.case_id, r.status, r.service_type, r.first_service_at, COALESCE(s.created_at, c.created_at) AS started_at \
         FROM referrals r JOIN cases c ON c.id = r.case_id LEFT JOIN signals s ON s.id = c.signal_id \
         WHERE c.deleted_at IS NULL AND ",
    );
    narrowed(&mut q, scope, country, org);
    db.read().fetch_all(&q).await
}

/// Planned follow-ups past their date, of open cases in the same selection.
pub async fn overdue_follow_ups(
    db: &Db,
    scope: &Scope,
    country: Option<&str>,
    org: Option<Uuid>,
    today: time::Date,
) -> Result<i64> {
    let mut q = Sql::new(
        "SELECT COUNT(*) FROM follow_ups f JOIN cases c ON c.id = f.case_id \
         LEFT JOIN referrals r ON r.id = f.referral_id WHERE f.status = 'planned' AND c.status <> 'closed' \
         AND c.deleted_at IS NULL AND f.planned_date < ",
    );
    q.bind(today).push(" AND ");
    narrowed(&mut q, scope, country, org);
    db.read().scalar(&q).await
}
