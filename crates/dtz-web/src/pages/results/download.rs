//! The results tables as downloads (CSV and XLSX): the same figures, filters and access
//! rules as the pages, with counts and percentages as numbers. Pending values are not
//! marked `*` inside numbers; a last column names the periods that include them.

use super::table::{Fig, indicator_table};
use super::{ResultsQuery, find, measure_label, show_cell};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::pages::Page;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dtz_domain::results::rollup::{Cell, Grouping};
use dtz_domain::results::{Measure, Period, ResultNode};
use dtz_formats::table::{self, Table, TableCell};
use dtz_services::results::Figures;

/// The two download formats.
#[derive(Clone, Copy)]
enum Format {
    Csv,
    Xlsx,
}

/// A figure as a table cell: counts and percentages as numbers, other measures as the
/// text the page shows (without the pending mark).
fn cell_of(page: &Page, measure: Measure, c: &Cell) -> TableCell {
    match measure {
        Measure::Count => c.value.map_or(TableCell::Empty, TableCell::Number),
        Measure::Percentage => c.ratio.map_or(TableCell::Empty, TableCell::Ratio),
        _ => {
            let text = show_cell(page, measure, &Cell { includes_pending: false, ..c.clone() });
            if text.is_empty() { TableCell::Empty } else { TableCell::Text(text) }
        }
    }
}

/// One row's figures per period, then (with pending values) the periods that include them.
fn figure_cells(page: &Page, f: &Figures, measure: Measure, cells: &[&Cell]) -> Vec<TableCell> {
    let at = |p: &Period| cells.iter().find(|c| c.period == Some(*p));
    let mut out: Vec<TableCell> =
        f.periods.iter().map(|p| at(p).map(|c| cell_of(page, measure, c)).unwrap_or_default()).collect();
    if f.with_pending {
        let pending: Vec<String> =
            f.periods.iter().filter(|p| at(p).is_some_and(|c| c.includes_pending)).map(ToString::to_string).collect();
        out.push(TableCell::Text(pending.join(", ")));
    }
    out
}

fn header(page: &Page, f: &Figures, first: Vec<String>) -> Vec<String> {
    let mut h = first;
    h.extend(f.periods.iter().map(ToString::to_string));
    if f.with_pending {
        h.push(page.tr.t("results-download-pending"));
    }
    h
}

fn framework_rows(page: &Page, nodes: &[ResultNode], f: &Figures, out: &mut Vec<Vec<TableCell>>) {
    for n in nodes {
        out.push(vec![
            n.code.as_str().into(),
            n.title.as_str().into(),
            page.tr.t(&format!("level-{}", n.level.as_str())).into(),
        ]);
        for i in &n.indicators {
            let cells: Vec<&Cell> =
                f.indicators.iter().filter(|x| x.indicator.code == i.code).flat_map(|x| &x.cells).collect();
            let mut row = vec![i.code.as_str().into(), i.title.as_str().into(), measure_label(page, i).into()];
            row.extend(figure_cells(page, f, i.measure, &cells));
            out.push(row);
        }
        framework_rows(page, &n.children, f, out);
    }
}

/// The file as a response with its type and a download name made of safe characters.
fn respond(t: &Table, name: &str, format: Format) -> Result<Response, AppError> {
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    let (body, kind, ext) = match format {
        Format::Csv => (table::to_csv(t), "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            table::to_xlsx(t).map_err(|e| AppError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let disposition = format!("attachment; filename=\"{name}.{ext}\"");
    Ok(([(CONTENT_TYPE, kind.to_owned()), (CONTENT_DISPOSITION, disposition)], body).into_response())
}

async fn programme(
    state: AppState,
    user: PageUser,
    code: String,
    q: ResultsQuery,
    format: Format,
) -> Result<Response, AppError> {
    let filter = super::filters::filter_of(&q)?;
    let by_period = Grouping { period: true, ..Grouping::default() };
    let mut all =
        state.services.figures_filtered(&user.caller, &code, &[by_period], q.pending.is_some(), &filter).await?;
    let f = all.pop().ok_or(AppError::NotFound)?;
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let first = ["results-code", "results-title", "results-kind"].map(|k| page.tr.t(k)).to_vec();
    let mut rows = Vec::new();
    framework_rows(&page, &f.framework.goals, &f, &mut rows);
    let t =
        Table { title: format!("{} {}", f.programme.code, f.programme.name), header: header(&page, &f, first), rows };
    respond(&t, &format!("{}-results", f.programme.code), format)
}

async fn indicator(
    state: AppState,
    user: PageUser,
    (code, icode): (String, String),
    q: ResultsQuery,
    format: Format,
) -> Result<Response, AppError> {
    let super::IndicatorData { f, totals, filter, baselines, targets, names } =
        super::indicator_figures(&state, &user, &code, &q).await?;
    let (_, i) = find(&f.framework, &icode).ok_or(AppError::NotFound)?;
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let t = indicator_table(&page, (&f, &totals), &i.code, &filter, (&baselines, &targets), &names);
    let rows = t
        .lines
        .iter()
        .map(|l| {
            let mut row = vec![TableCell::Text(l.label.clone())];
            row.extend(line_cells(&page, &f, i.measure, &l.figs));
            row
        })
        .collect();
    let t = Table { title: format!("{} {}", i.code, i.title), header: header(&page, &f, vec![t.first]), rows };
    respond(&t, &format!("{}-{}", f.programme.code, i.code), format)
}

/// A line's figures per period as cells (targets and baselines as numbers too), then
/// (with pending values) the periods that include them.
fn line_cells(page: &Page, f: &Figures, measure: Measure, figs: &[Fig]) -> Vec<TableCell> {
    let mut out: Vec<TableCell> = figs
        .iter()
        .map(|x| match x {
            Fig::Cell(c) => cell_of(page, measure, c),
            Fig::Goal(g) => match (g.value, g.numerator, g.denominator) {
                (Some(v), _, _) => TableCell::Number(v),
                (None, Some(n), Some(d)) if d != 0 => TableCell::Ratio(n as f64 / d as f64),
                _ => TableCell::Empty,
            },
            Fig::Empty => TableCell::Empty,
        })
        .collect();
    if f.with_pending {
        let pending: Vec<String> = f
            .periods
            .iter()
            .zip(figs)
            .filter(|(_, x)| matches!(x, Fig::Cell(c) if c.includes_pending))
            .map(|(p, _)| p.to_string())
            .collect();
        out.push(TableCell::Text(pending.join(", ")));
    }
    out
}

type St = State<AppState>;
type Q = Query<ResultsQuery>;

/// Routes: `download.csv` and `download.xlsx` under a programme and under an indicator
/// (the router cannot match a parameter with a suffix such as `{code}.csv`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/results/{code}/download.csv",
            get(|State(s): St, u: PageUser, Path(c): Path<String>, Query(q): Q| programme(s, u, c, q, Format::Csv)),
        )
        .route(
            "/results/{code}/download.xlsx",
            get(|State(s): St, u: PageUser, Path(c): Path<String>, Query(q): Q| programme(s, u, c, q, Format::Xlsx)),
        )
        .route(
            "/results/{code}/indicators/{indicator}/download.csv",
            get(|State(s): St, u: PageUser, Path(p): Path<(String, String)>, Query(q): Q| {
                indicator(s, u, p, q, Format::Csv)
            }),
        )
        .route(
            "/results/{code}/indicators/{indicator}/download.xlsx",
            get(|State(s): St, u: PageUser, Path(p): Path<(String, String)>, Query(q): Q| {
                indicator(s, u, p, q, Format::Xlsx)
            }),
        )
}
