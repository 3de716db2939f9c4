//! Evidence on the pages: attaching a file to an indicator of a report (from the entry
//! grid or the report page, a plain multipart form), downloading it, and removing it
//! after a confirmation page of its own.

use super::{Errors, FieldError, Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath, Query};
use crate::state::AppState;
use crate::upload::{UPLOAD_BODY_LIMIT, Upload, download};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::ids::OrgId;
use dtz_services::ServiceError;
use dtz_services::values::{Evidence, ReportKey};
use serde::Deserialize;
use uuid::Uuid;

/// An evidence file as a line of a list.
pub struct EvidenceLine {
    /// File id.
    pub id: Uuid,
    /// File name.
    pub name: String,
    /// Kind, size and date.
    pub detail: String,
}

impl EvidenceLine {
    /// The line for one file, in the reader's language.
    pub fn of(page: &Page, e: &Evidence) -> Self {
        let kb = (e.size + 1023) / 1024;
        let kind = e.kind.map_or("?", |k| k.label());
        Self {
            id: e.id,
            name: e.name.clone(),
            detail: format!(
                "{kind} · {} · {}",
                page.tr.t1("evidence-size", "kb", page.tr.number(kb)),
                page.tr.date(e.created_at.date())
            ),
        }
    }
}

/// The upload form of the entry and report pages.
pub struct UploadForm {
    /// Programme code.
    pub code: String,
    /// Organisation id.
    pub org: String,
    /// Country code.
    pub country: String,
    /// Period.
    pub period: String,
    /// `entry` or `report`: where to come back.
    pub back: &'static str,
    /// The report id (report page) or "".
    pub report: String,
    /// Indicators to choose from (code, title).
    pub indicators: Vec<(String, String)>,
}

/// Where to go back after attaching or removing.
fn back_to(back: &str, code: &str, key: &ReportKey, report: Uuid) -> String {
    if back == "entry" {
        format!("/results/{code}/entry?org={}&country={}&period={}#evidence-form", key.org, key.country, key.period)
    } else {
        format!("/results/reports/{report}#evidence")
    }
}

/// The field problems of a failed upload; anything else passes through.
fn problems(e: ServiceError) -> Result<Errors, AppError> {
    let errors = Errors::from_service(e)?;
    Ok(Errors(
        errors
            .0
            .into_iter()
            .map(|f| FieldError {
                field: if f.field == "indicator" { f.field } else { "file".into() },
                message: f.message,
            })
            .collect(),
    ))
}

/// Attach a file to an indicator of a report, from the entry grid or the report page.
async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    up: Upload,
) -> Result<Response, AppError> {
    user.check_csrf(up.get("csrf"))?;
    let org = OrgId(up.get("org").parse().map_err(|_| AppError::NotFound)?);
    let key = ReportKey {
        programme: code.clone(),
        org,
        country: up.get("country").to_owned(),
        period: up.get("period").to_owned(),
    };
    let file = up.file.clone().unwrap_or_default();
    let back = up.get("back");
    match state.services.attach_evidence(&user.caller, &key, up.get("indicator"), &file.name, &file.bytes).await {
        Ok(e) => Ok(Redirect::to(&back_to(back, &code, &key, e.report)).into_response()),
        Err(e) => {
            let errors = problems(e)?;
            let page = match up.get("report").parse::<Uuid>() {
                Ok(id) if back == "report" => super::report::render_with_errors(&state, &user, id, errors).await?,
                _ => super::entry::render_with_errors(&state, &user, &code, &key, errors).await?,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Download an evidence file (whoever may see its report).
async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let (e, bytes) = state.services.evidence_file(&user.caller, id).await?;
    Ok(download(&e.name, &e.content_type, bytes))
}

#[derive(Template)]
#[template(path = "results/evidence_remove.html")]
struct RemovePage {
    page: Page,
    id: Uuid,
    name: String,
    indicator: String,
    report: Uuid,
    back: String,
    errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct BackQuery {
    #[serde(default)]
    back: String,
}

async fn remove_page(
    state: &AppState,
    user: &PageUser,
    id: Uuid,
    back: &str,
    errors: Errors,
) -> Result<Response, AppError> {
    let (e, report) = state.services.evidence_item(&user.caller, id).await?;
    let view = state.services.report_by_id(&user.caller, report.id).await?;
    let indicator = view
        .indicators
        .iter()
        .find(|i| i.id == e.indicator)
        .map(|i| format!("{} {}", i.code, i.title))
        .unwrap_or_default();
    let page = Page::signed_in(state, user, "evidence-remove-title", "/results").await;
    let back = if back == "entry" { "entry" } else { "report" }.to_owned();
    Ok(render(&RemovePage { page, id, name: e.name, indicator, report: report.id, back, errors }))
}

/// The confirmation page before a file is removed.
async fn confirm(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Query(q): Query<BackQuery>,
) -> Result<Response, AppError> {
    remove_page(&state, &user, id, &q.back, Errors::default()).await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
    #[serde(default)]
    back: String,
}

/// Remove an evidence file (while its report is a draft or returned).
async fn delete(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let (_, report) = state.services.evidence_item(&user.caller, id).await?;
    match state.services.remove_evidence(&user.caller, id).await {
        Ok(()) => {
            let key = state.services.report_key(&user.caller, report.id).await?;
            Ok(Redirect::to(&back_to(&f.back, &key.programme.clone(), &key, report.id)).into_response())
        }
        Err(e) => {
            let errors = problems(e)?;
            let page = remove_page(&state, &user, id, &f.back, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Routes; the upload route has a body limit of its own.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/evidence", post(create).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/results/evidence/{id}", get(show))
        .route("/results/evidence/{id}/remove", get(confirm).post(delete))
}
