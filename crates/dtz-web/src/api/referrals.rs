//! Referrals and follow-ups over the API: the same use cases and rules as the pages.
//! A provider's staff get their inbox and the referrals addressed to them (with the care
//! summary while the child is in their care); everything else of a case is 404 for
//! them. Figures for monitoring are exact for supervisors in scope, disclosed otherwise.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::case::CaseId;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::referral::ReferralId;
use dtz_services::referrals::{
    FollowUp, FollowUpInput, FollowUpRecord, ReferralDetail, ReferralFigures, ReferralInput, ReferralMinimum, StepInput,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The minimum every reader of a referral sees.
#[derive(Serialize, ToSchema)]
pub struct ReferralResponse {
    id: Uuid,
    case_number: String,
    /// `female`, `male`, `other`, `unknown`; absent when not recorded.
    sex: Option<String>,
    /// `0-5`, `6-11`, `12-14`, `15-17`, `18+`, `unknown`.
    age_band: String,
    languages: Vec<String>,
    provider_id: Uuid,
    provider_name: String,
    service_type: String,
    urgency: String,
    emergency: bool,
    security_risks: Option<String>,
    /// `pending`, `accepted`, `declined`, `in_progress`, `completed`, `cancelled`,
    /// `did_not_arrive`, `left_service`, `referred_onward`.
    status: String,
    respond_by: String,
    sent_at: String,
    version: i64,
}

impl From<&ReferralMinimum> for ReferralResponse {
    fn from(m: &ReferralMinimum) -> Self {
        Self {
            id: m.id,
            case_number: m.case_number.clone(),
            sex: m.sex.map(|s| s.as_str().into()),
            age_band: m.age_band.as_str().into(),
            languages: m.languages.clone(),
            provider_id: m.provider_id,
            provider_name: m.provider_name.clone(),
            service_type: m.service_type.clone(),
            urgency: m.urgency.as_str().into(),
            emergency: m.emergency,
            security_risks: m.security_risks.clone(),
            status: m.status.as_str().into(),
            respond_by: crate::api::rfc3339(m.respond_by),
            sent_at: crate::api::rfc3339(m.sent_at),
            version: m.version,
        }
    }
}

/// A referral opened: the minimum, the details (case staff), the care summary (the
/// provider while the child is in its care), the history and the steps you may take.
#[derive(Serialize, ToSchema)]
pub struct ReferralDetailResponse {
    referral: ReferralResponse,
    /// Case staff only.
    case_id: Option<Uuid>,
    reason: Option<String>,
    notes: Option<String>,
    #[schema(value_type = Option<Object>)]
    care_summary: Option<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    steps: Vec<serde_json::Value>,
    actions: Vec<String>,
    on_behalf: bool,
}

fn detail(d: ReferralDetail) -> ReferralDetailResponse {
    let staff = d.details.is_some();
    ReferralDetailResponse {
        referral: ReferralResponse::from(&d.minimum),
        case_id: staff.then_some(d.minimum.case_id),
        reason: d.details.as_ref().map(|x| x.reason.clone()),
        notes: d.details.as_ref().and_then(|x| x.notes.clone()),
        care_summary: d.care.map(|c| {
            serde_json::json!({"name": c.name, "risk": c.risk.map(|r| r.as_str()), "reason": c.reason,
                "notes": c.notes, "caseworker": c.caseworker})
        }),
        steps: d
            .steps
            .iter()
            .map(|s| {
                serde_json::json!({"action": s.action, "status": s.status.as_str(), "on_behalf": s.on_behalf,
                    "reason": s.reason, "at": crate::api::rfc3339(s.at)})
            })
            .collect(),
        actions: d.actions.iter().map(|a| a.as_str().to_owned()).collect(),
        on_behalf: d.on_behalf,
    }
}

/// A referral to send.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReferralRequest {
    /// The provider's service (`services[].id` of a directory entry).
    service_id: Uuid,
    /// `urgent`, `normal` or `low`.
    urgency: String,
    /// Send before consent is recorded (the case is flagged until it is).
    #[serde(default)]
    emergency: bool,
    reason: String,
    security_risks: Option<String>,
    notes: Option<String>,
}

impl CreateReferralRequest {
    fn input(self) -> ReferralInput {
        ReferralInput {
            service: self.service_id.to_string(),
            urgency: self.urgency,
            emergency: self.emergency,
            reason: self.reason,
            security_risks: self.security_risks.unwrap_or_default(),
            notes: self.notes.unwrap_or_default(),
        }
    }
}

/// The referrals of a case (its caseworkers and supervisors).
#[utoipa::path(get, path = "/cases/{id}/referrals", tag = "referrals", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ReferralResponse>), (status = 404, body = ErrorBody)))]
pub async fn of_case(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
) -> Result<Json<Vec<ReferralResponse>>, AppError> {
    let list = state.services.case_referrals(&c.caller, id.0).await?;
    Ok(Json(list.iter().map(ReferralResponse::from).collect()))
}

/// Send a referral from a case.
#[utoipa::path(post, path = "/cases/{id}/referrals", tag = "referrals", params(("id" = Uuid, Path)),
    request_body = CreateReferralRequest,
    responses((status = 201, body = ReferralDetailResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<CreateReferralRequest>,
) -> Result<(StatusCode, Json<ReferralDetailResponse>), AppError> {
    let rid = state.services.send_referral(&c.caller, id.0, &r.input()).await?;
    Ok((StatusCode::CREATED, Json(detail(state.services.referral(&c.caller, rid).await?))))
}

/// The referrals addressed to your service (providers' staff).
#[utoipa::path(get, path = "/referrals", tag = "referrals",
    responses((status = 200, body = Vec<ReferralResponse>), (status = 404, body = ErrorBody)))]
pub async fn inbox(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<ReferralResponse>>, AppError> {
    let list = state.services.referral_inbox(&c.caller).await?;
    Ok(Json(list.iter().map(ReferralResponse::from).collect()))
}

/// One referral (the read is audited; the care summary as a read of the case).
#[utoipa::path(get, path = "/referrals/{id}", tag = "referrals", params(("id" = Uuid, Path)),
    responses((status = 200, body = ReferralDetailResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ReferralId>,
) -> Result<Json<ReferralDetailResponse>, AppError> {
    Ok(Json(detail(state.services.referral(&c.caller, id.0).await?)))
}

/// A step on a referral.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// The version you read.
    version: i64,
    /// `accept`, `decline`, `start`, `complete`, `did_not_arrive`, `left` (provider, or
    /// the caseworker for a provider without accounts), `cancel`, `refer_onward` (case).
    action: String,
    /// Needed to decline or cancel.
    reason: Option<String>,
    /// The next referral, for `refer_onward`.
    onward: Option<CreateReferralRequest>,
}

/// Take a step (422 when the step is not possible from where the referral stands).
#[utoipa::path(post, path = "/referrals/{id}/steps", tag = "referrals", params(("id" = Uuid, Path)),
    request_body = StepRequest,
    responses((status = 200, body = ReferralDetailResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ReferralId>,
    ApiJson(r): ApiJson<StepRequest>,
) -> Result<Json<ReferralDetailResponse>, AppError> {
    let input = StepInput {
        version: r.version,
        action: r.action,
        reason: r.reason.unwrap_or_default(),
        onward: r.onward.map(CreateReferralRequest::input),
    };
    state.services.referral_step(&c.caller, id.0, &input).await?;
    Ok(Json(detail(state.services.referral(&c.caller, id.0).await?)))
}

/// A follow-up, opened.
#[derive(Serialize, ToSchema)]
pub struct FollowUpResponse {
    id: Uuid,
    referral_id: Option<Uuid>,
    kind: String,
    status: String,
    planned_date: String,
    done_date: Option<String>,
    progress: Option<String>,
    overdue: bool,
    #[schema(value_type = Vec<Object>)]
    notes: Vec<serde_json::Value>,
    version: i64,
}

impl From<&FollowUp> for FollowUpResponse {
    fn from(f: &FollowUp) -> Self {
        Self {
            id: f.id,
            referral_id: f.referral,
            kind: f.kind.as_str().into(),
            status: f.status.as_str().into(),
            planned_date: f.planned.to_string(),
            done_date: f.done.map(|d| d.to_string()),
            progress: f.progress.map(|p| p.as_str().into()),
            overdue: f.overdue,
            notes: f
                .notes
                .iter()
                .map(|n| serde_json::json!({"id": n.id, "amends": n.amends, "text": n.text, "at": crate::api::rfc3339(n.at)}))
                .collect(),
            version: f.version,
        }
    }
}

/// Follow-ups of a case.
#[utoipa::path(get, path = "/cases/{id}/follow-ups", tag = "referrals", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<FollowUpResponse>), (status = 404, body = ErrorBody)))]
pub async fn follow_ups(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
) -> Result<Json<Vec<FollowUpResponse>>, AppError> {
    Ok(Json(state.services.follow_ups(&c.caller, id.0).await?.iter().map(FollowUpResponse::from).collect()))
}

/// A follow-up to plan.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanFollowUpRequest {
    /// `home_visit`, `phone_call`, `meeting`, `provider_contact`, `other`.
    kind: String,
    /// `YYYY-MM-DD`.
    planned_date: String,
    referral_id: Option<Uuid>,
}

/// Plan a follow-up.
#[utoipa::path(post, path = "/cases/{id}/follow-ups", tag = "referrals", params(("id" = Uuid, Path)),
    request_body = PlanFollowUpRequest,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(r): ApiJson<PlanFollowUpRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let input = FollowUpInput {
        kind: r.kind,
        planned_date: r.planned_date,
        referral: r.referral_id.map(|x| x.to_string()).unwrap_or_default(),
    };
    let fid = state.services.plan_follow_up(&c.caller, id.0, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": fid}))))
}

/// What happened at a follow-up, and optionally a note.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordFollowUpRequest {
    version: i64,
    /// `planned`, `done`, `cancelled`.
    status: String,
    planned_date: Option<String>,
    done_date: Option<String>,
    /// `improving`, `stable`, `worsening`, `unknown`.
    progress: Option<String>,
    /// A note to append.
    note: Option<String>,
    /// The note it corrects.
    amends: Option<Uuid>,
}

/// Record a follow-up (409 on a stale version).
#[utoipa::path(post, path = "/cases/{id}/follow-ups/{follow_up}", tag = "referrals",
    params(("id" = Uuid, Path), ("follow_up" = Uuid, Path)), request_body = RecordFollowUpRequest,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    c: ApiCaller,
    axum::extract::Path((id, fu)): axum::extract::Path<(Uuid, Uuid)>,
    ApiJson(r): ApiJson<RecordFollowUpRequest>,
) -> Result<StatusCode, AppError> {
    let input = FollowUpRecord {
        status: r.status,
        planned_date: r.planned_date.unwrap_or_default(),
        done_date: r.done_date.unwrap_or_default(),
        progress: r.progress.unwrap_or_default(),
    };
    state.services.record_follow_up(&c.caller, id, fu, r.version, &input).await?;
    if let Some(n) = r.note.filter(|n| !n.trim().is_empty()) {
        state.services.add_follow_up_note(&c.caller, id, fu, &n, r.amends).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Which figures.
#[derive(Deserialize, IntoParams)]
pub struct FiguresQuery {
    /// Country code.
    country: Option<String>,
    /// Owning organisation of the cases.
    org: Option<Uuid>,
}

/// Referral figures for monitoring: exact for case supervisors of the organisation,
/// disclosed (small counts as "<5") for anyone else.
#[utoipa::path(get, path = "/referrals/figures", tag = "referrals", params(FiguresQuery),
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<FiguresQuery>,
) -> Result<Json<ReferralFigures>, AppError> {
    let country = match q.country.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(CountryCode::parse("country", s)?),
        None => None,
    };
    Ok(Json(state.services.referral_figures(&c.caller, country, q.org.map(OrgId)).await?))
}
