//! Field nodes, audit and keys (issue 9, points 5 and 6): a node anchors its audit chain
//! and fetches its escrow key with its device token; administrators list a device's
//! anchored events, the quarantine of revoked devices and the cases waiting for new keys.

use super::audit::EventResponse;
use super::sync::DeviceCaller;
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use dtz_domain::sync::DeviceId;
use dtz_services::sync::anchor::{Batch, SignedReceipt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A batch of a node's audit chain: the events after the anchored head, signed by the
/// device (`dtz audit batch v1\n` ‖ device id ‖ batch number ‖ SHA-256 of the events' JSON).
#[derive(Deserialize, ToSchema)]
pub struct BatchBody {
    /// Batch number, 1, 2, … per device.
    pub batch_no: i64,
    /// The events, in order.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<dtz_domain::sync_anchor::NodeEvent>,
    /// The device's Ed25519 signature, hex.
    pub signature: String,
}

/// The hub's receipt for an anchored batch, signed with its Ed25519 key over
/// `dtz audit receipt v1\n` ‖ JSON(receipt).
#[derive(Serialize, ToSchema)]
pub struct ReceiptResponse {
    /// The receipt.
    #[schema(value_type = Object)]
    pub receipt: dtz_domain::sync_anchor::AnchorReceipt,
    /// Signature, hex.
    pub signature: String,
}

/// The hub's escrow key for this device: the node wraps the keys of cases it opens
/// offline under it too, so the hub can always read them.
#[derive(Serialize, ToSchema)]
pub struct EscrowResponse {
    /// 32 bytes, hex.
    pub escrow_key: String,
}

/// Anchor a batch of the node's audit chain; answers the signed receipt.
#[utoipa::path(post, path = "/sync/audit", tag = "nodes", request_body = BatchBody, responses((status = 200, body = ReceiptResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn anchor(
    State(state): State<AppState>,
    d: DeviceCaller,
    ApiJson(b): ApiJson<BatchBody>,
) -> Result<Json<ReceiptResponse>, AppError> {
    let batch = Batch { batch_no: b.batch_no, events: b.events, signature: b.signature };
    let SignedReceipt { receipt, signature } = state.services.anchor_batch(&d.0, &batch).await?;
    Ok(Json(ReceiptResponse { receipt, signature }))
}

/// The escrow key of a live device.
#[utoipa::path(get, path = "/sync/escrow", tag = "nodes", responses((status = 200, body = EscrowResponse), (status = 401, body = ErrorBody)))]
pub async fn escrow(State(state): State<AppState>, d: DeviceCaller) -> Result<Json<EscrowResponse>, AppError> {
    if d.0.revoked_at.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(Json(EscrowResponse { escrow_key: hex::encode(state.services.escrow_key(DeviceId(d.0.id)).0) }))
}

/// Filters of a device's anchored events.
#[derive(Deserialize, IntoParams)]
pub struct DeviceAuditQuery {
    /// Only actions starting with this.
    action: Option<String>,
    /// Only events before this node sequence (paging).
    before: Option<i64>,
    /// At most this many (default 100, at most 500).
    limit: Option<i64>,
}

/// The audit events a device anchored (its offline work), newest first.
#[utoipa::path(get, path = "/devices/{id}/audit", tag = "nodes", params(("id" = Uuid, Path), DeviceAuditQuery), responses((status = 200, body = Vec<EventResponse>), (status = 404, body = ErrorBody)))]
pub async fn device_audit(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<DeviceId>,
    Query(q): Query<DeviceAuditQuery>,
) -> Result<Json<Vec<EventResponse>>, AppError> {
    let action = q.action.filter(|a| !a.is_empty() && a.len() <= 100);
    let events =
        state.services.device_audit(&c.caller, id, action.as_deref(), q.before, q.limit.unwrap_or(100)).await?;
    Ok(Json(events.into_iter().map(Into::into).collect()))
}

/// Something a revoked device sent, kept for review and never applied.
#[derive(Serialize, ToSchema)]
pub struct QuarantineResponse {
    id: Uuid,
    device_id: Uuid,
    kind: String,
    received_at: String,
    /// Size of what it sent, in bytes.
    size: usize,
    /// Whether an administrator reviewed it.
    reviewed: bool,
    reviewed_at: Option<String>,
    reviewed_by: Option<Uuid>,
    /// The reviewer's note.
    review_note: Option<String>,
    /// What it sent (JSON text).
    payload: String,
}

/// The quarantine of revoked devices, with the review state.
#[utoipa::path(get, path = "/devices/quarantine", tag = "nodes", responses((status = 200, body = Vec<QuarantineResponse>), (status = 403, body = ErrorBody)))]
pub async fn quarantine(
    State(state): State<AppState>,
    c: ApiCaller,
) -> Result<Json<Vec<QuarantineResponse>>, AppError> {
    let items = state.services.quarantine_items(&c.caller).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| QuarantineResponse {
                id: i.row.id,
                device_id: i.row.device_id,
                kind: i.row.kind,
                received_at: super::rfc3339(i.row.received_at),
                size: i.size,
                reviewed: i.row.reviewed_at.is_some(),
                reviewed_at: i.row.reviewed_at.map(super::rfc3339),
                reviewed_by: i.row.reviewed_by,
                review_note: i.note,
                payload: i.row.payload,
            })
            .collect(),
    ))
}

/// Marking a quarantined item reviewed.
#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    /// What the administrator found and decided (at most 1,000 characters).
    pub note: String,
}

/// Mark a quarantined item reviewed, with a note (audited).
#[utoipa::path(post, path = "/devices/quarantine/{id}/review", tag = "nodes", params(("id" = Uuid, Path)), request_body = ReviewBody, responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<axum::http::StatusCode, AppError> {
    state.services.review_quarantine(&c.caller, id, &b.note).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A case to give a new data key: a revoked device held its key.
#[derive(Serialize, ToSchema)]
pub struct RekeyResponse {
    case_id: Uuid,
    device_id: Uuid,
    marked_at: String,
}

/// Cases waiting for new data keys.
#[utoipa::path(get, path = "/devices/rekeys", tag = "nodes", responses((status = 200, body = Vec<RekeyResponse>), (status = 403, body = ErrorBody)))]
pub async fn rekeys(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<RekeyResponse>>, AppError> {
    let rows = state.services.pending_rekeys(&c.caller).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RekeyResponse {
                case_id: r.case_id,
                device_id: r.device_id,
                marked_at: super::rfc3339(r.marked_at),
            })
            .collect(),
    ))
}

/// The routes of this module.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(anchor))
        .routes(routes!(escrow))
        .routes(routes!(device_audit))
        .routes(routes!(quarantine))
        .routes(routes!(review))
        .routes(routes!(rekeys))
}
