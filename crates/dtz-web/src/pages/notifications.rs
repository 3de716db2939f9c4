//! The task list (a person's open notifications, on the start page), marking one done,
//! and the e-mail choices at `/account/notifications`.

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath, Query};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::notify::{NotificationId, NotificationKind};
use serde::Deserialize;
use std::collections::HashMap;

/// Tasks shown per page of the start page.
pub const TASKS_PER_PAGE: i64 = 20;

/// One open notification as the task list shows it.
pub struct TaskView {
    /// Id (for the "done" form).
    pub id: uuid::Uuid,
    /// What kind of thing, translated.
    pub title: String,
    /// A generic sentence about it, translated.
    pub text: String,
    /// When it arrived.
    pub when: String,
    /// Where to act on it.
    pub link: String,
}

/// One page of the task list.
pub struct TaskList {
    /// The tasks, newest first.
    pub items: Vec<TaskView>,
    /// Open tasks in all.
    pub total: i64,
    /// This page (from 1).
    pub page: i64,
    /// The page of newer tasks, if any.
    pub newer: Option<i64>,
    /// The page of older tasks, if any.
    pub older: Option<i64>,
}

fn kind_key(kind: Option<NotificationKind>) -> &'static str {
    kind.map_or("unknown", NotificationKind::as_str)
}

/// Page `page` (from 1) of the person's open notifications.
pub async fn task_list(state: &AppState, user: &PageUser, tr: &Tr, page: i64) -> Result<TaskList, AppError> {
    let page = page.clamp(1, 10_000);
    let offset = (page - 1) * TASKS_PER_PAGE;
    let found = state.services.notifications(&user.caller, false, TASKS_PER_PAGE, offset).await?;
    let items = found
        .items
        .into_iter()
        .map(|n| TaskView {
            id: n.id.0,
            title: tr.t(&format!("notify-kind-{}", kind_key(n.kind))),
            text: tr.t(&format!("notify-text-{}", kind_key(n.kind))),
            when: tr.datetime(n.created_at),
            link: n.link,
        })
        .collect();
    Ok(TaskList {
        items,
        total: found.total,
        newer: (page > 1).then_some(page - 1),
        older: (offset + TASKS_PER_PAGE < found.total).then_some(page + 1),
        page,
    })
}

/// The "done" button: the session's CSRF token and the task-list page to go back to.
#[derive(Deserialize)]
pub struct DoneForm {
    csrf: String,
    page: Option<i64>,
}

/// Mark a task done and go back to the task list.
pub async fn done(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<NotificationId>,
    Form(f): Form<DoneForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    state.services.notification_done(&user.caller, id).await?;
    let back = match f.page.filter(|p| *p > 1 && *p <= 10_000) {
        Some(p) => format!("/?page={p}"),
        None => "/".to_owned(),
    };
    Ok(Redirect::to(&back).into_response())
}

struct KindChoice {
    name: &'static str,
    label: String,
    hint: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct PreferencesPage {
    page: Page,
    notice: Option<String>,
    mail: bool,
    kinds: Vec<KindChoice>,
}

/// `?saved=1` after the choices were saved.
#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The person's e-mail choices, one checkbox per kind.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let page = Page::signed_in(&state, &user, "notify-prefs-title", "/account/notifications").await;
    let kinds = state
        .services
        .notification_preferences(&user.caller)
        .await?
        .into_iter()
        .map(|p| KindChoice {
            name: p.kind.as_str(),
            label: page.tr.t(&format!("notify-kind-{}", p.kind)),
            hint: page.tr.t(&format!("notify-text-{}", p.kind)),
            checked: p.email,
        })
        .collect();
    let notice = q.saved.map(|_| page.tr.t("notify-prefs-saved"));
    Ok(render(&PreferencesPage { page, notice, mail: state.config.mail, kinds }))
}

/// Save the choices: a kind whose box is ticked gets e-mail, the others do not.
pub async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    user.check_csrf(f.get("csrf").map(String::as_str).unwrap_or_default())?;
    let wanted: Vec<_> = NotificationKind::ALL.into_iter().map(|k| (k, f.contains_key(k.as_str()))).collect();
    state.services.set_notification_preferences(&user.caller, &wanted).await?;
    Ok(Redirect::to("/account/notifications?saved=1").into_response())
}
