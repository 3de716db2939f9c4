//! Files of work records: download (whoever may see the record; audited) and removal
//! after a confirmation page of its own (whoever may change the record).

use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::{Page, render};
use crate::state::AppState;
use crate::upload::download;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_services::work::RecordKind;
use serde::Deserialize;
use uuid::Uuid;

fn back(kind: RecordKind, record: Uuid) -> String {
    match kind {
        RecordKind::Policy => format!("/policy/{record}#stages"),
        RecordKind::Prosecution => format!("/prosecutions/{record}"),
        RecordKind::Company => format!("/companies/{record}#code"),
    }
}

async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let (f, bytes) = state.services.work_file(&user.caller, id).await?;
    Ok(download(&f.name, &f.content_type, bytes))
}

#[derive(Template)]
#[template(path = "work/file_remove.html")]
struct RemovePage {
    page: Page,
    id: Uuid,
    name: String,
    back: String,
}

async fn confirm(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
) -> Result<Response, AppError> {
    let (f, kind, record) = state.services.work_file_item(&user.caller, id).await?;
    let page = Page::signed_in(&state, &user, "evidence-remove-title", "/policy").await;
    Ok(render(&RemovePage { page, id, name: f.name, back: back(kind, record) }))
}

/// The removal form.
#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
}

async fn delete(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let (kind, record) = state.services.remove_work_file(&user.caller, id).await?;
    Ok(Redirect::to(&back(kind, record)).into_response())
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/work/files/{id}", get(show)).route("/work/files/{id}/remove", get(confirm).post(delete))
}
