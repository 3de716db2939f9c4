//! Generator of the referral work on the generated cases: a directory entry with three
//! services for every generated service provider, about one referral per case (to a
//! provider in the case's country) with the steps that led to its status, and about one
//! and a half follow-ups per case. Older and closed cases' referrals have ended
//! (mostly completed; declined, cancelled, did not arrive, left, referred onward), recent
//! ones of open cases are pending, accepted or in progress. Pending referrals past their
//! answer time are marked escalated, and planned follow-ups past their date reminded, as
//! the serve process's housekeeping would have done, so it does not start with a backlog.
//!
//! The sealed texts (reasons, security risks, notes) are left empty, as retention leaves
//! them after erasure: the figures, lists and pages read the same rows either way.

use super::{BATCH, Gen, GenCase};
use crate::Result;
use dtz_domain::access::Role;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::org::{CountryCode, OrgKind};
use dtz_domain::referral::{Action, FollowUpKind, FollowUpStatus, Progress, ReferralStatus, Urgency};
use dtz_store::audit::NewEvent;
use dtz_store::bulk;
use dtz_store::sql::Arg;
use rand::RngExt;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Service types a generated provider offers (three of them each).
const SERVICE_TYPES: &[&str] =
    &["shelter", "medical", "psychosocial", "legal_aid", "education", "family_tracing", "vocational_training"];

const PROVIDERS: &str = "INSERT INTO service_providers (id, org_id, name, country, takes_referrals, version, \
                         created_at, updated_at) VALUES ";
const SERVICES: &str = "INSERT INTO provider_services (id, provider_id, service_type, capacity, places_free, version, \
                        created_at, updated_at) VALUES ";
const REFERRALS: &str = "INSERT INTO referrals (id, case_id, provider_id, service_id, provider_org_id, service_type, \
                         country, urgency, emergency, status, onward_from, respond_by, answered_at, \
                         first_service_at, ended_at, escalated_at, sent_by, version, created_at, updated_at) VALUES ";
const STEPS: &str = "INSERT INTO referral_steps (id, referral_id, action, status, on_behalf, actor_id, at) VALUES ";
const FOLLOW_UPS: &str = "INSERT INTO follow_ups (id, case_id, referral_id, kind, status, planned_date, done_date, \
                          progress, reminded_at, created_by, version, created_at, updated_at) VALUES ";

/// A generated provider service.
#[derive(Clone, Copy)]
struct Service {
    id: Uuid,
    provider: Uuid,
    org: OrgId,
    kind: &'static str,
    staff: Option<UserId>,
}

/// Rows of one batch: the main table's, and their children's.
#[derive(Default)]
struct Batch {
    rows: Vec<Vec<Arg>>,
    children: Vec<Vec<Arg>>,
    events: Vec<NewEvent>,
}

fn event(action: String, entity: &str, id: Uuid, version: i64, org: OrgId) -> NewEvent {
    NewEvent {
        actor_user: None,
        actor_org: None,
        action,
        entity: entity.into(),
        entity_id: Some(id),
        entity_version: Some(version),
        fields: Vec::new(),
        org: Some(org),
    }
}

async fn flush(g: &mut Gen<'_>, b: &mut Batch, heads: (&'static str, &'static str)) -> Result<()> {
    let mut tx = g.s.db.begin().await?;
    let n = bulk::insert(&mut tx, heads.0, &std::mem::take(&mut b.rows)).await?;
    bulk::insert(&mut tx, heads.1, &std::mem::take(&mut b.children)).await?;
    let events = std::mem::take(&mut b.events);
    g.commit(tx, &events, n).await
}

/// A directory entry with three services for each generated service provider.
pub(super) async fn providers(g: &mut Gen<'_>) -> Result<()> {
    let orgs: Vec<(OrgId, CountryCode)> = g
        .world
        .orgs
        .iter()
        .filter(|o| o.kind == OrgKind::ServiceProvider)
        .filter_map(|o| Some((o.id, o.country?)))
        .collect();
    if orgs.is_empty() || g.world.cases.is_empty() {
        return Ok(());
    }
    g.step("providers", orgs.len() as u64);
    let mut b = Batch::default();
    for (n, (org, country)) in orgs.into_iter().enumerate() {
        let id = g.uuid();
        let name = format!("Sample provider {:04} {} (sample data)", n + 1, country.as_str());
        b.rows.push(vec![
            Arg::from(id),
            org.into(),
            name.into(),
            country.as_str().into(),
            true.into(),
            1i64.into(),
            g.now.into(),
            g.now.into(),
        ]);
        b.events.push(event("provider.create".into(), "service_provider", id, 1, org));
        let first = g.rng.random_range(0..SERVICE_TYPES.len());
        for k in 0..3 {
            let sid = g.uuid();
            let capacity = g.rng.random_range(5..40i64);
            let free = g.rng.random_range(0..=capacity);
            b.children.push(vec![
                Arg::from(sid),
                id.into(),
                SERVICE_TYPES[(first + k) % SERVICE_TYPES.len()].into(),
                capacity.into(),
                free.into(),
                1i64.into(),
                g.now.into(),
                g.now.into(),
            ]);
        }
        if b.rows.len() >= BATCH / 4 {
            flush(g, &mut b, (PROVIDERS, SERVICES)).await?;
        }
    }
    if !b.rows.is_empty() {
        flush(g, &mut b, (PROVIDERS, SERVICES)).await?;
    }
    Ok(())
}

/// The services of the generated providers by country, each with a staff member of
/// its provider (who takes the provider's steps).
async fn services(g: &Gen<'_>) -> Result<HashMap<CountryCode, Vec<Service>>> {
    let rows: Vec<(Uuid, Uuid, Uuid, String, String)> =
        g.s.db
            .read()
            .fetch_all(&dtz_store::Sql::new(
                "SELECT s.id, p.id, p.org_id, p.country, s.service_type FROM provider_services s \
             JOIN service_providers p ON p.id = s.provider_id WHERE p.name LIKE 'Sample provider %' \
             ORDER BY p.name, s.service_type",
            ))
            .await?;
    let mut staff: HashMap<OrgId, UserId> = HashMap::new();
    for u in g.world.users.iter().filter(|u| u.role == Role::ServiceProvider) {
        staff.entry(u.org).or_insert(u.id);
    }
    let mut out: HashMap<CountryCode, Vec<Service>> = HashMap::new();
    for (id, provider, org, country, kind) in rows {
        let (Ok(country), Some(kind)) =
            (CountryCode::parse("country", &country), SERVICE_TYPES.iter().find(|t| **t == kind))
        else {
            continue;
        };
        let org = OrgId(org);
        out.entry(country).or_default().push(Service { id, provider, org, kind, staff: staff.get(&org).copied() });
    }
    Ok(out)
}

/// The steps after `send` that lead a referral to where it stands.
fn path(g: &mut Gen<'_>, ended: bool) -> &'static [Action] {
    use Action as A;
    if ended {
        match g.percent() {
            0..55 => &[A::Accept, A::Start, A::Complete],
            55..67 => &[A::Decline],
            67..77 => &[A::Cancel],
            77..85 => &[A::Accept, A::DidNotArrive],
            85..93 => &[A::Accept, A::Start, A::Left],
            _ => &[A::Accept, A::Start, A::ReferOnward],
        }
    } else {
        match g.percent() {
            0..35 => &[],
            35..60 => &[A::Accept],
            _ => &[A::Accept, A::Start],
        }
    }
}

/// About one referral per case (none for three in ten, up to three), each with its steps.
pub(super) async fn referrals(g: &mut Gen<'_>) -> Result<()> {
    let by_country = services(g).await?;
    if by_country.is_empty() {
        return Ok(());
    }
    let all: Vec<Service> = by_country.values().flatten().copied().collect();
    let cases = std::mem::take(&mut g.world.cases);
    g.step("referrals", cases.len() as u64);
    let mut b = Batch::default();
    for c in &cases {
        let count = match g.percent() {
            0..30 => 0,
            30..75 => 1,
            75..95 => 2,
            _ => 3,
        };
        let mut onward = None;
        for _ in 0..count {
            let pool = by_country.get(&c.country).map_or(&all[..], Vec::as_slice);
            let service = *g.pick(pool);
            onward = referral(g, &mut b, c, service, onward);
        }
        if b.rows.len() >= BATCH {
            flush(g, &mut b, (REFERRALS, STEPS)).await?;
        }
    }
    if !b.rows.is_empty() {
        flush(g, &mut b, (REFERRALS, STEPS)).await?;
    }
    g.world.cases = cases;
    Ok(())
}

/// One referral of case `c` to `s` and its steps; returns its id when it was referred
/// onward (the next referral follows from it).
fn referral(g: &mut Gen<'_>, b: &mut Batch, c: &GenCase, s: Service, from: Option<Uuid>) -> Option<Uuid> {
    let end = c.closed_at.unwrap_or(g.now);
    let days = (end - c.opened).whole_days().max(1);
    let sent = c.opened + Duration::days(g.rng.random_range(0..days.min(120)));
    let ended = c.closed_at.is_some() || (g.now - sent).whole_days() > 90;
    let urgency = *g.pick(&[Urgency::Urgent, Urgency::Normal, Urgency::Normal, Urgency::Normal, Urgency::Low]);
    let respond_by = sent + Duration::hours(dtz_domain::referral::default_response_hours(urgency));
    let id = g.uuid();
    let step = |g: &mut Gen<'_>, b: &mut Batch, action: &str, status: ReferralStatus, actor, at: OffsetDateTime| {
        let actor: Option<UserId> = actor;
        b.children.push(vec![
            Arg::from(g.uuid()),
            id.into(),
            action.into(),
            status.as_str().into(),
            false.into(),
            actor.into(),
            at.into(),
        ]);
    };
    step(g, b, "send", ReferralStatus::Pending, Some(c.caseworker), sent);
    let (mut status, mut at) = (ReferralStatus::Pending, sent);
    let (mut answered, mut first_service, mut ended_at) = (None, None, None);
    let mut version = 1i64;
    for action in path(g, ended) {
        at = (at + Duration::hours(g.rng.random_range(1..24 * 20))).min(end);
        status = dtz_domain::referral::next(status, *action).unwrap_or(status);
        let actor = if action.side() == dtz_domain::referral::Side::Case { Some(c.caseworker) } else { s.staff };
        step(g, b, action.as_str(), status, actor, at);
        version += 1;
        match action {
            Action::Accept | Action::Decline => answered = Some(at),
            Action::Start => first_service = Some(at),
            _ => {}
        }
        if status.is_final() {
            ended_at = Some(at);
        }
        b.events.push(event(format!("referral.{}", action.as_str()), "referral", id, version, c.org));
    }
    let escalated = (status == ReferralStatus::Pending && respond_by < g.now).then_some(respond_by);
    b.rows.push(vec![
        Arg::from(id),
        c.id.into(),
        s.provider.into(),
        s.id.into(),
        s.org.into(),
        s.kind.into(),
        c.country.as_str().into(),
        urgency.as_str().into(),
        false.into(),
        status.as_str().into(),
        from.into(),
        respond_by.into(),
        answered.into(),
        first_service.into(),
        ended_at.into(),
        escalated.into(),
        c.caseworker.into(),
        version.into(),
        sent.into(),
        at.into(),
    ]);
    b.events.push(event("referral.create".into(), "referral", id, 1, c.org));
    (status == ReferralStatus::ReferredOnward).then_some(id)
}

/// About one and a half follow-ups per case: done before it closed (with the child's
/// progress), planned ahead for open cases, some of them overdue, a few cancelled.
pub(super) async fn follow_ups(g: &mut Gen<'_>) -> Result<()> {
    let cases = std::mem::take(&mut g.world.cases);
    if cases.is_empty() {
        return Ok(());
    }
    g.step("follow-ups", cases.len() as u64 * 3 / 2);
    let mut b = Batch::default();
    for c in &cases {
        for _ in 0..g.rng.random_range(0..=3) {
            follow_up(g, &mut b, c);
        }
        if b.rows.len() >= BATCH {
            flush(g, &mut b, (FOLLOW_UPS, FOLLOW_UPS)).await?;
        }
    }
    if !b.rows.is_empty() {
        flush(g, &mut b, (FOLLOW_UPS, FOLLOW_UPS)).await?;
    }
    g.world.cases = cases;
    Ok(())
}

fn follow_up(g: &mut Gen<'_>, b: &mut Batch, c: &GenCase) {
    let kind = *g.pick(FollowUpKind::ALL);
    let end = c.closed_at.unwrap_or(g.now);
    let days = (end - c.opened).whole_days().max(1);
    let created: OffsetDateTime = c.opened + Duration::days(g.rng.random_range(0..days));
    let planned = (created + Duration::days(g.rng.random_range(1..30))).date();
    let past = planned < g.now.date();
    let status = match (c.closed_at.is_some(), past, g.percent()) {
        (_, _, 0..5) => FollowUpStatus::Cancelled,
        (true, _, _) | (false, true, 5..85) => FollowUpStatus::Done,
        _ => FollowUpStatus::Planned,
    };
    let done = status == FollowUpStatus::Done;
    let done_date = done.then_some(planned);
    let progress = done.then(|| g.pick(Progress::ALL).as_str());
    let reminded =
        (status == FollowUpStatus::Planned && past).then(|| (planned + Duration::days(1)).midnight().assume_utc());
    let updated = if done { (planned.midnight().assume_utc()).max(created) } else { created };
    let id = g.uuid();
    let version = if status == FollowUpStatus::Planned { 1i64 } else { 2 };
    b.rows.push(vec![
        Arg::from(id),
        c.id.into(),
        Option::<Uuid>::None.into(),
        kind.as_str().into(),
        status.as_str().into(),
        planned.into(),
        done_date.into(),
        progress.into(),
        reminded.into(),
        c.caseworker.into(),
        version.into(),
        created.into(),
        updated.into(),
    ]);
    b.events.push(event("follow_up.create".into(), "follow_up", id, 1, c.org));
    if version == 2 {
        b.events.push(event("follow_up.update".into(), "follow_up", id, 2, c.org));
    }
}
