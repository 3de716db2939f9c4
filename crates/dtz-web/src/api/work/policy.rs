//! Policy instruments and their stages.

use super::nonempty;
use super::{PlaceParams, StageDto, StageRequest, VersionParam};
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dtz_domain::ids::OrgId;
use dtz_domain::work::policy::InstrumentInput;
use dtz_domain::work::stage::StageInput;
use dtz_services::work::{Instrument, RecordKind, instrument_input};
use dtz_store::work::instruments::{InstrumentFilter, InstrumentRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A policy instrument.
#[derive(Serialize, ToSchema)]
pub struct InstrumentDto {
    id: Uuid,
    org_id: Uuid,
    country: String,
    /// A term of the `instrument_kind` vocabulary.
    kind: String,
    /// national, state or municipal.
    level: String,
    area: Option<String>,
    title: String,
    description: Option<String>,
    /// The current stage: identified, drafted, adopted, funded or implemented.
    stage: Option<String>,
    /// The stage history (only on one instrument, not in lists).
    stages: Vec<StageDto>,
    /// Outcomes linked to it that you may see (only on one instrument).
    outcomes: Vec<Uuid>,
    /// Send this back when you change it.
    version: i64,
    created_at: String,
    updated_at: String,
}

fn dto(r: InstrumentRow, stage: Option<String>) -> InstrumentDto {
    InstrumentDto {
        id: r.id,
        org_id: r.org_id,
        country: r.country,
        kind: r.kind,
        level: r.level,
        area: r.area,
        title: r.title,
        description: r.description,
        stage,
        stages: Vec::new(),
        outcomes: Vec::new(),
        version: r.version,
        created_at: crate::api::rfc3339(r.created_at),
        updated_at: crate::api::rfc3339(r.updated_at),
    }
}

fn one(i: Instrument) -> InstrumentDto {
    let mut d = dto(i.row, i.current.map(|s| s.as_str().to_owned()));
    d.stages = i.stages.iter().map(StageDto::from).collect();
    d.outcomes = i.outcomes.iter().map(|o| o.id).collect();
    d
}

/// A page of policy instruments.
#[derive(Serialize, ToSchema)]
pub struct InstrumentList {
    items: Vec<InstrumentDto>,
    /// Instruments in all.
    total: i64,
    page: i64,
}

/// Filters of the list.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct InstrumentParams {
    /// Only this country (two-letter code).
    country: Option<String>,
    /// Only this organisation.
    org: Option<Uuid>,
    /// Page (from 1; 50 per page).
    page: Option<i64>,
    /// Only this kind.
    kind: Option<String>,
    /// Only this level.
    level: Option<String>,
}

impl InstrumentParams {
    fn place(&self) -> PlaceParams {
        PlaceParams { country: self.country.clone(), org: self.org, page: self.page }
    }
}

/// Policy instruments you may see.
#[utoipa::path(get, path = "/policy-instruments", tag = "work", params(InstrumentParams), responses((status = 200, body = InstrumentList)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<InstrumentParams>,
) -> Result<Json<InstrumentList>, AppError> {
    let f = InstrumentFilter { place: q.place().place()?, kind: nonempty(&q.kind), level: nonempty(&q.level) };
    let paging = q.place().paging();
    let listed = state.services.instruments(&c.caller, &f, paging).await?;
    let items = listed.items.into_iter().map(|(r, s)| dto(r, s)).collect();
    Ok(Json(InstrumentList { items, total: listed.total, page: paging.page }))
}

/// One policy instrument with its stages.
#[utoipa::path(get, path = "/policy-instruments/{id}", tag = "work", params(("id" = Uuid, Path)), responses((status = 200, body = InstrumentDto), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<InstrumentDto>, AppError> {
    Ok(Json(one(state.services.instrument(&c.caller, id).await?)))
}

/// A new policy instrument.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInstrumentRequest {
    /// Chosen by the client, or made by the server.
    id: Option<Uuid>,
    org_id: Uuid,
    country: String,
    kind: String,
    level: String,
    #[serde(default)]
    area: String,
    title: String,
    #[serde(default)]
    description: String,
}

/// Record a policy instrument.
#[utoipa::path(post, path = "/policy-instruments", tag = "work", request_body = CreateInstrumentRequest, responses((status = 201, body = InstrumentDto), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateInstrumentRequest>,
) -> Result<(StatusCode, Json<InstrumentDto>), AppError> {
    let input =
        InstrumentInput { kind: r.kind, level: r.level, area: r.area, title: r.title, description: r.description };
    let id = r.id.unwrap_or_else(Uuid::new_v4);
    let i = state.services.create_instrument(&c.caller, id, OrgId(r.org_id), &r.country, &input).await?;
    Ok((StatusCode::CREATED, Json(one(i))))
}

/// Changes to a policy instrument, based on the version you read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstrumentRequest {
    version: i64,
    kind: Option<String>,
    level: Option<String>,
    /// An empty string removes it.
    area: Option<String>,
    title: Option<String>,
    /// An empty string removes it.
    description: Option<String>,
}

/// Change a policy instrument; a stale `version` gets 409 with the fields changed since.
#[utoipa::path(patch, path = "/policy-instruments/{id}", tag = "work", params(("id" = Uuid, Path)), request_body = UpdateInstrumentRequest, responses((status = 200, body = InstrumentDto), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
    ApiJson(r): ApiJson<UpdateInstrumentRequest>,
) -> Result<Json<InstrumentDto>, AppError> {
    let i = instrument_input(&state.services.instrument(&c.caller, id).await?.row);
    let input = InstrumentInput {
        kind: r.kind.unwrap_or(i.kind),
        level: r.level.unwrap_or(i.level),
        area: r.area.unwrap_or(i.area),
        title: r.title.unwrap_or(i.title),
        description: r.description.unwrap_or(i.description),
    };
    Ok(Json(one(state.services.update_instrument(&c.caller, id, r.version, &input).await?)))
}

/// Parse the path of a stage.
pub fn stage_path(p: &(String, String)) -> Result<(Uuid, String), AppError> {
    Ok((p.0.parse().map_err(|_| AppError::NotFound)?, p.1.clone()))
}

/// Record (version 0) or correct a stage of a policy instrument; dates keep the order of
/// the stages.
#[utoipa::path(put, path = "/policy-instruments/{id}/stages/{stage}", tag = "work", params(("id" = Uuid, Path), ("stage" = String, Path)), request_body = StageRequest, responses((status = 200, body = StageDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_stage(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(p): Path<(String, String)>,
    ApiJson(r): ApiJson<StageRequest>,
) -> Result<Json<StageDto>, AppError> {
    super::save(&state, &c, RecordKind::Policy, stage_path(&p)?, r).await
}

/// Withdraw a stage of a policy instrument recorded by mistake.
#[utoipa::path(delete, path = "/policy-instruments/{id}/stages/{stage}", tag = "work", params(("id" = Uuid, Path), ("stage" = String, Path), VersionParam), responses((status = 204), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw_stage(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(p): Path<(String, String)>,
    Query(v): Query<VersionParam>,
) -> Result<StatusCode, AppError> {
    super::withdraw(&state, &c, RecordKind::Policy, &p, v).await
}

/// Shared by the stage handlers of every record kind.
pub fn stage_input(r: StageRequest) -> (i64, StageInput) {
    (r.version, StageInput { reached_on: r.reached_on, note: r.note })
}
