//! Uploading activities: the same two steps as the upload of values, without JavaScript.
//! The file is checked (a dry run listing every problem by row and column, or what would
//! change) and held for the session; a confirm button records it — checked again in
//! full, every activity or none. A held upload is marked as one of activities (`activities:`
//! before the programme code), so a values upload can never be confirmed here.

use super::super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::state::AppState;
use crate::upload::{UPLOAD_BODY_LIMIT, Upload};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::validate::Invalid;
use dtz_services::ServiceError;
use dtz_services::activities::{ActivitiesImported, import_columns};
use dtz_services::values::line_and_column;
use serde::Deserialize;
use uuid::Uuid;

struct Problem {
    row: String,
    column: String,
    message: String,
}

#[derive(Template)]
#[template(path = "activities/import.html")]
struct ImportPage {
    page: Page,
    code: String,
    done: Option<String>,
    problems: Vec<Problem>,
    checked: Option<String>,
    summary: String,
    upload: Option<Uuid>,
    changes: bool,
    columns: String,
}

/// The key a held upload of activities is kept under.
pub fn held_key(code: &str) -> String {
    format!("activities:{code}")
}

/// Read an uploaded file into rows, on the blocking pool (XLSX parsing is CPU work).
pub async fn read_rows(
    bytes: Vec<u8>,
    name: Option<String>,
) -> Result<Vec<dtz_formats::activities_file::ActivityRow>, Vec<Invalid>> {
    let read = tokio::task::spawn_blocking(move || dtz_formats::activities_file::read(&bytes, name.as_deref())).await;
    match read {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(p)) => {
            Err(p.0.into_iter().map(|p| Invalid::new(format!("line {}: {}", p.line, p.field), p.reason)).collect())
        }
        Err(_) => Err(vec![Invalid::new("line 0: file", "The file could not be read.")]),
    }
}

impl ImportPage {
    async fn new(state: &AppState, user: &PageUser, code: &str) -> Result<Self, AppError> {
        state.services.programme(code).await?;
        if dtz_services::Services::activity_scopes(&user.caller).is_empty() {
            return Err(AppError::NotFound);
        }
        let page = Page::signed_in(state, user, "activities-import-title", "/activities").await;
        let columns = page.tr.t1("activities-import-columns", "columns", import_columns().join(", "));
        Ok(Self {
            page,
            code: code.to_owned(),
            done: None,
            problems: Vec::new(),
            checked: None,
            summary: String::new(),
            upload: None,
            changes: false,
            columns,
        })
    }

    fn with_problems(mut self, problems: Vec<Invalid>) -> Response {
        let tr = &self.page.tr;
        self.problems = problems
            .into_iter()
            .map(|i| {
                let (line, column) = line_and_column(&i.field);
                Problem {
                    row: if line == 0 { tr.t("sheets-import-whole-file") } else { line.to_string() },
                    column: column.to_owned(),
                    message: tr.message(&i.message),
                }
            })
            .collect();
        (StatusCode::UNPROCESSABLE_ENTITY, render(&self)).into_response()
    }

    fn with_summary(mut self, done: &ActivitiesImported, file: &str, upload: Uuid) -> Response {
        let n = |x: usize| self.page.tr.number(i64::try_from(x).unwrap_or(i64::MAX));
        self.summary = self.page.tr.targs(
            "activities-import-summary",
            &[("new", n(done.new)), ("changed", n(done.changed)), ("unchanged", n(done.unchanged))],
        );
        self.changes = done.new + done.changed > 0;
        self.checked = Some(self.page.tr.t1("activities-import-checked", "file", file));
        self.upload = Some(upload);
        render(&self)
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    new: Option<usize>,
    changed: Option<usize>,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut p = ImportPage::new(&state, &user, &code).await?;
    if let (Some(new), Some(changed)) = (q.new, q.changed) {
        let n = |x: usize| p.page.tr.number(i64::try_from(x).unwrap_or(i64::MAX));
        p.done = Some(p.page.tr.targs("activities-import-done", &[("new", n(new)), ("changed", n(changed))]));
    }
    Ok(render(&p))
}

/// The dry run: check the file, hold it for the session.
async fn upload(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    up: Upload,
) -> Result<Response, AppError> {
    user.check_csrf(up.get("csrf"))?;
    let p = ImportPage::new(&state, &user, &code).await?;
    let Some(file) = up.file.filter(|f| !f.bytes.is_empty()) else {
        return Ok(p.with_problems(vec![Invalid::new("line 0: file", "Choose a file to upload.")]));
    };
    let rows = match read_rows(file.bytes.clone(), Some(file.name.clone())).await {
        Ok(rows) => rows,
        Err(problems) => return Ok(p.with_problems(problems)),
    };
    match state.services.import_activities(&user.caller, &code, &rows, true).await {
        Ok(done) => {
            let key = held_key(&code);
            let id =
                state.services.hold_upload(&user.caller, &user.session.id_hash, &key, &file.name, file.bytes).await?;
            Ok(p.with_summary(&done, &file.name, id))
        }
        Err(ServiceError::Invalid(v)) => Ok(p.with_problems(v.0)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}

/// Record a held upload: read and checked again, every activity or none.
async fn confirm(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, id)): Path<(String, String)>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let p = ImportPage::new(&state, &user, &code).await?;
    let held = match id.parse::<Uuid>() {
        Ok(id) => state.services.held_upload(&user.caller, &user.session.id_hash, id).await,
        Err(_) => Err(ServiceError::NotFound),
    };
    let held = match held {
        Ok(h) if h.programme_code == held_key(&code) => h,
        Ok(_) | Err(ServiceError::NotFound) => {
            return Ok(
                p.with_problems(vec![Invalid::new("line 0: file", "The upload has expired: choose the file again.")])
            );
        }
        Err(e) => return Err(e.into()),
    };
    let rows = match read_rows(held.content, Some(held.file_name)).await {
        Ok(rows) => rows,
        Err(problems) => return Ok(p.with_problems(problems)),
    };
    match state.services.import_activities(&user.caller, &code, &rows, false).await {
        Ok(done) => {
            state.services.drop_upload(&user.caller, &user.session.id_hash, held.id).await?;
            Ok(Redirect::to(&format!("/activities/{code}/import?new={}&changed={}", done.new, done.changed))
                .into_response())
        }
        Err(ServiceError::Invalid(v)) => Ok(p.with_problems(v.0)),
        Err(e) => Err(e.into()),
    }
}

/// Routes; the upload alone may send a large body.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities/{code}/import", get(show).post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/activities/{code}/import/{id}", post(confirm))
}
