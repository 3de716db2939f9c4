//! A case on laptops (issue 9): which field nodes hold it checked out, why and until
//! when; a form to take it to one of the caller's enrolled laptops with a reason; a
//! button to return it (who took it, or a supervisor of the case).

use super::{SelectOption, case_staff_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::case::{CaseId, CheckoutReason};
use dtz_services::ServiceError;
use dtz_services::cases::CheckoutInput;
use std::collections::HashMap;
use uuid::Uuid;

struct Held {
    id: Uuid,
    device: String,
    who: String,
    reason: String,
    since: String,
    until: String,
    may_return: bool,
}

#[derive(Template)]
#[template(path = "cases/checkouts.html")]
struct CheckoutsPage {
    page: Page,
    id: Uuid,
    number: String,
    held: Vec<Held>,
    may_check_out: bool,
    devices: Vec<SelectOption>,
    reasons: Vec<SelectOption>,
    errors: Errors,
}

async fn checkouts_page(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    errors: Errors,
) -> Result<CheckoutsPage, AppError> {
    case_staff_only(user)?;
    let c = state.services.case_checkouts(&user.caller, id.0).await?;
    let page = Page::signed_in(state, user, "checkouts-title", "/cases").await;
    let tr = &page.tr;
    let me = user.caller.user().map(|u| u.0);
    let held = c
        .open
        .iter()
        .map(|k| Held {
            id: k.id,
            device: k.device_name.clone(),
            who: k.user_name.clone(),
            reason: tr.t(&format!("checkout-reason-{}", k.reason)),
            since: tr.datetime(k.created_at),
            until: tr.datetime(k.until),
            may_return: c.supervises || me == Some(k.user_id),
        })
        .collect();
    let devices = c.devices.iter().map(|(d, name)| SelectOption::new(d.to_string(), name.clone(), "")).collect();
    let reasons = CheckoutReason::ALL
        .iter()
        .map(|r| SelectOption::new(r.as_str(), tr.t(&format!("checkout-reason-{r}")), ""))
        .collect();
    Ok(CheckoutsPage {
        id: id.0,
        number: c.number,
        held,
        may_check_out: c.may_check_out,
        devices,
        reasons,
        errors,
        page,
    })
}

/// The case's laptops.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
) -> Result<Response, AppError> {
    Ok(render(&checkouts_page(&state, &user, id, Errors::default()).await?))
}

async fn answer(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    r: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}/laptops", id.0)).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let p = checkouts_page(state, user, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

/// Take the case to a laptop.
pub async fn check_out(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    user.check_csrf(&field("csrf"))?;
    case_staff_only(&user)?;
    let input = CheckoutInput { device: field("device"), reason: field("reason") };
    let r = state.services.check_out_case(&user.caller, id.0, &input).await.map(|_| ());
    answer(&state, &user, id, r).await
}

/// Return a checkout.
pub async fn give_back(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, checkout)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (Ok(id), Ok(checkout)) = (id.parse::<Uuid>(), checkout.parse::<Uuid>()) else { return Err(AppError::NotFound) };
    user.check_csrf(&f.get("csrf").cloned().unwrap_or_default())?;
    case_staff_only(&user)?;
    let r = state.services.return_checkout(&user.caller, id, checkout).await;
    answer(&state, &user, CaseId(id), r).await
}
