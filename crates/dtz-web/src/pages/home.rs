//! The start page.

use super::{Page, render};
use crate::auth::PageUser;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    name: String,
    roles: Vec<String>,
}

/// What the signed-in person can do, by role.
pub async fn show(State(state): State<AppState>, user: PageUser) -> Response {
    let page = Page::signed_in(&state, &user, "nav-home", "/").await;
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
    render(&HomePage { name: user.session.user.name.clone(), roles, page })
}
