//! The signals inbox of the receiving organisation's case staff: a list filtered on
//! plaintext columns (status, urgency, country, mine), one signal opened (the read is
//! audited) with its triage, and replies to the reporter from templates. Staff enter
//! signals that come by phone, in person or from partners (`intake`); triage, taking a
//! signal on and closing it are in `triage`. Out of scope is a 404.

mod intake;
mod triage;

pub(crate) use triage::org_options;

use super::admin::SelectOption;
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
use dtz_domain::signal::triage::Urgency;
use dtz_domain::signal::{Channel, Direction, MessageBody, REPLY_TEMPLATES, SignalId, SignalStatus};
use dtz_services::Services;
use dtz_services::signals::{SignalDetail, SignalSummary};
use dtz_store::signals::triage::SignalFilter;
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
    urgency: String,
    urgent: bool,
    category: String,
}

#[derive(Template)]
#[template(path = "signals/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    statuses: Vec<SelectOption>,
    urgencies: Vec<SelectOption>,
    country: String,
    orgs: Vec<SelectOption>,
    mine: bool,
    query: String,
    may_enter: bool,
    newer: Option<i64>,
    older: Option<i64>,
}

fn country_name(code: &str) -> String {
    dtz_domain::org::CountryCode::parse("c", code).map(|c| c.name()).unwrap_or_default().to_owned()
}

fn row(tr: &Tr, s: &SignalSummary, categories: &[dtz_services::config::Term]) -> Row {
    Row {
        id: s.id,
        received: tr.datetime(s.created_at),
        country: country_name(&s.country),
        status: tr.t(&format!("signal-status-{}", s.status.as_str())),
        channel: tr.t(&format!("signal-channel-{}", s.channel.map_or("public_web", |c| c.as_str()))),
        urgency: s.urgency.map(|u| tr.t(&format!("signal-urgency-{u}"))).unwrap_or_default(),
        urgent: s.urgency == Some(Urgency::Urgent),
        category: s
            .category
            .as_deref()
            .map(|c| categories.iter().find(|t| t.row.code == c).map_or(c, |t| t.label(tr.code())).to_owned())
            .unwrap_or_default(),
    }
}

/// `?status=…&urgency=…&country=BO&org=…&mine=1&page=N`: the inbox of one country and
/// organisation, when the caller's roles span several.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    mine: String,
    page: Option<i64>,
}

fn options(tr: &Tr, prefix: &str, codes: &[&str], current: &str) -> Vec<SelectOption> {
    let mut v = vec![SelectOption::new("", tr.t("signals-filter-any"), current)];
    v.extend(codes.iter().map(|c| SelectOption::new(*c, tr.t(&format!("{prefix}{c}")), current)));
    v
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    inbox_only(&user)?;
    let page = Page::signed_in(&state, &user, "signals-title", "/signals").await;
    let n = q.page.unwrap_or(1).clamp(1, 10_000);
    let status = SignalStatus::ALL.iter().find(|s| s.as_str() == q.status).map(|s| s.as_str().to_owned());
    let urgency = Urgency::from_code(&q.urgency).map(|u| u.as_str().to_owned());
    let mine = q.mine == "1";
    let country = dtz_domain::org::CountryCode::parse("country", &q.country).ok().map(|c| c.as_str().to_owned());
    let org = q.org.parse::<uuid::Uuid>().ok();
    let f = SignalFilter {
        status: status.clone(),
        urgency: urgency.clone(),
        country: country.clone(),
        org,
        assignee: if mine { user.caller.user().map(|u| u.0) } else { None },
        ..Default::default()
    };
    let (found, total) = state.services.signals(&user.caller, &f, PER_PAGE, (n - 1) * PER_PAGE).await?;
    let categories = state.services.terms("signal_category").await?;
    let rows = found.iter().map(|s| row(&page.tr, s, &categories)).collect();
    let statuses: Vec<&str> = SignalStatus::ALL.iter().map(|s| s.as_str()).collect();
    let urgencies: Vec<&str> = Urgency::ALL.iter().map(|u| u.as_str()).collect();
    let query = format!(
        "status={}&urgency={}&country={}&org={}&mine={}",
        status.as_deref().unwrap_or(""),
        urgency.as_deref().unwrap_or(""),
        country.as_deref().unwrap_or(""),
        org.map(|o| o.to_string()).unwrap_or_default(),
        if mine { "1" } else { "" }
    );
    let intake_orgs = Services::intake_orgs(&user.caller);
    let orgs = if intake_orgs.len() > 1 {
        let mut v = vec![SelectOption::new("", page.tr.t("signals-filter-any"), &q.org)];
        v.extend(triage::org_options(&state, &intake_orgs, &q.org).await?);
        v
    } else {
        Vec::new()
    };
    Ok(render(&ListPage {
        statuses: options(&page.tr, "signal-status-", &statuses, status.as_deref().unwrap_or("")),
        urgencies: options(&page.tr, "signal-urgency-", &urgencies, urgency.as_deref().unwrap_or("")),
        page,
        rows,
        country: country.unwrap_or_default(),
        orgs,
        mine,
        query,
        may_enter: !intake_orgs.is_empty(),
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
    may_reply: bool,
    messages: Vec<MessageView>,
    templates: Vec<(&'static str, String)>,
    triage: triage::TriageView,
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
    let triage = triage::view(state, user, tr, &d.summary).await?;
    Ok(ShowPage {
        id: d.summary.id,
        row: row(tr, &d.summary, &triage.categories),
        fields: fields(tr, &d),
        erased: d.report.is_none(),
        has_link: d.has_link,
        may_reply: d.summary.channel == Some(Channel::PublicWeb) && d.summary.status != SignalStatus::Closed,
        messages,
        templates,
        triage,
        page,
        errors: Errors::default(),
        notice: None,
    })
}

/// `?sent=1` after a reply, `?done=…` after triage.
#[derive(Deserialize)]
pub struct ShowQuery {
    sent: Option<String>,
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<SignalId>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let mut p = show_page(&state, &user, id).await?;
    p.notice = q.sent.map(|_| p.page.tr.t("signal-reply-sent"));
    if q.done.is_some() {
        p.notice = Some(p.page.tr.t("signal-saved"));
    }
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
    let r = state.services.reply_to_reporter(&user.caller, id.0, &f.template).await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/signals/{}?sent=1", id.0)).into_response()),
        Err(e) => failed(&state, &user, id, e).await,
    }
}

/// A form of the signal page failed: the page again with what to fix (422), or with
/// what changed meanwhile (409).
async fn failed(
    state: &AppState,
    user: &PageUser,
    id: SignalId,
    e: dtz_services::ServiceError,
) -> Result<Response, AppError> {
    if let dtz_services::ServiceError::Stale { changed, .. } = e {
        let mut p = show_page(state, user, id).await?;
        p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
        return Ok((StatusCode::CONFLICT, render(&p)).into_response());
    }
    let errors = Errors::from_service(e)?;
    let mut p = show_page(state, user, id).await?;
    p.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
}

/// Routes of the inbox.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signals", get(list))
        .route("/signals/new", get(intake::show).post(intake::create))
        .route("/signals/{id}", get(show))
        .route("/signals/{id}/reply", post(reply))
        .route("/signals/{id}/triage", post(triage::save))
        .route("/signals/{id}/take", post(triage::take))
        .route("/signals/{id}/close", post(triage::close))
}
