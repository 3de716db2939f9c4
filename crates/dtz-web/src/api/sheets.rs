//! Spreadsheets for results in the API: a report's pre-filled XLSX, and importing values
//! from a CSV or XLSX body (all rows or none; `dry_run` checks and writes nothing).

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::i18n::Tr;
use crate::sheets::{XLSX, read_upload};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use dtz_domain::ids::OrgId;
use dtz_formats::values_xlsx::MAX_FILE_BYTES;
use dtz_services::values::ReportKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// A report's values as a spreadsheet to fill in offline and import back unchanged in
/// shape: one row per indicator and part, what is stored already, instructions in your
/// language.
#[utoipa::path(get, path = "/programmes/{code}/reports/{org}/{country}/{period}/template", tag = "results",
    params(("code" = String, Path), ("org" = Uuid, Path), ("country" = String, Path), ("period" = String, Path)),
    responses((status = 200, description = "The XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn template(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((code, org, country, period)): Path<(String, Uuid, String, String)>,
) -> Result<Response, AppError> {
    let key = ReportKey { programme: code, org: OrgId(org), country: country.to_ascii_uppercase(), period };
    crate::sheets::download_xlsx(&state, &c.caller, &key, &Tr::new(&c.user.language)).await
}

/// Whether to write.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// Check everything and write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// What an import changes in one report.
#[derive(Serialize, ToSchema)]
pub struct ImportedReport {
    org_id: Uuid,
    organisation: String,
    country: String,
    period: String,
    /// The report's status before the import (`draft` when it did not exist).
    status: String,
    new: usize,
    changed: usize,
    /// Values emptied.
    cleared: usize,
    unchanged: usize,
}

/// What an import did, or in a dry run would do.
#[derive(Serialize, ToSchema)]
pub struct ImportResponse {
    dry_run: bool,
    /// Rows in the file.
    values: usize,
    reports: Vec<ImportedReport>,
}

/// Import indicator values from a CSV or XLSX body (told apart by content; at most
/// 10 MB), one row per indicator × country × organisation × period × part: every row or
/// none. Problems come back as `{"errors":[{"field":"line 7: value","detail":…}]}`, all
/// of them.
#[utoipa::path(post, path = "/programmes/{code}/imports", tag = "results", params(("code" = String, Path), ImportQuery),
    request_body(content = Vec<u8>, description = "The file: CSV (text/csv) or XLSX", content_type = "text/csv"),
    responses((status = 200, body = ImportResponse), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    crate::extract::Query(q): crate::extract::Query<ImportQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportResponse>, AppError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest(format!("The body could not be read: {}", r.body_text()))
        }
    })?;
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let name = if kind.starts_with(XLSX) { "upload.xlsx" } else { "upload.csv" };
    state.services.programme(&code).await?;
    let rows = read_upload(body.to_vec(), Some(name.to_owned())).await.map_err(AppError::Validation)?;
    let done = state.services.import_values(&c.caller, &code, &rows, q.dry_run).await?;
    Ok(Json(ImportResponse {
        dry_run: done.dry_run,
        values: done.values,
        reports: done
            .reports
            .into_iter()
            .map(|r| ImportedReport {
                org_id: r.key.org.0,
                organisation: r.organisation,
                country: r.key.country,
                period: r.key.period,
                status: r.status,
                new: r.new,
                changed: r.changed,
                cleared: r.cleared,
                unchanged: r.unchanged,
            })
            .collect(),
    }))
}

/// The routes; the import alone accepts a body as large as a file may be.
pub fn routes() -> OpenApiRouter<AppState> {
    let (schemas, paths, import) = routes!(import);
    OpenApiRouter::new().routes(routes!(template)).routes((
        schemas,
        paths,
        import.layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 1024)),
    ))
}
