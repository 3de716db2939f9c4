//! Organisations.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::ids::OrgId;
use dtz_domain::org::OrgFields;
use dtz_store::orgs::OrgRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An organisation.
#[derive(Serialize, ToSchema)]
pub struct OrgResponse {
    id: Uuid,
    name: String,
    /// alliance_member, local_partner, service_provider, donor or government_body.
    kind: String,
    iati_id: Option<String>,
    country: Option<String>,
    publishable: bool,
    /// Send this back when you change the organisation.
    version: i64,
    created_at: String,
    updated_at: String,
}

impl From<OrgRow> for OrgResponse {
    fn from(o: OrgRow) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            iati_id: o.iati_id,
            country: o.country,
            publishable: o.publishable,
            version: o.version,
            created_at: super::rfc3339(o.created_at),
            updated_at: super::rfc3339(o.updated_at),
        }
    }
}

/// A new organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    /// Chosen by the client (any random UUID), or made by the server.
    id: Option<Uuid>,
    name: String,
    kind: String,
    iati_id: Option<String>,
    country: Option<String>,
    #[serde(default = "yes")]
    publishable: bool,
}

fn yes() -> bool {
    true
}

/// Changes to an organisation, based on the version you read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrgRequest {
    version: i64,
    name: Option<String>,
    kind: Option<String>,
    /// An empty string removes it.
    iati_id: Option<String>,
    /// An empty string removes it.
    country: Option<String>,
    publishable: Option<bool>,
}

/// Organisations you may see.
#[utoipa::path(get, path = "/organisations", tag = "organisations", responses((status = 200, body = Vec<OrgResponse>)))]
pub async fn list(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<OrgResponse>>, AppError> {
    Ok(Json(state.services.orgs(&c.caller).await?.into_iter().map(Into::into).collect()))
}

/// One organisation.
#[utoipa::path(get, path = "/organisations/{id}", tag = "organisations", params(("id" = Uuid, Path)), responses((status = 200, body = OrgResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<OrgId>,
) -> Result<Json<OrgResponse>, AppError> {
    Ok(Json(state.services.org(&c.caller, id).await?.into()))
}

/// Create an organisation (system administrators).
#[utoipa::path(post, path = "/organisations", tag = "organisations", request_body = CreateOrgRequest, responses((status = 201, body = OrgResponse), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateOrgRequest>,
) -> Result<(StatusCode, Json<OrgResponse>), AppError> {
    let f = OrgFields::parse(&r.name, &r.kind, r.iati_id.as_deref(), r.country.as_deref(), r.publishable)
        .map_err(|v| AppError::Validation(v.0))?;
    let id = r.id.map(OrgId).unwrap_or_default();
    let row = state.services.create_org(&c.caller, id, f).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Change an organisation; a stale `version` gets 409 with the fields changed since.
#[utoipa::path(patch, path = "/organisations/{id}", tag = "organisations", params(("id" = Uuid, Path)), request_body = UpdateOrgRequest, responses((status = 200, body = OrgResponse), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<OrgId>,
    ApiJson(r): ApiJson<UpdateOrgRequest>,
) -> Result<Json<OrgResponse>, AppError> {
    let cur = state.services.org(&c.caller, id).await?;
    let f = OrgFields::parse(
        r.name.as_deref().unwrap_or(&cur.name),
        r.kind.as_deref().unwrap_or(&cur.kind),
        r.iati_id.as_deref().or(cur.iati_id.as_deref()),
        r.country.as_deref().or(cur.country.as_deref()),
        r.publishable.unwrap_or(cur.publishable),
    )
    .map_err(|v| AppError::Validation(v.0))?;
    Ok(Json(state.services.update_org(&c.caller, id, r.version, f).await?.into()))
}
