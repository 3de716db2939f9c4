//! Sync for people (issue 9, point 7): on a field node, what is not yet synced, the last
//! sync and the changes the hub did not apply; on the hub, the conflicts sync found, for
//! a person to resolve (keep the hub's record, or take the node's values as theirs).

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
use dtz_domain::sync::ConflictId;
use dtz_services::sync::conflicts::Resolution;
use serde::Deserialize;

mod cases_up;

struct OpView {
    seq: i64,
    entity: String,
    entity_id: String,
    made: String,
    outcome: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "sync/status.html")]
struct StatusPage {
    page: Page,
    node: Option<(String, String, String)>,
    cases_held: usize,
    pending: Vec<OpView>,
    unapplied: Vec<OpView>,
}

struct FieldView {
    name: String,
    hub: String,
    node: String,
}

struct ConflictView {
    id: String,
    entity: String,
    entity_id: String,
    found: String,
    fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "sync/conflicts.html")]
struct ConflictsPage {
    page: Page,
    conflicts: Vec<ConflictView>,
    refusals: Vec<cases_up::RefusalView>,
    errors: Errors,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    choice: String,
}

async fn status(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let page = Page::signed_in(&state, &user, "sync-title", "/sync").await;
    let s = &state.services;
    let node = s.node_status().await?.map(|n| {
        let last = n.identity.last_sync_at.map_or_else(|| page.tr.t("sync-never"), |t| page.tr.datetime(t));
        (n.identity.hub_url, last, page.tr.datetime(n.grant.lease_until))
    });
    let view = |r: &dtz_store::sync::outbox::OutboxRow, outcome: String, detail: String| OpView {
        seq: r.node_seq,
        entity: r.entity.clone(),
        entity_id: r.entity_id.to_string(),
        made: page.tr.datetime(r.device_clock),
        outcome,
        detail,
    };
    let pending = s.node_pending().await?.iter().map(|r| view(r, String::new(), String::new())).collect();
    let unapplied = s
        .node_unapplied()
        .await?
        .iter()
        .map(|(r, res)| {
            view(
                r,
                page.tr.t(&format!("sync-outcome-{}", res.outcome.as_str())),
                res.detail.clone().unwrap_or_default(),
            )
        })
        .collect();
    let cases_held = s.node_cases_held().await?;
    Ok(render(&StatusPage { page, node, cases_held, pending, unapplied }))
}

async fn conflicts_page(state: &AppState, user: &PageUser, errors: Errors) -> Result<ConflictsPage, AppError> {
    let page = Page::signed_in(state, user, "sync-conflicts", "/sync/conflicts").await;
    let mut conflicts = Vec::new();
    for c in state.services.sync_conflicts(&user.caller, true).await? {
        let hub = match c.row.entity.as_str() {
            "activity" => state
                .services
                .activity(&user.caller, dtz_domain::activity::ActivityId(c.row.entity_id))
                .await
                .ok()
                .map(|a| dtz_services::sync::outbox::activity_wire(&a.fields)),
            "case" => cases_up::case_values(state, &user.caller, c.row.entity_id).await,
            _ => None,
        };
        let fields = c
            .fields
            .iter()
            .map(|f| match cases_up::sealed_field(&page, f) {
                Some(sealed) => FieldView { name: f.clone(), hub: sealed.clone(), node: sealed },
                None => FieldView {
                    name: f.clone(),
                    hub: hub
                        .as_ref()
                        .and_then(|h| h.get(f))
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .unwrap_or_default(),
                    node: c.node_value(f),
                },
            })
            .collect();
        conflicts.push(ConflictView {
            id: c.row.id.to_string(),
            entity: c.row.entity.clone(),
            entity_id: c.row.entity_id.to_string(),
            found: page.tr.datetime(c.row.created_at),
            fields,
        });
    }
    let refusals = cases_up::refusals(state, &user.caller, &page).await;
    Ok(ConflictsPage { page, conflicts, refusals, errors })
}

async fn conflicts(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    Ok(render(&conflicts_page(&state, &user, Errors::default()).await?))
}

async fn resolve(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ConflictId>,
    Form(f): Form<ResolveForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let how = if f.choice == "take_node" { Resolution::TakeNode } else { Resolution::KeepHub };
    match state.services.resolve_conflict(&user.caller, id, how).await {
        Ok(()) => Ok(Redirect::to("/sync/conflicts").into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&conflicts_page(&state, &user, errors).await?))
                .into_response())
        }
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync", get(status))
        .route("/sync/conflicts", get(conflicts))
        .route("/sync/conflicts/{id}/resolve", post(resolve))
}
