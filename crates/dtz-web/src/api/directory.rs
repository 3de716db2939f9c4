//! The service directory: search, read, create, change and remove providers, and set the
//! places free of their services. Every signed-in staff member reads it; the street
//! address comes only to those who may see it (`address_hidden` says one exists).

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::directory::{ProviderFields, ProviderId, ProviderInput, ProviderServiceId};
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_services::directory::{AvailabilityInput, Provider, ProviderQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A service of a provider: what a referral points at.
#[derive(Serialize, ToSchema)]
pub struct ServiceResponse {
    id: Uuid,
    /// A code of the `service_type` vocabulary.
    service_type: String,
    /// Places, when the service counts them.
    capacity: Option<i64>,
    /// Places free now, when known.
    places_free: Option<i64>,
    /// When the places free were last set.
    availability_updated_at: Option<String>,
    /// Who set them (a user id; none when set by the system).
    availability_updated_by: Option<Uuid>,
    /// Send this back when you set the places free.
    version: i64,
}

/// A provider of the directory.
#[derive(Serialize, ToSchema)]
pub struct ProviderResponse {
    id: Uuid,
    name: String,
    country: String,
    /// The provider's own organisation in dtz, when linked.
    org_id: Option<Uuid>,
    /// The linked organisation has active accounts.
    has_accounts: bool,
    takes_referrals: bool,
    phone: Option<String>,
    email: Option<String>,
    /// The street address; only for those who may see it.
    address: Option<String>,
    /// There is an address you may not see.
    address_hidden: bool,
    /// How to refer.
    notes: Option<String>,
    /// Areas served; empty means the whole country.
    areas: Vec<String>,
    /// ISO 639 language codes.
    languages: Vec<String>,
    services: Vec<ServiceResponse>,
    /// Send this back when you change the provider.
    version: i64,
    created_at: String,
    updated_at: String,
}

impl From<Provider> for ProviderResponse {
    fn from(p: Provider) -> Self {
        Self {
            id: p.row.id,
            has_accounts: p.has_accounts(),
            name: p.row.name,
            country: p.row.country,
            org_id: p.row.org_id,
            takes_referrals: p.row.takes_referrals,
            phone: p.row.phone,
            email: p.row.email,
            address: p.address,
            address_hidden: p.address_hidden,
            notes: p.row.notes,
            areas: p.areas,
            languages: p.languages,
            services: p
                .services
                .into_iter()
                .map(|s| ServiceResponse {
                    id: s.id,
                    service_type: s.service_type,
                    capacity: s.capacity,
                    places_free: s.places_free,
                    availability_updated_at: s.availability_at.map(super::rfc3339),
                    availability_updated_by: s.availability_by,
                    version: s.version,
                })
                .collect(),
            version: p.row.version,
            created_at: super::rfc3339(p.row.created_at),
            updated_at: super::rfc3339(p.row.updated_at),
        }
    }
}

/// One page of a search.
#[derive(Serialize, ToSchema)]
pub struct ProviderListResponse {
    providers: Vec<ProviderResponse>,
    /// How many providers match in all.
    total: i64,
}

/// What to look for; every parameter is optional.
#[derive(Deserialize, IntoParams)]
pub struct ProviderSearch {
    /// Country code, such as BO.
    country: Option<String>,
    /// Part of an area name (providers listing no areas serve the whole country and match).
    area: Option<String>,
    /// A service type code, such as shelter.
    service_type: Option<String>,
    /// A language code, such as qu.
    language: Option<String>,
    takes_referrals: Option<bool>,
    /// Only providers with free places (in the service asked for, if any).
    free_places: Option<bool>,
    /// At most this many (default 50, at most 500).
    limit: Option<i64>,
    offset: Option<i64>,
}

/// A service offered.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequest {
    /// A code of the `service_type` vocabulary.
    service_type: String,
    /// Places, when the service counts them.
    capacity: Option<i64>,
}

/// A new provider.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProviderRequest {
    /// Chosen by the client (any random UUID), or made by the server.
    id: Option<Uuid>,
    name: String,
    country: String,
    /// The provider's own organisation (of kind service_provider), when it has accounts.
    org_id: Option<Uuid>,
    #[serde(default = "yes")]
    takes_referrals: bool,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    services: Vec<ServiceRequest>,
}

fn yes() -> bool {
    true
}

/// Changes to a provider, based on the version you read; fields left out stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProviderRequest {
    version: i64,
    name: Option<String>,
    country: Option<String>,
    /// A UUID, or an empty string to unlink.
    org_id: Option<String>,
    takes_referrals: Option<bool>,
    /// An empty string removes it (so for email, address, notes).
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    notes: Option<String>,
    areas: Option<Vec<String>>,
    languages: Option<Vec<String>>,
    /// The whole list of services; services left out are removed.
    services: Option<Vec<ServiceRequest>>,
}

/// The version of the provider you read.
#[derive(Deserialize, IntoParams)]
pub struct VersionQuery {
    version: i64,
}

/// Places free of some services.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    services: Vec<AvailabilityItem>,
}

/// Places free of one service, based on the version you read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityItem {
    service_id: Uuid,
    version: i64,
    /// From 0 to the capacity; null when not known.
    places_free: Option<i64>,
}

fn services_input(s: &[ServiceRequest]) -> Vec<(String, String)> {
    s.iter().map(|s| (s.service_type.clone(), s.capacity.map(|c| c.to_string()).unwrap_or_default())).collect()
}

fn parse(i: &ProviderInput) -> Result<ProviderFields, AppError> {
    ProviderFields::parse(i).map_err(|v| AppError::Validation(v.0))
}

/// Providers you may see, filtered.
#[utoipa::path(get, path = "/directory/providers", tag = "directory", params(ProviderSearch),
    responses((status = 200, body = ProviderListResponse), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<ProviderSearch>,
) -> Result<Json<ProviderListResponse>, AppError> {
    let query = ProviderQuery {
        country: q.country.unwrap_or_default(),
        area: q.area.unwrap_or_default(),
        service_type: q.service_type.unwrap_or_default(),
        language: q.language.unwrap_or_default(),
        takes_referrals: q.takes_referrals,
        free_places: q.free_places.unwrap_or(false),
    };
    let (found, total) =
        state.services.providers(&c.caller, &query, q.limit.unwrap_or(50), q.offset.unwrap_or(0)).await?;
    Ok(Json(ProviderListResponse { providers: found.into_iter().map(Into::into).collect(), total }))
}

/// One provider.
#[utoipa::path(get, path = "/directory/providers/{id}", tag = "directory", params(("id" = Uuid, Path)),
    responses((status = 200, body = ProviderResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ProviderId>,
) -> Result<Json<ProviderResponse>, AppError> {
    Ok(Json(state.services.provider(&c.caller, id).await?.into()))
}

/// Add a provider (system administrators; country coordinators in their country).
#[utoipa::path(post, path = "/directory/providers", tag = "directory", request_body = CreateProviderRequest,
    responses((status = 201, body = ProviderResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateProviderRequest>,
) -> Result<(StatusCode, Json<ProviderResponse>), AppError> {
    let f = parse(&ProviderInput {
        name: r.name,
        country: r.country,
        org: r.org_id.map(OrgId),
        takes_referrals: r.takes_referrals,
        phone: r.phone.unwrap_or_default(),
        email: r.email.unwrap_or_default(),
        address: r.address.unwrap_or_default(),
        notes: r.notes.unwrap_or_default(),
        areas: r.areas,
        languages: r.languages,
        services: services_input(&r.services),
    })?;
    let id = r.id.map(ProviderId).unwrap_or_default();
    let p = state.services.create_provider(&c.caller, id, f).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Change a provider; a stale `version` gets 409 with the fields changed since.
#[utoipa::path(patch, path = "/directory/providers/{id}", tag = "directory", params(("id" = Uuid, Path)),
    request_body = UpdateProviderRequest, responses((status = 200, body = ProviderResponse),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ProviderId>,
    ApiJson(r): ApiJson<UpdateProviderRequest>,
) -> Result<Json<ProviderResponse>, AppError> {
    let cur = state.services.provider(&c.caller, id).await?;
    let org = match r.org_id.as_deref().map(str::trim) {
        None => cur.row.org_id.map(OrgId),
        Some("") => None,
        Some(s) => {
            Some(s.parse::<OrgId>().map_err(|_| Invalid::new("org_id", "Choose an organisation from the list."))?)
        }
    };
    let or = |new: Option<String>, old: Option<String>| new.unwrap_or_else(|| old.unwrap_or_default());
    let services = match &r.services {
        Some(s) => services_input(s),
        None => cur
            .services
            .iter()
            .map(|s| (s.service_type.clone(), s.capacity.map(|c| c.to_string()).unwrap_or_default()))
            .collect(),
    };
    let f = parse(&ProviderInput {
        name: r.name.unwrap_or(cur.row.name),
        country: r.country.unwrap_or(cur.row.country),
        org,
        takes_referrals: r.takes_referrals.unwrap_or(cur.row.takes_referrals),
        phone: or(r.phone, cur.row.phone),
        email: or(r.email, cur.row.email),
        address: or(r.address, cur.address),
        notes: or(r.notes, cur.row.notes),
        areas: r.areas.unwrap_or(cur.areas),
        languages: r.languages.unwrap_or(cur.languages),
        services,
    })?;
    Ok(Json(state.services.update_provider(&c.caller, id, r.version, f).await?.into()))
}

/// Remove a provider (a tombstone; its address is erased).
#[utoipa::path(delete, path = "/directory/providers/{id}", tag = "directory", params(("id" = Uuid, Path), VersionQuery),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ProviderId>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    state.services.delete_provider(&c.caller, id, q.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the places free of a provider's services (its own staff; those who may edit it).
#[utoipa::path(put, path = "/directory/providers/{id}/availability", tag = "directory", params(("id" = Uuid, Path)),
    request_body = AvailabilityRequest, responses((status = 200, body = ProviderResponse),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn availability(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ProviderId>,
    ApiJson(r): ApiJson<AvailabilityRequest>,
) -> Result<Json<ProviderResponse>, AppError> {
    let input: Vec<AvailabilityInput> = r
        .services
        .iter()
        .map(|a| AvailabilityInput {
            service: ProviderServiceId(a.service_id),
            version: a.version,
            places_free: a.places_free.map(|n| n.to_string()).unwrap_or_default(),
        })
        .collect();
    Ok(Json(state.services.set_availability(&c.caller, id, &input).await?.into()))
}
