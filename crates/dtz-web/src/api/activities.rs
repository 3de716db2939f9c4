//! Activities: list (filtered, paginated), read, create, change (a stale `version` is a
//! 409 with the fields changed since), remove; their evidence files; imports of a CSV or
//! XLSX file with a dry run; recomputing a report's computed figures. The rules are the
//! pages': the organisation's M&E officer records, whoever may see the organisation's
//! results in the country reads, donors never see activities.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use crate::upload::{Upload, download};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use dtz_domain::activity::{ActivityId, ActivityInput, ReachInput};
use dtz_domain::ids::OrgId;
use dtz_services::activities::{Activity, ActivityFile, ActivityQuery};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One cell of an activity's reach.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ReachDto {
    /// children, young_people, parents, teachers, police, judiciary, business_staff or general_public.
    group: String,
    /// female, male or unknown.
    sex: String,
    /// under_12, 12_17, 18_plus or unknown.
    age: String,
    /// People the programme reaches for the first time.
    #[serde(default)]
    first_time: i64,
    /// People who took part in an earlier activity.
    #[serde(default)]
    repeat: i64,
}

/// An activity.
#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    id: Uuid,
    /// Programme code.
    programme: String,
    organisation_id: Uuid,
    country: String,
    /// Strategic goal code.
    goal: String,
    /// Activity type (a term of the `activity_type` vocabulary).
    #[serde(rename = "type")]
    activity_type: String,
    title: String,
    start: String,
    end: String,
    area: String,
    description: String,
    links: Vec<String>,
    /// counted or estimated.
    basis: String,
    reach: Vec<ReachDto>,
    /// Everyone reached.
    reached: i64,
    /// The reporting period it counts in.
    period: String,
    /// Send this back when you change or remove it.
    version: i64,
    created_at: String,
    updated_at: String,
}

fn dto(code: &str, a: Activity) -> ActivityDto {
    let f = a.fields;
    ActivityDto {
        id: a.row.id,
        programme: code.to_owned(),
        organisation_id: a.row.org_id,
        country: f.country.as_str().to_owned(),
        goal: f.goal,
        activity_type: f.activity_type,
        title: f.title,
        start: f.start.to_string(),
        end: f.end.to_string(),
        area: f.area,
        description: f.description,
        links: f.links,
        basis: f.basis.as_str().to_owned(),
        reach: f
            .reach
            .iter()
            .map(|c| ReachDto {
                group: c.group.as_str().into(),
                sex: c.sex.as_str().into(),
                age: c.age.as_str().into(),
                first_time: c.first_time,
                repeat: c.repeat,
            })
            .collect(),
        reached: a.row.reached,
        period: a.row.period,
        version: a.row.version,
        created_at: super::rfc3339(a.row.created_at),
        updated_at: super::rfc3339(a.row.updated_at),
    }
}

/// The fields of an activity, as sent.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    /// Chosen by the client (any random UUID) on create, or made by the server.
    id: Option<Uuid>,
    /// The organisation that carried it out (create only).
    organisation_id: Option<Uuid>,
    /// On change: the version you read.
    version: Option<i64>,
    country: Option<String>,
    goal: Option<String>,
    #[serde(rename = "type")]
    activity_type: Option<String>,
    title: Option<String>,
    /// First day, `2016-03-31`.
    start: Option<String>,
    /// Last day (the first when absent).
    end: Option<String>,
    area: Option<String>,
    description: Option<String>,
    links: Option<Vec<String>>,
    /// counted (default) or estimated.
    basis: Option<String>,
    /// The whole reach (it replaces what there was).
    reach: Option<Vec<ReachDto>>,
}

impl ActivityBody {
    /// The input, with what is absent taken from `current` (a change) or empty (new).
    fn input(self, current: Option<&Activity>) -> ActivityInput {
        let cur = current.map(|a| dto("", a.clone()));
        let pick = |new: Option<String>, old: Option<&String>| new.or_else(|| old.cloned()).unwrap_or_default();
        let reach = self.reach.or_else(|| cur.as_ref().map(|c| c.reach.clone())).unwrap_or_default();
        ActivityInput {
            goal: pick(self.goal, cur.as_ref().map(|c| &c.goal)),
            country: pick(self.country, cur.as_ref().map(|c| &c.country)),
            activity_type: pick(self.activity_type, cur.as_ref().map(|c| &c.activity_type)),
            title: pick(self.title, cur.as_ref().map(|c| &c.title)),
            start: pick(self.start, cur.as_ref().map(|c| &c.start)),
            end: pick(self.end, cur.as_ref().map(|c| &c.end)),
            area: pick(self.area, cur.as_ref().map(|c| &c.area)),
            description: pick(self.description, cur.as_ref().map(|c| &c.description)),
            links: self.links.or_else(|| cur.as_ref().map(|c| c.links.clone())).unwrap_or_default(),
            basis: pick(self.basis, cur.as_ref().map(|c| &c.basis)),
            reach: reach
                .into_iter()
                .map(|r| ReachInput {
                    group: r.group,
                    sex: r.sex,
                    age: r.age,
                    first_time: r.first_time.to_string(),
                    repeat: r.repeat.to_string(),
                })
                .collect(),
        }
    }
}

/// Filters of the list.
#[derive(Deserialize, utoipa::IntoParams, Default)]
pub struct ListParams {
    /// One country (code).
    country: Option<String>,
    /// One organisation (id).
    org: Option<Uuid>,
    /// One strategic goal (code).
    goal: Option<String>,
    /// One activity type (code).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    activity_type: Option<String>,
    /// One reporting period, e.g. `2016`.
    period: Option<String>,
    /// Page, from 1 (50 activities a page).
    page: Option<i64>,
}

/// One page of activities.
#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    /// Activities in all pages.
    total: i64,
    page: i64,
    activities: Vec<ActivityDto>,
}

async fn code_of(state: &AppState, a: &Activity) -> Result<String, AppError> {
    let rows = state.services.programmes().await?;
    rows.into_iter().find(|p| p.id == a.row.programme_id).map(|p| p.code).ok_or(AppError::NotFound)
}

/// Activities of a programme you may see, latest first.
#[utoipa::path(get, path = "/programmes/{code}/activities", tag = "activities", params(("code" = String, Path), ListParams),
    responses((status = 200, body = ActivityList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<ListParams>,
) -> Result<Json<ActivityList>, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let query = ActivityQuery {
        country: q.country,
        org: q.org.map(OrgId),
        goal: q.goal,
        activity_type: q.activity_type,
        period: q.period,
    };
    let (list, total) = state.services.activities_full(&c.caller, &code, &query, page).await?;
    Ok(Json(ActivityList { total, page, activities: list.into_iter().map(|a| dto(&code, a)).collect() }))
}

/// Record an activity (its organisation's M&E officer); the computed figures of the
/// report it counts in are refreshed while that report is open.
#[utoipa::path(post, path = "/programmes/{code}/activities", tag = "activities", params(("code" = String, Path)),
    request_body = ActivityBody, responses((status = 201, body = ActivityDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ActivityBody>,
) -> Result<(StatusCode, Json<ActivityDto>), AppError> {
    let org = body
        .organisation_id
        .map(OrgId)
        .ok_or_else(|| dtz_domain::validate::Invalid::new("organisation_id", "Choose an organisation."))?;
    let id = body.id.map(ActivityId).unwrap_or_default();
    let a = state.services.create_activity(&c.caller, &code, id, org, &body.input(None)).await?;
    Ok((StatusCode::CREATED, Json(dto(&code, a))))
}

/// One activity.
#[utoipa::path(get, path = "/activities/{id}", tag = "activities", params(("id" = Uuid, Path)),
    responses((status = 200, body = ActivityDto), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ActivityId>,
) -> Result<Json<ActivityDto>, AppError> {
    let a = state.services.activity(&c.caller, id).await?;
    Ok(Json(dto(&code_of(&state, &a).await?, a)))
}

/// Change an activity: the fields sent replace what is stored (`reach` as a whole); a
/// stale `version` gets 409 with the fields changed since.
#[utoipa::path(patch, path = "/activities/{id}", tag = "activities", params(("id" = Uuid, Path)),
    request_body = ActivityBody, responses((status = 200, body = ActivityDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ActivityId>,
    ApiJson(body): ApiJson<ActivityBody>,
) -> Result<Json<ActivityDto>, AppError> {
    let cur = state.services.activity(&c.caller, id).await?;
    let version =
        body.version.ok_or_else(|| dtz_domain::validate::Invalid::new("version", "Send the version you read."))?;
    let a = state.services.update_activity(&c.caller, id, version, &body.input(Some(&cur))).await?;
    Ok(Json(dto(&code_of(&state, &a).await?, a)))
}

/// The version of the record being removed.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct VersionParam {
    /// The version you read.
    version: i64,
}

/// Remove an activity (a tombstone); a stale `version` gets 409.
#[utoipa::path(delete, path = "/activities/{id}", tag = "activities", params(("id" = Uuid, Path), VersionParam),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ActivityId>,
    Query(q): Query<VersionParam>,
) -> Result<StatusCode, AppError> {
    state.services.remove_activity(&c.caller, id, q.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file of an activity.
#[derive(Serialize, ToSchema)]
pub struct ActivityFileDto {
    id: Uuid,
    activity_id: Uuid,
    name: String,
    content_type: String,
    size: i64,
    sha256: String,
    created_at: String,
    /// Where to download it.
    download: String,
}

fn file_dto(f: ActivityFile) -> ActivityFileDto {
    ActivityFileDto {
        download: format!("/api/v1/activity-files/{}", f.id),
        id: f.id,
        activity_id: f.activity,
        name: f.name,
        content_type: f.content_type,
        size: f.size,
        sha256: f.sha256,
        created_at: super::rfc3339(f.created_at),
    }
}

/// Files of an activity.
#[utoipa::path(get, path = "/activities/{id}/files", tag = "activities", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ActivityFileDto>), (status = 404, body = ErrorBody)))]
pub async fn files(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ActivityId>,
) -> Result<Json<Vec<ActivityFileDto>>, AppError> {
    let a = state.services.activity(&c.caller, id).await?;
    Ok(Json(state.services.activity_files(&a).await?.into_iter().map(file_dto).collect()))
}

/// The multipart body of an upload.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart body in the OpenAPI document; read by `Upload`")]
pub struct ActivityFileUpload {
    /// The file (PDF, JPEG, PNG, WebP, XLSX, DOCX, ODS, ODT, CSV or plain text; at most 10 MB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attach a file to an activity (its organisation's M&E officer).
#[utoipa::path(post, path = "/activities/{id}/files", tag = "activities", params(("id" = Uuid, Path)),
    request_body(content = ActivityFileUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ActivityFileDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<ActivityId>,
    up: Upload,
) -> Result<(StatusCode, Json<ActivityFileDto>), AppError> {
    let file = up.file.unwrap_or_default();
    let f = state.services.attach_activity_file(&c.caller, id, &file.name, &file.bytes).await?;
    Ok((StatusCode::CREATED, Json(file_dto(f))))
}

/// Download a file of an activity (the reading is audited).
#[utoipa::path(get, path = "/activity-files/{id}", tag = "activities", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file, as an attachment", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody)))]
pub async fn file(State(state): State<AppState>, c: ApiCaller, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let (f, bytes) = state.services.activity_file(&c.caller, id).await?;
    Ok(download(&f.name, &f.content_type, bytes))
}

/// Remove a file of an activity; it is erased.
#[utoipa::path(delete, path = "/activity-files/{id}", tag = "activities", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_file(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
) -> Result<StatusCode, AppError> {
    state.services.remove_activity_file(&c.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether to write.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportParams {
    /// Check only; write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// What an import did (or would do).
#[derive(Serialize, ToSchema)]
pub struct ActivitiesImportedDto {
    new: usize,
    changed: usize,
    unchanged: usize,
    rows: usize,
    dry_run: bool,
}

/// Import activities from a CSV or XLSX file sent as the body: every activity or none;
/// problems by line and column (`{"errors":[{"field":"line 7: start", …}]}`).
#[utoipa::path(post, path = "/programmes/{code}/activity-imports", tag = "activities",
    params(("code" = String, Path), ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The file: CSV or XLSX (decided by its content)"),
    responses((status = 200, body = ActivitiesImportedDto), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<ImportParams>,
    body: Bytes,
) -> Result<Json<ActivitiesImportedDto>, AppError> {
    let rows = crate::pages::activity_rows(body.to_vec(), None).await.map_err(AppError::Validation)?;
    let d = state.services.import_activities(&c.caller, &code, &rows, q.dry_run).await?;
    Ok(Json(ActivitiesImportedDto {
        new: d.new,
        changed: d.changed,
        unchanged: d.unchanged,
        rows: d.rows,
        dry_run: d.dry_run,
    }))
}

/// How many computed figures changed.
#[derive(Serialize, ToSchema)]
pub struct Recomputed {
    changed: usize,
}

/// Compute a report's computed figures again now (its organisation's M&E officer, while
/// it is a draft or returned).
#[utoipa::path(post, path = "/reports/{id}/recompute", tag = "results", params(("id" = Uuid, Path)),
    responses((status = 200, body = Recomputed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn recompute(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<Recomputed>, AppError> {
    Ok(Json(Recomputed { changed: state.services.recompute_report(&c.caller, id).await? }))
}
