//! Generator of results: a programme `SCALE` with the demo framework's indicators five
//! times over (110 indicators), ten yearly periods, and every generated organisation
//! reporting in its home country and most in a second one: about 10,000 values per scale
//! unit (1 million at scale 100), totals with their parts adding up, most periods approved at both levels and the
//! last ones in every other state.

use super::{BATCH, Gen};
use crate::demo::PROGRAMME;
use crate::{Caller, Result, Services};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::{Measure, Period, Programme, ProgrammeCountry, ReportStatus, ResultNode};
use dtz_store::audit::NewEvent;
use dtz_store::bulk;
use dtz_store::programmes;
use dtz_store::sql::Arg;
use rand::RngExt;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The generated programme's code.
pub const CODE: &str = "SCALE";

/// Copies of each demo indicator.
const COPIES: usize = 5;

/// The generated programme: the demo framework with every indicator `COPIES` times,
/// 2016–2025 in years, in every generated country, implemented by the organisations that
/// report there.
fn programme(g: &Gen<'_>, names: &BTreeMap<Uuid, String>, reporters: &[(OrgId, CountryCode)]) -> Result<Programme> {
    let mut p = Services::parse_programme(PROGRAMME)?;
    p.code = CODE.into();
    p.name = "Programme at scale (sample data)".into();
    p.iati_identifier = None;
    p.start = time::macros::date!(2016 - 01 - 01);
    p.end = time::macros::date!(2025 - 12 - 31);
    p.countries = g
        .world
        .countries
        .iter()
        .map(|c| ProgrammeCountry {
            country: *c,
            lead: None,
            implementers: reporters
                .iter()
                .filter(|(_, rc)| rc == c)
                .filter_map(|(o, _)| names.get(&o.0).cloned())
                .collect(),
        })
        .collect();
    fn copy(node: &mut ResultNode) {
        node.indicators = node
            .indicators
            .iter()
            .flat_map(|i| {
                (1..=COPIES).map(move |k| {
                    let mut c = i.clone();
                    if k > 1 {
                        c.code = format!("{}.{k}", i.code);
                        c.title = format!("{} ({k})", i.title);
                    }
                    c
                })
            })
            .collect();
        node.children.iter_mut().for_each(copy);
    }
    p.goals.iter_mut().for_each(copy);
    Ok(p)
}

/// The state of a generated report in period `index` of `count`.
fn status(g: &mut Gen<'_>, index: usize, count: usize) -> ReportStatus {
    let roll = g.percent();
    if index + 2 < count {
        return ReportStatus::Approved;
    }
    if index + 2 == count {
        return match roll {
            0..70 => ReportStatus::Approved,
            70..85 => ReportStatus::CountryApproved,
            _ => ReportStatus::Submitted,
        };
    }
    match roll {
        0..40 => ReportStatus::Draft,
        40..70 => ReportStatus::Submitted,
        70..85 => ReportStatus::CountryApproved,
        _ => ReportStatus::Returned,
    }
}

/// `total` split into `n` parts at random (they add up to it).
fn split(g: &mut Gen<'_>, total: i64, n: usize) -> Vec<i64> {
    let mut left = total;
    let mut parts = Vec::with_capacity(n);
    for i in 0..n {
        let v = if i + 1 == n { left } else { g.rng.random_range(0..=left.max(0)) * 2 / 3 };
        parts.push(v);
        left -= v;
    }
    parts
}

/// One value row: (part, value, numerator, denominator, text).
type Cell = (String, Option<i64>, Option<i64>, Option<i64>, Option<String>);

/// The values of one indicator in one report: the total, then the parts of each of its
/// category sets (with their "unknown").
fn cells(g: &mut Gen<'_>, i: &programmes::IndicatorRow, sets: &BTreeMap<String, Vec<String>>) -> Vec<Cell> {
    let ind = i.indicator();
    let mut out = Vec::new();
    match ind.measure {
        Measure::Count => {
            let total = g.rng.random_range(0..400);
            out.push((String::new(), Some(total), None, None, None));
            for set in &ind.disaggregations {
                let options = sets.get(set).map_or(&[][..], Vec::as_slice);
                for (o, v) in options.iter().zip(split(g, total, options.len())) {
                    out.push((format!("{set}={o}"), Some(v), None, None, None));
                }
            }
        }
        Measure::Percentage => {
            let den = g.rng.random_range(1..300);
            let num = g.rng.random_range(0..=den);
            out.push((String::new(), None, Some(num), Some(den), None));
            for set in &ind.disaggregations {
                let options = sets.get(set).map_or(&[][..], Vec::as_slice);
                let dens = split(g, den, options.len());
                // Numerators in proportion to the denominators, the rest where there is
                // room, so the parts add up to the total on both sides.
                let mut nums: Vec<i64> = dens.iter().map(|d| num * d / den).collect();
                let mut left = num - nums.iter().sum::<i64>();
                for (n, d) in nums.iter_mut().zip(&dens) {
                    let add = left.min(d - *n);
                    *n += add;
                    left -= add;
                }
                for ((o, d), n) in options.iter().zip(dens).zip(nums) {
                    out.push((format!("{set}={o}"), None, Some(n), Some(d), None));
                }
            }
        }
        Measure::YesNo => out.push((String::new(), Some(i64::from(g.chance(0.6))), None, None, None)),
        Measure::Ordinal => {
            let v = g.rng.random_range(1..=ind.scale_max.unwrap_or(4).max(1));
            out.push((String::new(), Some(v), None, None, None));
        }
        Measure::Text => out.push((String::new(), None, None, None, Some("Sample narrative (sample data).".into()))),
    }
    out
}

/// Reports and their values for every generated organisation × period of `SCALE`.
pub(super) async fn values(g: &mut Gen<'_>) -> Result<()> {
    let names: BTreeMap<Uuid, String> = dtz_store::orgs::list(&g.s.db, &dtz_domain::access::Scope::all())
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    // Every organisation reports in its home country, and three in five in another one;
    // only in the programme's countries (alliance members are based in NL, which it does
    // not list: they report in the other country alone).
    let mut reporters = Vec::new();
    for o in g.world.orgs.clone() {
        let Some(home) = o.country else { continue };
        if g.world.countries.contains(&home) {
            reporters.push((o.id, home));
        }
        if g.chance(0.6) {
            let countries = g.world.countries.clone();
            let other = *g.pick(&countries);
            if other != home {
                reporters.push((o.id, other));
            }
        }
    }
    let p = programme(g, &names, &reporters)?;
    let loaded = g.s.load_programme(&Caller::System, &p).await?;
    let indicators = programmes::indicators(&g.s.db, loaded.id).await?;
    let sets: BTreeMap<String, Vec<String>> = p
        .disaggregations
        .iter()
        .map(|s| {
            let mut o: Vec<String> = s.options.iter().map(|o| o.code.clone()).collect();
            o.push("unknown".into());
            (s.code.clone(), o)
        })
        .collect();
    let periods = Period::between(p.periods, p.start, p.end);
    let per_report: u64 = indicators
        .iter()
        .map(|i| {
            let ind = i.indicator();
            let parts: usize = ind.disaggregations.iter().map(|s| sets.get(s).map_or(0, Vec::len)).sum();
            1 + if matches!(ind.measure, Measure::Count | Measure::Percentage) { parts as u64 } else { 0 }
        })
        .sum();
    let reports = (reporters.len() * periods.len()) as u64;
    g.step("indicator values", reports * (1 + 2 * per_report));
    let now = g.now;
    let mut report_rows = Vec::new();
    let mut value_rows = Vec::new();
    let mut history_rows = Vec::new();
    let mut events = Vec::new();
    for (pi, period) in periods.iter().enumerate() {
        for (org, country) in &reporters {
            let id = g.uuid();
            let st = status(g, pi, periods.len());
            let submitted = (st != ReportStatus::Draft).then_some(now);
            let country_ok = matches!(st, ReportStatus::CountryApproved | ReportStatus::Approved).then_some(now);
            let alliance_ok = (st == ReportStatus::Approved).then_some(now);
            report_rows.push(vec![
                Arg::from(id),
                loaded.id.into(),
                (*org).into(),
                country.as_str().into(),
                period.to_string().into(),
                st.as_str().into(),
                (st == ReportStatus::Returned).then_some("Please check the totals (sample data).").into(),
                submitted.into(),
                country_ok.into(),
                alliance_ok.into(),
                now.into(),
            ]);
            for ind in &indicators {
                for (part, value, num, den, text) in cells(g, ind, &sets) {
                    let vid = g.ordered_uuid();
                    let hid = g.ordered_uuid();
                    value_rows.push(vec![
                        Arg::from(vid),
                        id.into(),
                        ind.id.into(),
                        part.into(),
                        value.into(),
                        num.into(),
                        den.into(),
                        text.clone().into(),
                        now.into(),
                    ]);
                    history_rows.push(vec![
                        Arg::from(hid),
                        vid.into(),
                        value.into(),
                        num.into(),
                        den.into(),
                        text.into(),
                        now.into(),
                    ]);
                }
            }
            events.push(NewEvent {
                actor_user: None,
                actor_org: None,
                action: "values.save".into(),
                entity: "report".into(),
                entity_id: Some(id),
                entity_version: Some(1),
                fields: Vec::new(),
                org: Some(*org),
            });
            if value_rows.len() >= BATCH * 4 {
                flush(g, loaded.id, &mut report_rows, &mut value_rows, &mut history_rows, &mut events).await?;
            }
        }
    }
    if !report_rows.is_empty() {
        flush(g, loaded.id, &mut report_rows, &mut value_rows, &mut history_rows, &mut events).await?;
    }
    Ok(())
}

/// Write what is buffered in one transaction with its audit events.
async fn flush(
    g: &mut Gen<'_>,
    programme: Uuid,
    reports: &mut Vec<Vec<Arg>>,
    values: &mut Vec<Vec<Arg>>,
    history: &mut Vec<Vec<Arg>>,
    events: &mut Vec<NewEvent>,
) -> Result<()> {
    let mut tx = g.s.db.begin().await?;
    let mut n = bulk::insert(
        &mut tx,
        "INSERT INTO reports (id, programme_id, org_id, country, period, status, returned_reason, submitted_at, \
         country_approved_at, alliance_approved_at, created_at, updated_at, version) VALUES ",
        &with_tail(reports.drain(..), |r| {
            let now = r[10].clone();
            r.push(now);
            r.push(Arg::from(1i64));
        }),
    )
    .await?;
    n += bulk::insert(
        &mut tx,
        "INSERT INTO data_values (id, report_id, indicator_id, part, value, numerator, denominator, text_value, \
         updated_at, version) VALUES ",
        &with_tail(values.drain(..), |r| r.push(Arg::from(1i64))),
    )
    .await?;
    n += bulk::insert(
        &mut tx,
        "INSERT INTO data_value_history (id, value_id, value, numerator, denominator, text_value, changed_at, \
         version) VALUES ",
        &with_tail(history.drain(..), |r| r.push(Arg::from(1i64))),
    )
    .await?;
    programmes::bump_approved_of(&mut tx, programme).await?;
    let evs = std::mem::take(events);
    g.commit(tx, &evs, n).await
}

fn with_tail(rows: impl Iterator<Item = Vec<Arg>>, f: impl Fn(&mut Vec<Arg>)) -> Vec<Vec<Arg>> {
    rows.map(|mut r| {
        f(&mut r);
        r
    })
    .collect()
}
