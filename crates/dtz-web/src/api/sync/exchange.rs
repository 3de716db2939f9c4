//! The sync protocol's endpoints (issue 9): a node pushes its outbox and pulls each scope
//! with its device token; people on the hub list and resolve the conflicts sync found.

use super::DeviceCaller;
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::sync::ConflictId;
use dtz_domain::sync::protocol::{OpResult, PullScope, PushedOp};
use dtz_domain::validate::Invalid;
use dtz_services::sync::conflicts::{Conflict, Resolution};
use dtz_services::sync::pull::PullAnswer;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A node's operations, in node order.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    /// Operations: `{id, node_seq, payload (the signed JSON text), signature (hex), device_clock}`.
    #[schema(value_type = Vec<Object>)]
    pub operations: Vec<PushedOp>,
}

/// The hub's answer per operation taken (a replay gets its first answer again).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    /// `{id, node_seq, outcome: applied|conflict|refused|not_found, detail?, hub_version?, node_version?}`.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<OpResult>,
}

/// Which scope, from which cursor.
#[derive(Deserialize, IntoParams)]
pub struct PullParams {
    /// `reference`, `activities`, `values` or `cases`.
    scope: String,
    /// The cursor the last pull of this scope answered (0 or absent: the whole scope).
    cursor: Option<i64>,
}

/// Push operations of the node's outbox: each applies once, in node order.
#[utoipa::path(post, path = "/sync/push", tag = "nodes", request_body = PushBody, responses((status = 200, body = PushResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    d: DeviceCaller,
    ApiJson(b): ApiJson<PushBody>,
) -> Result<Json<PushResponse>, AppError> {
    Ok(Json(PushResponse { results: state.services.push(&d.0, &b.operations).await? }))
}

/// Pull one scope's changes since a cursor, with deletions and the checksum of held ids.
#[utoipa::path(get, path = "/sync/pull", tag = "nodes", params(PullParams), responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn pull(
    State(state): State<AppState>,
    d: DeviceCaller,
    Query(q): Query<PullParams>,
) -> Result<Json<PullAnswer>, AppError> {
    let scope = PullScope::parse(&q.scope)
        .ok_or_else(|| AppError::from(Invalid::new("scope", "Choose reference, activities, values or cases.")))?;
    Ok(Json(state.services.pull(&d.0, scope, q.cursor.unwrap_or(0)).await?))
}

/// A conflict sync found.
#[derive(Serialize, ToSchema)]
pub struct ConflictResponse {
    id: Uuid,
    device_id: Uuid,
    org_id: Uuid,
    entity: String,
    entity_id: Uuid,
    fields: Vec<String>,
    created_at: String,
    resolved_at: Option<String>,
}

impl From<Conflict> for ConflictResponse {
    fn from(c: Conflict) -> Self {
        Self {
            id: c.row.id,
            device_id: c.row.device_id,
            org_id: c.row.org_id,
            entity: c.row.entity,
            entity_id: c.row.entity_id,
            fields: c.fields,
            created_at: crate::api::rfc3339(c.row.created_at),
            resolved_at: c.row.resolved_at.map(crate::api::rfc3339),
        }
    }
}

/// How to resolve.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `keep_hub` or `take_node`.
    choice: String,
}

/// Open conflicts of the organisations in your results scope.
#[utoipa::path(get, path = "/sync/conflicts", tag = "nodes", responses((status = 200, body = Vec<ConflictResponse>)))]
pub async fn conflicts(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<ConflictResponse>>, AppError> {
    Ok(Json(state.services.sync_conflicts(&c.caller, true).await?.into_iter().map(Into::into).collect()))
}

/// Resolve a conflict: keep the hub's record, or write the node's values as yours.
#[utoipa::path(post, path = "/sync/conflicts/{id}/resolve", tag = "nodes", params(("id" = Uuid, Path)), request_body = ResolveBody, responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ConflictId>,
    ApiJson(b): ApiJson<ResolveBody>,
) -> Result<StatusCode, AppError> {
    let how = match b.choice.as_str() {
        "keep_hub" => Resolution::KeepHub,
        "take_node" => Resolution::TakeNode,
        _ => return Err(Invalid::new("choice", "Choose keep_hub or take_node.").into()),
    };
    state.services.resolve_conflict(&c.caller, id, how).await?;
    Ok(StatusCode::NO_CONTENT)
}
