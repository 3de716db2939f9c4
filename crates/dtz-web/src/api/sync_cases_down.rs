//! Cases on field nodes (issue 9, point 2): a node acknowledges the cases it deleted on the
//! hub's word (device token), and administrators list the evictions not acknowledged yet.

use super::sync::DeviceCaller;
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Cases the node deleted because the hub listed them as removed.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvictionsBody {
    /// Case ids.
    pub cases: Vec<Uuid>,
}

/// Which of them the hub marked acknowledged now (ids it did not evict change nothing).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct EvictionsResponse {
    /// Case ids.
    pub acknowledged: Vec<Uuid>,
}

/// Acknowledge evicted cases: the node deleted them, their children and their key wraps.
#[utoipa::path(post, path = "/sync/evictions", tag = "nodes", request_body = EvictionsBody, responses((status = 200, body = EvictionsResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    d: DeviceCaller,
    ApiJson(b): ApiJson<EvictionsBody>,
) -> Result<Json<EvictionsResponse>, AppError> {
    Ok(Json(EvictionsResponse { acknowledged: state.services.acknowledge_evictions(&d.0, &b.cases).await? }))
}

/// A case a node should have deleted and has not confirmed yet.
#[derive(Serialize, ToSchema)]
pub struct EvictionResponse {
    case_id: Uuid,
    device_id: Uuid,
    held_since: String,
    evicted_at: Option<String>,
}

/// Evictions not acknowledged by their nodes (your organisation's devices).
#[utoipa::path(get, path = "/devices/evictions", tag = "nodes", responses((status = 200, body = Vec<EvictionResponse>), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<EvictionResponse>>, AppError> {
    let rows = state.services.unacknowledged_evictions(&c.caller).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| EvictionResponse {
                case_id: r.case_id,
                device_id: r.device_id,
                held_since: super::rfc3339(r.since),
                evicted_at: r.evicted_at.map(super::rfc3339),
            })
            .collect(),
    ))
}

/// The routes of this module.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(acknowledge)).routes(routes!(list))
}
