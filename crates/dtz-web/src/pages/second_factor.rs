//! The second step of signing in: the code from the app, or a recovery code. A session
//! that owes it reaches only this page and signing out.

use super::{Page, render};
use crate::auth::{AnySession, PageUser, local_path, session_cookie};
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dtz_services::auth::SecondFactor;
use dtz_services::totp::TotpError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "totp_code.html")]
struct CodePage {
    page: Page,
    next: String,
    message: Option<String>,
}

async fn page(state: &AppState, user: &PageUser, next: &str) -> CodePage {
    let mut page = Page::signed_in(state, user, "totp-signin-title", "/login/totp").await;
    page.nav.clear();
    CodePage { page, next: next.to_owned(), message: None }
}

/// Where to go once the session is complete: the page asked for, or enrolment first.
fn onward(user: &PageUser, next: &str) -> Option<Response> {
    match user.session.second_factor {
        SecondFactor::Pending => None,
        SecondFactor::EnrolRequired => Some(Redirect::to("/account/totp").into_response()),
        SecondFactor::NotNeeded | SecondFactor::Passed => Some(Redirect::to(next).into_response()),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The code form.
pub async fn show(State(state): State<AppState>, AnySession(user): AnySession, Query(q): Query<NextQuery>) -> Response {
    let next = q.next.as_deref().and_then(local_path).unwrap_or("/");
    if let Some(r) = onward(&user, next) {
        return r;
    }
    render(&page(&state, &user, next).await)
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
    #[serde(default)]
    next: String,
}

/// Check the code; on success the session gets a new id and goes on to `next`.
pub async fn create(
    State(state): State<AppState>,
    AnySession(user): AnySession,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let next = local_path(&f.next).unwrap_or("/");
    if let Some(r) = onward(&user, next) {
        return Ok(r);
    }
    match state.services.pass_second_factor(&user.session, &f.code).await {
        Ok(new) => {
            let mut r = Redirect::to(next).into_response();
            if let Ok(v) = session_cookie(&new.id, state.config.https).parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        Err(TotpError::Refused(r)) => {
            let mut p = page(&state, &user, next).await;
            let (code, message): (StatusCode, String) = super::totp::refusal(&p.page.tr, r);
            p.message = Some(message);
            Ok(super::totp::refused_page(code, render(&p)))
        }
        Err(TotpError::Service(e)) => Err(e.into()),
    }
}
