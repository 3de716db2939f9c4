//! Administration: organisations, users, teams, role assignments, per-country settings,
//! vocabularies. Organisation administrators manage only their own organisation; the
//! rest needs a system administrator. The area is a 404 to everyone else.

mod config;
mod device_quarantine;
mod devices;
mod orgs;
mod teams;
mod users;

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use dtz_domain::access::Role;
use dtz_services::Caller;

/// An option of a `<select>`.
#[derive(Clone, Debug)]
pub struct SelectOption {
    /// Submitted value.
    pub value: String,
    /// What people read.
    pub label: String,
    /// Chosen.
    pub selected: bool,
}

impl SelectOption {
    /// An option, selected when `value == current`.
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        Self { selected: value == current, value, label: label.into() }
    }
}

/// The caller may use the administration area (any administrator role).
pub fn admin_only(u: &PageUser) -> Result<(), AppError> {
    match &u.caller {
        Caller::User(a) if a.has_role(Role::Administrator) => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    page: Page,
    system: bool,
}

async fn index(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    admin_only(&user)?;
    let page = Page::signed_in(&state, &user, "admin-title", "/admin").await;
    Ok(render(&IndexPage { page, system: user.caller.is_system_admin() }))
}

/// Routes of the administration area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .merge(orgs::router())
        .merge(users::router())
        .merge(teams::router())
        .merge(config::router())
        .merge(devices::router())
        .merge(device_quarantine::router())
}
