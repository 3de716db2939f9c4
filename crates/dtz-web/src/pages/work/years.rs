//! A company's year of The Code: the six criteria with their evidence notes, the number
//! of staff trained, and evidence files per criterion (a plain multipart form).

use super::Pairs;
use super::policy::FileLine;
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath, Query};
use crate::pages::{Errors, FieldError, Page, render};
use crate::state::AppState;
use crate::upload::{UPLOAD_BODY_LIMIT, Upload};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::work::company::{Criterion, YearInput};
use dtz_services::ServiceError;
use dtz_services::work::{COMPANY_YEAR, FileTarget};
use serde::Deserialize;
use uuid::Uuid;

struct CriterionView {
    code: &'static str,
    label: String,
    hint: String,
    met: bool,
    evidence: String,
    error: String,
    files: Vec<FileLine>,
}

#[derive(Template)]
#[template(path = "work/company_year.html")]
struct YearPage {
    page: Page,
    id: Uuid,
    name: String,
    year: i64,
    version: i64,
    staff_trained: String,
    criteria: Vec<CriterionView>,
    has_row: bool,
    errors: Errors,
    notice: Option<String>,
}

/// `?year=` of the year page.
#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
}

fn year_of(s: &str) -> Result<i64, AppError> {
    s.trim().parse().map_err(|_| dtz_domain::validate::Invalid::new("year", "Choose a year from 1990 on.").into())
}

async fn year_page(
    state: &AppState,
    user: &PageUser,
    id: Uuid,
    year: i64,
    typed: Option<&Pairs>,
    errors: Errors,
) -> Result<YearPage, AppError> {
    let c = state.services.company(&user.caller, id).await?;
    if !c.may_edit {
        return Err(AppError::Forbidden);
    }
    let row = c.years.iter().find(|y| y.year == year);
    let files = match row {
        Some(r) => state.services.work_files(COMPANY_YEAR, &[r.id]).await?,
        None => Vec::new(),
    };
    let page = Page::signed_in(state, user, "company-year-title", "/companies").await;
    let stored = row.map(|r| r.fields());
    let criteria = Criterion::ALL
        .iter()
        .map(|k| {
            let i = k.index();
            let (met, evidence) = match (typed, &stored) {
                (Some(p), _) => (
                    p.all("met").iter().any(|m| m == k.as_str()),
                    p.get(&format!("evidence_{}", k.as_str())).to_owned(),
                ),
                (None, Some(s)) => (s.met()[i], s.evidence[i].clone().unwrap_or_default()),
                (None, None) => (false, String::new()),
            };
            CriterionView {
                code: k.as_str(),
                label: page.tr.t(&format!("code-{}", k.as_str())),
                hint: page.tr.t(&format!("code-{}-hint", k.as_str())),
                files: files.iter().filter(|f| f.criterion == Some(*k)).map(|f| FileLine::of(&page, f)).collect(),
                error: page.tr.message(errors.get(&format!("evidence_{}", k.as_str()))),
                met,
                evidence,
            }
        })
        .collect();
    let staff_trained = match (typed, &stored) {
        (Some(p), _) => p.get("staff_trained").to_owned(),
        (None, Some(s)) => s.staff_trained.map(|n| n.to_string()).unwrap_or_default(),
        (None, None) => String::new(),
    };
    Ok(YearPage {
        version: row.map_or(0, |r| r.version),
        has_row: row.is_some(),
        name: c.row.name,
        id,
        year,
        staff_trained,
        criteria,
        errors,
        notice: None,
        page,
    })
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&q.year)?;
    Ok(render(&year_page(&state, &user, id, year, None, Errors::default()).await?))
}

async fn save(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = Pairs(pairs);
    user.check_csrf(f.get("csrf"))?;
    let year = year_of(f.get("year"))?;
    let input = YearInput {
        met: f.all("met"),
        staff_trained: f.get("staff_trained").to_owned(),
        evidence: Criterion::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), f.get(&format!("evidence_{}", k.as_str())).to_owned()))
            .collect(),
    };
    match state.services.save_company_year(&user.caller, id, year, f.version(), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/companies/{id}#code")).into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let mut p = year_page(&state, &user, id, year, None, Errors::default()).await?;
            p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&year_page(&state, &user, id, year, Some(&f), errors).await?))
                .into_response())
        }
    }
}

async fn attach(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    up: Upload,
) -> Result<Response, AppError> {
    user.check_csrf(up.get("csrf"))?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let year = year_of(up.get("year"))?;
    let c = state.services.company(&user.caller, id).await?;
    let row = c.years.iter().find(|y| y.year == year).ok_or(AppError::NotFound)?;
    let criterion = Criterion::parse("criterion", up.get("criterion"))?;
    let file = up.file.clone().unwrap_or_default();
    let target = FileTarget::CompanyYear { year: row.id, criterion };
    match state.services.attach_work_file(&user.caller, target, &file.name, &file.bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/companies/{id}/years?year={year}#files")).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let errors =
                Errors(errors.0.into_iter().map(|e| FieldError { field: "file".into(), message: e.message }).collect());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&year_page(&state, &user, id, year, None, errors).await?))
                .into_response())
        }
    }
}

/// Routes; the upload route has a body limit of its own.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/companies/{id}/years", get(show).post(save))
        .route("/companies/{id}/years/files", post(attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
}
