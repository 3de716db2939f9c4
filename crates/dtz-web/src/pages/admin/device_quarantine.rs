//! Field nodes: the quarantine review. What revoked devices sent after their revocation
//! (kind, device, when, size — never the payload, which may hold a record's values), and
//! a form to mark an item reviewed with a note. Administrators see their organisation's
//! devices, a system administrator all; anyone else gets 404.

use super::admin_only;
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
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

struct ItemView {
    id: String,
    kind_key: &'static str,
    device: String,
    received: String,
    size: usize,
    reviewed: Option<(String, String, String)>,
    error: String,
    note: String,
}

#[derive(Template)]
#[template(path = "admin/device_quarantine.html")]
struct QuarantinePage {
    page: Page,
    items: Vec<ItemView>,
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "audit_batch" => "nodeops-kind-audit",
        "operations" => "nodeops-kind-operations",
        _ => "nodeops-kind-other",
    }
}

async fn page(
    state: &AppState,
    user: &PageUser,
    failed: Option<(Uuid, String, Errors)>,
) -> Result<QuarantinePage, AppError> {
    let page = Page::signed_in(state, user, "nodeops-quarantine", "/admin").await;
    let devices: HashMap<Uuid, String> = state
        .services
        .devices(&user.caller)
        .await?
        .into_iter()
        .map(|d| (d.id, format!("{} ({})", d.name, d.allocator)))
        .collect();
    let people: HashMap<Uuid, String> =
        state.services.users(&user.caller, None).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let items = state
        .services
        .quarantine_items(&user.caller)
        .await?
        .into_iter()
        .map(|i| {
            let (error, note) = match &failed {
                Some((id, note, errors)) if *id == i.row.id => (page.tr.message(errors.get("note")), note.clone()),
                _ => (String::new(), String::new()),
            };
            ItemView {
                id: i.row.id.to_string(),
                kind_key: kind_key(&i.row.kind),
                device: devices.get(&i.row.device_id).cloned().unwrap_or_else(|| i.row.device_id.to_string()),
                received: page.tr.datetime(i.row.received_at),
                size: i.size,
                reviewed: i.row.reviewed_at.map(|at| {
                    let who = i.row.reviewed_by.and_then(|u| people.get(&u).cloned()).unwrap_or_default();
                    (page.tr.datetime(at), who, i.note.clone().unwrap_or_default())
                }),
                error,
                note,
            }
        })
        .collect();
    Ok(QuarantinePage { page, items })
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    admin_only(&user)?;
    Ok(render(&page(&state, &user, None).await?))
}

async fn review(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    match state.services.review_quarantine(&user.caller, id, &f.note).await {
        Ok(()) => Ok(Redirect::to("/admin/devices/quarantine").into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let p = page(&state, &user, Some((id, f.note, errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/devices/quarantine", get(list))
        .route("/admin/devices/quarantine/{id}/review", post(review))
}
