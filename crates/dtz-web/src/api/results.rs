//! Results: programmes with their frameworks, reports with their values, approvals.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use dtz_domain::ids::OrgId;
use dtz_domain::results::{Entry, ReportAction};
use dtz_services::values::{ReportKey, ReportView, ValueInput};
use dtz_store::values::ReportRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A programme in a list.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeSummary {
    code: String,
    name: String,
    start: String,
    end: String,
}

/// Programmes.
#[utoipa::path(get, path = "/programmes", tag = "results", responses((status = 200, body = Vec<ProgrammeSummary>)))]
pub async fn list(State(state): State<AppState>, _c: ApiCaller) -> Result<Json<Vec<ProgrammeSummary>>, AppError> {
    let rows = state.services.programmes().await?;
    Ok(Json(
        rows.into_iter()
            .map(|p| ProgrammeSummary {
                code: p.code,
                name: p.name,
                start: p.start_date.to_string(),
                end: p.end_date.to_string(),
            })
            .collect(),
    ))
}

/// A programme and its results framework, in the shape of the programme file.
#[utoipa::path(get, path = "/programmes/{code}", tag = "results", params(("code" = String, Path)), responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (_, p) = state.services.programme(&code).await?;
    Ok(Json(serde_json::to_value(p).map_err(|e| AppError::internal(&e))?))
}

/// A value in a report.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueDto {
    /// Indicator code.
    indicator: String,
    /// `""` (or absent) for the total, `set=option` for a breakdown, e.g. `sex=female`.
    #[serde(default)]
    part: String,
    value: Option<i64>,
    numerator: Option<i64>,
    denominator: Option<i64>,
    text: Option<String>,
    comment: Option<String>,
}

/// A report and its values.
#[derive(Serialize, ToSchema)]
pub struct ReportResponse {
    id: Option<Uuid>,
    status: String,
    returned_reason: Option<String>,
    /// Send this back with an approval action.
    version: i64,
    values: Vec<ValueDto>,
}

fn response(v: &ReportView) -> ReportResponse {
    let code = |id: Uuid| v.indicators.iter().find(|i| i.id == id).map(|i| i.code.clone()).unwrap_or_default();
    ReportResponse {
        id: v.report.as_ref().map(|r| r.id),
        status: v.report.as_ref().map_or("draft".into(), |r| r.status.clone()),
        returned_reason: v.report.as_ref().and_then(|r| r.returned_reason.clone()),
        version: v.report.as_ref().map_or(0, |r| r.version),
        values: v
            .values
            .iter()
            .map(|x| ValueDto {
                indicator: code(x.indicator_id),
                part: x.part.clone(),
                value: x.value,
                numerator: x.numerator,
                denominator: x.denominator,
                text: x.text_value.clone(),
                comment: x.comment.clone(),
            })
            .collect(),
    }
}

fn key(code: String, org: Uuid, country: String, period: String) -> ReportKey {
    ReportKey { programme: code, org: OrgId(org), country, period }
}

/// One organisation's report for a country and period.
#[utoipa::path(get, path = "/programmes/{code}/reports/{org}/{country}/{period}", tag = "results",
    params(("code" = String, Path), ("org" = Uuid, Path), ("country" = String, Path), ("period" = String, Path)),
    responses((status = 200, body = ReportResponse), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((code, org, country, period)): Path<(String, Uuid, String, String)>,
) -> Result<Json<ReportResponse>, AppError> {
    let v = state.services.report(&c.caller, &key(code, org, country, period)).await?;
    Ok(Json(response(&v)))
}

/// Write values in a batch: all or none, every problem listed by position.
#[utoipa::path(put, path = "/programmes/{code}/reports/{org}/{country}/{period}", tag = "results",
    params(("code" = String, Path), ("org" = Uuid, Path), ("country" = String, Path), ("period" = String, Path)),
    request_body = Vec<ValueDto>, responses((status = 200, body = ReportResponse), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((code, org, country, period)): Path<(String, Uuid, String, String)>,
    ApiJson(body): ApiJson<Vec<ValueDto>>,
) -> Result<Json<ReportResponse>, AppError> {
    if body.len() > 5_000 {
        return Err(AppError::BadRequest("Send at most 5,000 values at once.".into()));
    }
    let input: Vec<ValueInput> = body
        .into_iter()
        .map(|d| ValueInput {
            indicator: d.indicator,
            part: d.part,
            entry: Entry {
                value: d.value,
                numerator: d.numerator,
                denominator: d.denominator,
                text: d.text,
                comment: d.comment,
            },
        })
        .collect();
    let k = key(code, org, country, period);
    state.services.save_values(&c.caller, &k, &input).await?;
    Ok(Json(response(&state.services.report(&c.caller, &k).await?)))
}

/// An approval step.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// submit, approve_country, approve_alliance, return or reopen.
    action: String,
    /// The report version you read.
    version: i64,
    /// Required to return or reopen.
    reason: Option<String>,
}

/// A report's state after an action.
#[derive(Serialize, ToSchema)]
pub struct ReportState {
    id: Uuid,
    status: String,
    returned_reason: Option<String>,
    version: i64,
}

impl From<ReportRow> for ReportState {
    fn from(r: ReportRow) -> Self {
        Self { id: r.id, status: r.status, returned_reason: r.returned_reason, version: r.version }
    }
}

/// Submit, approve (country, then alliance), return with a reason, or reopen.
#[utoipa::path(post, path = "/reports/{id}/actions", tag = "results", params(("id" = Uuid, Path)), request_body = ActionRequest,
    responses((status = 200, body = ReportState), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(r): ApiJson<ActionRequest>,
) -> Result<Json<ReportState>, AppError> {
    let action = ReportAction::parse("action", &r.action)?;
    let row = state.services.act_on_report(&c.caller, id, r.version, action, r.reason.as_deref()).await?;
    Ok(Json(row.into()))
}

/// A baseline or a target.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalDto {
    /// Indicator code.
    indicator: String,
    /// Country code, e.g. `BO`.
    country: String,
    /// Targets only: one organisation's target (none: the whole country).
    org_id: Option<Uuid>,
    /// Targets: the period (`2016`); baselines: the year.
    period: String,
    /// Targets only: `""` (or absent) for the total, `set=option` for one option of a
    /// breakdown of the indicator, e.g. `sex=female` or `age=unknown`.
    #[serde(default)]
    part: String,
    /// A count, yes (1) / no (0) or scale level. Send no figure at all to clear one.
    value: Option<i64>,
    /// A percentage's numerator.
    numerator: Option<i64>,
    /// A percentage's denominator.
    denominator: Option<i64>,
    /// Read: the stored version. Write: the version you read (0 when there was none);
    /// when it moved on since, nothing is saved and the answer is 409 naming it. Leave it
    /// out to overwrite whatever is stored.
    version: Option<i64>,
}

/// Baselines and targets of a programme.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalsDto {
    #[serde(default)]
    baselines: Vec<GoalDto>,
    #[serde(default)]
    targets: Vec<GoalDto>,
}

fn to_input(d: GoalDto) -> dtz_services::goals::GoalInput {
    dtz_services::goals::GoalInput {
        indicator: d.indicator,
        country: d.country,
        org: d.org_id.map(OrgId),
        period: d.period,
        part: d.part,
        entry: Entry { value: d.value, numerator: d.numerator, denominator: d.denominator, ..Entry::default() },
        base_version: d.version,
    }
}

/// Baselines and targets, every part of every breakdown.
#[utoipa::path(get, path = "/programmes/{code}/goals", tag = "results", params(("code" = String, Path)), responses((status = 200, body = GoalsDto), (status = 404, body = ErrorBody)))]
pub async fn goals(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(code): Path<String>,
) -> Result<Json<GoalsDto>, AppError> {
    let (b, t) = state.services.goals(&code).await?;
    let ids = state.services.indicator_codes(&code).await?;
    let dto = |g: dtz_store::values::GoalRow| GoalDto {
        indicator: ids.get(&g.indicator_id).cloned().unwrap_or_default(),
        country: g.country,
        org_id: g.org_id,
        period: g.period,
        part: g.part,
        value: g.value,
        numerator: g.numerator,
        denominator: g.denominator,
        version: Some(g.version),
    };
    Ok(Json(GoalsDto { baselines: b.into_iter().map(dto).collect(), targets: t.into_iter().map(dto).collect() }))
}

/// Set or clear baselines and targets (per country, organisation, period and part), all
/// or none: the alliance M&E lead for every country, a country coordinator for its own.
#[utoipa::path(put, path = "/programmes/{code}/goals", tag = "results", params(("code" = String, Path)), request_body = GoalsDto,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_goals(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    ApiJson(g): ApiJson<GoalsDto>,
) -> Result<axum::http::StatusCode, AppError> {
    if g.baselines.len() + g.targets.len() > 5_000 {
        return Err(AppError::BadRequest("Send at most 5,000 baselines and targets at once.".into()));
    }
    let b: Vec<_> = g.baselines.into_iter().map(to_input).collect();
    let t: Vec<_> = g.targets.into_iter().map(to_input).collect();
    state.services.save_goals(&c.caller, &code, &b, &t).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// What to keep apart in a rollup, and which values to include.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct RollupQuery {
    /// Comma-separated: any of `country`, `org`, `period`, `part` (empty: alliance-wide).
    #[serde(default)]
    group: String,
    /// Include values not yet approved (staff only; ignored for donors).
    #[serde(default)]
    pending: bool,
    /// Only this country.
    country: Option<String>,
    /// Only this indicator.
    indicator: Option<String>,
    /// Only this organisation (id).
    org: Option<Uuid>,
    /// Only this period (a running total is taken at its end).
    period: Option<String>,
    /// Only the indicators of this strategic goal (code).
    goal: Option<String>,
}

/// One cell of a rollup.
#[derive(Serialize, ToSchema)]
pub struct CellDto {
    indicator: String,
    country: Option<String>,
    org_id: Option<Uuid>,
    period: Option<String>,
    /// `null` for the total, else `set=option`.
    part: Option<String>,
    value: Option<i64>,
    numerator: Option<i64>,
    denominator: Option<i64>,
    /// Numerator ÷ denominator, 0–1.
    ratio: Option<f64>,
    /// Yes/no, scale levels: how many reporters gave each answer.
    distribution: std::collections::BTreeMap<String, i64>,
    /// Number of texts (qualitative indicators).
    texts: usize,
    reporters: usize,
    includes_pending: bool,
    parts_mismatch: bool,
}

/// Figures rolled up by the programme's rules, within your scope: approved values only
/// unless staff ask for pending ones (then marked per cell).
#[utoipa::path(get, path = "/programmes/{code}/rollups", tag = "results", params(("code" = String, Path), RollupQuery),
    responses((status = 200, body = Vec<CellDto>), (status = 404, body = ErrorBody)))]
pub async fn rollups(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    crate::extract::Query(q): crate::extract::Query<RollupQuery>,
) -> Result<axum::response::Response, AppError> {
    use dtz_domain::results::rollup::Grouping;
    let mut g = Grouping::default();
    for part in q.group.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match part {
            "country" => g.country = true,
            "org" => g.org = true,
            "period" => g.period = true,
            "part" => g.part = true,
            other => {
                return Err(AppError::Validation(vec![dtz_domain::validate::Invalid::new(
                    "group",
                    format!("{other} is not country, org, period or part."),
                )]));
            }
        }
    }
    let country = match q.country.as_deref() {
        Some(c) => Some(dtz_domain::org::CountryCode::parse("country", c)?),
        None => None,
    };
    let period = match q.period.as_deref() {
        Some(p) => Some(dtz_domain::results::Period::parse("period", p)?),
        None => None,
    };
    let filter = dtz_services::results::ResultsFilter { goal: q.goal.clone(), country, org: q.org.map(OrgId), period };
    let mut all = state.services.figures_filtered(&c.caller, &code, &[g], q.pending, &filter).await?;
    let f = all.pop().ok_or(AppError::NotFound)?;
    // The cells stay shared with the memo and are serialised from there as the response
    // is written (`stream::json_array`): no copy of a cell, not even in its wire shape.
    let only = q.indicator;
    let cells =
        f.indicators.into_iter().filter(move |i| only.as_deref().is_none_or(|x| x == i.indicator.code)).flat_map(|i| {
            let code: std::sync::Arc<str> = i.indicator.code.into();
            let cells = i.cells;
            (0..cells.len()).map(move |n| CellJson { indicator: code.clone(), cells: cells.clone(), at: n })
        });
    Ok(super::stream::json_array(cells))
}

/// One cell of a shared answer in the shape of [`CellDto`], serialised from the cell
/// itself: the same bytes as `CellDto` (test `cell_json_is_cell_dto`), with no copy of its
/// texts or distribution.
struct CellJson {
    indicator: std::sync::Arc<str>,
    cells: dtz_services::results::Cells,
    at: usize,
}

/// A value written as a JSON string through its `Display`.
struct AsStr<T>(T);

impl<T: std::fmt::Display> Serialize for AsStr<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A part of a breakdown as `set=option`.
struct PartStr<'a>(&'a str, &'a str);

impl std::fmt::Display for PartStr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.0, self.1)
    }
}

impl Serialize for CellJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use dtz_domain::results::rollup::Part;
        use serde::ser::SerializeStruct;
        let Some(cell) = self.cells.get(self.at) else {
            return Err(serde::ser::Error::custom("no such cell"));
        };
        let mut st = s.serialize_struct("CellDto", 14)?;
        st.serialize_field("indicator", &*self.indicator)?;
        st.serialize_field("country", &cell.country.as_ref().map(|c| c.as_str()))?;
        st.serialize_field("org_id", &cell.org.map(|o| o.0))?;
        st.serialize_field("period", &cell.period.map(AsStr))?;
        st.serialize_field(
            "part",
            &cell.part.as_ref().and_then(|p| match p {
                Part::Total => None,
                Part::Of { set, option } => Some(AsStr(PartStr(set, option))),
            }),
        )?;
        st.serialize_field("value", &cell.value)?;
        st.serialize_field("numerator", &cell.numerator)?;
        st.serialize_field("denominator", &cell.denominator)?;
        st.serialize_field("ratio", &cell.ratio)?;
        st.serialize_field("distribution", &cell.distribution)?;
        st.serialize_field("texts", &cell.texts.len())?;
        st.serialize_field("reporters", &cell.reporters)?;
        st.serialize_field("includes_pending", &cell.includes_pending)?;
        st.serialize_field("parts_mismatch", &cell.parts_mismatch)?;
        st.end()
    }
}

#[cfg(test)]
impl CellDto {
    fn of(indicator: &str, cell: &dtz_domain::results::rollup::Cell) -> Self {
        use dtz_domain::results::rollup::Part;
        CellDto {
            indicator: indicator.to_owned(),
            country: cell.country.map(|c| c.to_string()),
            org_id: cell.org.map(|o| o.0),
            period: cell.period.map(|p| p.to_string()),
            part: cell.part.as_ref().and_then(|p| match p {
                Part::Total => None,
                Part::Of { set, option } => Some(format!("{set}={option}")),
            }),
            value: cell.value,
            numerator: cell.numerator,
            denominator: cell.denominator,
            ratio: cell.ratio,
            distribution: cell.distribution.clone(),
            texts: cell.texts.len(),
            reporters: cell.reporters,
            includes_pending: cell.includes_pending,
            parts_mismatch: cell.parts_mismatch,
        }
    }
}

/// A reporting deadline.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineDto {
    /// Period, e.g. `2020`.
    period: String,
    /// Due date, `YYYY-MM-DD`.
    due_date: String,
}

/// Deadlines of a programme's reporting periods.
#[utoipa::path(get, path = "/programmes/{code}/deadlines", tag = "results", params(("code" = String, Path)), responses((status = 200, body = Vec<DeadlineDto>)))]
pub async fn deadlines(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(code): Path<String>,
) -> Result<Json<Vec<DeadlineDto>>, AppError> {
    let rows = state.services.deadlines(&code).await?;
    Ok(Json(rows.into_iter().map(|d| DeadlineDto { period: d.period, due_date: d.due_date.to_string() }).collect()))
}

/// Set a period's deadline (alliance M&E lead, administrators); reminders go to the
/// organisations that have not submitted, a week before.
#[utoipa::path(put, path = "/programmes/{code}/deadlines", tag = "results", params(("code" = String, Path)), request_body = DeadlineDto,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_deadline(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    ApiJson(d): ApiJson<DeadlineDto>,
) -> Result<axum::http::StatusCode, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let due = time::Date::parse(d.due_date.trim(), &format).map_err(|_| {
        AppError::Validation(vec![dtz_domain::validate::Invalid::new("due_date", "Use a date such as 2021-03-31.")])
    })?;
    state.services.set_deadline(&c.caller, &code, &d.period, due).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dtz_domain::org::CountryCode;
    use dtz_domain::results::Period;
    use dtz_domain::results::rollup::{Cell, Part};
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn cell(n: usize) -> Cell {
        Cell {
            country: n.is_multiple_of(2).then(|| CountryCode::parse("c", "BO").unwrap()),
            org: n.is_multiple_of(3).then(|| OrgId(Uuid::from_u128(n as u128))),
            period: (n % 4 != 1)
                .then(|| Period::parse("p", if n.is_multiple_of(2) { "2020" } else { "2021" }).unwrap()),
            part: match n % 3 {
                0 => None,
                1 => Some(Part::Total),
                _ => Some(Part::of("sex", "f\"ém\"ale")),
            },
            value: (n % 2 == 1).then_some(n as i64 - 3),
            numerator: n.is_multiple_of(5).then_some(7),
            denominator: n.is_multiple_of(5).then_some(9),
            ratio: n.is_multiple_of(5).then_some(7.0 / 9.0),
            distribution: if n.is_multiple_of(2) {
                BTreeMap::from([("yes".into(), 3), ("no".into(), n as i64)])
            } else {
                BTreeMap::new()
            },
            texts: vec!["a".into(); n % 3],
            reporters: n,
            includes_pending: n.is_multiple_of(7),
            parts_mismatch: n.is_multiple_of(11),
        }
    }

    #[test]
    fn cell_json_is_cell_dto() {
        let answer = Arc::new(vec![(0..40).map(cell).collect::<Vec<_>>()]);
        let cells = dtz_services::results::Cells::of(&answer, 0);
        for n in 0..40 {
            let direct = CellJson { indicator: "IND-\"1\"".into(), cells: cells.clone(), at: n };
            let dto = CellDto::of("IND-\"1\"", &answer[0][n]);
            assert_eq!(serde_json::to_string(&direct).unwrap(), serde_json::to_string(&dto).unwrap(), "cell {n}");
        }
    }
}
