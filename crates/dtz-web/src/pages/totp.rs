//! The person's own second factor: enrolment (secret as text and QR code, confirmed by
//! a code), recovery codes shown once, turning it off with a current code.

use super::{Page, render};
use crate::auth::{EnrollingUser, PageUser, session_cookie};
use crate::error::AppError;
use crate::extract::Form;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dtz_domain::ids::UserId;
use dtz_services::auth::{NewSession, SecondFactor};
use dtz_services::totp::{Refusal, TotpError};
use serde::Deserialize;

/// The secret being enrolled, as the page shows it.
struct EnrolView {
    /// Base32 in groups of four.
    secret: String,
    /// Inline SVG of the `otpauth://` URI.
    qr: String,
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    page: Page,
    error: Option<(&'static str, String)>,
    must_enrol: bool,
    required: bool,
    enabled: bool,
    codes_left: String,
    enrol: Option<EnrolView>,
    codes: Vec<String>,
}

/// Base32 in groups of four, easier to read out and type.
fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// A QR code of `data` as an inline `<svg>` element with an accessible name.
pub fn qr_svg(data: &str, label: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    let start = svg.find("<svg")?;
    let label: String = label.chars().filter(|c| !matches!(c, '"' | '<' | '>' | '&')).collect();
    Some(svg[start..].replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" "), 1))
}

/// The status code and translated message for a refused code.
pub fn refusal(tr: &Tr, r: Refusal) -> (StatusCode, String) {
    match r {
        Refusal::Wrong => (StatusCode::UNPROCESSABLE_ENTITY, tr.t("totp-code-wrong")),
        Refusal::Replayed => (StatusCode::UNPROCESSABLE_ENTITY, tr.t("totp-code-used")),
        Refusal::Locked => (StatusCode::TOO_MANY_REQUESTS, tr.t("totp-locked")),
        Refusal::Required => (StatusCode::UNPROCESSABLE_ENTITY, tr.t("totp-required-no-off")),
    }
}

/// A page answering a refused code, with `Retry-After` when the person must wait.
pub fn refused_page(code: StatusCode, html: Response) -> Response {
    let mut r = (code, html).into_response();
    if code == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("900"));
    }
    r
}

/// The layout for this page; a session that must enrol first gets no navigation.
async fn layout(state: &AppState, user: &PageUser) -> Page {
    let mut page = Page::signed_in(state, user, "totp-title", "/account/totp").await;
    if !user.session.second_factor.is_complete() {
        page.nav.clear();
    }
    page
}

async fn page(state: &AppState, user: &PageUser) -> Result<TotpPage, AppError> {
    let status = state.services.totp_status(UserId(user.session.user.id)).await?;
    let page = layout(state, user).await;
    let enrol = if status.enabled {
        None
    } else {
        let e = state.services.start_totp(&user.session).await?;
        let qr = qr_svg(&e.uri, &page.tr.t("totp-qr-label")).unwrap_or_default();
        Some(EnrolView { secret: grouped(&e.secret), qr })
    };
    Ok(TotpPage {
        error: None,
        must_enrol: user.session.second_factor == SecondFactor::EnrolRequired,
        required: state.services.totp_required(&user.session.actor).await?,
        enabled: status.enabled,
        codes_left: page.tr.t1("totp-codes-left", "count", status.codes_left),
        enrol,
        codes: Vec::new(),
        page,
    })
}

/// Render the page again with a refused code or another error.
async fn refused(state: &AppState, user: &PageUser, field: &'static str, e: TotpError) -> Result<Response, AppError> {
    let r = match e {
        TotpError::Refused(r) => r,
        TotpError::Service(s) => return Err(s.into()),
    };
    let mut p = page(state, user).await?;
    let (code, message) = refusal(&p.page.tr, r);
    p.error = Some((field, message));
    Ok(refused_page(code, render(&p)))
}

/// The page under a new session (after the second factor): its cookie and CSRF token.
fn with_new_session(state: &AppState, mut p: TotpPage, new: &NewSession) -> Response {
    p.page.csrf = new.csrf.clone();
    let mut r = render(&p);
    if let Ok(v) = session_cookie(&new.id, state.config.https).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The second factor: its state, or enrolment (a pending secret is made on first view).
pub async fn show(State(state): State<AppState>, EnrollingUser(user): EnrollingUser) -> Result<Response, AppError> {
    Ok(render(&page(&state, &user).await?))
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

/// Confirm enrolment with a code; shows the recovery codes once.
pub async fn create(
    State(state): State<AppState>,
    EnrollingUser(user): EnrollingUser,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    match state.services.enable_totp(&user.session, &f.code).await {
        Ok((codes, new)) => {
            let mut done = user.clone();
            done.session.second_factor = SecondFactor::Passed;
            let mut p = page(&state, &done).await?;
            p.codes = codes;
            Ok(with_new_session(&state, p, &new))
        }
        Err(e) => refused(&state, &user, "code", e).await,
    }
}

/// Turn the second factor off with a current code.
pub async fn delete(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    match state.services.disable_totp(&user.session, &f.code).await {
        Ok(()) => Ok(axum::response::Redirect::to("/account").into_response()),
        Err(e) => refused(&state, &user, "disable_code", e).await,
    }
}

/// New recovery codes with a current code; the old ones stop working.
pub async fn recovery(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    match state.services.renew_recovery_codes(&user.session, &f.code).await {
        Ok(codes) => {
            let mut p = page(&state, &user).await?;
            p.codes = codes;
            Ok(render(&p))
        }
        Err(e) => refused(&state, &user, "renew_code", e).await,
    }
}
