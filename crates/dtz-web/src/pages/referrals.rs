//! Referral pages: a provider's inbox (`/referrals`), a referral with its history and
//! the steps the reader may take, the printable letter for a provider without accounts,
//! and a case's referrals and follow-ups (send a referral after searching the directory,
//! plan and record follow-ups). Every form works without JavaScript; out of scope is a
//! 404 everywhere (the services decide).

mod case;

use super::admin::SelectOption;
use super::{Errors, Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::referral::ReferralId;
use dtz_services::referrals::{ReferralDetail, ReferralMinimum, StepInput};
use std::collections::HashMap;

/// A referral's minimum as a page shows it.
pub(crate) struct Row {
    id: uuid::Uuid,
    case_number: String,
    child: String,
    languages: String,
    service: String,
    provider: String,
    urgency: String,
    emergency: bool,
    security_risks: String,
    status: String,
    respond_by: String,
    sent: String,
}

pub(crate) fn row(tr: &Tr, m: &ReferralMinimum) -> Row {
    let sex = m.sex.map(|s| tr.t(&format!("case-sex-{s}"))).unwrap_or_default();
    Row {
        id: m.id,
        case_number: m.case_number.clone(),
        child: format!("{sex} · {}", tr.t1("referral-age-band", "band", m.age_band.as_str())),
        languages: m.languages.join(", "),
        service: m.service_type.clone(),
        provider: m.provider_name.clone(),
        urgency: tr.t(&format!("signal-urgency-{}", m.urgency)),
        emergency: m.emergency,
        security_risks: m.security_risks.clone().unwrap_or_default(),
        status: tr.t(&format!("referral-status-{}", m.status)),
        respond_by: tr.datetime(m.respond_by),
        sent: tr.datetime(m.sent_at),
    }
}

#[derive(Template)]
#[template(path = "referrals/inbox.html")]
struct InboxPage {
    page: Page,
    rows: Vec<Row>,
}

/// The provider's inbox.
pub async fn inbox(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let list = state.services.referral_inbox(&user.caller).await?;
    let page = Page::signed_in(&state, &user, "referrals-inbox-title", "/referrals").await;
    let rows = list.iter().map(|m| row(&page.tr, m)).collect();
    Ok(render(&InboxPage { page, rows }))
}

struct StepView {
    action: String,
    status: String,
    on_behalf: bool,
    reason: String,
    at: String,
}

#[derive(Template)]
#[template(path = "referrals/show.html")]
struct ShowPage {
    page: Page,
    r: Row,
    version: i64,
    case_id: Option<uuid::Uuid>,
    reason: Option<String>,
    notes: String,
    care: Option<dtz_services::referrals::CareSummary>,
    care_risk: String,
    steps: Vec<StepView>,
    actions: Vec<SelectOption>,
    onward: bool,
    on_behalf: bool,
    errors: Errors,
    reason_typed: String,
    /// Steps from field laptops the hub refused (sync, issue 9), for case staff.
    refused: Vec<String>,
}

fn show_page(page: Page, d: ReferralDetail, errors: Errors, reason_typed: String) -> ShowPage {
    let tr = &page.tr;
    let staff = d.details.is_some();
    let steps = d
        .steps
        .iter()
        .map(|s| StepView {
            action: tr.t(&format!("referral-action-{}", s.action)),
            status: tr.t(&format!("referral-status-{}", s.status)),
            on_behalf: s.on_behalf,
            reason: s.reason.clone().unwrap_or_default(),
            at: tr.datetime(s.at),
        })
        .collect();
    // Referring onward needs the next service: its own form, on the case's page.
    let onward = staff && d.actions.contains(&dtz_domain::referral::Action::ReferOnward);
    let actions = d
        .actions
        .iter()
        .filter(|a| **a != dtz_domain::referral::Action::ReferOnward)
        .map(|a| SelectOption::new(a.as_str(), tr.t(&format!("referral-action-{a}")), ""))
        .collect();
    ShowPage {
        r: row(tr, &d.minimum),
        version: d.minimum.version,
        case_id: staff.then_some(d.minimum.case_id),
        reason: d.details.as_ref().map(|x| x.reason.clone()),
        notes: d.details.as_ref().and_then(|x| x.notes.clone()).unwrap_or_default(),
        care_risk: d
            .care
            .as_ref()
            .and_then(|c| c.risk)
            .map(|r| tr.t(&format!("case-risk-{r}")))
            .unwrap_or_else(|| tr.t("case-risk-none")),
        care: d.care,
        steps,
        actions,
        onward,
        on_behalf: d.on_behalf,
        errors,
        reason_typed,
        refused: Vec::new(),
        page,
    }
}

/// One referral.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ReferralId>,
) -> Result<Response, AppError> {
    let d = state.services.referral(&user.caller, id.0).await?;
    let staff = d.details.is_some();
    let page = Page::signed_in(&state, &user, "referral-title", "/referrals").await;
    let mut shown = show_page(page, d, Errors::default(), String::new());
    if staff {
        let refused = state.services.referral_refusals(&user.caller, id.0).await?;
        shown.refused = refused.into_iter().map(|r| r.detail).collect();
    }
    Ok(render(&shown))
}

/// A step posted from the referral page.
pub async fn step(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ReferralId>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    user.check_csrf(&field("csrf"))?;
    let input = StepInput {
        version: field("version").parse().unwrap_or(0),
        action: field("action"),
        reason: field("reason"),
        onward: None,
    };
    match state.services.referral_step(&user.caller, id.0, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{}?done=step", id.0)).into_response()),
        Err(dtz_services::ServiceError::Stale { .. }) => {
            let d = state.services.referral(&user.caller, id.0).await?;
            let mut page = Page::signed_in(&state, &user, "referral-title", "/referrals").await;
            page.title = page.tr.t("referral-stale");
            let errors =
                Errors(vec![super::FieldError { field: "action".into(), message: page.tr.t("referral-stale") }]);
            Ok((StatusCode::CONFLICT, render(&show_page(page, d, errors, field("reason")))).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let d = state.services.referral(&user.caller, id.0).await?;
            let page = Page::signed_in(&state, &user, "referral-title", "/referrals").await;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&show_page(page, d, errors, field("reason")))).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "referrals/letter.html")]
struct LetterPage {
    page: Page,
    r: Row,
    reason: String,
    notes: String,
    phone: String,
    org: String,
}

/// The printable letter for a provider (case staff only; no JavaScript, print styles).
pub async fn letter(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ReferralId>,
) -> Result<Response, AppError> {
    let d = state.services.referral(&user.caller, id.0).await?;
    let Some(details) = d.details else { return Err(AppError::NotFound) };
    let provider =
        state.services.provider(&user.caller, dtz_domain::directory::ProviderId(d.minimum.provider_id)).await?;
    let page = Page::signed_in(&state, &user, "referral-letter-title", "/referrals").await;
    let org = page.user.as_ref().map(|u| u.org.clone()).unwrap_or_default();
    Ok(render(&LetterPage {
        r: row(&page.tr, &d.minimum),
        reason: details.reason,
        notes: details.notes.unwrap_or_default(),
        phone: provider.row.phone.unwrap_or_default(),
        org,
        page,
    }))
}

/// The referral routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/referrals", get(inbox))
        .route("/referrals/{id}", get(show))
        .route("/referrals/{id}/steps", post(step))
        .route("/referrals/{id}/letter", get(letter))
        .route("/referrals/{id}/onward", post(case::onward))
        .route("/cases/{id}/referrals", get(case::show).post(case::send))
        .route("/cases/{id}/follow-ups", post(case::plan))
        .route("/cases/{id}/follow-ups/{follow_up}", post(case::record))
}
