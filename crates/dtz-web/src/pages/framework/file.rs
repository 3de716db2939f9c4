//! The framework as a file: download the programme file, or edit it in a text area and
//! save it through the path of `dtz programme load`. A file with problems changes
//! nothing; each problem is listed beside the text with its line.

use super::{editor, stale_notice};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::pages::{Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_services::ServiceError;
use serde::Deserialize;

/// One problem of the file, with its line (0: the whole file).
struct Problem {
    line: usize,
    field: String,
    message: String,
}

#[derive(Template)]
#[template(path = "results/framework_file.html")]
struct FilePage {
    page: Page,
    programme: String,
    version: i64,
    text: String,
    rows: usize,
    problems: Vec<Problem>,
    notice: Option<String>,
}

async fn file_page(
    state: &AppState,
    user: &PageUser,
    code: &str,
    typed: Option<(String, i64)>,
    problems: Vec<Problem>,
) -> Result<FilePage, AppError> {
    editor(user)?;
    let (row, p) = state.services.programme(code).await?;
    let page = Page::signed_in(state, user, "framework-file-title", "/results").await;
    let (text, version) = typed.unwrap_or_else(|| (dtz_formats::programme::write(&p), row.version));
    Ok(FilePage {
        page,
        programme: row.code,
        version,
        rows: text.lines().count().clamp(10, 40),
        text,
        problems,
        notice: None,
    })
}

async fn show(State(state): State<AppState>, user: PageUser, Path(code): Path<String>) -> Result<Response, AppError> {
    Ok(render(&file_page(&state, &user, &code, None, Vec::new()).await?))
}

#[derive(Deserialize)]
struct FileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    text: String,
}

/// `line 12: goals[0].title` → (12, `goals[0].title`).
fn split_line(field: &str) -> (usize, String) {
    field
        .strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, f)| Some((n.parse().ok()?, f.to_owned())))
        .unwrap_or((0, field.to_owned()))
}

async fn save(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<FileForm>,
) -> Result<Response, AppError> {
    editor(&user)?;
    user.check_csrf(&f.csrf)?;
    let text = f.text.replace("\r\n", "\n");
    match state.services.load_programme_file(&user.caller, &text, Some(&code), Some(f.version)).await {
        Ok(_) => Ok(Redirect::to(&format!("/results/{code}/framework?saved=1")).into_response()),
        Err(ServiceError::Invalid(v)) => {
            let problems =
                v.0.into_iter()
                    .map(|i| {
                        let (line, field) = split_line(&i.field);
                        Problem { line, field, message: i.message }
                    })
                    .collect();
            let p = file_page(&state, &user, &code, Some((text, f.version)), problems).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
        Err(ServiceError::Stale { changed, current, .. }) => {
            // The text is kept; saving it again knowingly replaces what changed meanwhile.
            let mut p = file_page(&state, &user, &code, Some((text, current)), Vec::new()).await?;
            p.notice = Some(format!("{} {}", stale_notice(&p.page, &changed), p.page.tr.t("framework-file-stale")));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The programme file, to keep or to edit elsewhere and load with `dtz programme load`.
async fn download(
    State(state): State<AppState>,
    _user: PageUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (row, p) = state.services.programme(&code).await?;
    let disposition = format!("attachment; filename=\"{}.toml\"", row.code.replace(['"', '\\'], ""));
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        dtz_formats::programme::write(&p),
    )
        .into_response())
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/framework/file", get(show).post(save))
        .route("/results/{code}/framework/file.toml", get(download))
}
