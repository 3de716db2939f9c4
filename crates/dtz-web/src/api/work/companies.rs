//! Companies, their engagement stages and The Code's criteria per year.

use super::nonempty;
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
use dtz_domain::work::company::{CompanyInput, Criterion, YearInput};
use dtz_services::work::{Company, RecordKind, company_input};
use dtz_store::work::companies::{CompanyFilter, CompanyRow, YearRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The Code's six criteria in one year.
#[derive(Serialize, ToSchema)]
pub struct YearDto {
    year: i64,
    policy: bool,
    training: bool,
    staff_trained: Option<i64>,
    clause: bool,
    travellers: bool,
    stakeholders: bool,
    report: bool,
    /// How many of the six were met.
    criteria_met: usize,
    /// Evidence notes by criterion.
    evidence: BTreeMap<String, String>,
    /// Send this back when you change the year.
    version: i64,
}

impl From<&YearRow> for YearDto {
    fn from(y: &YearRow) -> Self {
        let f = y.fields();
        let evidence = Criterion::ALL
            .iter()
            .filter_map(|c| f.evidence[c.index()].clone().map(|e| (c.as_str().to_owned(), e)))
            .collect();
        Self {
            year: y.year,
            policy: f.policy,
            training: f.training,
            staff_trained: f.staff_trained,
            clause: f.clause,
            travellers: f.travellers,
            stakeholders: f.stakeholders,
            report: f.report,
            criteria_met: f.met_count(),
            evidence,
            version: y.version,
        }
    }
}

/// A company or industry association.
#[derive(Serialize, ToSchema)]
pub struct CompanyDto {
    id: Uuid,
    org_id: Uuid,
    country: String,
    name: String,
    /// company or association.
    kind: String,
    /// tourism, ict, transport, mining or other.
    sector: String,
    /// small, medium, large or unknown.
    size: String,
    /// The current engagement stage.
    stage: Option<String>,
    /// The engagement stages (only on one company, not in lists).
    stages: Vec<StageDto>,
    /// The Code per year (only on one company).
    years: Vec<YearDto>,
    /// Send this back when you change it.
    version: i64,
    created_at: String,
    updated_at: String,
}

fn dto(r: CompanyRow, stage: Option<String>) -> CompanyDto {
    CompanyDto {
        id: r.id,
        org_id: r.org_id,
        country: r.country,
        name: r.name,
        kind: r.kind,
        sector: r.sector,
        size: r.size,
        stage,
        stages: Vec::new(),
        years: Vec::new(),
        version: r.version,
        created_at: crate::api::rfc3339(r.created_at),
        updated_at: crate::api::rfc3339(r.updated_at),
    }
}

fn one(c: Company) -> CompanyDto {
    let mut d = dto(c.row, c.current.map(|s| s.as_str().to_owned()));
    d.stages = c.stages.iter().map(StageDto::from).collect();
    d.years = c.years.iter().map(YearDto::from).collect();
    d
}

/// A page of companies.
#[derive(Serialize, ToSchema)]
pub struct CompanyList {
    items: Vec<CompanyDto>,
    /// Companies in all.
    total: i64,
    page: i64,
}

/// Filters of the list.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct CompanyParams {
    /// Only this country (two-letter code).
    country: Option<String>,
    /// Only this organisation.
    org: Option<Uuid>,
    /// Page (from 1; 50 per page).
    page: Option<i64>,
    /// Only this sector.
    sector: Option<String>,
    /// Only companies or only associations.
    kind: Option<String>,
}

impl CompanyParams {
    fn place(&self) -> PlaceParams {
        PlaceParams { country: self.country.clone(), org: self.org, page: self.page }
    }
}

/// Companies you may see.
#[utoipa::path(get, path = "/companies", tag = "work", params(CompanyParams), responses((status = 200, body = CompanyList)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<CompanyParams>,
) -> Result<Json<CompanyList>, AppError> {
    let f = CompanyFilter { place: q.place().place()?, sector: nonempty(&q.sector), kind: nonempty(&q.kind) };
    let paging = q.place().paging();
    let listed = state.services.companies(&c.caller, &f, paging).await?;
    let items = listed.items.into_iter().map(|(r, s, _)| dto(r, s)).collect();
    Ok(Json(CompanyList { items, total: listed.total, page: paging.page }))
}

/// One company with its stages and The Code per year.
#[utoipa::path(get, path = "/companies/{id}", tag = "work", params(("id" = Uuid, Path)), responses((status = 200, body = CompanyDto), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<CompanyDto>, AppError> {
    Ok(Json(one(state.services.company(&c.caller, id).await?)))
}

/// A new company.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompanyRequest {
    /// Chosen by the client, or made by the server.
    id: Option<Uuid>,
    org_id: Uuid,
    country: String,
    name: String,
    kind: String,
    sector: String,
    size: String,
}

/// Record a company.
#[utoipa::path(post, path = "/companies", tag = "work", request_body = CreateCompanyRequest, responses((status = 201, body = CompanyDto), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateCompanyRequest>,
) -> Result<(StatusCode, Json<CompanyDto>), AppError> {
    let input = CompanyInput { name: r.name, kind: r.kind, sector: r.sector, size: r.size };
    let id = r.id.unwrap_or_else(Uuid::new_v4);
    let co = state.services.create_company(&c.caller, id, OrgId(r.org_id), &r.country, &input).await?;
    Ok((StatusCode::CREATED, Json(one(co))))
}

/// Changes to a company, based on the version you read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCompanyRequest {
    version: i64,
    name: Option<String>,
    kind: Option<String>,
    sector: Option<String>,
    size: Option<String>,
}

/// Change a company; a stale `version` gets 409 with the fields changed since.
#[utoipa::path(patch, path = "/companies/{id}", tag = "work", params(("id" = Uuid, Path)), request_body = UpdateCompanyRequest, responses((status = 200, body = CompanyDto), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
    ApiJson(r): ApiJson<UpdateCompanyRequest>,
) -> Result<Json<CompanyDto>, AppError> {
    let i = company_input(&state.services.company(&c.caller, id).await?.row);
    let input = CompanyInput {
        name: r.name.unwrap_or(i.name),
        kind: r.kind.unwrap_or(i.kind),
        sector: r.sector.unwrap_or(i.sector),
        size: r.size.unwrap_or(i.size),
    };
    Ok(Json(one(state.services.update_company(&c.caller, id, r.version, &input).await?)))
}

/// The Code's criteria for one year: the whole year, as it is to be.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearRequest {
    /// 0 to record the year, else the version read.
    #[serde(default)]
    version: i64,
    /// Codes of the criteria met: policy, training, clause, travellers, stakeholders, report.
    #[serde(default)]
    met: Vec<String>,
    /// How many staff were trained (with `training`).
    staff_trained: Option<i64>,
    /// Evidence notes by criterion code.
    #[serde(default)]
    evidence: BTreeMap<String, String>,
}

/// Record or change The Code's criteria of a company for a year.
#[utoipa::path(put, path = "/companies/{id}/years/{year}", tag = "work", params(("id" = Uuid, Path), ("year" = i64, Path)), request_body = YearRequest, responses((status = 200, body = YearDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_year(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((id, year)): Path<(String, String)>,
    ApiJson(r): ApiJson<YearRequest>,
) -> Result<Json<YearDto>, AppError> {
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let year: i64 = year.parse().map_err(|_| AppError::NotFound)?;
    let input = YearInput {
        met: r.met,
        staff_trained: r.staff_trained.map(|n| n.to_string()).unwrap_or_default(),
        evidence: r.evidence.into_iter().collect(),
    };
    let row = state.services.save_company_year(&c.caller, id, year, r.version, &input).await?;
    Ok(Json(YearDto::from(&row)))
}

/// Record (version 0) or correct an engagement stage of a company.
#[utoipa::path(put, path = "/companies/{id}/stages/{stage}", tag = "work", params(("id" = Uuid, Path), ("stage" = String, Path)), request_body = StageRequest, responses((status = 200, body = StageDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_stage(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(p): Path<(String, String)>,
    ApiJson(r): ApiJson<StageRequest>,
) -> Result<Json<StageDto>, AppError> {
    super::save(&state, &c, RecordKind::Company, stage_path(&p)?, r).await
}

/// Withdraw an engagement stage recorded by mistake.
#[utoipa::path(delete, path = "/companies/{id}/stages/{stage}", tag = "work", params(("id" = Uuid, Path), ("stage" = String, Path), VersionParam), responses((status = 204), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw_stage(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(p): Path<(String, String)>,
    Query(v): Query<VersionParam>,
) -> Result<StatusCode, AppError> {
    super::withdraw(&state, &c, RecordKind::Company, &p, v).await
}
