//! Removing a node (with everything below it) or an indicator, confirmed on a page of
//! its own that says up front what holds it (values, baselines or targets).

use super::{editor, find_node, stale_notice};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::pages::{Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::results::{FrameworkEdit, Programme};
use dtz_services::ServiceError;
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Template)]
#[template(path = "results/framework_remove.html")]
struct RemovePage {
    page: Page,
    programme: String,
    question: String,
    action: String,
    version: i64,
    /// Why it cannot be removed (then there is no button).
    blocked: Vec<String>,
    notice: Option<String>,
}

/// What removing `what` (`nodes` or `indicators`) `item` would take with it that has data.
fn blocked_by(p: &Programme, what: &str, item: &str, recorded: &BTreeSet<String>) -> Option<Vec<String>> {
    let codes: Vec<String> = if what == "nodes" {
        find_node(&p.goals, item)?.walk().iter().flat_map(|n| n.indicators.iter().map(|i| i.code.clone())).collect()
    } else {
        p.indicators().iter().find(|(_, i)| i.code == item)?;
        vec![item.to_owned()]
    };
    Some(codes.into_iter().filter(|c| recorded.contains(c)).collect())
}

async fn remove_page(
    state: &AppState,
    user: &PageUser,
    code: &str,
    what: &str,
    item: &str,
    problems: Vec<String>,
) -> Result<RemovePage, AppError> {
    editor(user)?;
    let (row, p) = state.services.programme(code).await?;
    let recorded = state.services.recorded_indicators(code).await?;
    let held = blocked_by(&p, what, item, &recorded).ok_or(AppError::NotFound)?;
    let page = Page::signed_in(state, user, "framework-title", "/results").await;
    let mut blocked: Vec<String> = held.iter().map(|c| page.tr.t1("framework-remove-held", "code", c)).collect();
    blocked.extend(problems.iter().map(|m| page.tr.message(m)));
    let question =
        page.tr.t1(if what == "nodes" { "framework-remove-node" } else { "framework-remove-indicator" }, "code", item);
    Ok(RemovePage {
        page,
        programme: row.code.clone(),
        question,
        action: format!("/results/{}/framework/{what}/{item}/remove", row.code),
        version: row.version,
        blocked,
        notice: None,
    })
}

async fn confirm_node_removal(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, item)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(render(&remove_page(&state, &user, &code, "nodes", &item, Vec::new()).await?))
}

async fn confirm_indicator_removal(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, item)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(render(&remove_page(&state, &user, &code, "indicators", &item, Vec::new()).await?))
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
}

async fn remove(
    state: &AppState,
    user: &PageUser,
    code: &str,
    what: &str,
    item: &str,
    f: RemoveForm,
) -> Result<Response, AppError> {
    editor(user)?;
    user.check_csrf(&f.csrf)?;
    let edit = if what == "nodes" {
        FrameworkEdit::RemoveNode { code: item.to_owned() }
    } else {
        FrameworkEdit::RemoveIndicator { code: item.to_owned() }
    };
    match state.services.edit_framework(&user.caller, code, f.version, edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/results/{code}/framework?saved=1")).into_response()),
        Err(ServiceError::Invalid(v)) => {
            let messages = v.0.into_iter().map(|i| i.message).collect();
            let p = remove_page(state, user, code, what, item, messages).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
        Err(ServiceError::Stale { changed, .. }) => {
            let mut p = remove_page(state, user, code, what, item, Vec::new()).await?;
            p.notice = Some(stale_notice(&p.page, &changed));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_node(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, item)): Path<(String, String)>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    remove(&state, &user, &code, "nodes", &item, f).await
}

async fn remove_indicator(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, item)): Path<(String, String)>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    remove(&state, &user, &code, "indicators", &item, f).await
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/framework/nodes/{node}/remove", get(confirm_node_removal).post(remove_node))
        .route(
            "/results/{code}/framework/indicators/{indicator}/remove",
            get(confirm_indicator_removal).post(remove_indicator),
        )
}
