//! Completeness: for a reporting period, who has submitted what, so coordinators and
//! the alliance can chase what is missing before the deadline.

use super::admin::SelectOption;
use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use dtz_domain::results::{Period, ReportStatus};
use serde::Deserialize;

struct Line {
    country: String,
    org: String,
    status: String,
    done: bool,
    report: Option<uuid::Uuid>,
}

#[derive(Template)]
#[template(path = "results/completeness.html")]
struct CompletenessPage {
    page: Page,
    code: String,
    periods: Vec<SelectOption>,
    lines: Vec<Line>,
    summary: String,
    deadline: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    period: String,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let (_, p) = state.services.programme(&code).await?;
    let all = Period::between(p.periods, p.start, p.end);
    let period = Period::parse("period", &q.period)
        .ok()
        .filter(|x| all.contains(x))
        .or(all.last().copied())
        .ok_or(AppError::NotFound)?;
    let expected = state.services.completeness(&user.caller, &code, &period).await?;
    let page = Page::signed_in(&state, &user, "completeness-title", "/results").await;
    let done = expected
        .iter()
        .filter(|e| !matches!(e.status, None | Some(ReportStatus::Draft | ReportStatus::Returned)))
        .count();
    let summary = page.tr.targs(
        "completeness-summary",
        &[("done", done.to_string()), ("all", expected.len().to_string()), ("period", period.to_string())],
    );
    let lines = expected
        .into_iter()
        .map(|e| Line {
            country: e.country.name().to_owned(),
            org: e.org_name,
            done: !matches!(e.status, None | Some(ReportStatus::Draft | ReportStatus::Returned)),
            status: match e.status {
                Some(s) => page.tr.t(&format!("status-{}", s.as_str())),
                None => page.tr.t("completeness-not-started"),
            },
            report: e.report,
        })
        .collect();
    let periods = all.iter().map(|x| SelectOption::new(x.to_string(), x.to_string(), &period.to_string())).collect();
    let deadline = state
        .services
        .deadlines(&code)
        .await?
        .into_iter()
        .find(|d| d.period == period.to_string())
        .map(|d| page.tr.t1("completeness-deadline", "date", page.tr.date(d.due_date)));
    Ok(render(&CompletenessPage { page, code, periods, lines, summary, deadline }))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/results/{code}/completeness", get(show))
}
