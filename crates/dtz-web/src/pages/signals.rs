//! The signals inbox for staff of the receiving organisation until triage lands: a list
//! (date, country, status — nothing sealed), one signal opened (the read is audited),
//! and a reply to the reporter from templates. Out of scope is a 404.

use super::{Errors, Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath, Query};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::access::Area;
use dtz_domain::signal::{Direction, MessageBody, REPLY_TEMPLATES, SignalId};
use dtz_services::signals::{SignalDetail, SignalSummary};
use serde::Deserialize;

const PER_PAGE: i64 = 50;

/// The inbox is for people whose roles give them signals.
fn inbox_only(u: &PageUser) -> Result<(), AppError> {
    if u.caller.scope(Area::Signals).grants().is_empty() { Err(AppError::NotFound) } else { Ok(()) }
}

struct Row {
    id: uuid::Uuid,
    received: String,
    country: String,
    status: String,
    channel: String,
}

#[derive(Template)]
#[template(path = "signals/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    newer: Option<i64>,
    older: Option<i64>,
}

fn row(tr: &Tr, s: &SignalSummary) -> Row {
    Row {
        id: s.id,
        received: tr.datetime(s.created_at),
        country: dtz_domain::org::CountryCode::parse("c", &s.country).map(|c| c.name()).unwrap_or_default().to_owned(),
        status: tr.t(&format!("signal-status-{}", s.status.as_str())),
        channel: tr.t(&format!("signal-channel-{}", s.channel.map_or("public_web", |c| c.as_str()))),
    }
}

/// `?page=N`.
#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    inbox_only(&user)?;
    let page = Page::signed_in(&state, &user, "signals-title", "/signals").await;
    let n = q.page.unwrap_or(1).clamp(1, 10_000);
    let (found, total) = state.services.signals(&user.caller, PER_PAGE, (n - 1) * PER_PAGE).await?;
    let rows = found.iter().map(|s| row(&page.tr, s)).collect();
    Ok(render(&ListPage {
        page,
        rows,
        newer: (n > 1).then_some(n - 1),
        older: (n * PER_PAGE < total).then_some(n + 1),
    }))
}

struct Field {
    label: String,
    value: String,
}

struct MessageView {
    from_reporter: bool,
    text: String,
    when: String,
}

#[derive(Template)]
#[template(path = "signals/show.html")]
struct ShowPage {
    page: Page,
    id: uuid::Uuid,
    row: Row,
    fields: Vec<Field>,
    erased: bool,
    has_link: bool,
    messages: Vec<MessageView>,
    templates: Vec<(&'static str, String)>,
    errors: Errors,
    notice: Option<String>,
}

fn fields(tr: &Tr, d: &SignalDetail) -> Vec<Field> {
    let Some(r) = &d.report else { return Vec::new() };
    let mut out = vec![(tr.t("signal-what"), Some(r.what.clone()))];
    out.push((tr.t("signal-where"), r.place.clone()));
    out.push((tr.t("signal-when"), r.when.clone()));
    out.push((tr.t("signal-at-risk"), r.at_risk.clone()));
    if let Some(c) = &r.contact {
        out.push((tr.t("signal-contact"), Some(c.how.clone())));
        let safe = c.safe_to_call.map(|s| tr.t(&format!("public-safe-{}", s.as_str())));
        out.push((tr.t("signal-safe-to-call"), safe));
        out.push((tr.t("signal-contact-when"), c.when.clone()));
        out.push((tr.t("signal-contact-who"), c.who_answers.clone()));
    } else {
        out.push((tr.t("signal-contact"), Some(tr.t("signal-no-contact"))));
    }
    let lang =
        crate::i18n::PUBLIC_LANGUAGES.iter().find(|(c, _)| *c == r.language).map_or(r.language.as_str(), |(_, n)| n);
    out.push((tr.t("signal-language"), Some(lang.to_owned())));
    out.into_iter().filter_map(|(label, v)| v.map(|value| Field { label, value })).collect()
}

async fn show_page(state: &AppState, user: &PageUser, id: SignalId) -> Result<ShowPage, AppError> {
    inbox_only(user)?;
    let page = Page::signed_in(state, user, "signal-title", "/signals").await;
    let d = state.services.signal(&user.caller, id.0).await?;
    let tr = &page.tr;
    let messages = d
        .messages
        .iter()
        .map(|m| MessageView {
            from_reporter: m.direction == Direction::ToStaff,
            text: match &m.body {
                MessageBody::Text { text } => text.clone(),
                MessageBody::Template { code } => tr.t(&format!("signal-reply-{code}")),
            },
            when: tr.datetime(m.at),
        })
        .collect();
    let templates = REPLY_TEMPLATES.iter().map(|t| (*t, tr.t(&format!("signal-reply-{t}")))).collect();
    Ok(ShowPage {
        id: d.summary.id,
        row: row(tr, &d.summary),
        fields: fields(tr, &d),
        erased: d.report.is_none(),
        has_link: d.has_link,
        messages,
        templates,
        page,
        errors: Errors::default(),
        notice: None,
    })
}

/// `?sent=1` after a reply.
#[derive(Deserialize)]
pub struct ShowQuery {
    sent: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<SignalId>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let mut p = show_page(&state, &user, id).await?;
    p.notice = q.sent.map(|_| p.page.tr.t("signal-reply-sent"));
    Ok(render(&p))
}

/// The reply form.
#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    template: String,
}

async fn reply(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<SignalId>,
    Form(f): Form<ReplyForm>,
) -> Result<Response, AppError> {
    inbox_only(&user)?;
    user.check_csrf(&f.csrf)?;
    match state.services.reply_to_reporter(&user.caller, id.0, &f.template).await {
        Ok(()) => Ok(Redirect::to(&format!("/signals/{}?sent=1", id.0)).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let mut p = show_page(&state, &user, id).await?;
            p.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

/// Routes of the inbox.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signals", get(list))
        .route("/signals/{id}", get(show))
        .route("/signals/{id}/reply", post(reply))
}
