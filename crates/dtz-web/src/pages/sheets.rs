//! Spreadsheets for results: the pre-filled XLSX of a report (a link on the entry page)
//! and the upload page. Uploading is two steps without JavaScript: the file is checked
//! (a dry run listing every problem by row and column, or what would change per report)
//! and held for the session; a confirm button imports it — checked again in full, all
//! rows or none.

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::sheets::{download_xlsx, read_upload};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_formats::values_xlsx::MAX_FILE_BYTES;
use dtz_services::ServiceError;
use dtz_services::values::{Imported, ReportKey, line_and_column};
use serde::Deserialize;
use uuid::Uuid;

/// Room for the multipart envelope around the largest file.
const UPLOAD_LIMIT: usize = MAX_FILE_BYTES + 64 * 1024;

/// The report a template is for.
#[derive(Deserialize)]
pub struct TemplateQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    period: String,
}

/// The pre-filled spreadsheet of one report, within the caller's scope.
async fn download(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, AppError> {
    let org = OrgId(q.org.parse().map_err(|_| AppError::NotFound)?);
    let key = ReportKey { programme: code, org, country: q.country.to_ascii_uppercase(), period: q.period };
    let page = Page::signed_in(&state, &user, "entry-title", "/results").await;
    download_xlsx(&state, &user.caller, &key, &page.tr).await
}

/// One problem of a file, as the page shows it.
struct Problem {
    row: String,
    column: String,
    message: String,
}

/// One report's changes, as the page shows them.
struct Line {
    organisation: String,
    country: String,
    period: String,
    status: String,
    new: usize,
    changed: usize,
    cleared: usize,
    unchanged: usize,
}

#[derive(Template)]
#[template(path = "results/import.html")]
struct ImportPage {
    page: Page,
    code: String,
    done: Option<String>,
    problems: Vec<Problem>,
    file: String,
    lines: Vec<Line>,
    upload: Option<Uuid>,
    changes: bool,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    new: Option<usize>,
    changed: Option<usize>,
    cleared: Option<usize>,
    reports: Option<usize>,
}

impl ImportPage {
    async fn new(state: &AppState, user: &PageUser, code: &str) -> Result<Self, AppError> {
        state.services.programme(code).await?;
        if dtz_services::Services::entry_scopes(&user.caller).is_empty() {
            return Err(AppError::NotFound);
        }
        Ok(Self {
            page: Page::signed_in(state, user, "sheets-import-title", "/results").await,
            code: code.to_owned(),
            done: None,
            problems: Vec::new(),
            file: String::new(),
            lines: Vec::new(),
            upload: None,
            changes: false,
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

    fn with_summary(mut self, done: &Imported, file: &str, upload: Uuid) -> Response {
        let tr = &self.page.tr;
        self.lines = done
            .reports
            .iter()
            .map(|r| Line {
                organisation: r.organisation.clone(),
                country: r.key.country.clone(),
                period: r.key.period.clone(),
                status: tr.t(&format!("status-{}", r.status)),
                new: r.new,
                changed: r.changed,
                cleared: r.cleared,
                unchanged: r.unchanged,
            })
            .collect();
        self.changes = done.changed_reports() > 0;
        self.file = file.to_owned();
        self.upload = Some(upload);
        render(&self)
    }
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut p = ImportPage::new(&state, &user, &code).await?;
    if let (Some(new), Some(changed), Some(cleared), Some(reports)) = (q.new, q.changed, q.cleared, q.reports) {
        let n = |x: usize| p.page.tr.number(i64::try_from(x).unwrap_or(i64::MAX));
        p.done = Some(p.page.tr.targs(
            "sheets-import-done",
            &[("new", n(new)), ("changed", n(changed)), ("cleared", n(cleared)), ("reports", n(reports))],
        ));
    }
    Ok(render(&p))
}

/// The dry run: read the multipart form (CSRF first), check the file, hold it.
async fn upload(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(multipart_error)?,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                file = Some((name, field.bytes().await.map_err(multipart_error)?.to_vec()));
            }
            _ => {}
        }
    }
    user.check_csrf(&csrf)?;
    let p = ImportPage::new(&state, &user, &code).await?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(p.with_problems(vec![Invalid::new("line 0: file", "Choose a file to upload.")]));
    };
    let rows = match read_upload(bytes.clone(), Some(name.clone())).await {
        Ok(rows) => rows,
        Err(problems) => return Ok(p.with_problems(problems)),
    };
    match state.services.import_values(&user.caller, &code, &rows, true).await {
        Ok(done) => {
            let id = state.services.hold_upload(&user.caller, &user.session.id_hash, &code, &name, bytes).await?;
            Ok(p.with_summary(&done, &name, id))
        }
        Err(ServiceError::Invalid(v)) => Ok(p.with_problems(v.0)),
        Err(e) => Err(e.into()),
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}

/// The real import of a held upload: read and checked again, all rows or none.
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
        Ok(h) if h.programme_code == code => h,
        Ok(_) | Err(ServiceError::NotFound) => {
            return Ok(
                p.with_problems(vec![Invalid::new("line 0: file", "The upload has expired: choose the file again.")])
            );
        }
        Err(e) => return Err(e.into()),
    };
    let rows = match read_upload(held.content, Some(held.file_name)).await {
        Ok(rows) => rows,
        Err(problems) => return Ok(p.with_problems(problems)),
    };
    match state.services.import_values(&user.caller, &code, &rows, false).await {
        Ok(done) => {
            state.services.drop_upload(&user.caller, &user.session.id_hash, held.id).await?;
            let (new, changed, cleared, _) = done.totals();
            let to = format!(
                "/results/{code}/import?new={new}&changed={changed}&cleared={cleared}&reports={}",
                done.changed_reports()
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(ServiceError::Invalid(v)) => Ok(p.with_problems(v.0)),
        Err(e) => Err(e.into()),
    }
}

/// Routes; the upload alone may send a body up to [`UPLOAD_LIMIT`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/entry/template.xlsx", get(download))
        .route("/results/{code}/import", get(show).post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/results/{code}/import/{id}", post(confirm))
}
