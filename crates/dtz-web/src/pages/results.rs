//! Results: the programmes and their frameworks (goals → outcomes → outputs →
//! indicators). Figures, targets and approvals join these pages as they land.

mod country;
mod download;
mod filters;
mod table;

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
use dtz_domain::ids::OrgId;
use dtz_domain::results::rollup::{Cell, Grouping};
use dtz_domain::results::{Indicator, Measure, Programme, ResultNode};
use dtz_services::Caller;
use dtz_services::results::{Figures, ResultsFilter};
use dtz_store::values::GoalRow;
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
    /// Reads results (so may see imported IATI activities).
    imports: bool,
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let programmes = state.services.programmes().await?;
    let imports = !user.caller.scope(dtz_domain::access::Area::Results).grants().is_empty();
    if let [only] = programmes.as_slice()
        && !only.imported()
    {
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
    Ok(render(&ListPage { page, programmes, imports }))
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
    goal: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    period: String,
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
            let cells =
                f.indicators.iter().find(|x| x.indicator.code == i.code).map(|x| &x.cells[..]).unwrap_or_default();
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
    if i.source == dtz_domain::results::Source::Computed {
        s.push_str(&format!(" · {}", page.tr.t("computed-tag")));
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
    /// Countries (code, name), linking to their pages.
    countries: Vec<(String, String)>,
    rows: Vec<Row>,
    indicator_count: usize,
    periods: Vec<String>,
    filters: filters::FilterForm,
    pending: bool,
    may_see_pending: bool,
    may_enter: bool,
    /// May open IATI publishing.
    iati: bool,
    /// Made by `dtz import iati`: read-only, with a link to its imported activities.
    imported: bool,
    /// The filters as a query string for the download links.
    query: String,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let filter = filters::filter_of(&q)?;
    let by_period = Grouping { period: true, ..Grouping::default() };
    let mut all =
        state.services.figures_filtered(&user.caller, &code, &[by_period], q.pending.is_some(), &filter).await?;
    let f = all.pop().ok_or(AppError::NotFound)?;
    let (row, p) = (f.programme.clone(), f.framework.clone());
    let whole = if filter.goal.is_some() { state.services.programme(&code).await?.1 } else { p.clone() };
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let mut out = Vec::new();
    rows(&page, &p.goals, 0, &f, &mut out);
    let form = (format!("/results/{code}"), true);
    let filters = filters::form(&state, &page, &whole, &filter, &user.caller, f.with_pending, form).await?;
    Ok(render(&ProgrammePage {
        query: filters::query_string(&filter, f.with_pending),
        periods: f.periods.iter().map(ToString::to_string).collect(),
        filters,
        pending: f.with_pending,
        may_see_pending: dtz_services::Services::may_see_pending(&user.caller),
        iati: state.services.iati_access(&user.caller).await.is_ok(),
        imported: row.imported(),
        may_enter: !row.imported()
            && !dtz_services::Services::entry_scopes(&user.caller).is_empty()
            && !user.caller.is_system_admin(),
        period: format!("{} – {}", page.tr.date(row.start_date), page.tr.date(row.end_date)),
        countries: whole
            .countries
            .iter()
            .map(|c| (c.country.as_str().to_owned(), c.country.name().to_owned()))
            .collect(),
        indicator_count: whole.indicators().len(),
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
    first: String,
    table: Vec<(String, Vec<String>)>,
    chart: Option<Chart>,
    pending: bool,
    query: String,
    filters: filters::FilterForm,
    /// For staff, on a computed indicator: reports whose figure differs from what the
    /// records give now (organisation, country, period, status, stored, now).
    drift: Vec<[String; 6]>,
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

fn find<'a>(p: &'a Programme, code: &str) -> Option<(&'a ResultNode, &'a Indicator)> {
    p.indicators().into_iter().find(|(_, i)| i.code == code)
}

/// What an indicator page and its download are made of.
struct IndicatorData {
    /// Rows by country, or by organisation when filtered to a country.
    f: Figures,
    /// Totals per period.
    totals: Figures,
    filter: ResultsFilter,
    baselines: Vec<GoalRow>,
    targets: Vec<GoalRow>,
    /// Organisation names (when rows are organisations).
    names: Vec<(OrgId, String)>,
}

/// The figures of an indicator page (and its download): rows and totals from one query,
/// with the baselines, targets and organisation names the table needs.
async fn indicator_figures(
    state: &AppState,
    user: &PageUser,
    code: &str,
    q: &ResultsQuery,
) -> Result<IndicatorData, AppError> {
    let filter = filters::filter_of(q)?;
    let by = Grouping { country: filter.country.is_none(), org: filter.country.is_some(), period: true, part: false };
    let by_period = Grouping { period: true, ..Grouping::default() };
    let pending = q.pending.is_some();
    let mut both = state.services.figures_filtered(&user.caller, code, &[by, by_period], pending, &filter).await?;
    let (totals, f) = (both.pop().ok_or(AppError::NotFound)?, both.pop().ok_or(AppError::NotFound)?);
    let (baselines, targets) = state.services.goals(code).await?;
    let names = if filter.country.is_some() {
        state.services.orgs(&Caller::System).await?.into_iter().map(|o| (OrgId(o.id), o.name)).collect()
    } else {
        Vec::new()
    };
    Ok(IndicatorData { f, totals, filter, baselines, targets, names })
}

async fn indicator(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, icode)): Path<(String, String)>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let IndicatorData { f, totals, filter, baselines, targets, names } =
        indicator_figures(&state, &user, &code, &q).await?;
    let p = f.framework.clone();
    let (node, i) = find(&p, &icode).ok_or(AppError::NotFound)?;
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let t = table::indicator_table(&page, (&f, &totals), &i.code, &filter, (&baselines, &targets), &names);
    let table = t
        .lines
        .iter()
        .map(|l| {
            let figs = l.figs.iter().map(|x| match x {
                table::Fig::Cell(c) => show_cell(&page, i.measure, c),
                table::Fig::Goal(g) => table::show_goal(&page, g),
                table::Fig::Empty => String::new(),
            });
            (l.label.clone(), figs.collect())
        })
        .collect();
    let total_cells = totals.indicators.iter().find(|x| x.indicator.code == i.code).map(|x| &x.cells[..]);
    let chart = chart(&page, i, &f.periods, total_cells.unwrap_or_default());
    let disaggregations = i
        .disaggregations
        .iter()
        .filter_map(|d| p.disaggregations.iter().find(|s| &s.code == d))
        .map(|s| format!("{}: {}", s.title, s.codes().join(", ")))
        .collect();
    let form = (format!("/results/{code}/indicators/{}", i.code), false);
    let filters = filters::form(&state, &page, &p, &filter, &user.caller, f.with_pending, form).await?;
    let names = state.services.orgs(&Caller::System).await?;
    let drift = state
        .services
        .indicator_drift(&user.caller, &code, &i.code)
        .await?
        .into_iter()
        .map(|d| {
            [
                names.iter().find(|o| o.id == d.org.0).map(|o| o.name.clone()).unwrap_or_default(),
                dtz_domain::org::CountryCode::parse("c", &d.country).map(|c| c.name()).unwrap_or("").to_owned(),
                d.period,
                d.status.map_or_else(|| page.tr.t("computed-no-report"), |s| page.tr.t(&format!("status-{s}"))),
                d.stored.map(|n| page.tr.number(n)).unwrap_or_default(),
                page.tr.number(d.now),
            ]
        })
        .collect();
    Ok(render(&IndicatorPage {
        drift,
        measure: measure_label(&page, i),
        aggregation: page.tr.t(&format!("aggregation-{}", i.aggregation.as_str())),
        counts: page.tr.t(&format!("counts-{}", i.counts.as_str())),
        source: page.tr.t(&format!("source-{}", i.source.as_str())),
        programme: p.code.clone(),
        node: format!("{} {}", node.code, node.title),
        i: i.clone(),
        disaggregations,
        periods: f.periods.iter().map(ToString::to_string).collect(),
        first: t.first,
        table,
        chart,
        query: filters::query_string(&filter, f.with_pending),
        pending: f.with_pending,
        filters,
        page,
    }))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results", get(list))
        .route("/results/{code}", get(show))
        .route("/results/{code}/indicators/{indicator}", get(indicator))
        .route("/results/{code}/countries/{country}", get(country::show))
        .merge(download::router())
}
