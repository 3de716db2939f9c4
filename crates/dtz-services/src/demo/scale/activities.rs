//! Generator of activities for the programme `SCALE`: about 5,000 activities per scale
//! unit (500,000 at scale 100), spread over the generated organisations in their home
//! countries and the programme's ten years, each with one to four reach cells, written in
//! bulk through the store with one audit event each. The figures of `SCALE`'s computed
//! indicators are written by the results generator, not computed from these (a bulk
//! load bypasses the submissions that would materialise them).

use super::{BATCH, Gen};
use crate::Result;
use dtz_domain::activity::{AgeGroup, ReachBasis, ReachGroup, Sex};
use dtz_domain::results::{Period, PeriodKind};
use dtz_store::audit::NewEvent;
use dtz_store::bulk;
use dtz_store::sql::Arg;
use rand::RngExt;
use time::{Date, Duration};
use uuid::Uuid;

/// Activities per scale unit.
pub const PER_UNIT: usize = 5_000;

/// (type, goal, groups reached, estimated).
const KINDS: &[(&str, &str, &[ReachGroup], bool)] = &[
    ("training_children", "G1", &[ReachGroup::Children], false),
    ("peer_education", "G1", &[ReachGroup::Children, ReachGroup::YoungPeople], false),
    ("awareness_event", "G2", &[ReachGroup::Children, ReachGroup::Parents, ReachGroup::GeneralPublic], false),
    ("community_meeting", "G2", &[ReachGroup::Parents, ReachGroup::GeneralPublic], false),
    ("media_campaign", "G2", &[ReachGroup::GeneralPublic], true),
    ("training_professionals", "G3", &[ReachGroup::Teachers, ReachGroup::Police, ReachGroup::Judiciary], false),
    ("lobby_meeting", "G3", &[ReachGroup::Judiciary], false),
    ("business_training", "G4", &[ReachGroup::BusinessStaff], false),
];

/// Write the activities of `SCALE`.
pub(super) async fn activities(g: &mut Gen<'_>) -> Result<()> {
    let Some(programme) = dtz_store::programmes::by_code(&g.s.db, super::results::CODE).await? else {
        return Ok(());
    };
    let orgs: Vec<_> = g
        .world
        .orgs
        .iter()
        .filter_map(|o| Some((o.id, o.country.filter(|c| g.world.countries.contains(c))?)))
        .collect();
    if orgs.is_empty() {
        return Ok(());
    }
    let total = PER_UNIT * g.plan.scale as usize;
    let (start, days) = (programme.start_date, (programme.end_date - programme.start_date).whole_days().max(1));
    let kind_of_period = PeriodKind::parse("periods", &programme.period_kind).unwrap_or(PeriodKind::Year);
    g.step("activities", total as u64);
    let (mut rows, mut reach, mut events) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..total {
        let (org, country) = orgs[n % orgs.len()];
        let (kind, goal, groups, estimated) = *g.pick(KINDS);
        let first = start + Duration::days(g.rng.random_range(0..days));
        let last = (first + Duration::days(g.rng.random_range(0..3))).min(programme.end_date);
        let id = g.uuid();
        let mut reached = 0;
        let cells = g.rng.random_range(1..=4usize);
        let mut seen = Vec::new();
        for _ in 0..cells {
            let group = *g.pick(groups);
            let sex = *g.pick(Sex::ALL);
            let age = if matches!(group, ReachGroup::Children) {
                *g.pick(&[AgeGroup::Under12, AgeGroup::From12To17, AgeGroup::Unknown])
            } else {
                *g.pick(&[AgeGroup::Adult, AgeGroup::Unknown])
            };
            if seen.contains(&(group, sex, age)) {
                continue;
            }
            seen.push((group, sex, age));
            let (f, r) = if estimated {
                (g.rng.random_range(1_000..50_000i64), 0)
            } else {
                (g.rng.random_range(0..60i64), g.rng.random_range(0..15i64))
            };
            reached += f + r;
            reach.push(vec![
                Arg::from(id),
                group.as_str().into(),
                sex.as_str().into(),
                age.as_str().into(),
                f.into(),
                r.into(),
            ]);
        }
        let basis = if estimated { ReachBasis::Estimated } else { ReachBasis::Counted };
        let period = Period::containing(kind_of_period, first).to_string();
        let place = (org.0, country.as_str(), period.as_str());
        rows.push(row(id, programme.id, place, (kind, goal), (first, last), basis, reached, g.now));
        events.push(NewEvent {
            actor_user: None,
            actor_org: None,
            action: "activity.create".into(),
            entity: dtz_store::activities::ENTITY.into(),
            entity_id: Some(id),
            entity_version: Some(1),
            fields: Vec::new(),
            org: Some(org),
        });
        if rows.len() >= BATCH {
            flush(g, &mut rows, &mut reach, &mut events).await?;
        }
    }
    if !rows.is_empty() {
        flush(g, &mut rows, &mut reach, &mut events).await?;
    }
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one row's columns")]
fn row(
    id: Uuid,
    programme: Uuid,
    (org, country, period): (Uuid, &str, &str),
    (kind, goal): (&str, &str),
    (first, last): (Date, Date),
    basis: ReachBasis,
    reached: i64,
    now: time::OffsetDateTime,
) -> Vec<Arg> {
    vec![
        Arg::from(id),
        programme.into(),
        org.into(),
        country.into(),
        goal.into(),
        period.into(),
        kind.into(),
        format!("Sample {} (sample data)", kind.replace('_', " ")).into(),
        first.into(),
        last.into(),
        "Sample district (sample data)".into(),
        String::new().into(),
        "[]".into(),
        basis.as_str().into(),
        reached.into(),
        now.into(),
    ]
}

async fn flush(
    g: &mut Gen<'_>,
    rows: &mut Vec<Vec<Arg>>,
    reach: &mut Vec<Vec<Arg>>,
    events: &mut Vec<NewEvent>,
) -> Result<()> {
    let mut tx = g.s.db.begin().await?;
    let rows: Vec<Vec<Arg>> = rows
        .drain(..)
        .map(|mut r| {
            let now = r[15].clone();
            r.push(now);
            r.push(Arg::from(1i64));
            r
        })
        .collect();
    let n = bulk::insert(
        &mut tx,
        "INSERT INTO activities (id, programme_id, org_id, country, goal, period, activity_type, title, start_date, \
         end_date, area, description, links, basis, reached, created_at, updated_at, version) VALUES ",
        &rows,
    )
    .await?;
    bulk::insert(
        &mut tx,
        "INSERT INTO activity_reach (activity_id, reach_group, sex, age, first_time, repeat_count) VALUES ",
        &std::mem::take(reach),
    )
    .await?;
    let evs = std::mem::take(events);
    g.commit(tx, &evs, n).await
}
