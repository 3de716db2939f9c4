//! Field nodes: enrolment codes and devices for administrators (Bearer token of a
//! person), and the sync endpoints a node calls with its device token (`dtzd_…`), which
//! is never a person's token and works nowhere else.

mod exchange;

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use dtz_domain::ids::UserId;
use dtz_domain::sync::{DeviceGrant, DeviceId};
use dtz_domain::validate::Invalid;
use dtz_services::sync::{EnrolRequest, Standing};
use dtz_store::sync::DeviceRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A node authenticated by its device token.
#[derive(Clone, Debug)]
pub struct DeviceCaller(pub DeviceRow);

impl FromRequestParts<AppState> for DeviceCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        match token {
            Some(t) => state.services.device_by_token(t).await?.map(DeviceCaller).ok_or(AppError::Unauthorized),
            None => Err(AppError::Unauthorized),
        }
    }
}

/// An enrolled device.
#[derive(Serialize, ToSchema)]
pub struct DeviceResponse {
    id: Uuid,
    user_id: Uuid,
    org_id: Uuid,
    name: String,
    allocator: String,
    lease_until: String,
    enrolled_at: String,
    last_contact_at: Option<String>,
    revoked_at: Option<String>,
    wipe_ordered_at: Option<String>,
    wiped_at: Option<String>,
}

impl From<DeviceRow> for DeviceResponse {
    fn from(d: DeviceRow) -> Self {
        Self {
            id: d.id,
            user_id: d.user_id,
            org_id: d.org_id,
            name: d.name,
            allocator: d.allocator,
            lease_until: super::rfc3339(d.lease_until),
            enrolled_at: super::rfc3339(d.enrolled_at),
            last_contact_at: d.last_contact_at.map(super::rfc3339),
            revoked_at: d.revoked_at.map(super::rfc3339),
            wipe_ordered_at: d.wipe_ordered_at.map(super::rfc3339),
            wiped_at: d.wiped_at.map(super::rfc3339),
        }
    }
}

/// Ask for an enrolment code for a user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEnrolmentRequest {
    user_id: Uuid,
}

/// A one-time enrolment code, shown only now.
#[derive(Serialize, ToSchema)]
pub struct EnrolmentResponse {
    code: String,
    expires_at: String,
}

/// What a laptop sends to enrol.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    /// The one-time code.
    pub code: String,
    /// A name for the device.
    pub name: String,
    /// The device's Ed25519 public key, hex.
    pub public_key: String,
}

/// A signed grant (the grant is the JSON the signature covers, after the tag
/// `dtz device grant v1\n`).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct GrantBody {
    /// The grant.
    #[schema(value_type = Object)]
    pub grant: DeviceGrant,
    /// Ed25519 signature by the hub, hex.
    pub signature: String,
}

/// The answer to an enrolment.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct EnrolledResponse {
    /// The signed grant.
    pub grant: GrantBody,
    /// The hub's Ed25519 public key, hex.
    pub hub_public_key: String,
    /// The device's sync token, shown only now.
    pub token: String,
}

/// A device's standing at a contact.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct StatusResponse {
    /// The device.
    pub device_id: Uuid,
    /// It was revoked: it may not sync.
    pub revoked: bool,
    /// The hub orders its data wiped.
    pub wipe: bool,
    /// The renewed grant (none when revoked).
    pub grant: Option<GrantBody>,
}

impl From<Standing> for StatusResponse {
    fn from(s: Standing) -> Self {
        Self {
            device_id: s.device.id,
            revoked: s.grant.is_none(),
            wipe: s.wipe,
            grant: s.grant.map(|(grant, sig)| GrantBody { grant, signature: hex::encode(sig) }),
        }
    }
}

/// Make a one-time code for a user of an organisation you administer to enrol a laptop.
#[utoipa::path(post, path = "/devices/enrolments", tag = "nodes", request_body = CreateEnrolmentRequest, responses((status = 201, body = EnrolmentResponse), (status = 404, body = ErrorBody)))]
pub async fn create_enrolment(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateEnrolmentRequest>,
) -> Result<(StatusCode, Json<EnrolmentResponse>), AppError> {
    let (code, expires) = state.services.create_enrolment(&c.caller, UserId(r.user_id)).await?;
    Ok((StatusCode::CREATED, Json(EnrolmentResponse { code, expires_at: super::rfc3339(expires) })))
}

/// Devices of the organisations you administer (and your own).
#[utoipa::path(get, path = "/devices", tag = "nodes", responses((status = 200, body = Vec<DeviceResponse>)))]
pub async fn list(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<DeviceResponse>>, AppError> {
    Ok(Json(state.services.devices(&c.caller).await?.into_iter().map(Into::into).collect()))
}

/// Revoke a device: it can no longer sync.
#[utoipa::path(post, path = "/devices/{id}/revoke", tag = "nodes", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<DeviceId>,
) -> Result<StatusCode, AppError> {
    state.services.revoke_device(&c.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Order a device's data wiped at its next contact.
#[utoipa::path(post, path = "/devices/{id}/wipe", tag = "nodes", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn wipe(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<DeviceId>,
) -> Result<StatusCode, AppError> {
    state.services.order_wipe(&c.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enrol a laptop as a field node with a one-time code (no Bearer token: the code is
/// the credential). Answers the signed device grant and the device's sync token.
#[utoipa::path(post, path = "/sync/enroll", tag = "nodes", security(()), request_body = EnrolBody, responses((status = 201, body = EnrolledResponse), (status = 422, body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<EnrolBody>,
) -> Result<(StatusCode, Json<EnrolledResponse>), AppError> {
    let public_key = hex::decode(r.public_key.trim())
        .map_err(|_| AppError::from(Invalid::new("public_key", "The public key is not valid.")))?;
    let req = EnrolRequest { code: r.code, name: r.name, public_key };
    let e = state.services.enrol_device(&req).await?;
    let grant = GrantBody { grant: e.grant, signature: hex::encode(e.grant_sig) };
    Ok((
        StatusCode::CREATED,
        Json(EnrolledResponse { grant, hub_public_key: hex::encode(e.hub_public_key), token: e.token }),
    ))
}

/// A node's contact: renews its lease and grant, says whether it is revoked or must wipe.
#[utoipa::path(get, path = "/sync/status", tag = "nodes", responses((status = 200, body = StatusResponse), (status = 401, body = ErrorBody)))]
pub async fn status(State(state): State<AppState>, d: DeviceCaller) -> Result<Json<StatusResponse>, AppError> {
    Ok(Json(state.services.device_contact(&d.0).await?.into()))
}

/// The node confirms it wiped its data as ordered.
#[utoipa::path(post, path = "/sync/wiped", tag = "nodes", responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn wiped(State(state): State<AppState>, d: DeviceCaller) -> Result<StatusCode, AppError> {
    state.services.confirm_wipe(&d.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of field nodes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(create_enrolment))
        .routes(routes!(list))
        .routes(routes!(revoke))
        .routes(routes!(wipe))
        .routes(routes!(enroll))
        .routes(routes!(status))
        .routes(routes!(wiped))
        .routes(routes!(exchange::push))
        .routes(routes!(exchange::pull))
        .routes(routes!(exchange::conflicts))
        .routes(routes!(exchange::resolve))
}
