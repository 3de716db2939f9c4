//! Generator of cases for `dtz demo --scale N`: about 1,000 cases per scale unit
//! (100,000 at scale 100), spread over the caseworkers of the generated local partners,
//! opened between the programme's start and today, most older ones closed. Each case
//! has its own data key wrapped under its organisation's key and a sealed sample profile,
//! as `open_case` writes them, so the case pages, lists and later referral work run
//! against the same shape of data as in production. Numbers use the allocator `S`
//! (sample), so they never meet the hub's own sequence (`H`).

use super::{BATCH, Gen, GenCase};
use crate::Result;
use crate::cases::place;
use dtz_domain::access::Role;
use dtz_domain::case::{Allocator, CaseNumber, CaseStatus, ConsentState, RiskLevel, Secrets, Sex};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_store::audit::NewEvent;
use dtz_store::crypto::SecretKey;
use dtz_store::sql::Arg;
use dtz_store::{bulk, orgs, sealed};
use rand::RngExt;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Cases per scale unit.
pub const PER_UNIT: usize = 1_000;

/// Days closed cases keep their content: the retention job's default.
const CLOSED_CASES_KEPT_DAYS: i64 = 5 * 365;

/// The allocator of generated case numbers.
pub const ALLOCATOR: &str = "S";

const HEAD: &str = "INSERT INTO cases (id, number, country, org_id, team_id, caseworker_id, signal_id, status, risk, \
                    sex, birth_year, birth_year_estimated, languages, consent_services, consent_sharing, \
                    consent_statistics, consent_flagged, closure_reason, closed_by, closed_at, data_key, profile, \
                    erased_at, created_by, version, created_at, updated_at) VALUES ";

const LANGUAGES: &[&str] = &["Spanish", "English", "Hindi", "Thai", "Bahasa Indonesia", "Filipino", "Portuguese"];

/// Fields a generated case's creation names in the audit (names, never values).
const AUDITED: &[&str] = &[
    "country",
    "team_id",
    "caseworker_id",
    "status",
    "risk",
    "sex",
    "birth_year",
    "languages",
    "profile.name",
    "profile.situation",
];

/// A caseworker who can own generated cases.
#[derive(Clone, Copy)]
struct Worker {
    org: OrgId,
    country: CountryCode,
    team: TeamId,
    user: UserId,
}

/// Write the cases.
pub(super) async fn cases(g: &mut Gen<'_>) -> Result<()> {
    let workers = workers(g);
    if workers.is_empty() {
        return Ok(());
    }
    let total = PER_UNIT * g.plan.scale as usize;
    g.step("cases", total as u64);
    let allocator = Allocator::parse("allocator", ALLOCATOR)?;
    let mut keks: HashMap<OrgId, (Uuid, SecretKey)> = HashMap::new();
    let mut seqs: HashMap<(CountryCode, i32), i64> = HashMap::new();
    let (mut rows, mut events) = (Vec::new(), Vec::new());
    let span = (g.now - start()).whole_days().max(1);
    for n in 0..total {
        let w = workers[n % workers.len()];
        if let std::collections::hash_map::Entry::Vacant(e) = keks.entry(w.org) {
            e.insert(orgs::current_org_key(&g.s.db, &g.s.keys, w.org).await?);
        }
        let opened = start() + Duration::days(g.rng.random_range(0..span));
        let seq = seqs.entry((w.country, opened.year())).and_modify(|s| *s += 1).or_insert(1);
        let number = CaseNumber::new(w.country, opened.year(), &allocator, *seq);
        let id = g.uuid();
        let Some((kek_id, kek)) = keks.get(&w.org) else { continue };
        let (key, wrapped) = sealed::new_data_key_under(*kek_id, kek, w.org, place(id))?;
        let secrets = Secrets {
            name: Some(format!("Sample child {n:06}")),
            situation: Some("Sample case generated for measuring dtz (sample data).".into()),
            ..Secrets::default()
        };
        let profile = key.seal_json("profile", &secrets)?;
        let (columns, closed_at) = row(g, w, (id, number.as_str()), opened, (wrapped, profile));
        rows.push(columns);
        g.world.cases.push(GenCase { id, org: w.org, country: w.country, caseworker: w.user, opened, closed_at });
        events.push(NewEvent {
            actor_user: None,
            actor_org: None,
            action: "case.create".into(),
            entity: "case".into(),
            entity_id: Some(id),
            entity_version: Some(1),
            fields: AUDITED.iter().map(|f| (*f).to_owned()).collect(),
            org: Some(w.org),
        });
        if rows.len() >= BATCH {
            flush(g, &mut rows, &mut events).await?;
        }
    }
    if !rows.is_empty() {
        flush(g, &mut rows, &mut events).await?;
    }
    Ok(())
}

/// The caseworkers of generated organisations that have a home country and a team.
fn workers(g: &Gen<'_>) -> Vec<Worker> {
    g.world
        .users
        .iter()
        .filter(|u| u.role == Role::Caseworker)
        .filter_map(|u| {
            let country = g.world.orgs.iter().find(|o| o.id == u.org)?.country?;
            Some(Worker { org: u.org, country, team: u.team?, user: u.id })
        })
        .collect()
}

fn start() -> OffsetDateTime {
    time::macros::datetime!(2016-01-01 8:00 UTC)
}

/// One case's columns, in the order of [`HEAD`], and when it was closed.
fn row(
    g: &mut Gen<'_>,
    w: Worker,
    (id, number): (Uuid, &str),
    opened: OffsetDateTime,
    sealed: (Vec<u8>, Vec<u8>),
) -> (Vec<Arg>, Option<OffsetDateTime>) {
    let age_days = (g.now - opened).whole_days();
    // Older cases are mostly closed; about one in five of this year's still waits.
    let closed = g.chance(if age_days > 365 { 0.9 } else { 0.3 });
    let closed_at = closed.then(|| (opened + Duration::days(g.rng.random_range(7..=age_days.max(8)))).min(g.now));
    let status = if closed { CaseStatus::Closed } else { CaseStatus::Open };
    // Cases closed longer ago than the retention period are written as the retention job
    // would have left them (no profile, no key), so a server started on generated data
    // does not spend its first minutes erasing them while it is measured (bench/).
    let kept = Duration::days(CLOSED_CASES_KEPT_DAYS);
    let erased_at = closed_at.filter(|c| *c + kept < g.now).map(|c| c + kept);
    let sealed = if erased_at.is_some() { (None, None) } else { (Some(sealed.0), Some(sealed.1)) };
    let risk = *g.pick(RiskLevel::ALL);
    let sex = *g.pick(&[Sex::Female, Sex::Female, Sex::Female, Sex::Male, Sex::Male, Sex::Other, Sex::Unknown]);
    let birth_year = i64::from(opened.year()) - g.rng.random_range(8..18i64);
    let language = *g.pick(LANGUAGES);
    let emergency = g.percent() < 3 && !closed;
    let (services, sharing, statistics) = if emergency {
        (ConsentState::Pending, ConsentState::Pending, ConsentState::Pending)
    } else {
        let sharing = if g.percent() < 85 { ConsentState::Granted } else { ConsentState::Refused };
        (ConsentState::Granted, sharing, ConsentState::Granted)
    };
    let columns = vec![
        Arg::from(id),
        number.into(),
        w.country.as_str().into(),
        w.org.0.into(),
        w.team.0.into(),
        w.user.0.into(),
        Option::<Uuid>::None.into(),
        status.as_str().into(),
        risk.as_str().into(),
        sex.as_str().into(),
        birth_year.into(),
        g.chance(0.4).into(),
        language.into(),
        services.as_str().into(),
        sharing.as_str().into(),
        statistics.as_str().into(),
        emergency.into(),
        closed.then(|| "goals_achieved".to_owned()).into(),
        Option::<Uuid>::None.into(),
        closed_at.into(),
        sealed.0.into(),
        sealed.1.into(),
        erased_at.into(),
        Option::<Uuid>::None.into(),
        1i64.into(),
        opened.into(),
        closed_at.unwrap_or(opened).into(),
    ];
    (columns, closed_at)
}

async fn flush(g: &mut Gen<'_>, rows: &mut Vec<Vec<Arg>>, events: &mut Vec<NewEvent>) -> Result<()> {
    let mut tx = g.s.db.begin().await?;
    bulk::insert(&mut tx, HEAD, rows).await?;
    let n = rows.len() as u64;
    let evs = std::mem::take(events);
    g.commit(tx, &evs, n).await?;
    rows.clear();
    Ok(())
}
