//! Field nodes: the devices of the organisations an administrator manages, their last
//! contact and lease; a one-time enrolment code for a user (shown once); revoke; order a
//! wipe at the next contact.

use super::{SelectOption, admin_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::sync::DeviceId;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
}

struct DeviceView {
    id: String,
    name: String,
    user: String,
    allocator: String,
    last_contact: String,
    lease_until: String,
    state_key: &'static str,
    live: bool,
    wipe_ordered: bool,
}

#[derive(Template)]
#[template(path = "admin/devices.html")]
struct DevicesPage {
    page: Page,
    devices: Vec<DeviceView>,
    users: Vec<SelectOption>,
    code: Option<(String, String)>,
    errors: Errors,
}

async fn page(
    state: &AppState,
    user: &PageUser,
    code: Option<(String, String)>,
    errors: Errors,
) -> Result<DevicesPage, AppError> {
    let page = Page::signed_in(state, user, "node-devices", "/admin").await;
    let people = state.services.users(&user.caller, None).await?;
    let names: HashMap<uuid::Uuid, String> = people.iter().map(|u| (u.id, u.name.clone())).collect();
    let devices = state
        .services
        .devices(&user.caller)
        .await?
        .into_iter()
        .map(|d| DeviceView {
            id: d.id.to_string(),
            user: names.get(&d.user_id).cloned().unwrap_or_default(),
            allocator: d.allocator,
            last_contact: d.last_contact_at.map(|t| page.tr.datetime(t)).unwrap_or_default(),
            lease_until: page.tr.datetime(d.lease_until),
            state_key: match (d.revoked_at, d.wipe_ordered_at, d.wiped_at) {
                (_, _, Some(_)) => "node-state-wiped",
                (_, Some(_), None) => "node-state-wipe-ordered",
                (Some(_), None, None) => "node-state-revoked",
                (None, None, None) => "node-state-live",
            },
            live: d.revoked_at.is_none(),
            wipe_ordered: d.wipe_ordered_at.is_some(),
            name: d.name,
        })
        .collect();
    let users = people
        .into_iter()
        .filter(|u| !u.disabled && user.caller.administers(OrgId(u.org_id)))
        .map(|u| SelectOption::new(u.id.to_string(), format!("{} <{}>", u.name, u.email), ""))
        .collect();
    Ok(DevicesPage { page, devices, users, code, errors })
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    admin_only(&user)?;
    Ok(render(&page(&state, &user, None, Errors::default()).await?))
}

async fn create_code(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let target = f.user.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?;
    match state.services.create_enrolment(&user.caller, UserId(target)).await {
        Ok((code, expires)) => {
            let p = page(&state, &user, None, Errors::default()).await?;
            let until = p.page.tr.datetime(expires);
            Ok(render(&DevicesPage { code: Some((code, until)), ..p }))
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(&state, &user, None, errors).await?)).into_response())
        }
    }
}

async fn act(state: &AppState, user: &PageUser, f: &ActForm, id: DeviceId, wipe: bool) -> Result<Response, AppError> {
    admin_only(user)?;
    user.check_csrf(&f.csrf)?;
    let done = if wipe {
        state.services.order_wipe(&user.caller, id).await
    } else {
        state.services.revoke_device(&user.caller, id).await
    };
    match done {
        Ok(()) => Ok(Redirect::to("/admin/devices").into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(state, user, None, errors).await?)).into_response())
        }
    }
}

async fn revoke(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<DeviceId>,
    Form(f): Form<ActForm>,
) -> Result<Response, AppError> {
    act(&state, &user, &f, id, false).await
}

async fn wipe(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<DeviceId>,
    Form(f): Form<ActForm>,
) -> Result<Response, AppError> {
    act(&state, &user, &f, id, true).await
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/devices", get(list))
        .route("/admin/devices/code", post(create_code))
        .route("/admin/devices/{id}/revoke", post(revoke))
        .route("/admin/devices/{id}/wipe", post(wipe))
}
