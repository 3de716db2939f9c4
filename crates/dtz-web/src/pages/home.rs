//! The start page: the person's tasks (open notifications) and roles.

use super::notifications::{TaskList, task_list};
use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    name: String,
    roles: Vec<String>,
    tasks: TaskList,
}

/// `?page=N` of the task list.
#[derive(Deserialize)]
pub struct HomeQuery {
    page: Option<i64>,
}

/// What waits for the signed-in person, and what they can do, by role.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<HomeQuery>,
) -> Result<Response, AppError> {
    let page = Page::signed_in(&state, &user, "nav-home", "/").await;
    let tasks = task_list(&state, &user, &page.tr, q.page.unwrap_or(1)).await?;
    let roles = user
        .session
        .actor
        .roles
        .iter()
        .map(|r| {
            let mut s = page.tr.t(&format!("role-{}", r.role.as_str()));
            if let Some(c) = r.country {
                s.push_str(&format!(" · {}", c.name()));
            }
            s
        })
        .collect();
    Ok(render(&HomePage { name: user.session.user.name.clone(), roles, tasks, page }))
}
