//! Editing the child's profile on a page of its own (the form keeps what was typed when
//! there is a problem, and carries the version it was made on).

use super::{SelectOption, case_staff_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::case::{CaseId, ProfileInput, Sex};
use dtz_services::ServiceError;
use dtz_services::cases::CaseEdit;
use serde::Deserialize;

/// The profile form as posted.
#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    profile: ProfileInput,
}

#[derive(Template)]
#[template(path = "cases/edit.html")]
struct EditPage {
    page: Page,
    id: uuid::Uuid,
    number: String,
    version: i64,
    form: ProfileInput,
    sexes: Vec<SelectOption>,
    errors: Errors,
    notice: Option<String>,
}

async fn edit_page(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    form: Option<EditForm>,
    errors: Errors,
) -> Result<EditPage, AppError> {
    case_staff_only(user)?;
    let d = state.services.case(&user.caller, id.0).await?;
    if !d.may_work {
        return Err(AppError::Forbidden);
    }
    let page = Page::signed_in(state, user, "case-edit-title", "/cases").await;
    let (version, form) = match form {
        Some(f) => (f.version, f.profile),
        None => (d.summary.version, ProfileInput::of(&d.profile, &d.secrets.clone().unwrap_or_default())),
    };
    let mut sexes = vec![SelectOption::new("", page.tr.t("signal-none-chosen"), &form.sex)];
    sexes
        .extend(Sex::ALL.iter().map(|s| SelectOption::new(s.as_str(), page.tr.t(&format!("case-sex-{s}")), &form.sex)));
    Ok(EditPage { id: id.0, number: d.summary.number, version, form, sexes, errors, notice: None, page })
}

/// The form.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
) -> Result<Response, AppError> {
    Ok(render(&edit_page(&state, &user, id, None, Errors::default()).await?))
}

/// Save the profile.
pub async fn save(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    case_staff_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let edit = CaseEdit { profile: Some(f.profile.clone()), ..Default::default() };
    match state.services.update_case(&user.caller, id.0, f.version, &edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{}?done=profile", id.0)).into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let mut p = edit_page(&state, &user, id, None, Errors::default()).await?;
            p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&edit_page(&state, &user, id, Some(f), errors).await?))
                .into_response())
        }
    }
}
