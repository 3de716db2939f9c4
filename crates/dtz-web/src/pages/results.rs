//! Results: the programmes and their frameworks (goals → outcomes → outputs →
//! indicators). Figures, targets and approvals join these pages as they land.

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::results::{Indicator, Programme, ResultNode};

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

/// One row of the framework table: a node or an indicator, indented by depth.
struct Row {
    depth: usize,
    code: String,
    title: String,
    kind: String,
    indicator: bool,
}

fn rows(page: &Page, nodes: &[ResultNode], depth: usize, out: &mut Vec<Row>) {
    for n in nodes {
        out.push(Row {
            depth,
            code: n.code.clone(),
            title: n.title.clone(),
            kind: page.tr.t(&format!("level-{}", n.level.as_str())),
            indicator: false,
        });
        for i in &n.indicators {
            out.push(Row {
                depth: depth + 1,
                code: i.code.clone(),
                title: i.title.clone(),
                kind: measure_label(page, i),
                indicator: true,
            });
        }
        rows(page, &n.children, depth + 1, out);
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
}

async fn show(State(state): State<AppState>, user: PageUser, Path(code): Path<String>) -> Result<Response, AppError> {
    let (row, p) = state.services.programme(&code).await?;
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
    let mut out = Vec::new();
    rows(&page, &p.goals, 0, &mut out);
    Ok(render(&ProgrammePage {
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
}

fn find<'a>(p: &'a Programme, code: &str) -> Option<(&'a ResultNode, &'a Indicator)> {
    p.indicators().into_iter().find(|(_, i)| i.code == code)
}

async fn indicator(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, icode)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (_, p) = state.services.programme(&code).await?;
    let (node, i) = find(&p, &icode).ok_or(AppError::NotFound)?;
    let page = Page::signed_in(&state, &user, "nav-results", "/results").await;
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
        page,
    }))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results", get(list))
        .route("/results/{code}", get(show))
        .route("/results/{code}/indicators/{indicator}", get(indicator))
}
