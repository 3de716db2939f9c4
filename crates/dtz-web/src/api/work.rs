//! The work records in the JSON API: harvested outcomes, policy instruments,
//! prosecutions (with their disclosed summary), companies with The Code, stages, and the
//! figures computed indicators are made of. The same rules as the pages: scoped reads
//! (404 outside), writes by whoever records the organisation's work, versions on every
//! change (409 with the fields changed since).

mod companies;
mod outcomes;
mod policy;
mod prosecutions;

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use dtz_domain::results::Period;
use dtz_domain::work::iso_date;
use dtz_services::work::counts::WorkCount;
use dtz_store::work::stages::StageRow;
use dtz_store::work::{Paging, Place};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of the work records.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outcomes::list, outcomes::create))
        .routes(routes!(outcomes::show, outcomes::update))
        .routes(routes!(policy::list, policy::create))
        .routes(routes!(policy::show, policy::update))
        .routes(routes!(policy::save_stage, policy::withdraw_stage))
        .routes(routes!(prosecutions::list, prosecutions::create))
        .routes(routes!(prosecutions::summary))
        .routes(routes!(prosecutions::exact_summary))
        .routes(routes!(prosecutions::show, prosecutions::update))
        .routes(routes!(prosecutions::save_stage, prosecutions::withdraw_stage))
        .routes(routes!(companies::list, companies::create))
        .routes(routes!(companies::show, companies::update))
        .routes(routes!(companies::save_stage, companies::withdraw_stage))
        .routes(routes!(companies::save_year))
        .routes(routes!(counts))
}

/// Filters every list takes.
#[derive(Default)]
pub struct PlaceParams {
    /// Only this country (two-letter code).
    country: Option<String>,
    /// Only this organisation.
    org: Option<Uuid>,
    /// Page (from 1; 50 per page).
    page: Option<i64>,
}

impl PlaceParams {
    fn place(&self) -> Result<Place, AppError> {
        let country = match self.country.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(dtz_domain::org::CountryCode::parse("country", c)?.as_str().to_owned()),
        };
        Ok(Place { country, org: self.org })
    }

    fn paging(&self) -> Paging {
        Paging { page: self.page.unwrap_or(1).max(1), ..Paging::default() }
    }
}

/// A stage entry.
#[derive(Serialize, ToSchema)]
pub struct StageDto {
    /// Stage code.
    stage: String,
    /// When it was reached (YYYY-MM-DD).
    reached_on: String,
    /// What shows it.
    note: Option<String>,
    /// Send this back to correct or withdraw the entry.
    version: i64,
}

impl From<&StageRow> for StageDto {
    fn from(s: &StageRow) -> Self {
        Self { stage: s.stage.clone(), reached_on: iso_date(s.reached_on), note: s.note.clone(), version: s.version }
    }
}

/// Record (version 0) or correct a stage.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRequest {
    /// 0 to record the stage, else the version of the entry read.
    #[serde(default)]
    version: i64,
    /// YYYY-MM-DD.
    reached_on: String,
    /// What shows it (not for prosecutions).
    #[serde(default)]
    note: String,
}

/// The version of the entry to withdraw.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct VersionParam {
    /// The version read.
    version: i64,
}

/// One figure of a count.
#[derive(Serialize, ToSchema)]
pub struct FigureDto {
    org_id: Uuid,
    country: String,
    period: String,
    /// The count; "<5" where a count from prosecutions is from 1 to 4.
    count: String,
}

/// Which programme's periods.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct CountParams {
    /// Programme code, such as DTZ.
    programme: String,
}

/// Figures over the work records per organisation, country and period of a programme,
/// within your scope: `policies_adopted`, `policies_funded`, `companies_signed_code`,
/// `companies_meeting_code`, `outcomes_harvested`, `outcomes_substantiated`,
/// `prosecutions_supported` (disclosed).
#[utoipa::path(get, path = "/work-counts/{name}", tag = "work", params(("name" = String, Path), CountParams), responses((status = 200, body = Vec<FigureDto>), (status = 404, body = ErrorBody)))]
pub async fn counts(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(name): Path<String>,
    Query(q): Query<CountParams>,
) -> Result<Json<Vec<FigureDto>>, AppError> {
    let what = WorkCount::named(&name).ok_or(AppError::NotFound)?;
    let (_, p) = state.services.programme(&q.programme).await?;
    let periods = Period::between(p.periods, p.start, p.end);
    let figures = state.services.work_counts(&c.caller, what, &periods).await?;
    Ok(Json(
        figures
            .into_iter()
            .map(|f| FigureDto { org_id: f.org, country: f.country, period: f.period, count: f.count.to_string() })
            .collect(),
    ))
}

/// Record or correct a stage of any record kind.
async fn save(
    state: &AppState,
    c: &ApiCaller,
    kind: dtz_services::work::RecordKind,
    (id, stage): (Uuid, String),
    r: StageRequest,
) -> Result<Json<StageDto>, AppError> {
    let (version, input) = policy::stage_input(r);
    let row = state.services.save_stage(&c.caller, kind, id, &stage, version, &input).await?;
    Ok(Json(StageDto::from(&row)))
}

/// Withdraw a stage of any record kind (`p`: the record's id and the stage, as in the path).
async fn withdraw(
    state: &AppState,
    c: &ApiCaller,
    kind: dtz_services::work::RecordKind,
    p: &(String, String),
    v: VersionParam,
) -> Result<axum::http::StatusCode, AppError> {
    let (id, stage) = policy::stage_path(p)?;
    state.services.withdraw_stage(&c.caller, kind, id, &stage, v.version).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A filter's value, none when empty.
fn nonempty(s: &Option<String>) -> Option<String> {
    s.clone().filter(|v| !v.is_empty())
}
