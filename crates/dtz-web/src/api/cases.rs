//! Cases over the API: the same use cases and rules as the pages. Every answer that shows
//! case data is audited (ids and field names). There is no list of cases: a case is
//! looked up by its number (`GET /cases?number=`), because case lists are never exported
//! (DESIGN §5); counts leave dtz only as disclosed aggregates.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::case::{CaseId, CaseTransferId};
use dtz_domain::ids::{OrgId, TeamId};
use dtz_domain::validate::Invalid;
use dtz_services::cases::{CaseEdit, CaseSummary, ConsentInput, NewCaseInput, StepInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

mod dto;

use dto::detail;
pub use dto::{CaseDetailResponse, CaseResponse, ProfileDto};

/// Look a case up.
#[derive(Deserialize, IntoParams)]
pub struct LookupQuery {
    /// The case number, such as `BO-2026-H-0042` (required: there is no case list).
    number: Option<String>,
}

/// The case with a number (case lists cannot be exported, so a number is required).
#[utoipa::path(get, path = "/cases", tag = "cases", params(LookupQuery),
    responses((status = 200, body = CaseResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<LookupQuery>,
) -> Result<Json<CaseResponse>, AppError> {
    let Some(number) = q.number.filter(|n| !n.trim().is_empty()) else {
        return Err(Invalid::new("number", "Case lists cannot be exported: look a case up by its number.").into());
    };
    Ok(Json(CaseResponse::from(&state.services.case_by_number(&c.caller, &number).await?)))
}

/// A new case.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaseRequest {
    /// The signal it is opened from (its organisation and country then apply).
    signal_id: Option<Uuid>,
    org_id: Option<Uuid>,
    country: Option<String>,
    team_id: Option<Uuid>,
    caseworker_id: Option<Uuid>,
    risk: Option<String>,
    #[serde(default)]
    profile: ProfileDto,
}

/// Open a case.
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = CreateCaseRequest,
    responses((status = 201, body = CaseResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateCaseRequest>,
) -> Result<(StatusCode, Json<CaseResponse>), AppError> {
    let id_str = |u: Option<Uuid>| u.map(|x| x.to_string()).unwrap_or_default();
    let input = NewCaseInput {
        signal: r.signal_id,
        org: r.org_id.map(OrgId),
        country: r.country.unwrap_or_default(),
        team: id_str(r.team_id),
        caseworker: id_str(r.caseworker_id),
        risk: r.risk.unwrap_or_default(),
        profile: r.profile.input(),
    };
    let row = state.services.open_case(&c.caller, &input).await?;
    Ok((StatusCode::CREATED, Json(CaseResponse::from(&CaseSummary::from(&row)))))
}

/// One case, opened (the read is audited).
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseDetailResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
) -> Result<Json<CaseDetailResponse>, AppError> {
    Ok(Json(detail(state.services.case(&c.caller, id.0).await?)))
}

/// Team and caseworker, both (empty: none).
#[derive(Deserialize, ToSchema)]
pub struct AssignmentDto {
    team_id: Option<Uuid>,
    caseworker_id: Option<Uuid>,
}

/// What to change; parts left out stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCaseRequest {
    /// The version you read.
    version: i64,
    /// `low`, `medium`, `high`, or empty for not assessed.
    risk: Option<String>,
    /// Supervisors only.
    assignment: Option<AssignmentDto>,
    profile: Option<ProfileDto>,
}

/// Change a case (409 when a field you change was changed since your version).
#[utoipa::path(patch, path = "/cases/{id}", tag = "cases", params(("id" = Uuid, Path)), request_body = UpdateCaseRequest,
    responses((status = 200, body = CaseResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<UpdateCaseRequest>,
) -> Result<Json<CaseResponse>, AppError> {
    let id_str = |u: Option<Uuid>| u.map(|x| x.to_string()).unwrap_or_default();
    let edit = CaseEdit {
        profile: r.profile.as_ref().map(ProfileDto::input),
        risk: r.risk,
        assignment: r.assignment.map(|a| (id_str(a.team_id), id_str(a.caseworker_id))),
    };
    state.services.update_case(&c.caller, id.0, r.version, &edit).await?;
    Ok(Json(CaseResponse::from(&state.services.case_summary(&c.caller, id.0).await?)))
}

/// A consent record: `kind`, `state`, `given_by`, `reason`.
#[derive(Deserialize, ToSchema)]
pub struct ConsentRequest {
    kind: String,
    /// `granted`, `refused`, `pending` (an emergency) or `overridden` (supervisors).
    state: String,
    given_by: Option<String>,
    reason: Option<String>,
}

/// Record consent.
#[utoipa::path(post, path = "/cases/{id}/consents", tag = "cases", params(("id" = Uuid, Path)), request_body = ConsentRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn consent(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<ConsentRequest>,
) -> Result<StatusCode, AppError> {
    let input = ConsentInput {
        kind: r.kind,
        state: r.state,
        given_by: r.given_by.unwrap_or_default(),
        reason: r.reason.unwrap_or_default(),
    };
    state.services.record_consent(&c.caller, id.0, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A protection step.
#[derive(Deserialize, ToSchema)]
pub struct StepRequest {
    /// Term code of the `protection_step` vocabulary of the case's country.
    kind: String,
    status: Option<String>,
    due_date: Option<String>,
    done_date: Option<String>,
    note: Option<String>,
}

/// Add a protection step.
#[utoipa::path(post, path = "/cases/{id}/protection-steps", tag = "cases", params(("id" = Uuid, Path)), request_body = StepRequest,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_step(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<StepRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let input = StepInput {
        kind: r.kind,
        status: r.status.unwrap_or_default(),
        due_date: r.due_date.unwrap_or_default(),
        done_date: r.done_date.unwrap_or_default(),
        note: r.note.unwrap_or_default(),
    };
    let step = state.services.add_step(&c.caller, id.0, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": step }))))
}

/// A goal of the case plan.
#[derive(Deserialize, ToSchema)]
pub struct GoalRequest {
    text: String,
    due_date: Option<String>,
}

/// Add a goal.
#[utoipa::path(post, path = "/cases/{id}/goals", tag = "cases", params(("id" = Uuid, Path)), request_body = GoalRequest,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_goal(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<GoalRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let goal = state.services.add_goal(&c.caller, id.0, &r.text, r.due_date.as_deref().unwrap_or("")).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": goal }))))
}

/// A note (append-only; `amends` names the note it corrects).
#[derive(Deserialize, ToSchema)]
pub struct NoteRequest {
    text: String,
    amends: Option<Uuid>,
}

/// Add a note.
#[utoipa::path(post, path = "/cases/{id}/notes", tag = "cases", params(("id" = Uuid, Path)), request_body = NoteRequest,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<NoteRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let note = state.services.add_note(&c.caller, id.0, &r.text, r.amends).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": note }))))
}

/// Closure: `request` (with a `reason`), `approve` or `refuse` (supervisors).
#[derive(Deserialize, ToSchema)]
pub struct ClosureRequest {
    action: String,
    version: i64,
    reason: Option<String>,
}

/// Ask to close a case, or decide on it.
#[utoipa::path(post, path = "/cases/{id}/closure", tag = "cases", params(("id" = Uuid, Path)), request_body = ClosureRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn closure(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<ClosureRequest>,
) -> Result<StatusCode, AppError> {
    let s = &state.services;
    match r.action.as_str() {
        "request" => s.request_closure(&c.caller, id.0, r.version, r.reason.as_deref().unwrap_or("")).await?,
        "approve" => s.decide_closure(&c.caller, id.0, r.version, true).await?,
        "refuse" => s.decide_closure(&c.caller, id.0, r.version, false).await?,
        _ => return Err(Invalid::new("action", "Use request, approve or refuse.").into()),
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Where to send a case.
#[derive(Deserialize, ToSchema)]
pub struct TransferRequest {
    to_org_id: Uuid,
}

/// Propose to move a case to another organisation (supervisors); it must accept.
#[utoipa::path(post, path = "/cases/{id}/transfers", tag = "cases", params(("id" = Uuid, Path)), request_body = TransferRequest,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<TransferRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let t = state.services.propose_transfer(&c.caller, id.0, OrgId(r.to_org_id)).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": t }))))
}

/// Accept (into a team of yours) or decline.
#[derive(Deserialize, ToSchema)]
pub struct DecideTransferRequest {
    /// `accept` or `decline`.
    action: String,
    team_id: Option<Uuid>,
}

/// Decide on a case offered to your organisation.
#[utoipa::path(post, path = "/case-transfers/{id}", tag = "cases", params(("id" = Uuid, Path)), request_body = DecideTransferRequest,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_transfer(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseTransferId>,
    ApiJson(r): ApiJson<DecideTransferRequest>,
) -> Result<StatusCode, AppError> {
    let accept = match r.action.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(Invalid::new("action", "Use accept or decline.").into()),
    };
    state.services.decide_transfer(&c.caller, id.0, accept, r.team_id.map(TeamId)).await?;
    Ok(StatusCode::NO_CONTENT)
}
