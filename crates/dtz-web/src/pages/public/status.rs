//! `/report/status`: a receipt shows the generic status and the messages staff wrote,
//! and lets the reporter add information. The receipt travels only in POST bodies.
//!
//! Three answers: a mistyped receipt (the check character, the length or a character
//! says so; nothing is looked up) gets the form back with what to check; a well-formed
//! receipt that matches no signal — unknown, erased, or with a wrong secret part — gets
//! one page, byte for byte the same, after the same Argon2id work; a matching receipt
//! gets the status page.

use super::report::service_problem;
use super::{PublicPage, language, with_status};
use crate::auth::ClientIp;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::i18n::Tr;
use crate::pages::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dtz_domain::receipt::ReceiptError;
use dtz_services::ServiceError;
use dtz_services::signals::{Intake, PublicView, ReceiptCheck};
use serde::Deserialize;

/// `?lang=` and `?country=` (for the emergency numbers).
#[derive(Deserialize)]
pub struct StatusQuery {
    lang: Option<String>,
    country: Option<String>,
}

struct MessageView {
    text: String,
    when: String,
}

#[derive(Template)]
#[template(path = "public/status.html")]
struct StatusPage {
    page: PublicPage,
    /// What was typed (kept on every answer but the status page).
    receipt: String,
    /// A problem with what was typed.
    error: Option<String>,
    /// "Nothing to show for this receipt".
    no_match: bool,
    /// The signal, when the receipt matched.
    found: Option<FoundView>,
    /// After adding information.
    notice: Option<String>,
    /// The text being added, kept when it was refused.
    message: String,
    message_error: String,
}

struct FoundView {
    status: String,
    messages: Vec<MessageView>,
}

async fn intake(state: &AppState, country: &str) -> Option<Intake> {
    if country.is_empty() {
        return None;
    }
    state.services.report_intake(country).await.ok().flatten()
}

fn here(country: &str) -> String {
    match country {
        "" => "/report/status".to_owned(),
        c => format!("/report/status?country={}", c.to_ascii_lowercase()),
    }
}

fn status_page(state: &AppState, tr: Tr, intake: Option<&Intake>, receipt: &str) -> StatusPage {
    let country = intake.map(|i| i.country.country.clone()).unwrap_or_default();
    StatusPage {
        page: PublicPage::new(state, tr, intake, &here(&country)),
        receipt: receipt.to_owned(),
        error: None,
        no_match: false,
        found: None,
        notice: None,
        message: String::new(),
        message_error: String::new(),
    }
}

/// The receipt form.
pub async fn show(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<StatusQuery>) -> Response {
    let tr = language(q.lang.as_deref(), &headers);
    let intake = intake(&state, q.country.as_deref().unwrap_or_default()).await;
    render(&status_page(&state, tr, intake.as_ref(), ""))
}

/// The receipt form as sent (and the form that adds information).
#[derive(Deserialize)]
pub struct ReceiptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    message: String,
}

fn typo_text(tr: &Tr, e: ReceiptError) -> String {
    match e {
        ReceiptError::Empty => tr.t("public-typo-empty"),
        ReceiptError::Length(n) => tr.t1("public-typo-length", "count", n),
        ReceiptError::Character(c) => tr.t1("public-typo-char", "char", c),
        ReceiptError::Check => tr.t("public-typo"),
    }
}

/// What else the status page says after adding information.
enum After {
    Nothing,
    Added,
    Refused(String),
}

/// Turn a receipt check into the page that answers it.
async fn answer(state: &AppState, tr: Tr, f: &ReceiptForm, check: ReceiptCheck, after: After) -> Response {
    match check {
        ReceiptCheck::Typo(e) => {
            let intake = intake(state, &f.country).await;
            let mut p = status_page(state, tr, intake.as_ref(), &f.receipt);
            p.error = Some(typo_text(&p.page.tr, e));
            with_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        ReceiptCheck::NoMatch => {
            let intake = intake(state, &f.country).await;
            let mut p = status_page(state, tr, intake.as_ref(), &f.receipt);
            p.no_match = true;
            render(&p)
        }
        ReceiptCheck::Found(view) => {
            let intake = intake(state, &view.country).await;
            let mut p = status_page(state, tr, intake.as_ref(), &f.receipt);
            p.found = Some(found(&p.page.tr, &view));
            match after {
                After::Nothing => render(&p),
                After::Added => {
                    p.notice = Some(p.page.tr.t("public-added"));
                    render(&p)
                }
                After::Refused(problem) => {
                    p.message = f.message.clone();
                    p.message_error = problem;
                    with_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
                }
            }
        }
    }
}

fn found(tr: &Tr, view: &PublicView) -> FoundView {
    FoundView {
        status: tr.t(&format!("public-status-{}", view.status.as_str())),
        messages: view
            .messages
            .iter()
            .map(|m| MessageView { text: tr.t(&format!("signal-reply-{}", m.template)), when: tr.date(m.at.date()) })
            .collect(),
    }
}

/// Refusals before any work: an unreadable form, an expired or forged token, too many
/// checks from this source.
async fn refused(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    form: Result<Form<ReceiptForm>, AppError>,
) -> Result<(Tr, ReceiptForm), Response> {
    let f = match form {
        Ok(Form(f)) => f,
        Err(e) => return Err(super::unreadable(state, headers, &e)),
    };
    let tr = language(Some(&f.lang), headers);
    let refuse = |code: StatusCode, key: &str, tr: Tr, intake: Option<Intake>| {
        let mut p = status_page(state, tr, intake.as_ref(), &f.receipt);
        p.error = Some(p.page.tr.t(key));
        p.message = f.message.clone();
        with_status(code, &p)
    };
    if !state.services.check_public_form_token(&f.csrf) {
        let i = intake(state, &f.country).await;
        return Err(refuse(StatusCode::FORBIDDEN, "public-expired", tr, i));
    }
    if !state.public_throttle.check(state.source_keys.key_for(ip)) {
        let i = intake(state, &f.country).await;
        return Err(refuse(StatusCode::TOO_MANY_REQUESTS, "public-limited", tr, i));
    }
    Ok((tr, f))
}

/// Check a receipt.
pub async fn check(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<ReceiptForm>, AppError>,
) -> Response {
    let (tr, f) = match refused(&state, ip, &headers, form).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    match state.services.check_receipt(&f.receipt).await {
        Ok(c) => answer(&state, tr, &f, c, After::Nothing).await,
        Err(e) => service_problem(&state, tr, None, e),
    }
}

/// Add information to the report of a receipt.
pub async fn add(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<ReceiptForm>, AppError>,
) -> Response {
    let (tr, f) = match refused(&state, ip, &headers, form).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    match state.services.add_to_report(&f.receipt, &f.message).await {
        Ok(c) => answer(&state, tr, &f, c, After::Added).await,
        // The text is checked before the receipt: show the status again with the problem.
        Err(ServiceError::Invalid(v)) => {
            let problem = v.0.first().map(|i| tr.message(&i.message)).unwrap_or_default();
            match state.services.check_receipt(&f.receipt).await {
                Ok(c) => answer(&state, tr, &f, c, After::Refused(problem)).await,
                Err(e) => service_problem(&state, tr, None, e),
            }
        }
        Err(e) => service_problem(&state, tr, None, e),
    }
}
