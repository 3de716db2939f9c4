//! IATI 2.03 for programs: a programme's activities file (every activity, or one
//! publisher's), its results in the flat CSV form, and the rule check as JSON. Approved
//! values only; donors, the alliance M&E lead and administrators get every activity, a
//! member's staff their own; anyone else a 404.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which activities, in which form.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct IatiQuery {
    /// Only this publisher's activities: name, IATI identifier or id.
    #[serde(default)]
    publisher: Option<String>,
    /// `xml` (default) or `csv` (results, one row per indicator × period × dimension).
    #[serde(default)]
    format: Option<String>,
}

/// The activities file (`application/xml`) or its results as CSV.
#[utoipa::path(get, path = "/programmes/{code}/iati", tag = "iati", params(("code" = String, Path), IatiQuery),
    responses((status = 200, description = "The IATI 2.03 activities file", content_type = "application/xml", body = String),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    crate::extract::Query(q): crate::extract::Query<IatiQuery>,
) -> Result<Response, AppError> {
    let publisher = q.publisher.as_deref();
    let (body, kind, ext) = match q.format.as_deref() {
        None | Some("xml") => (state.services.iati_xml(&c.caller, &code, publisher).await?, "application/xml", "xml"),
        Some("csv") => (state.services.iati_flat(&c.caller, &code, publisher).await?, "text/csv; charset=utf-8", "csv"),
        Some(_) => return Err(AppError::BadRequest("Use format=xml or format=csv.".into())),
    };
    let name: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    let disposition = format!("attachment; filename=\"{name}-iati.{ext}\"");
    Ok(([(CONTENT_TYPE, kind.to_owned()), (CONTENT_DISPOSITION, disposition)], body).into_response())
}

/// One problem the check found.
#[derive(Serialize, ToSchema)]
pub struct IatiProblem {
    /// `error` or `warning`.
    severity: String,
    /// Rule id: from IATI's ruleset (`2.1.2`), `codelist`, or the Ministry's (`M1`…).
    rule: String,
    /// The activity's identifier.
    activity: String,
    /// The element's path in the activity.
    path: String,
    message: String,
}

/// The result of a check.
#[derive(Serialize, ToSchema)]
pub struct IatiCheck {
    /// Errors found (the file should not be published while there are any).
    errors: usize,
    /// Warnings found.
    warnings: usize,
    problems: Vec<IatiProblem>,
}

/// Check the activities file against IATI's rules, the codelists and the Ministry's
/// expectations; every problem with its activity and element.
#[utoipa::path(get, path = "/programmes/{code}/iati/check", tag = "iati", params(("code" = String, Path), IatiQuery),
    responses((status = 200, body = IatiCheck), (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    crate::extract::Query(q): crate::extract::Query<IatiQuery>,
) -> Result<Json<IatiCheck>, AppError> {
    let (_, problems) = state.services.iati_check(&c.caller, &code, q.publisher.as_deref()).await?;
    let errors = problems.iter().filter(|p| p.severity == dtz_formats::iati::Severity::Error).count();
    Ok(Json(IatiCheck {
        errors,
        warnings: problems.len() - errors,
        problems: problems
            .into_iter()
            .map(|p| IatiProblem {
                severity: if p.severity == dtz_formats::iati::Severity::Error { "error" } else { "warning" }.into(),
                rule: p.rule,
                activity: p.activity,
                path: p.path,
                message: p.message,
            })
            .collect(),
    }))
}
