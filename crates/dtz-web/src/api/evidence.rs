//! Evidence files of report values: list, upload (multipart), download, remove. The
//! same rules as the pages: whoever may see the report may list and download; the
//! organisation's M&E officer attaches and removes while the report is open.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{IdPath, Query};
use crate::state::AppState;
use crate::upload::{Upload, download};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dtz_services::values::{Evidence, ReportView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An evidence file.
#[derive(Serialize, ToSchema)]
pub struct EvidenceDto {
    id: Uuid,
    report_id: Uuid,
    /// Code of the indicator it supports.
    indicator: String,
    name: String,
    /// Media type decided from the content.
    content_type: String,
    /// Size in bytes.
    size: i64,
    /// SHA-256 of the content, hex.
    sha256: String,
    created_at: String,
    /// Where to download it.
    download: String,
}

fn dto(view: &ReportView, e: Evidence) -> EvidenceDto {
    let indicator = view.indicators.iter().find(|i| i.id == e.indicator).map(|i| i.code.clone()).unwrap_or_default();
    EvidenceDto {
        download: format!("/api/v1/evidence/{}", e.id),
        id: e.id,
        report_id: e.report,
        indicator,
        name: e.name,
        content_type: e.content_type,
        size: e.size,
        sha256: e.sha256,
        created_at: super::rfc3339(e.created_at),
    }
}

/// Which indicator's evidence.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct EvidenceQuery {
    /// Only this indicator (code).
    indicator: Option<String>,
}

/// Evidence files of a report, optionally of one indicator.
#[utoipa::path(get, path = "/reports/{id}/evidence", tag = "results", params(("id" = Uuid, Path), EvidenceQuery),
    responses((status = 200, body = Vec<EvidenceDto>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
    Query(q): Query<EvidenceQuery>,
) -> Result<Json<Vec<EvidenceDto>>, AppError> {
    let view = state.services.report_by_id(&c.caller, id).await?;
    let files = state.services.evidence(&view).await?;
    let wanted = |e: &Evidence| {
        q.indicator.as_deref().is_none_or(|code| view.indicators.iter().any(|i| i.id == e.indicator && i.code == code))
    };
    Ok(Json(files.into_iter().filter(wanted).map(|e| dto(&view, e)).collect()))
}

/// The multipart body of an upload.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart body in the OpenAPI document; read by `Upload`")]
pub struct EvidenceUpload {
    /// Code of the indicator the file supports.
    indicator: String,
    /// The file (PDF, JPEG, PNG, WebP, XLSX, DOCX, ODS, ODT, CSV or plain text; at most 10 MB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attach a file to an indicator of a report (draft or returned; the organisation's M&E
/// officer). Its kind is decided from its content.
#[utoipa::path(post, path = "/reports/{id}/evidence", tag = "results", params(("id" = Uuid, Path)),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = EvidenceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
    up: Upload,
) -> Result<(StatusCode, Json<EvidenceDto>), AppError> {
    let key = state.services.report_key(&c.caller, id).await?;
    let file = up.file.clone().unwrap_or_default();
    let e = state.services.attach_evidence(&c.caller, &key, up.get("indicator"), &file.name, &file.bytes).await?;
    let view = state.services.report_by_id(&c.caller, id).await?;
    Ok((StatusCode::CREATED, Json(dto(&view, e))))
}

/// Download an evidence file: an attachment, with the type decided at upload.
#[utoipa::path(get, path = "/evidence/{id}", tag = "results", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file, as an attachment", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, c: ApiCaller, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let (e, bytes) = state.services.evidence_file(&c.caller, id).await?;
    Ok(download(&e.name, &e.content_type, bytes))
}

/// Remove an evidence file while its report is a draft or returned; it is erased.
#[utoipa::path(delete, path = "/evidence/{id}", tag = "results", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
) -> Result<StatusCode, AppError> {
    state.services.remove_evidence(&c.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
