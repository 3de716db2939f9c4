//! Signing in and out.

use super::{Page, render};
use crate::auth::{AnySession, ClientIp, clear_session_cookie, local_path, session_cookie};
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::i18n::{Tr, staff_languages};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dtz_services::auth::SecondFactor;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    next: String,
    email: String,
    failed: bool,
    message: String,
    languages: &'static [(&'static str, &'static str)],
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

fn tr_for(q_lang: Option<&str>, headers: &HeaderMap) -> Tr {
    match q_lang {
        Some(l) => Tr::new(l),
        None => Tr::negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())),
    }
}

fn page(state: &AppState, tr: Tr, next: &str, email: &str, message: Option<String>) -> LoginPage {
    LoginPage {
        page: Page::anonymous(state, tr, "login-title"),
        next: next.to_owned(),
        email: email.to_owned(),
        failed: message.is_some(),
        message: message.unwrap_or_default(),
        languages: staff_languages(),
    }
}

/// The sign-in form.
pub async fn show(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let tr = tr_for(q.lang.as_deref(), &headers);
    let next = q.next.as_deref().and_then(local_path).unwrap_or("/");
    render(&page(&state, tr, next, "", None))
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
    lang: Option<String>,
}

/// Check the credentials; on success a fresh session and a redirect to where the person
/// was going (local paths only).
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let tr = tr_for(f.lang.as_deref(), &headers);
    let next = local_path(&f.next).unwrap_or("/").to_owned();
    let source = state.source_keys.key_for(ip);
    if f.email.len() > 254 || f.password.len() > 256 {
        let msg = tr.t("login-failed");
        return with_status(StatusCode::UNAUTHORIZED, render(&page(&state, tr, &next, "", Some(msg))));
    }
    if !state.login_throttle.check(&f.email, source) {
        let msg = tr.t("login-throttled");
        return with_status(StatusCode::TOO_MANY_REQUESTS, render(&page(&state, tr, &next, &f.email, Some(msg))));
    }
    match state.services.login(&f.email, &f.password).await {
        Ok(s) => {
            let target = match s.second_factor {
                SecondFactor::Pending => format!("/login/totp?next={}", super::urlencode(&next)),
                SecondFactor::EnrolRequired => "/account/totp".to_owned(),
                SecondFactor::NotNeeded | SecondFactor::Passed => next,
            };
            let mut r = Redirect::to(&target).into_response();
            if let Ok(v) = session_cookie(&s.id, state.config.https).parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(dtz_services::ServiceError::Unauthenticated) => {
            let msg = tr.t("login-failed");
            with_status(StatusCode::UNAUTHORIZED, render(&page(&state, tr, &next, &f.email, Some(msg))))
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

fn with_status(code: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = code;
    r
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// Sign out: the session ends on the server, the cookie is cleared. Open to a session
/// that still owes its second factor, so no one is stuck.
pub async fn delete(
    State(state): State<AppState>,
    AnySession(user): AnySession,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    state.services.logout(&user.session).await?;
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = clear_session_cookie(state.config.https).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}
