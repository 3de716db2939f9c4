//! The audit browser: events in the caller's scope, filtered, paged backwards.

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use dtz_store::audit::EventFilter;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity_id: String,
    /// A field device: its anchored events (what it did offline) instead of the hub's.
    #[serde(default)]
    device: String,
    before: Option<i64>,
}

struct Row {
    seq: i64,
    at: String,
    who: String,
    action: String,
    entity: String,
    entity_id: String,
    fields: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    action: String,
    entity_id: String,
    device: String,
    rows: Vec<Row>,
    older: Option<i64>,
}

const PAGE_SIZE: i64 = 50;

/// Browse events.
pub async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let page = Page::signed_in(&state, &user, "audit-title", "/audit").await;
    let entity_id = q.entity_id.trim().parse().ok();
    let f = EventFilter {
        actor: None,
        entity_id,
        action_prefix: Some(q.action.trim().to_owned()).filter(|s| !s.is_empty()),
        before_seq: q.before,
        limit: PAGE_SIZE,
    };
    let events = match q.device.trim().parse() {
        Ok(d) => {
            let (device, action) = (dtz_domain::sync::DeviceId(d), f.action_prefix.as_deref());
            state.services.device_audit(&user.caller, device, action, q.before, PAGE_SIZE).await?
        }
        Err(_) => state.services.audit_events(&user.caller, &f).await?,
    };
    let names: HashMap<uuid::Uuid, String> =
        state.services.users(&user.caller, None).await?.into_iter().map(|u| (u.id, u.email)).collect();
    let older = (events.len() as i64 == PAGE_SIZE).then(|| events.last().map(|e| e.seq)).flatten();
    let rows = events
        .into_iter()
        .map(|e| Row {
            seq: e.seq,
            at: page.tr.datetime(e.at),
            who: match e.actor_user_id {
                Some(id) => names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                None => page.tr.t("audit-system"),
            },
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            fields: serde_json::from_str::<Vec<String>>(&e.fields).unwrap_or_default().join(", "),
        })
        .collect();
    Ok(render(&AuditPage { page, action: q.action, entity_id: q.entity_id, device: q.device, rows, older }))
}
