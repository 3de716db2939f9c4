//! Prosecutions (for the organisation that supports them) and their disclosed summary
//! (for everyone with a results scope).

use super::policy::stage_path;
use super::{PlaceParams, StageDto, StageRequest, VersionParam};
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dtz_domain::ids::OrgId;
use dtz_domain::work::iso_date;
use dtz_domain::work::prosecution::ProsecutionInput;
use dtz_services::work::{Prosecution, ProsecutionChanges, RecordKind, prosecution_input};
use dtz_store::work::prosecutions::{ProsecutionFilter, ProsecutionRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A prosecution. Nothing in it is about the victim.
#[derive(Serialize, ToSchema)]
pub struct ProsecutionDto {
    id: Uuid,
    org_id: Uuid,
    country: String,
    /// The organisation's file number.
    reference: String,
    /// A term of the `offence_type` vocabulary.
    offence: String,
    /// YYYY-MM-DD.
    opened_on: String,
    legal_aid: bool,
    accompaniment: bool,
    /// The child's case number: present only for the organisation's case staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    case_ref: Option<String>,
    /// The current court stage (a term of `court_stage` for the country).
    stage: Option<String>,
    /// The stage history (only on one prosecution, not in lists).
    stages: Vec<StageDto>,
    /// Send this back when you change it.
    version: i64,
    created_at: String,
    updated_at: String,
}

fn dto(r: ProsecutionRow, stage: Option<String>) -> ProsecutionDto {
    ProsecutionDto {
        id: r.id,
        org_id: r.org_id,
        country: r.country,
        reference: r.reference,
        offence: r.offence,
        opened_on: iso_date(r.opened_on),
        legal_aid: r.legal_aid,
        accompaniment: r.accompaniment,
        case_ref: None,
        stage,
        stages: Vec::new(),
        version: r.version,
        created_at: crate::api::rfc3339(r.created_at),
        updated_at: crate::api::rfc3339(r.updated_at),
    }
}

fn one(p: Prosecution) -> ProsecutionDto {
    let mut d = dto(p.row, p.current);
    d.stages = p.stages.iter().map(StageDto::from).collect();
    d.case_ref = p.case_ref;
    d
}

/// A page of prosecutions.
#[derive(Serialize, ToSchema)]
pub struct ProsecutionList {
    items: Vec<ProsecutionDto>,
    /// Prosecutions in all.
    total: i64,
    page: i64,
}

/// Filters of the list.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ProsecutionParams {
    /// Only this country (two-letter code).
    country: Option<String>,
    /// Only this organisation.
    org: Option<Uuid>,
    /// Page (from 1; 50 per page).
    page: Option<i64>,
    /// Only this offence type.
    offence: Option<String>,
}

impl ProsecutionParams {
    fn place(&self) -> PlaceParams {
        PlaceParams { country: self.country.clone(), org: self.org, page: self.page }
    }
}

/// Prosecutions your organisation supports (M&E officers and case staff only).
#[utoipa::path(get, path = "/prosecutions", tag = "work", params(ProsecutionParams), responses((status = 200, body = ProsecutionList)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<ProsecutionParams>,
) -> Result<Json<ProsecutionList>, AppError> {
    let f = ProsecutionFilter { place: q.place().place()?, offence: q.offence.clone().filter(|o| !o.is_empty()) };
    let paging = q.place().paging();
    let listed = state.services.prosecutions(&c.caller, &f, paging).await?;
    let items = listed.items.into_iter().map(|(r, s)| dto(r, s)).collect();
    Ok(Json(ProsecutionList { items, total: listed.total, page: paging.page }))
}

/// One prosecution with its stages (and, for case staff, the case reference).
#[utoipa::path(get, path = "/prosecutions/{id}", tag = "work", params(("id" = Uuid, Path)), responses((status = 200, body = ProsecutionDto), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<ProsecutionDto>, AppError> {
    Ok(Json(one(state.services.prosecution(&c.caller, id).await?)))
}

/// A new prosecution.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProsecutionRequest {
    /// Chosen by the client, or made by the server.
    id: Option<Uuid>,
    org_id: Uuid,
    country: String,
    reference: String,
    offence: String,
    opened_on: String,
    #[serde(default)]
    legal_aid: bool,
    #[serde(default)]
    accompaniment: bool,
    /// Case staff only.
    case_ref: Option<String>,
}

/// Record a prosecution.
#[utoipa::path(post, path = "/prosecutions", tag = "work", request_body = CreateProsecutionRequest, responses((status = 201, body = ProsecutionDto), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateProsecutionRequest>,
) -> Result<(StatusCode, Json<ProsecutionDto>), AppError> {
    let ch = ProsecutionChanges {
        input: ProsecutionInput {
            reference: r.reference,
            offence: r.offence,
            opened_on: r.opened_on,
            legal_aid: r.legal_aid,
            accompaniment: r.accompaniment,
        },
        case_ref: r.case_ref,
    };
    let id = r.id.unwrap_or_else(Uuid::new_v4);
    let p = state.services.create_prosecution(&c.caller, id, OrgId(r.org_id), &r.country, &ch).await?;
    Ok((StatusCode::CREATED, Json(one(p))))
}

/// Changes to a prosecution, based on the version you read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProsecutionRequest {
    version: i64,
    reference: Option<String>,
    offence: Option<String>,
    opened_on: Option<String>,
    legal_aid: Option<bool>,
    accompaniment: Option<bool>,
    /// Case staff only; an empty string removes it.
    case_ref: Option<String>,
}

/// Change a prosecution; a stale `version` gets 409 with the fields changed since.
#[utoipa::path(patch, path = "/prosecutions/{id}", tag = "work", params(("id" = Uuid, Path)), request_body = UpdateProsecutionRequest, responses((status = 200, body = ProsecutionDto), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
    ApiJson(r): ApiJson<UpdateProsecutionRequest>,
) -> Result<Json<ProsecutionDto>, AppError> {
    let i = prosecution_input(&state.services.prosecution(&c.caller, id).await?.row);
    let ch = ProsecutionChanges {
        input: ProsecutionInput {
            reference: r.reference.unwrap_or(i.reference),
            offence: r.offence.unwrap_or(i.offence),
            opened_on: r.opened_on.unwrap_or(i.opened_on),
            legal_aid: r.legal_aid.unwrap_or(i.legal_aid),
            accompaniment: r.accompaniment.unwrap_or(i.accompaniment),
        },
        case_ref: r.case_ref,
    };
    Ok(Json(one(state.services.update_prosecution(&c.caller, id, r.version, &ch).await?)))
}

/// Record (version 0) or correct a court stage of a prosecution.
#[utoipa::path(put, path = "/prosecutions/{id}/stages/{stage}", tag = "work", params(("id" = Uuid, Path), ("stage" = String, Path)), request_body = StageRequest, responses((status = 200, body = StageDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_stage(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(p): Path<(String, String)>,
    ApiJson(r): ApiJson<StageRequest>,
) -> Result<Json<StageDto>, AppError> {
    super::save(&state, &c, RecordKind::Prosecution, stage_path(&p)?, r).await
}

/// Withdraw a court stage recorded by mistake.
#[utoipa::path(delete, path = "/prosecutions/{id}/stages/{stage}", tag = "work", params(("id" = Uuid, Path), ("stage" = String, Path), VersionParam), responses((status = 204), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw_stage(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(p): Path<(String, String)>,
    Query(v): Query<VersionParam>,
) -> Result<StatusCode, AppError> {
    super::withdraw(&state, &c, RecordKind::Prosecution, &p, v).await
}

/// One line of the disclosed summary.
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    country: String,
    /// The court stage; null for proceedings with no stage recorded yet.
    stage: Option<String>,
    /// The count, or "<5" for 1 to 4.
    count: String,
}

/// Prosecutions per country and current stage within your results scope, each count
/// disclosure-controlled (1–4 as "<5"); one line per stage of each country's legal system.
#[utoipa::path(get, path = "/prosecutions/summary", tag = "work", responses((status = 200, body = Vec<SummaryDto>)))]
pub async fn summary(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<SummaryDto>>, AppError> {
    let lines = state.services.prosecution_summary(&c.caller).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| SummaryDto { country: l.country, stage: l.stage, count: l.count.to_string() })
            .collect(),
    ))
}

/// For those who follow prosecutions (the supporting organisation's M&E officers and case
/// staff): the same lines with exact counts, of the prosecutions within their scope only.
/// 404 for everyone else.
#[utoipa::path(get, path = "/prosecutions/summary/exact", tag = "work", responses((status = 200, body = Vec<SummaryDto>), (status = 404, body = ErrorBody)))]
pub async fn exact_summary(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<SummaryDto>>, AppError> {
    let lines = state.services.prosecution_summary_exact(&c.caller).await?.ok_or(AppError::NotFound)?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| SummaryDto { country: l.country, stage: l.stage, count: l.count.to_string() })
            .collect(),
    ))
}
