//! The forms of the case page. Each posts here, calls one use case and goes back to the
//! case page: with a notice when it worked, with the problems beside the fields (422)
//! and what was typed kept, or with what changed meanwhile (409).

use super::case_staff_only;
use super::show::{Kept, page};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::{Errors, FieldError, render};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::case::CaseId;
use dtz_domain::ids::OrgId;
use dtz_services::ServiceError;
use dtz_services::cases::{CaseEdit, StepInput};
use std::collections::HashMap;
use uuid::Uuid;

type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", String::as_str)
}

fn version(f: &Fields) -> i64 {
    field(f, "version").parse().unwrap_or(0)
}

/// What a form's use case answered, as a response. `form` prefixes field ids (the case
/// page has several forms with fields of the same name).
async fn outcome(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    form: &str,
    sent: &Fields,
    r: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}?done={form}#{form}", id.0)).into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let mut p = page(state, user, id, Kept::default(), Errors::default()).await?;
            p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let errors = Errors(
                errors
                    .0
                    .into_iter()
                    .map(|e| FieldError { field: format!("{form}-{}", e.field), message: e.message })
                    .collect(),
            );
            let kept = Kept(sent.iter().map(|(k, v)| (format!("{form}-{k}"), v.clone())).collect());
            let p = page(state, user, id, kept, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

/// Two ids in the path; anything else is a 404, like an unknown id.
fn ids(p: &(String, String)) -> Result<(Uuid, Uuid), AppError> {
    match (p.0.parse(), p.1.parse()) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        _ => Err(AppError::NotFound),
    }
}

fn checked(user: &PageUser, f: &Fields) -> Result<(), AppError> {
    case_staff_only(user)?;
    user.check_csrf(field(f, "csrf"))
}

/// Risk.
pub async fn risk(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let edit = CaseEdit { risk: Some(field(&f, "risk").to_owned()), ..Default::default() };
    let r = state.services.update_case(&user.caller, id.0, version(&f), &edit).await.map(|_| ());
    outcome(&state, &user, id, "risk", &f, r).await
}

/// Team and caseworker (supervisors).
pub async fn assignment(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let edit = CaseEdit {
        assignment: Some((field(&f, "team").to_owned(), field(&f, "caseworker").to_owned())),
        ..Default::default()
    };
    let r = state.services.update_case(&user.caller, id.0, version(&f), &edit).await.map(|_| ());
    outcome(&state, &user, id, "assign", &f, r).await
}

/// A consent record.
pub async fn consent(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let input = dtz_services::cases::ConsentInput {
        kind: field(&f, "kind").into(),
        state: field(&f, "state").into(),
        given_by: field(&f, "given_by").into(),
        reason: field(&f, "reason").into(),
    };
    let r = state.services.record_consent(&user.caller, id.0, &input).await;
    outcome(&state, &user, id, "consent", &f, r).await
}

/// A new goal.
pub async fn add_goal(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let r = state.services.add_goal(&user.caller, id.0, field(&f, "goal"), field(&f, "due_date")).await.map(|_| ());
    outcome(&state, &user, id, "goal", &f, r).await
}

/// A goal's status.
pub async fn goal_status(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let (id, goal) = ids(&p)?;
    checked(&user, &f)?;
    let r = state.services.set_goal_status(&user.caller, id, goal, version(&f), field(&f, "status")).await;
    outcome(&state, &user, CaseId(id), "goals", &f, r).await
}

/// A note.
pub async fn note(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let amends = field(&f, "amends").parse::<Uuid>().ok();
    let r = state.services.add_note(&user.caller, id.0, field(&f, "note"), amends).await.map(|_| ());
    outcome(&state, &user, id, "note", &f, r).await
}

fn step_input(f: &Fields) -> StepInput {
    StepInput {
        kind: field(f, "kind").into(),
        status: field(f, "status").into(),
        due_date: field(f, "due_date").into(),
        done_date: field(f, "done_date").into(),
        note: field(f, "note").into(),
    }
}

/// A new protection step.
pub async fn add_step(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let r = state.services.add_step(&user.caller, id.0, &step_input(&f)).await.map(|_| ());
    outcome(&state, &user, id, "step", &f, r).await
}

/// A step's status, dates or note.
pub async fn update_step(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let (id, step) = ids(&p)?;
    checked(&user, &f)?;
    let r = state.services.update_step(&user.caller, id, step, version(&f), &step_input(&f)).await;
    outcome(&state, &user, CaseId(id), "steps", &f, r).await
}

/// Ask to close, or (supervisors) approve or refuse.
pub async fn closure(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let v = version(&f);
    let r = match field(&f, "action") {
        "approve" => state.services.decide_closure(&user.caller, id.0, v, true).await,
        "refuse" => state.services.decide_closure(&user.caller, id.0, v, false).await,
        _ => state.services.request_closure(&user.caller, id.0, v, field(&f, "reason")).await,
    };
    outcome(&state, &user, id, "closure", &f, r).await
}

/// Propose or withdraw a transfer (supervisors).
pub async fn transfer(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    checked(&user, &f)?;
    let r = if field(&f, "action") == "withdraw" {
        state.services.withdraw_transfer(&user.caller, id.0).await
    } else {
        match field(&f, "to_org").parse::<Uuid>() {
            Ok(o) => state.services.propose_transfer(&user.caller, id.0, OrgId(o)).await.map(|_| ()),
            Err(_) => Err(dtz_domain::validate::Invalid::new("to_org", "Choose an organisation from the list.").into()),
        }
    };
    outcome(&state, &user, id, "transfer", &f, r).await
}
