//! The results framework in the pages: goals → outcomes → outputs → indicators as a list
//! that reads well on a phone; forms to edit a node, add one, edit or add an indicator,
//! remove either (confirmed on a page of its own); and the whole framework as a file.
//! Everyone signed in reads it; the alliance M&E lead and system administrators change
//! it. Every form carries the programme version it was made on, and every save goes
//! through `Services::edit_framework` or `load_programme_file` — the path of `dtz
//! programme load` — so the pages and the file keep the same rules.

mod file;
mod indicator;
mod picker;
mod remove;

use super::{Errors, FieldError, Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::results::{FrameworkEdit, Level, Programme, ResultNode};
use dtz_services::{ServiceError, Services};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The caller changes frameworks, or gets a 403 (they may read it, not change it).
fn editor(user: &PageUser) -> Result<(), AppError> {
    if Services::may_edit_frameworks(&user.caller) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The form field a problem's path points at: its last step without an index
/// (`goals[0].outcomes[1].title` → `title`).
fn form_field(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last).to_owned()
}

/// The problems of a failed save as form errors; anything else passes through.
fn form_errors(e: ServiceError) -> Result<Errors, AppError> {
    match e {
        ServiceError::Invalid(v) => Ok(Errors(
            v.0.into_iter().map(|i| FieldError { field: form_field(&i.field), message: i.message }).collect(),
        )),
        other => Err(other.into()),
    }
}

/// The notice of a 409: what someone else changed meanwhile.
fn stale_notice(page: &Page, changed: &[String]) -> String {
    page.tr.t1("framework-stale", "fields", changed.join(", "))
}

/// One line of the framework list.
struct Item {
    depth: usize,
    code: String,
    title: String,
    kind: String,
    indicator: bool,
    /// The level a new child would have, for a goal or an outcome.
    child: Option<String>,
    recorded: bool,
}

fn items(page: &Page, nodes: &[ResultNode], depth: usize, recorded: &BTreeSet<String>, out: &mut Vec<Item>) {
    for n in nodes {
        let child = match n.level {
            Level::Goal => Some(page.tr.t("framework-add-outcome")),
            Level::Outcome => Some(page.tr.t("framework-add-output")),
            Level::Output => None,
        };
        out.push(Item {
            depth,
            code: n.code.clone(),
            title: n.title.clone(),
            kind: page.tr.t(&format!("level-{}", n.level.as_str())),
            indicator: false,
            child,
            recorded: false,
        });
        for i in &n.indicators {
            out.push(Item {
                depth: depth + 1,
                code: i.code.clone(),
                title: i.title.clone(),
                kind: page.tr.t(&format!("measure-{}", i.measure.as_str())),
                indicator: true,
                child: None,
                recorded: recorded.contains(&i.code),
            });
        }
        items(page, &n.children, depth + 1, recorded, out);
    }
}

#[derive(Template)]
#[template(path = "results/framework.html")]
struct FrameworkPage {
    page: Page,
    code: String,
    name: String,
    items: Vec<Item>,
    may_edit: bool,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let (row, p) = state.services.programme(&code).await?;
    let recorded = state.services.recorded_indicators(&code).await?;
    let page = Page::signed_in(&state, &user, "framework-title", "/results").await;
    let mut list = Vec::new();
    items(&page, &p.goals, 0, &recorded, &mut list);
    Ok(render(&FrameworkPage {
        notice: q.saved.map(|_| page.tr.t("framework-saved")),
        may_edit: Services::may_edit_frameworks(&user.caller),
        code: row.code,
        name: row.name,
        items: list,
        page,
    }))
}

fn find_node<'a>(nodes: &'a [ResultNode], code: &str) -> Option<&'a ResultNode> {
    nodes.iter().find_map(|n| if n.code == code { Some(n) } else { find_node(&n.children, code) })
}

/// A code not used yet, like `G1.O3` for the third outcome of `G1`.
fn suggest(p: &Programme, prefix: &str, from: usize) -> String {
    let used: BTreeSet<String> =
        p.nodes().iter().map(|n| n.code.clone()).chain(p.indicators().iter().map(|(_, i)| i.code.clone())).collect();
    (from..).map(|n| format!("{prefix}{n}")).find(|c| !used.contains(c)).unwrap_or_default()
}

/// The node form's fields, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
struct NodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

#[derive(Template)]
#[template(path = "results/framework_node.html")]
struct NodePage {
    page: Page,
    programme: String,
    /// Editing this node (none: adding one).
    editing: Option<String>,
    heading: String,
    form: NodeForm,
    errors: Errors,
    notice: Option<String>,
}

/// Edit a node (`Some(code)`) or add one under `parent`.
async fn node_page(
    state: &AppState,
    user: &PageUser,
    programme: &str,
    editing: Option<&str>,
    form: Option<NodeForm>,
    errors: Errors,
) -> Result<NodePage, AppError> {
    let (row, p) = state.services.programme(programme).await?;
    let page = Page::signed_in(state, user, "framework-title", "/results").await;
    let (heading, form) = match editing {
        Some(c) => {
            let n = find_node(&p.goals, c).ok_or(AppError::NotFound)?;
            let heading = format!(
                "{} {} — {}",
                page.tr.t(&format!("level-{}", n.level.as_str())),
                n.code,
                page.tr.t("framework-edit")
            );
            let fresh = NodeForm {
                version: row.version,
                code: n.code.clone(),
                title: n.title.clone(),
                description: n.description.clone(),
                ..NodeForm::default()
            };
            (heading, form.unwrap_or(fresh))
        }
        None => {
            let parent = form.as_ref().map_or("", |f| f.parent.as_str()).to_owned();
            let (key, prefix, count) = if parent.is_empty() {
                ("framework-new-goal", "G".to_owned(), p.goals.len())
            } else {
                let n = find_node(&p.goals, &parent).ok_or(AppError::NotFound)?;
                match n.level {
                    Level::Goal => ("framework-new-outcome", format!("{}.O", n.code), n.children.len()),
                    _ => ("framework-new-output", format!("{}.P", n.code), n.children.len()),
                }
            };
            let fresh =
                NodeForm { version: row.version, code: suggest(&p, &prefix, count + 1), parent, ..NodeForm::default() };
            let form = match form {
                Some(f) if !f.title.is_empty() || !errors.is_empty() => f,
                _ => fresh,
            };
            (page.tr.t(key), form)
        }
    };
    Ok(NodePage { page, programme: row.code, editing: editing.map(str::to_owned), heading, form, errors, notice: None })
}

#[derive(Deserialize, Default)]
struct NewNodeQuery {
    #[serde(default)]
    parent: String,
}

async fn new_node(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<NewNodeQuery>,
) -> Result<Response, AppError> {
    editor(&user)?;
    let form = NodeForm { parent: q.parent, ..NodeForm::default() };
    Ok(render(&node_page(&state, &user, &code, None, Some(form), Errors::default()).await?))
}

async fn edit_node(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, node)): Path<(String, String)>,
) -> Result<Response, AppError> {
    editor(&user)?;
    Ok(render(&node_page(&state, &user, &code, Some(&node), None, Errors::default()).await?))
}

/// Save a node form: an edit when `editing`, else a new node.
async fn save_node(
    state: &AppState,
    user: &PageUser,
    code: &str,
    editing: Option<&str>,
    f: NodeForm,
) -> Result<Response, AppError> {
    editor(user)?;
    user.check_csrf(&f.csrf)?;
    let (title, description) = (f.title.trim().to_owned(), f.description.trim().to_owned());
    let (edit, anchor) = match editing {
        Some(c) => (FrameworkEdit::Node { code: c.to_owned(), title, description }, c.to_owned()),
        None => {
            let parent = Some(f.parent.trim().to_owned()).filter(|p| !p.is_empty());
            let new = f.code.trim().to_owned();
            (FrameworkEdit::AddNode { parent, code: new.clone(), title, description }, new)
        }
    };
    match state.services.edit_framework(&user.caller, code, f.version, edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/results/{code}/framework?saved=1#{anchor}")).into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let mut p = node_page(state, user, code, editing, None, Errors::default()).await?;
            p.notice = Some(stale_notice(&p.page, &changed));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            let errors = form_errors(e)?;
            let p = node_page(state, user, code, editing, Some(f), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

async fn create_node(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<NodeForm>,
) -> Result<Response, AppError> {
    save_node(&state, &user, &code, None, f).await
}

async fn update_node(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, node)): Path<(String, String)>,
    Form(f): Form<NodeForm>,
) -> Result<Response, AppError> {
    save_node(&state, &user, &code, Some(&node), f).await
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/framework", get(show))
        .route("/results/{code}/framework/new-node", get(new_node).post(create_node))
        .route("/results/{code}/framework/nodes/{node}", get(edit_node).post(update_node))
        .merge(indicator::router())
        .merge(remove::router())
        .merge(file::router())
}
