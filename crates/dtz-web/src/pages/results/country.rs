//! A country's page: each indicator's baseline, targets and achieved figures by period,
//! for the country and per organisation, progress against the target, and (for staff)
//! which of the country's reports are in. Links lead to the indicator pages filtered to
//! the country.

use super::{ResultsQuery, measure_label, show_cell};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::pages::{Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use dtz_domain::ids::OrgId;
use dtz_domain::results::rollup::{Cell, progress};
use dtz_domain::results::{Indicator, Measure, Period, ReportStatus, ResultNode};
use dtz_services::results::{CountryFigures, ExpectedReports};
use dtz_store::values::GoalRow;
use uuid::Uuid;

/// Progress in one period: the bar's value (0–100) and the text.
pub struct Progress {
    bar: u32,
    text: String,
}

/// One indicator of the country.
pub struct CountryIndicator {
    code: String,
    title: String,
    kind: String,
    baseline: Option<String>,
    rows: Vec<(String, Vec<String>)>,
    progress: Vec<Option<Progress>>,
    has_progress: bool,
}

/// One organisation's reports, period by period.
pub struct ReportsLine {
    org: String,
    expected: bool,
    cells: Vec<(String, bool, Option<Uuid>)>,
}

#[derive(Template)]
#[template(path = "results/country.html")]
struct CountryPage {
    page: Page,
    code: String,
    name: String,
    periods: Vec<String>,
    goals: Vec<(String, Vec<CountryIndicator>)>,
    without: Vec<String>,
    pending: bool,
    may_see_pending: bool,
    query: String,
    reports: Vec<ReportsLine>,
    summary: Vec<String>,
}

fn cells_of<'a>(f: &'a dtz_services::results::Figures, code: &str) -> Vec<&'a Cell> {
    f.indicators.iter().filter(|x| x.indicator.code == code).flat_map(|x| &x.cells).collect()
}

/// A figure as a number on the indicator's scale (counts; percentages in %).
fn number(measure: Measure, value: Option<i64>, num: Option<i64>, den: Option<i64>) -> Option<f64> {
    match (measure, value, num, den) {
        (Measure::Count, Some(v), _, _) => Some(v as f64),
        (Measure::Percentage, _, Some(n), Some(d)) if d > 0 => Some(n as f64 * 100.0 / d as f64),
        (Measure::Percentage, Some(v), None, None) => Some(v as f64),
        _ => None,
    }
}

fn goal_text(page: &Page, g: &GoalRow) -> String {
    super::table::show_goal(page, g)
}

fn indicator_view(
    page: &Page,
    c: &CountryFigures,
    i: &Indicator,
    names: &[(OrgId, String)],
) -> Option<CountryIndicator> {
    let id = c.totals.indicators.iter().find(|x| x.indicator.code == i.code)?.indicator.id;
    let periods = &c.totals.periods;
    let totals = cells_of(&c.totals, &i.code);
    let by_org = cells_of(&c.by_org, &i.code);
    let targets: Vec<&GoalRow> = c.targets.iter().filter(|t| t.indicator_id == id).collect();
    let baseline = c.baselines.iter().find(|b| b.indicator_id == id);
    if totals.is_empty() && targets.is_empty() && baseline.is_none() {
        return None;
    }
    let target_at = |p: &Period, org: Option<OrgId>| {
        targets.iter().find(|t| t.period == p.to_string() && t.org_id == org.map(|o| o.0)).copied()
    };
    let total_at = |p: &Period| totals.iter().find(|x| x.period == Some(*p)).copied();
    let target_row: Vec<String> =
        periods.iter().map(|p| target_at(p, None).map(|t| goal_text(page, t)).unwrap_or_default()).collect();
    let mut rows = Vec::new();
    if target_row.iter().any(|x| !x.is_empty()) {
        rows.push((page.tr.t("country-target"), target_row));
    }
    rows.push((
        page.tr.t("country-achieved"),
        periods.iter().map(|p| total_at(p).map(|x| show_cell(page, i.measure, x)).unwrap_or_default()).collect(),
    ));
    let mut orgs: Vec<(String, OrgId)> = by_org
        .iter()
        .filter_map(|x| x.org)
        .chain(targets.iter().filter_map(|t| t.org_id.map(OrgId)))
        .map(|o| (names.iter().find(|(id, _)| *id == o).map(|(_, n)| n.clone()).unwrap_or_default(), o))
        .collect();
    orgs.sort();
    orgs.dedup();
    for (name, org) in orgs {
        let figs = periods.iter().map(|p| {
            by_org.iter().find(|x| x.org == Some(org) && x.period == Some(*p)).map(|x| show_cell(page, i.measure, x))
        });
        rows.push((name.clone(), figs.map(Option::unwrap_or_default).collect()));
        let own: Vec<String> =
            periods.iter().map(|p| target_at(p, Some(org)).map(|t| goal_text(page, t)).unwrap_or_default()).collect();
        if own.iter().any(|x| !x.is_empty()) {
            rows.push((page.tr.t1("country-org-target", "org", name), own));
        }
    }
    let base = baseline.and_then(|b| number(i.measure, b.value, b.numerator, b.denominator));
    let progress: Vec<Option<Progress>> = periods
        .iter()
        .map(|p| {
            let t = target_at(p, None)?;
            let target = number(i.measure, t.value, t.numerator, t.denominator)?;
            let x = total_at(p)?;
            let actual = match i.measure {
                Measure::Percentage => x.ratio.map(|r| r * 100.0)?,
                _ => number(i.measure, x.value, None, None)?,
            };
            let share = progress(base, target, actual, i.ascending)?;
            let pct = (share * 100.0).round();
            Some(Progress { bar: pct.clamp(0.0, 100.0) as u32, text: page.tr.t1("country-progress", "pct", pct) })
        })
        .collect();
    Some(CountryIndicator {
        code: i.code.clone(),
        title: i.title.clone(),
        kind: measure_label(page, i),
        baseline: baseline
            .map(|b| page.tr.targs("country-baseline", &[("year", b.period.clone()), ("value", goal_text(page, b))])),
        rows,
        has_progress: progress.iter().any(Option::is_some),
        progress,
    })
}

fn goal_sections(
    page: &Page,
    c: &CountryFigures,
    goals: &[ResultNode],
    names: &[(OrgId, String)],
) -> (Vec<(String, Vec<CountryIndicator>)>, Vec<String>) {
    fn all<'a>(n: &'a ResultNode, out: &mut Vec<&'a Indicator>) {
        out.extend(n.indicators.iter());
        n.children.iter().for_each(|c| all(c, out));
    }
    let mut sections = Vec::new();
    let mut without = Vec::new();
    for g in goals {
        let mut list = Vec::new();
        all(g, &mut list);
        let mut shown = Vec::new();
        for i in list {
            match indicator_view(page, c, i, names) {
                Some(v) => shown.push(v),
                None => without.push(i.code.clone()),
            }
        }
        if !shown.is_empty() {
            sections.push((format!("{} {}", g.code, g.title), shown));
        }
    }
    (sections, without)
}

fn reports_lines(page: &Page, expected: &[ExpectedReports]) -> Vec<ReportsLine> {
    expected
        .iter()
        .map(|e| ReportsLine {
            org: e.name.clone(),
            expected: e.expected,
            cells: e
                .periods
                .iter()
                .map(|(_, r)| match r {
                    Some((s, id)) => (page.tr.t(&format!("status-{}", s.as_str())), done(*s), Some(*id)),
                    None => (page.tr.t("completeness-not-started"), false, None),
                })
                .collect(),
        })
        .collect()
}

fn done(s: ReportStatus) -> bool {
    !matches!(s, ReportStatus::Draft | ReportStatus::Returned)
}

/// The country page.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, country)): Path<(String, String)>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let c = state.services.country_figures(&user.caller, &code, &country, q.pending.is_some()).await?;
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let (goals, without) = goal_sections(&page, &c, &c.totals.framework.goals, &c.org_names);
    let reports = reports_lines(&page, &c.completeness);
    let summary = c
        .totals
        .periods
        .iter()
        .enumerate()
        .map(|(n, _)| {
            let expected: Vec<&ExpectedReports> = c.completeness.iter().filter(|e| e.expected).collect();
            let in_ = expected
                .iter()
                .filter(|e| e.periods.get(n).is_some_and(|(_, r)| r.is_some_and(|(s, _)| done(s))))
                .count();
            page.tr.targs("country-reports-in", &[("done", in_.to_string()), ("all", expected.len().to_string())])
        })
        .collect();
    let mut query = format!("?country={}", c.country);
    if c.totals.with_pending {
        query.push_str("&pending=on");
    }
    Ok(render(&CountryPage {
        code: c.totals.programme.code.clone(),
        name: c.country.name().to_owned(),
        periods: c.totals.periods.iter().map(ToString::to_string).collect(),
        goals,
        without,
        pending: c.totals.with_pending,
        may_see_pending: dtz_services::Services::may_see_pending(&user.caller),
        query,
        reports,
        summary,
        page,
    }))
}
