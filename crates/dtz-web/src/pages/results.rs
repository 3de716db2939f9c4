//! Results: the programmes and their frameworks (goals → outcomes → outputs →
//! indicators). Figures, targets and approvals join these pages as they land.

mod download;

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::{Cell, Grouping};
use dtz_domain::results::{Indicator, Measure, Programme, ResultNode};
use serde::Deserialize;

struct ProgrammeView {
    code: String,
    name: String,
    period: String,
}

#[derive(Template)]
#[template(path = "results/list.html")]
struct ListPage {
    page: Page,
    programmes: Vec<ProgrammeView>,
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let programmes = state.services.programmes().await?;
    if let [only] = programmes.as_slice() {
        return Ok(Redirect::to(&format!("/results/{}", only.code)).into_response());
    }
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let programmes = programmes
        .into_iter()
        .map(|p| ProgrammeView {
            period: format!("{} – {}", page.tr.date(p.start_date), page.tr.date(p.end_date)),
            code: p.code,
            name: p.name,
        })
        .collect();
    Ok(render(&ListPage { page, programmes }))
}

/// One row of the framework table: a node or an indicator, indented by depth, with the
/// indicator's figure per period.
struct Row {
    depth: usize,
    code: String,
    title: String,
    kind: String,
    indicator: bool,
    figures: Vec<String>,
}

/// Filters of the results pages (in the query string, so a view can be bookmarked).
#[derive(Deserialize, Default)]
pub struct ResultsQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    pending: Option<String>,
}

/// A cell as people read it, in their language; `*` marks pending values.
pub fn show_cell(page: &Page, measure: Measure, c: &Cell) -> String {
    let mut s = match measure {
        Measure::Count => c.value.map(|v| page.tr.number(v)).unwrap_or_default(),
        Measure::Percentage => match (c.ratio, c.numerator, c.denominator) {
            (Some(r), Some(n), Some(d)) => {
                format!("{} % ({}/{})", (r * 100.0).round(), page.tr.number(n), page.tr.number(d))
            }
            _ => String::new(),
        },
        Measure::YesNo => ["yes", "no"]
            .iter()
            .filter_map(|k| {
                c.distribution
                    .get(*k)
                    .filter(|n| **n > 0)
                    .map(|n| format!("{}: {n}", page.tr.t(&format!("answer-{k}"))))
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Measure::Ordinal => c
            .distribution
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{}: {n}", page.tr.t1("results-level", "level", k)))
            .collect::<Vec<_>>()
            .join(" · "),
        Measure::Text => page.tr.t1("results-texts", "count", c.texts.len()),
    };
    if c.includes_pending && !s.is_empty() {
        s.push_str(" *");
    }
    s
}

fn rows(page: &Page, nodes: &[ResultNode], depth: usize, f: &dtz_services::results::Figures, out: &mut Vec<Row>) {
    for n in nodes {
        let kind = page.tr.t(&format!("level-{}", n.level.as_str()));
        out.push(Row {
            depth,
            code: n.code.clone(),
            title: n.title.clone(),
            kind,
            indicator: false,
            figures: Vec::new(),
        });
        for i in &n.indicators {
            let cells = f
                .indicators
                .iter()
                .find(|x| x.indicator.code == i.code)
                .map(|x| x.cells.as_slice())
                .unwrap_or_default();
            let figures = f
                .periods
                .iter()
                .map(|p| {
                    cells
                        .iter()
                        .find(|c| c.period == Some(*p))
                        .map(|c| show_cell(page, i.measure, c))
                        .unwrap_or_default()
                })
                .collect();
            let kind = measure_label(page, i);
            out.push(Row {
                depth: depth + 1,
                code: i.code.clone(),
                title: i.title.clone(),
                kind,
                indicator: true,
                figures,
            });
        }
        rows(page, &n.children, depth + 1, f, out);
    }
}

fn measure_label(page: &Page, i: &Indicator) -> String {
    let mut s = page.tr.t(&format!("measure-{}", i.measure.as_str()));
    if i.cumulative {
        s.push_str(&format!(" · {}", page.tr.t("indicator-cumulative")));
    }
    s
}

#[derive(Template)]
#[template(path = "results/programme.html")]
struct ProgrammePage {
    page: Page,
    code: String,
    name: String,
    description: String,
    period: String,
    countries: Vec<String>,
    rows: Vec<Row>,
    indicator_count: usize,
    periods: Vec<String>,
    countries_filter: Vec<super::admin::SelectOption>,
    pending: bool,
    may_see_pending: bool,
    may_enter: bool,
    /// The filters as a query string for the download links.
    query: String,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let country = CountryCode::parse("country", &q.country).ok();
    let by_period = Grouping { period: true, ..Grouping::default() };
    let f = state.services.figures(&user.caller, &code, by_period, q.pending.is_some(), country).await?;
    let (row, p) = (f.programme.clone(), f.framework.clone());
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let mut out = Vec::new();
    rows(&page, &p.goals, 0, &f, &mut out);
    let mut countries_filter =
        vec![super::admin::SelectOption::new("", page.tr.t("results-all-countries"), &q.country)];
    countries_filter.extend(p.countries.iter().map(|c| {
        super::admin::SelectOption::new(c.country.as_str(), c.country.name(), &q.country.to_ascii_uppercase())
    }));
    let query = download_query(country.map(|c| c.as_str().to_owned()), f.with_pending);
    Ok(render(&ProgrammePage {
        query,
        periods: f.periods.iter().map(ToString::to_string).collect(),
        countries_filter,
        pending: f.with_pending,
        may_see_pending: dtz_services::Services::may_see_pending(&user.caller),
        may_enter: !dtz_services::Services::entry_scopes(&user.caller).is_empty() && !user.caller.is_system_admin(),
        period: format!("{} – {}", page.tr.date(row.start_date), page.tr.date(row.end_date)),
        countries: p.countries.iter().map(|c| c.country.name().to_owned()).collect(),
        indicator_count: p.indicators().len(),
        code: row.code,
        name: row.name,
        description: row.description,
        rows: out,
        page,
    }))
}

#[derive(Template)]
#[template(path = "results/indicator.html")]
struct IndicatorPage {
    page: Page,
    programme: String,
    node: String,
    i: Indicator,
    measure: String,
    aggregation: String,
    counts: String,
    source: String,
    disaggregations: Vec<String>,
    periods: Vec<String>,
    table: Vec<(String, Vec<String>)>,
    chart: Option<Chart>,
    pending: bool,
    query: String,
}

/// A bar chart drawn on the server: one bar per period, with labels in the bars'
/// `<title>` and the same figures in the table beside it.
pub struct Chart {
    /// Accessible title.
    pub title: String,
    /// Bars: x, y, width, height, label, value text.
    pub bars: Vec<(u32, u32, u32, u32, String, String)>,
    /// Width of the drawing.
    pub width: u32,
}

const CHART_H: u32 = 160;

fn chart(page: &Page, i: &Indicator, periods: &[dtz_domain::results::Period], cells: &[Cell]) -> Option<Chart> {
    let number = |c: &Cell| match i.measure {
        Measure::Count => c.value.map(|v| v as f64),
        Measure::Percentage => c.ratio.map(|r| r * 100.0),
        _ => None,
    };
    let values: Vec<(String, Option<f64>, String)> = periods
        .iter()
        .map(|p| {
            let c = cells.iter().find(|c| c.period == Some(*p) && c.country.is_none());
            (p.to_string(), c.and_then(number), c.map(|c| show_cell(page, i.measure, c)).unwrap_or_default())
        })
        .collect();
    let max = values.iter().filter_map(|v| v.1).fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return None;
    }
    let (w, gap) = (48u32, 16u32);
    let bars = values
        .into_iter()
        .enumerate()
        .map(|(n, (label, v, text))| {
            let h = (v.unwrap_or(0.0) / max * f64::from(CHART_H - 30)).round() as u32;
            (n as u32 * (w + gap) + gap, CHART_H - 20 - h, w, h, label, text)
        })
        .collect::<Vec<_>>();
    let width = bars.len() as u32 * (w + gap) + gap;
    Some(Chart { title: page.tr.t1("results-chart-title", "indicator", &i.title), bars, width })
}

/// The filters of a page as the query string of its download links.
fn download_query(country: Option<String>, pending: bool) -> String {
    let parts: Vec<String> =
        country.map(|c| format!("country={c}")).into_iter().chain(pending.then(|| "pending=on".to_owned())).collect();
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

fn find<'a>(p: &'a Programme, code: &str) -> Option<(&'a ResultNode, &'a Indicator)> {
    p.indicators().into_iter().find(|(_, i)| i.code == code)
}

async fn indicator(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, icode)): Path<(String, String)>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let pending = q.pending.is_some();
    let by_country = Grouping { country: true, period: true, ..Grouping::default() };
    let by_period = Grouping { period: true, ..Grouping::default() };
    let mut both = state.services.figures_by(&user.caller, &code, &[by_country, by_period], pending, None).await?;
    let (totals, f) = (both.pop().ok_or(AppError::NotFound)?, both.pop().ok_or(AppError::NotFound)?);
    let p = f.framework.clone();
    let (node, i) = find(&p, &icode).ok_or(AppError::NotFound)?;
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let cells_of = |fig: &dtz_services::results::Figures| {
        fig.indicators.iter().find(|x| x.indicator.code == i.code).map(|x| x.cells.clone()).unwrap_or_default()
    };
    let (cells, total_cells) = (cells_of(&f), cells_of(&totals));
    let row_of = |label: String, pick: &dyn Fn(&Cell) -> bool, cs: &[Cell]| {
        let vals = f.periods.iter().map(|per| {
            cs.iter()
                .find(|c| c.period == Some(*per) && pick(c))
                .map(|c| show_cell(&page, i.measure, c))
                .unwrap_or_default()
        });
        (label, vals.collect::<Vec<_>>())
    };
    let mut table: Vec<(String, Vec<String>)> = p
        .countries
        .iter()
        .map(|pc| row_of(pc.country.name().to_owned(), &|c: &Cell| c.country == Some(pc.country), &cells))
        .collect();
    table.retain(|(_, v)| v.iter().any(|x| !x.is_empty()));
    table.push(row_of(page.tr.t("results-alliance-total"), &|_: &Cell| true, &total_cells));
    let (baselines, targets) = state.services.goals(&code).await?;
    let ind_id = f.indicators.iter().find(|x| x.indicator.code == i.code).map(|x| x.indicator.id);
    for pc in &p.countries {
        let mine = |g: &&dtz_store::values::GoalRow| {
            Some(g.indicator_id) == ind_id
                && g.country == pc.country.as_str()
                && g.org_id.is_none()
                && g.part.is_empty()
        };
        let shown = |g: &dtz_store::values::GoalRow| match (g.value, g.numerator, g.denominator) {
            (Some(v), _, _) => page.tr.number(v),
            (None, Some(n), Some(d)) => format!("{n}/{d}"),
            _ => String::new(),
        };
        let ts: Vec<String> = f
            .periods
            .iter()
            .map(|per| targets.iter().filter(mine).find(|t| t.period == per.to_string()).map(shown).unwrap_or_default())
            .collect();
        if ts.iter().any(|x| !x.is_empty()) {
            table.push((page.tr.t1("results-target-of", "country", pc.country.name()), ts));
        }
        table.extend(part_targets(&page, &p, i, pc.country, ind_id, &targets, &f.periods));
        if let Some(b) = baselines.iter().find(mine) {
            let label = page
                .tr
                .targs("results-baseline-of", &[("country", pc.country.name().to_owned()), ("year", b.period.clone())]);
            let mut row = vec![String::new(); f.periods.len()];
            if let Some(first) = row.first_mut() {
                *first = shown(b);
            }
            table.push((label, row));
        }
    }
    let chart = chart(&page, i, &f.periods, &total_cells);
    let disaggregations = i
        .disaggregations
        .iter()
        .filter_map(|d| p.disaggregations.iter().find(|s| &s.code == d))
        .map(|s| format!("{}: {}", s.title, s.codes().join(", ")))
        .collect();
    Ok(render(&IndicatorPage {
        measure: measure_label(&page, i),
        aggregation: page.tr.t(&format!("aggregation-{}", i.aggregation.as_str())),
        counts: page.tr.t(&format!("counts-{}", i.counts.as_str())),
        source: page.tr.t(&format!("source-{}", i.source.as_str())),
        programme: p.code.clone(),
        node: format!("{} {}", node.code, node.title),
        i: i.clone(),
        disaggregations,
        periods: f.periods.iter().map(ToString::to_string).collect(),
        table,
        chart,
        query: download_query(None, f.with_pending),
        pending: f.with_pending,
        page,
    }))
}

/// The country's targets per part of a breakdown, a row per part that has one.
fn part_targets(
    page: &Page,
    p: &Programme,
    i: &Indicator,
    country: CountryCode,
    id: Option<uuid::Uuid>,
    targets: &[dtz_store::values::GoalRow],
    periods: &[dtz_domain::results::Period],
) -> Vec<(String, Vec<String>)> {
    let mut rows = Vec::new();
    for set in i.disaggregations.iter().filter_map(|d| p.disaggregations.iter().find(|s| &s.code == d)) {
        let options = set.options.iter().map(|o| (o.code.as_str(), o.label.clone()));
        for (option, label) in
            options.chain(std::iter::once((dtz_domain::results::UNKNOWN, page.tr.t("entry-unknown"))))
        {
            let part = format!("{}={option}", set.code);
            let mine: Vec<&dtz_store::values::GoalRow> = targets
                .iter()
                .filter(|t| {
                    Some(t.indicator_id) == id && t.country == country.as_str() && t.org_id.is_none() && t.part == part
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            let cells = periods
                .iter()
                .map(|per| {
                    mine.iter()
                        .find(|t| t.period == per.to_string())
                        .map(|t| match (t.value, t.numerator, t.denominator) {
                            (Some(v), _, _) => page.tr.number(v),
                            (None, Some(n), Some(d)) => format!("{n}/{d}"),
                            _ => String::new(),
                        })
                        .unwrap_or_default()
                })
                .collect();
            let what = format!("{}: {label}", set.title);
            rows.push((
                page.tr.targs("results-target-part-of", &[("country", country.name().to_owned()), ("part", what)]),
                cells,
            ));
        }
    }
    rows
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results", get(list))
        .route("/results/{code}", get(show))
        .route("/results/{code}/indicators/{indicator}", get(indicator))
        .merge(download::router())
}
