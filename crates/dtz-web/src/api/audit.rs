//! The audit log, scoped.

use crate::auth::ApiCaller;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use dtz_store::audit::{Event, EventFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An audit event: who, when, what, which record and which fields — never values.
#[derive(Serialize, ToSchema)]
pub struct EventResponse {
    seq: i64,
    id: Uuid,
    at: String,
    actor_user_id: Option<Uuid>,
    actor_org_id: Option<Uuid>,
    action: String,
    entity: String,
    entity_id: Option<Uuid>,
    entity_version: Option<i64>,
    fields: Vec<String>,
    org_id: Option<Uuid>,
    /// Hex HMAC of this link of the chain.
    hash: String,
}

impl From<Event> for EventResponse {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            id: e.id,
            at: super::rfc3339(e.at),
            actor_user_id: e.actor_user_id,
            actor_org_id: e.actor_org_id,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            entity_version: e.entity_version,
            fields: serde_json::from_str(&e.fields).unwrap_or_default(),
            org_id: e.org_id,
            hash: hex::encode(e.hash),
        }
    }
}

/// Filters.
#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only this actor.
    actor: Option<Uuid>,
    /// Only this record.
    entity_id: Option<Uuid>,
    /// Only actions starting with this (e.g. `user.`).
    action: Option<String>,
    /// Only events before this sequence number (paging).
    before: Option<i64>,
    /// At most this many (default 100, at most 500).
    limit: Option<i64>,
}

/// Events in your scope, newest first.
#[utoipa::path(get, path = "/audit/events", tag = "audit", params(AuditQuery), responses((status = 200, body = Vec<EventResponse>)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<EventResponse>>, AppError> {
    let f = EventFilter {
        actor: q.actor.map(dtz_domain::ids::UserId),
        entity_id: q.entity_id,
        action_prefix: q.action.filter(|a| !a.is_empty() && a.len() <= 100),
        before_seq: q.before,
        limit: q.limit.unwrap_or(100),
    };
    Ok(Json(state.services.audit_events(&c.caller, &f).await?.into_iter().map(Into::into).collect()))
}
