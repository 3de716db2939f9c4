//! IATI publishing in the pages: who publishes which activities, the downloads (the whole
//! programme or one publisher, as IATI XML or its results as CSV) and, on request, the
//! rule check with every problem listed. Donors, the alliance M&E lead and administrators
//! see every publisher; a member's staff its own; anyone else a 404.

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dtz_formats::iati::Severity;
use dtz_services::iati::IatiAccess;
use serde::Deserialize;

/// Which publisher, and whether to check.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct IatiQuery {
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    check: Option<String>,
}

struct PublisherRow {
    name: String,
    id: String,
    activities: Vec<String>,
}

struct ProblemRow {
    error: bool,
    rule: String,
    activity: String,
    path: String,
    message: String,
}

#[derive(Template)]
#[template(path = "results/iati.html")]
struct IatiPage {
    page: Page,
    code: String,
    name: String,
    all: bool,
    finance: bool,
    publishers: Vec<PublisherRow>,
    checked: bool,
    errors: usize,
    warnings: usize,
    problems: Vec<ProblemRow>,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<IatiQuery>,
) -> Result<Response, AppError> {
    let access = state.services.iati_access(&user.caller).await?;
    let publishers = state.services.iati_publishers(&user.caller, &code).await?;
    let (row, _) = state.services.programme(&code).await?;
    let checked = q.check.is_some();
    let problems = if checked {
        let only = match access {
            IatiAccess::All => q.publisher.clone().filter(|p| !p.is_empty()),
            IatiAccess::Member(m) => Some(m.to_string()),
        };
        state.services.iati_check(&user.caller, &code, only.as_deref()).await?.1
    } else {
        Vec::new()
    };
    let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
    let page = Page::signed_in(&state, &user, "iati-title", "/results").await;
    let tr = page.tr.clone();
    Ok(render(&IatiPage {
        page,
        code: row.code,
        name: row.name,
        all: access == IatiAccess::All,
        finance: state.services.finance_scope(&user.caller).await?.is_some(),
        publishers: publishers
            .into_iter()
            .map(|p| PublisherRow {
                id: p.org.id.to_string(),
                name: p.org.name,
                activities: p.activities.into_iter().map(|a| a.identifier).collect(),
            })
            .collect(),
        checked,
        errors,
        warnings: problems.len() - errors,
        problems: problems
            .into_iter()
            .map(|p| ProblemRow {
                error: p.severity == Severity::Error,
                rule: p.rule,
                activity: p.activity,
                path: p.path,
                message: tr.message(&p.message),
            })
            .collect(),
    }))
}

async fn download(
    state: AppState,
    user: PageUser,
    code: String,
    q: IatiQuery,
    csv: bool,
) -> Result<Response, AppError> {
    let publisher = q.publisher.as_deref().filter(|p| !p.is_empty());
    let body = if csv {
        state.services.iati_flat(&user.caller, &code, publisher).await?
    } else {
        state.services.iati_xml(&user.caller, &code, publisher).await?
    };
    let name: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    let (kind, ext) = if csv { ("text/csv; charset=utf-8", "csv") } else { ("application/xml", "xml") };
    let disposition = format!("attachment; filename=\"{name}-iati.{ext}\"");
    Ok(([(CONTENT_TYPE, kind.to_owned()), (CONTENT_DISPOSITION, disposition)], body).into_response())
}

type St = State<AppState>;
type Q = Query<IatiQuery>;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/iati", get(show))
        .route(
            "/results/{code}/iati.xml",
            get(|State(s): St, u: PageUser, Path(c): Path<String>, Query(q): Q| download(s, u, c, q, false)),
        )
        .route(
            "/results/{code}/iati.csv",
            get(|State(s): St, u: PageUser, Path(c): Path<String>, Query(q): Q| download(s, u, c, q, true)),
        )
}
