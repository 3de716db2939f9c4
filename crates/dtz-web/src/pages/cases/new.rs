//! Opening a case, from a signal (`?signal=`) or directly.

use super::{Names, SelectOption, case_staff_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::case::{ProfileInput, RiskLevel, Sex};
use dtz_domain::ids::OrgId;
use dtz_services::Services;
use dtz_services::cases::NewCaseInput;
use serde::Deserialize;

/// The form as posted (also `?signal=` when it is first shown).
#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    signal: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    caseworker: String,
    #[serde(default)]
    risk: String,
    #[serde(flatten)]
    profile: ProfileInput,
}

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewPage {
    page: Page,
    form: NewForm,
    from_signal: bool,
    orgs: Vec<SelectOption>,
    teams: Vec<SelectOption>,
    caseworkers: Vec<SelectOption>,
    risks: Vec<SelectOption>,
    sexes: Vec<SelectOption>,
    errors: Errors,
}

async fn new_page(state: &AppState, user: &PageUser, mut form: NewForm, errors: Errors) -> Result<NewPage, AppError> {
    case_staff_only(user)?;
    let page = Page::signed_in(state, user, "case-new-title", "/cases").await;
    let tr = &page.tr;
    let signal = form.signal.parse::<uuid::Uuid>().ok();
    let orgs = Services::intake_orgs(&user.caller);
    let org = match signal {
        Some(s) => {
            let d = state.services.signal(&user.caller, s).await?;
            form.country = d.summary.country.clone();
            if form.team.is_empty() && form.caseworker.is_empty() {
                form.team = d.summary.team.map(|t| t.to_string()).unwrap_or_default();
                form.caseworker = d.summary.assignee.map(|t| t.to_string()).unwrap_or_default();
            }
            d.summary.org
        }
        None => form.org.parse().ok().map(OrgId).or_else(|| orgs.first().copied()).ok_or(AppError::NotFound)?,
    };
    let names = Names::of(state, org).await?;
    let mut teams = vec![SelectOption::new("", tr.t("signal-none-chosen"), &form.team)];
    teams.extend(names.teams.iter().map(|t| SelectOption::new(t.id.to_string(), t.name.clone(), &form.team)));
    let mut caseworkers = vec![SelectOption::new("", tr.t("signal-none-chosen"), &form.caseworker)];
    let mut seen = Vec::new();
    for p in &names.staff {
        if !seen.contains(&p.user_id) {
            seen.push(p.user_id);
            caseworkers.push(SelectOption::new(p.user_id.to_string(), p.name.clone(), &form.caseworker));
        }
    }
    let mut risks = vec![SelectOption::new("", tr.t("case-risk-none"), &form.risk)];
    risks.extend(
        RiskLevel::ALL.iter().map(|r| SelectOption::new(r.as_str(), tr.t(&format!("case-risk-{r}")), &form.risk)),
    );
    let mut sexes = vec![SelectOption::new("", tr.t("signal-none-chosen"), &form.profile.sex)];
    sexes.extend(
        Sex::ALL.iter().map(|s| SelectOption::new(s.as_str(), tr.t(&format!("case-sex-{s}")), &form.profile.sex)),
    );
    let org_options = if signal.is_none() && orgs.len() > 1 {
        crate::pages::signals::org_options(state, &orgs, &org.0.to_string()).await?
    } else {
        Vec::new()
    };
    Ok(NewPage {
        from_signal: signal.is_some(),
        orgs: org_options,
        teams,
        caseworkers,
        risks,
        sexes,
        form,
        errors,
        page,
    })
}

/// The form.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<NewForm>,
) -> Result<Response, AppError> {
    let mut form = q;
    if form.country.is_empty()
        && let dtz_services::Caller::User(a) = &user.caller
    {
        form.country = a.roles.iter().find_map(|r| r.country).map(|c| c.as_str().to_owned()).unwrap_or_default();
    }
    Ok(render(&new_page(&state, &user, form, Errors::default()).await?))
}

/// Open the case and show it.
pub async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<NewForm>,
) -> Result<Response, AppError> {
    case_staff_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let input = NewCaseInput {
        signal: f.signal.parse().ok(),
        org: f.org.parse().ok().map(OrgId),
        country: f.country.clone(),
        team: f.team.clone(),
        caseworker: f.caseworker.clone(),
        risk: f.risk.clone(),
        profile: f.profile.clone(),
    };
    match state.services.open_case(&user.caller, &input).await {
        Ok(row) => Ok(Redirect::to(&format!("/cases/{}?done=opened", row.id)).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&new_page(&state, &user, f, errors).await?)).into_response())
        }
    }
}
