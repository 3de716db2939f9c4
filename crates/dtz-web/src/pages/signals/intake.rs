//! Entering a signal that came by phone, in person, from outreach or from a partner.

use super::triage::{org_options, reporter_types};
use super::{Errors, Page, SelectOption, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::ids::OrgId;
use dtz_domain::signal::triage::{IntakeInput, STAFF_CHANNELS, Urgency};
use dtz_services::Services;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "signals/new.html")]
struct NewPage {
    page: Page,
    form: IntakeInput,
    orgs: Vec<SelectOption>,
    channels: Vec<SelectOption>,
    reporters: Vec<SelectOption>,
    urgencies: Vec<SelectOption>,
    safe: Vec<SelectOption>,
    errors: Errors,
}

/// The intake form as posted.
#[derive(Deserialize, Default)]
pub struct IntakeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org: String,
    #[serde(flatten)]
    input: IntakeInput,
}

async fn page(state: &AppState, user: &PageUser, form: IntakeForm, errors: Errors) -> Result<NewPage, AppError> {
    let orgs = Services::intake_orgs(&user.caller);
    if orgs.is_empty() {
        return Err(AppError::NotFound);
    }
    let page = Page::signed_in(state, user, "intake-title", "/signals").await;
    let tr = &page.tr;
    let i = &form.input;
    let channels = STAFF_CHANNELS
        .iter()
        .map(|c| SelectOption::new(c.as_str(), tr.t(&format!("signal-channel-{}", c.as_str())), &i.channel))
        .collect();
    let mut urgencies = vec![SelectOption::new("", tr.t("signal-none-chosen"), &i.triage.urgency)];
    urgencies.extend(
        Urgency::ALL
            .iter()
            .map(|u| SelectOption::new(u.as_str(), tr.t(&format!("signal-urgency-{u}")), &i.triage.urgency)),
    );
    let mut safe = vec![SelectOption::new("", tr.t("signal-none-chosen"), &i.report.safe_to_call)];
    safe.extend(
        ["yes", "no", "not_sure"]
            .map(|s| SelectOption::new(s, tr.t(&format!("public-safe-{s}")), &i.report.safe_to_call)),
    );
    Ok(NewPage {
        reporters: reporter_types(tr, &i.reporter_type),
        orgs: if orgs.len() > 1 { org_options(state, &orgs, &form.org).await? } else { Vec::new() },
        channels,
        urgencies,
        safe,
        form: form.input,
        errors,
        page,
    })
}

/// The form.
pub async fn show(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let mut form = IntakeForm::default();
    form.input.country = match &user.caller {
        dtz_services::Caller::User(a) => {
            a.roles.iter().find_map(|r| r.country).map(|c| c.as_str().to_owned()).unwrap_or_default()
        }
        dtz_services::Caller::System => String::new(),
    };
    Ok(render(&page(&state, &user, form, Errors::default()).await?))
}

/// Enter the signal and open it.
pub async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<IntakeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let org = f.org.parse::<uuid::Uuid>().ok().map(OrgId);
    match state.services.enter_signal(&user.caller, org, &f.input).await {
        Ok(id) => Ok(Redirect::to(&format!("/signals/{}?done=entered", id.0)).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(&state, &user, f, errors).await?)).into_response())
        }
    }
}
