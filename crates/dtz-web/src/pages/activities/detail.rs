//! An activity's page: what it was, whom it reached (the cells that have people, with
//! totals), its links and evidence files; removing it and its files after a page of
//! confirmation each.

use super::super::{Errors, FieldError, Page, render};
use super::{label, reads_activities};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::state::AppState;
use crate::upload::{UPLOAD_BODY_LIMIT, Upload, download};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::activity::ActivityId;
use dtz_services::ServiceError;
use dtz_services::activities::{Activity, ActivityFile, may_record};
use serde::Deserialize;
use uuid::Uuid;

struct FileLine {
    id: Uuid,
    name: String,
    detail: String,
}

fn file_line(page: &Page, f: &ActivityFile) -> FileLine {
    let kb = (f.size + 1023) / 1024;
    let kind = f.kind.map_or("?", |k| k.label());
    FileLine {
        id: f.id,
        name: f.name.clone(),
        detail: format!(
            "{kind} · {} · {}",
            page.tr.t1("evidence-size", "kb", page.tr.number(kb)),
            page.tr.date(f.created_at.date())
        ),
    }
}

#[derive(Template)]
#[template(path = "activities/show.html")]
struct ShowPage {
    page: Page,
    code: String,
    id: Uuid,
    title: String,
    facts: Vec<(String, String)>,
    description: String,
    links: Vec<String>,
    reach: Vec<[String; 6]>,
    totals: [String; 3],
    estimated: bool,
    files: Vec<FileLine>,
    /// Harvested outcomes linked to it (id, date · title).
    outcomes: Vec<(Uuid, String)>,
    may_record: bool,
    errors: Errors,
}

async fn page_for(
    state: &AppState,
    user: &PageUser,
    code: &str,
    id: ActivityId,
    errors: Errors,
) -> Result<ShowPage, AppError> {
    if !reads_activities(&user.caller) {
        return Err(AppError::NotFound);
    }
    let a = state.services.activity(&user.caller, id).await?;
    let o = state.services.activity_options(code).await?;
    if a.row.programme_id != o.programme.id {
        return Err(AppError::NotFound);
    }
    let page = Page::signed_in(state, user, "activities-title", "/activities").await;
    let org = state.services.org(&user.caller, a.org()).await.map(|o| o.name).unwrap_or_default();
    let f = &a.fields;
    let dates = if f.start == f.end {
        page.tr.date(f.start)
    } else {
        format!("{} – {}", page.tr.date(f.start), page.tr.date(f.end))
    };
    let goal = o
        .framework
        .goals
        .iter()
        .find(|g| g.code == f.goal)
        .map_or(f.goal.clone(), |g| format!("{} {}", g.code, g.title));
    let mut facts = vec![
        (page.tr.t("activity-type"), o.type_label(&f.activity_type, page.tr.code())),
        (page.tr.t("activity-dates"), dates),
        (page.tr.t("activity-organisation"), org),
        (page.tr.t("org-country"), f.country.name().to_owned()),
        (page.tr.t("activity-goal"), goal),
        (page.tr.t("activity-period"), a.row.period.clone()),
        (page.tr.t("activity-basis"), page.tr.t(&format!("activity-basis-{}", f.basis.as_str()))),
    ];
    if !f.area.is_empty() {
        facts.insert(2, (page.tr.t("activity-area"), f.area.clone()));
    }
    let n = |x: i64| page.tr.number(x);
    let reach = f
        .reach
        .iter()
        .map(|c| {
            [
                label(&page, "group", c.group.as_str()),
                label(&page, "sex", c.sex.as_str()),
                label(&page, "age", c.age.as_str()),
                n(c.first_time),
                n(c.repeat),
                n(c.total()),
            ]
        })
        .collect();
    let first: i64 = f.reach.iter().map(|c| c.first_time).sum();
    let repeat: i64 = f.reach.iter().map(|c| c.repeat).sum();
    let files = state.services.activity_files(&a).await?.iter().map(|x| file_line(&page, x)).collect();
    let outcomes = state.services.outcomes_of_activity(&user.caller, a.row.id).await?;
    let outcomes =
        outcomes.into_iter().map(|o| (o.id, format!("{} · {}", page.tr.date(o.observed_on), o.title))).collect();
    Ok(ShowPage {
        code: code.to_owned(),
        id: a.row.id,
        title: f.title.clone(),
        facts,
        description: f.description.clone(),
        links: f.links.clone(),
        reach,
        totals: [n(first), n(repeat), n(first + repeat)],
        estimated: f.basis == dtz_domain::activity::ReachBasis::Estimated,
        files,
        outcomes,
        may_record: may_record(&user.caller, a.org(), &a.row.country),
        errors,
        page,
    })
}

fn ids(code_id: (String, String)) -> Result<(String, ActivityId), AppError> {
    Ok((code_id.0, ActivityId(code_id.1.parse().map_err(|_| AppError::NotFound)?)))
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (code, id) = ids(p)?;
    Ok(render(&page_for(&state, &user, &code, id, Errors::default()).await?))
}

#[derive(Template)]
#[template(path = "activities/remove.html")]
struct RemovePage {
    page: Page,
    action: String,
    back: String,
    heading: String,
    question: String,
    confirm: String,
    name: String,
    version: i64,
    errors: Errors,
}

async fn activity_checked(state: &AppState, user: &PageUser, code: &str, id: ActivityId) -> Result<Activity, AppError> {
    let a = state.services.activity(&user.caller, id).await?;
    let o = state.services.activity_options(code).await?;
    if a.row.programme_id != o.programme.id {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

async fn remove_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (code, id) = ids(p)?;
    let a = activity_checked(&state, &user, &code, id).await?;
    let page = Page::signed_in(&state, &user, "activity-remove-title", "/activities").await;
    Ok(render(&RemovePage {
        action: format!("/activities/{code}/{id}/remove"),
        back: format!("/activities/{code}/{id}"),
        heading: page.tr.t("activity-remove-title"),
        question: page.tr.t("activity-remove-question"),
        confirm: page.tr.t("activity-remove-confirm"),
        name: a.fields.title.clone(),
        version: a.row.version,
        errors: Errors::default(),
        page,
    }))
}

#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

async fn remove(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): Path<(String, String)>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let (code, id) = ids(p)?;
    activity_checked(&state, &user, &code, id).await?;
    state.services.remove_activity(&user.caller, id, f.version).await?;
    Ok(Redirect::to(&format!("/activities/{code}")).into_response())
}

async fn attach(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): Path<(String, String)>,
    up: Upload,
) -> Result<Response, AppError> {
    user.check_csrf(up.get("csrf"))?;
    let (code, id) = ids(p)?;
    activity_checked(&state, &user, &code, id).await?;
    let file = up.file.clone().unwrap_or_default();
    match state.services.attach_activity_file(&user.caller, id, &file.name, &file.bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{code}/{id}#files")).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let errors =
                Errors(errors.0.into_iter().map(|x| FieldError { field: "file".into(), message: x.message }).collect());
            let p = page_for(&state, &user, &code, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

async fn file(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let (f, bytes) = state.services.activity_file(&user.caller, id).await?;
    Ok(download(&f.name, &f.content_type, bytes))
}

async fn file_remove_page(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
) -> Result<Response, AppError> {
    let (f, a) = state.services.activity_file_item(&user.caller, id).await?;
    let code = state.services.programmes().await?.into_iter().find(|p| p.id == a.row.programme_id).map(|p| p.code);
    let page = Page::signed_in(&state, &user, "activity-file-remove-title", "/activities").await;
    Ok(render(&RemovePage {
        action: format!("/activities/files/{id}/remove"),
        back: format!("/activities/{}/{}#files", code.unwrap_or_default(), a.row.id),
        heading: page.tr.t("activity-file-remove-title"),
        question: page.tr.t("activity-file-remove-question"),
        confirm: page.tr.t("evidence-remove-confirm"),
        name: f.name,
        version: 0,
        errors: Errors::default(),
        page,
    }))
}

async fn file_remove(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    match state.services.remove_activity_file(&user.caller, id).await {
        Ok(activity) => {
            let a = state.services.activity(&user.caller, ActivityId(activity)).await?;
            let code =
                state.services.programmes().await?.into_iter().find(|p| p.id == a.row.programme_id).map(|p| p.code);
            Ok(Redirect::to(&format!("/activities/{}/{activity}#files", code.unwrap_or_default())).into_response())
        }
        Err(ServiceError::Invalid(v)) => Err(AppError::Validation(v.0)),
        Err(e) => Err(e.into()),
    }
}

/// Routes; the upload has a body limit of its own.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities/{code}/{id}", get(show))
        .route("/activities/{code}/{id}/remove", get(remove_page).post(remove))
        .route("/activities/{code}/{id}/files", post(attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/activities/files/{id}", get(file))
        .route("/activities/files/{id}/remove", get(file_remove_page).post(file_remove))
}
