//! Referrals from cases to providers' services and their steps. Every read joins the
//! case and takes the caller's `Area::Cases` scope ([`SCOPE`]): case staff see the
//! referrals of their cases, a provider's staff the referrals addressed to their
//! organisation (`provider_org_id`). Sealed parts move as bytes.

pub mod figures;
pub mod followups;
pub mod served;

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use time::OffsetDateTime;
use uuid::Uuid;

/// How need to know sees a referral: through its case, or as addressed to a provider.
pub const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("c.org_id"),
    country: Some("c.country"),
    team: Some("c.team_id"),
    owner: Some("c.caseworker_id"),
    provider: Some("r.provider_org_id"),
    case: Some("c.id"),
};

/// A stored referral with the few case columns its pages need.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReferralRow {
    /// Id.
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Provider (directory entry).
    pub provider_id: Uuid,
    /// The provider's service (`provider_services`).
    pub service_id: Uuid,
    /// The provider's organisation, when it has one in dtz.
    pub provider_org_id: Option<Uuid>,
    /// Service type code.
    pub service_type: String,
    /// Country.
    pub country: String,
    /// `Urgency`.
    pub urgency: String,
    /// Sent before consent was recorded.
    pub emergency: bool,
    /// `ReferralStatus`.
    pub status: String,
    /// The referral this one follows on from.
    pub onward_from: Option<Uuid>,
    /// Sealed reason, security risks and notes.
    pub details: Option<Vec<u8>>,
    /// The provider should answer by then.
    pub respond_by: OffsetDateTime,
    /// Accepted or declined.
    pub answered_at: Option<OffsetDateTime>,
    /// First accepted (the child starts receiving the service).
    pub first_service_at: Option<OffsetDateTime>,
    /// Reached an end.
    pub ended_at: Option<OffsetDateTime>,
    /// The missed answer was escalated.
    pub escalated_at: Option<OffsetDateTime>,
    /// Who sent it.
    pub sent_by: Option<Uuid>,
    /// Row version.
    pub version: i64,
    /// Sent.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Case number.
    pub case_number: String,
    /// Case's organisation.
    pub case_org_id: Uuid,
    /// Case's team.
    pub case_team_id: Option<Uuid>,
    /// Case's caseworker.
    pub caseworker_id: Option<Uuid>,
    /// Child's sex.
    pub sex: Option<String>,
    /// Child's year of birth.
    pub birth_year: Option<i64>,
    /// Child's languages.
    pub languages: String,
    /// Provider's name.
    pub provider_name: String,
}

const COLS: &str = "r.id, r.case_id, r.provider_id, r.service_id, r.provider_org_id, r.service_type, r.country, \
    r.urgency, r.emergency, r.status, r.onward_from, r.details, r.respond_by, r.answered_at, r.first_service_at, \
    r.ended_at, r.escalated_at, r.sent_by, r.version, r.created_at, r.updated_at, c.number AS case_number, \
    c.org_id AS case_org_id, c.team_id AS case_team_id, c.caseworker_id, c.sex, c.birth_year, c.languages, \
    p.name AS provider_name";

fn select(scope: &Scope) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(
        " FROM referrals r JOIN cases c ON c.id = r.case_id JOIN service_providers p ON p.id = r.provider_id \
         WHERE c.deleted_at IS NULL AND ",
    );
    q.append(filter(scope, &SCOPE));
    q
}

/// Insert a referral (version 1). The joined case columns of `r` are ignored.
pub async fn insert(tx: &mut Tx, r: &ReferralRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO referrals (id, case_id, provider_id, service_id, provider_org_id, service_type, country, \
             urgency, emergency, status, onward_from, details, respond_by, sent_by, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15)",
            vec![
                r.id.into(),
                r.case_id.into(),
                r.provider_id.into(),
                r.service_id.into(),
                r.provider_org_id.into(),
                r.service_type.clone().into(),
                r.country.clone().into(),
                r.urgency.clone().into(),
                r.emergency.into(),
                r.status.clone().into(),
                r.onward_from.into(),
                r.details.clone().into(),
                r.respond_by.into(),
                r.sent_by.into(),
                r.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// One referral in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<ReferralRow> {
    let mut q = select(scope);
    q.push(" AND r.id = ").bind(id);
    db.read().fetch_one(&q).await
}

/// The same inside a write transaction.
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<ReferralRow> {
    let mut q = select(scope);
    q.push(" AND r.id = ").bind(id);
    tx.q().fetch_one(&q).await
}

/// Referrals of a case in the caller's scope, oldest first.
pub async fn of_case(db: &Db, scope: &Scope, case: Uuid) -> Result<Vec<ReferralRow>> {
    let mut q = select(scope);
    q.push(" AND r.case_id = ").bind(case).push(" ORDER BY r.created_at, r.id");
    db.read().fetch_all(&q).await
}

/// Referrals addressed to a provider organisation (its inbox), open ones first, newest
/// first within; at most 200.
pub async fn inbox(db: &Db, scope: &Scope, provider_org: Uuid) -> Result<Vec<ReferralRow>> {
    let mut q = select(scope);
    q.push(" AND r.provider_org_id = ").bind(provider_org);
    q.push(" ORDER BY CASE WHEN r.status IN ('pending', 'accepted', 'in_progress') THEN 0 ELSE 1 END, r.created_at DESC, r.id LIMIT 200");
    db.read().fetch_all(&q).await
}

/// Write a referral's status and its time stamps if still at `base`.
pub async fn write_status(tx: &mut Tx, r: &ReferralRow, base: i64, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE referrals SET status = $1, answered_at = $2, first_service_at = $3, ended_at = $4, \
             version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
            vec![
                r.status.clone().into(),
                r.answered_at.into(),
                r.first_service_at.into(),
                r.ended_at.into(),
                now.into(),
                r.id.into(),
                base.into(),
            ],
        ))
        .await?;
    crate::cases::children::version_check(tx, "referrals", r.case_id, r.id, base, n).await
}

/// One step of a referral (append-only history).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct StepRow {
    /// Id.
    pub id: Uuid,
    /// Referral.
    pub referral_id: Uuid,
    /// `Action`, or `send` for the first.
    pub action: String,
    /// Status after it.
    pub status: String,
    /// Recorded by the caseworker for a provider without accounts.
    pub on_behalf: bool,
    /// Sealed reason.
    pub reason: Option<Vec<u8>>,
    /// Who.
    pub actor_id: Option<Uuid>,
    /// When.
    pub at: OffsetDateTime,
}

/// Append a step.
pub async fn insert_step(tx: &mut Tx, s: &StepRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO referral_steps (id, referral_id, action, status, on_behalf, reason, actor_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                s.id.into(),
                s.referral_id.into(),
                s.action.clone().into(),
                s.status.clone().into(),
                s.on_behalf.into(),
                s.reason.clone().into(),
                s.actor_id.into(),
                s.at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Steps of a referral, oldest first (the caller has checked access to it).
pub async fn steps(db: &Db, referral: Uuid) -> Result<Vec<StepRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, referral_id, action, status, on_behalf, reason, actor_id, at FROM referral_steps \
             WHERE referral_id = $1 ORDER BY at, id",
            vec![referral.into()],
        ))
        .await
}

/// Pending referrals of open cases whose answer time has passed and that were not
/// escalated yet (no scope: the housekeeping job).
pub async fn unanswered(db: &Db, now: OffsetDateTime) -> Result<Vec<ReferralRow>> {
    let mut q = select(&Scope::all());
    q.push(" AND r.status = 'pending' AND r.escalated_at IS NULL AND r.respond_by <= ").bind(now);
    q.push(" AND c.status <> 'closed' ORDER BY r.respond_by, r.id");
    db.read().fetch_all(&q).await
}

/// Claim a referral's escalation: true for the one process that sets it.
pub async fn claim_escalation(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE referrals SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL AND status = 'pending'",
            vec![now.into(), id.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// Active users of an organisation holding the service-provider role there (who are
/// told of new referrals).
pub async fn provider_staff(tx: &mut Tx, org: Uuid) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = tx
        .q()
        .fetch_all(&Sql::with_args(
            "SELECT DISTINCT u.id FROM users u JOIN role_assignments a ON a.user_id = u.id \
             WHERE u.deleted_at IS NULL AND a.deleted_at IS NULL AND u.disabled = $1 AND a.org_id = $2 \
             AND a.role = 'service_provider' ORDER BY u.id",
            vec![false.into(), org.into()],
        ))
        .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// The provider and service a referral would point at.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TargetRow {
    /// Service id.
    pub service_id: Uuid,
    /// Provider id.
    pub provider_id: Uuid,
    /// Service type code.
    pub service_type: String,
    /// Provider's organisation.
    pub org_id: Option<Uuid>,
    /// Provider's country.
    pub country: String,
    /// Accepts referrals.
    pub takes_referrals: bool,
    /// Active accounts in the provider's organisation.
    pub accounts: i64,
}

/// A service of the directory that is not removed, with its provider (directory data:
/// every staff member may read it).
pub async fn target(db: &Db, service: Uuid) -> Result<TargetRow> {
    db.read()
        .fetch_one(&Sql::with_args(
            "SELECT s.id AS service_id, p.id AS provider_id, s.service_type, p.org_id, p.country, p.takes_referrals, \
             (SELECT COUNT(*) FROM users u WHERE u.org_id = p.org_id AND u.deleted_at IS NULL AND u.disabled = $1) \
             AS accounts FROM provider_services s JOIN service_providers p ON p.id = s.provider_id \
             WHERE s.id = $2 AND s.deleted_at IS NULL AND p.deleted_at IS NULL",
            vec![false.into(), service.into()],
        ))
        .await
}

/// Active accounts of a provider entry's organisation.
pub async fn provider_accounts(db: &Db, provider: Uuid) -> Result<i64> {
    db.read()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM users u JOIN service_providers p ON p.org_id = u.org_id \
             WHERE p.id = $1 AND u.deleted_at IS NULL AND u.disabled = $2",
            vec![provider.into(), false.into()],
        ))
        .await
}
