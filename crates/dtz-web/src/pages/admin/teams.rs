//! Teams: a supervisor and caseworkers of one organisation.

use super::{SelectOption, admin_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::ids::{OrgId, TeamId};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
}

struct TeamView {
    name: String,
    org: String,
    country: String,
}

#[derive(Template)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    page: Page,
    teams: Vec<TeamView>,
    form: TeamForm,
    orgs: Vec<SelectOption>,
    errors: Errors,
}

async fn page(state: &AppState, user: &PageUser, form: TeamForm, errors: Errors) -> Result<TeamsPage, AppError> {
    let page = Page::signed_in(state, user, "admin-teams", "/admin").await;
    let all = state.services.orgs(&user.caller).await?;
    let names: HashMap<uuid::Uuid, String> = all.iter().map(|o| (o.id, o.name.clone())).collect();
    let teams = state
        .services
        .teams(&user.caller)
        .await?
        .into_iter()
        .map(|t| TeamView {
            name: t.name,
            org: names.get(&t.org_id).cloned().unwrap_or_default(),
            country: t.country.unwrap_or_default(),
        })
        .collect();
    let orgs = all
        .into_iter()
        .filter(|o| user.caller.administers(OrgId(o.id)))
        .map(|o| SelectOption::new(o.id.to_string(), o.name, &form.org))
        .collect();
    Ok(TeamsPage { page, teams, form, orgs, errors })
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    admin_only(&user)?;
    Ok(render(&page(&state, &user, TeamForm::default(), Errors::default()).await?))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<TeamForm>) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let Ok(org) = f.org.parse::<uuid::Uuid>() else {
        let errors =
            Errors(vec![crate::pages::FieldError { field: "org".into(), message: "Choose an organisation.".into() }]);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(&state, &user, f, errors).await?)).into_response());
    };
    match state.services.create_team(&user.caller, TeamId::new(), OrgId(org), Some(&f.country), &f.name).await {
        Ok(_) => Ok(Redirect::to("/admin/teams").into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(&state, &user, f, errors).await?)).into_response())
        }
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/teams", get(list).post(create))
}
