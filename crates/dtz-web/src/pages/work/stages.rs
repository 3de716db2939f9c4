//! One page per stage of a record, whatever the record: record the date it was reached
//! (with a note and, for policy instruments, evidence files), correct it, or withdraw it
//! after a confirmation page of its own. The kind of record is a const parameter of the
//! handlers, so each section (`/policy`, `/prosecutions`, `/companies`) has its routes.

use super::policy::FileLine;
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::pages::{Errors, FieldError, Page, render};
use crate::state::AppState;
use crate::upload::{UPLOAD_BODY_LIMIT, Upload};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::work::iso_date;
use dtz_domain::work::stage::StageInput;
use dtz_services::ServiceError;
use dtz_services::work::{FileTarget, POLICY_STAGE, RecordKind};
use serde::Deserialize;
use uuid::Uuid;

const POLICY: u8 = 0;
const PROSECUTION: u8 = 1;
const COMPANY: u8 = 2;

fn kind(k: u8) -> RecordKind {
    match k {
        POLICY => RecordKind::Policy,
        PROSECUTION => RecordKind::Prosecution,
        _ => RecordKind::Company,
    }
}

fn section(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Policy => "policy",
        RecordKind::Prosecution => "prosecutions",
        RecordKind::Company => "companies",
    }
}

#[derive(Template)]
#[template(path = "work/stage.html")]
struct StagePage {
    page: Page,
    base: String,
    back: String,
    label: String,
    version: i64,
    recorded: bool,
    notes: bool,
    files_allowed: bool,
    reached_on: String,
    note: String,
    files: Vec<FileLine>,
    errors: Errors,
    notice: Option<String>,
}

/// The path of a stage page's parameters.
type StagePath = Path<(String, String)>;

fn ids(p: &(String, String)) -> Result<(Uuid, String), AppError> {
    Ok((p.0.parse().map_err(|_| AppError::NotFound)?, p.1.clone()))
}

async fn label(state: &AppState, page: &Page, k: RecordKind, country: &str, stage: &str) -> Result<String, AppError> {
    Ok(match k {
        RecordKind::Policy => super::policy::stage_label(page, stage),
        RecordKind::Company => super::companies::stage_label(page, stage),
        RecordKind::Prosecution => state
            .services
            .stages_of(k, country, true)
            .await?
            .into_iter()
            .find(|s| s.code == stage)
            .and_then(|s| s.term.map(|t| t.label(page.tr.code()).to_owned()))
            .ok_or(AppError::NotFound)?,
    })
}

async fn stage_page(
    state: &AppState,
    user: &PageUser,
    k: RecordKind,
    (id, stage): (Uuid, String),
    typed: Option<(String, String)>,
    errors: Errors,
) -> Result<StagePage, AppError> {
    let (_, country, may) = state.services.record_place(&user.caller, k, id).await?;
    if !may {
        return Err(AppError::Forbidden);
    }
    let entry = state.services.stage_entry(&user.caller, k, id, &stage).await?;
    let page = Page::signed_in(state, user, "work-stage-title", &format!("/{}", section(k))).await;
    let label = label(state, &page, k, &country, &stage).await?;
    let files = match (&entry, k) {
        (Some(e), RecordKind::Policy) => state.services.work_files(POLICY_STAGE, &[e.id]).await?,
        _ => Vec::new(),
    };
    let (reached_on, note) = typed.unwrap_or_else(|| match &entry {
        Some(e) => (iso_date(e.reached_on), e.note.clone().unwrap_or_default()),
        None => (iso_date(state.services.clock.now().date()), String::new()),
    });
    Ok(StagePage {
        base: format!("/{}/{id}/stages/{stage}", section(k)),
        back: format!("/{}/{id}#stages", section(k)),
        version: entry.as_ref().map_or(0, |e| e.version),
        recorded: entry.is_some(),
        notes: k.notes(),
        files_allowed: k == RecordKind::Policy && entry.is_some(),
        files: files.iter().map(|f| FileLine::of(&page, f)).collect(),
        label,
        reached_on,
        note,
        errors,
        notice: None,
        page,
    })
}

async fn show<const K: u8>(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): StagePath,
) -> Result<Response, AppError> {
    Ok(render(&stage_page(&state, &user, kind(K), ids(&p)?, None, Errors::default()).await?))
}

/// The stage form as typed.
#[derive(Deserialize)]
pub struct StageForm {
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    reached_on: String,
    #[serde(default)]
    note: String,
}

async fn save<const K: u8>(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): StagePath,
    Form(f): Form<StageForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let (k, (id, stage)) = (kind(K), ids(&p)?);
    let input = StageInput { reached_on: f.reached_on.clone(), note: f.note.clone() };
    match state.services.save_stage(&user.caller, k, id, &stage, f.version, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/{}/{id}#stages", section(k))).into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let mut page = stage_page(&state, &user, k, (id, stage), None, Errors::default()).await?;
            page.notice = Some(page.page.tr.t1("admin-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let page = stage_page(&state, &user, k, (id, stage), Some((f.reached_on, f.note)), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "work/stage_withdraw.html")]
struct WithdrawPage {
    page: Page,
    base: String,
    back: String,
    label: String,
    version: i64,
}

async fn confirm<const K: u8>(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): StagePath,
) -> Result<Response, AppError> {
    let s = stage_page(&state, &user, kind(K), ids(&p)?, None, Errors::default()).await?;
    if !s.recorded {
        return Err(AppError::NotFound);
    }
    let page = Page::signed_in(&state, &user, "work-withdraw-title", &format!("/{}", section(kind(K)))).await;
    Ok(render(&WithdrawPage { page, base: s.base, back: s.back, label: s.label, version: s.version }))
}

/// The withdrawal form.
#[derive(Deserialize)]
pub struct WithdrawForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

async fn withdraw<const K: u8>(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): StagePath,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let (k, (id, stage)) = (kind(K), ids(&p)?);
    state.services.withdraw_stage(&user.caller, k, id, &stage, f.version).await?;
    Ok(Redirect::to(&format!("/{}/{id}#stages", section(k))).into_response())
}

async fn attach(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): StagePath,
    up: Upload,
) -> Result<Response, AppError> {
    user.check_csrf(up.get("csrf"))?;
    let (id, stage) = ids(&p)?;
    let entry =
        state.services.stage_entry(&user.caller, RecordKind::Policy, id, &stage).await?.ok_or(AppError::NotFound)?;
    let file = up.file.clone().unwrap_or_default();
    let target = FileTarget::PolicyStage { stage: entry.id };
    match state.services.attach_work_file(&user.caller, target, &file.name, &file.bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/policy/{id}/stages/{stage}#files")).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let errors =
                Errors(errors.0.into_iter().map(|e| FieldError { field: "file".into(), message: e.message }).collect());
            let page = stage_page(&state, &user, RecordKind::Policy, (id, stage), None, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

/// Routes of every section's stages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policy/{id}/stages/{stage}", get(show::<POLICY>).post(save::<POLICY>))
        .route("/policy/{id}/stages/{stage}/withdraw", get(confirm::<POLICY>).post(withdraw::<POLICY>))
        .route("/policy/{id}/stages/{stage}/files", post(attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/prosecutions/{id}/stages/{stage}", get(show::<PROSECUTION>).post(save::<PROSECUTION>))
        .route("/prosecutions/{id}/stages/{stage}/withdraw", get(confirm::<PROSECUTION>).post(withdraw::<PROSECUTION>))
        .route("/companies/{id}/stages/{stage}", get(show::<COMPANY>).post(save::<COMPANY>))
        .route("/companies/{id}/stages/{stage}/withdraw", get(confirm::<COMPANY>).post(withdraw::<COMPANY>))
}
