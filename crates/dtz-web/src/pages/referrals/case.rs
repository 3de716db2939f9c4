//! A case's referrals and follow-ups: the list, a directory search (service, area,
//! language) to choose the service to refer to, the referral form (urgency, emergency),
//! and the follow-ups with their forms. With `?onward=<referral>` the same search and
//! form refer the child onward from that referral (`POST /referrals/{id}/onward`).

use super::{Row, row};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath, Query};
use crate::pages::admin::SelectOption;
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::case::CaseId;
use dtz_domain::referral::{Action, FollowUpKind, Progress, Urgency};
use dtz_services::ServiceError;
use dtz_services::directory::ProviderQuery;
use dtz_services::referrals::{FollowUp, FollowUpInput, FollowUpRecord, ReferralInput, StepInput};
use std::collections::HashMap;
use uuid::Uuid;

type Fields = HashMap<String, String>;

struct Choice {
    service: Uuid,
    label: String,
}

/// The referral the child is referred onward from.
struct Onward {
    id: Uuid,
    version: i64,
    from: String,
}

#[derive(Template)]
#[template(path = "referrals/case.html")]
struct CasePage {
    page: Page,
    case: Uuid,
    number: String,
    rows: Vec<Row>,
    follow_ups: Vec<FollowUp>,
    choices: Vec<Choice>,
    searched: bool,
    q: HashMap<String, String>,
    urgencies: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    progress: Vec<SelectOption>,
    errors: Errors,
    kept: Fields,
    onward: Option<Onward>,
}

async fn case_page(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    q: HashMap<String, String>,
    errors: Errors,
    kept: Fields,
) -> Result<CasePage, AppError> {
    let summary = state.services.case_summary(&user.caller, id.0).await?;
    let list = state.services.case_referrals(&user.caller, id.0).await?;
    let follow_ups = state.services.follow_ups(&user.caller, id.0).await?;
    let page = Page::signed_in(state, user, "referrals-case-title", "/cases").await;
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    // Only a referral of this case that may be referred onward now; anything else is
    // ignored and the page sends an ordinary referral.
    let mut onward = None;
    if let Ok(rid) = get("onward").parse::<Uuid>() {
        let d = state.services.referral(&user.caller, rid).await?;
        if d.minimum.case_id == id.0 && d.actions.contains(&Action::ReferOnward) {
            let from = format!("{} — {}", d.minimum.provider_name, d.minimum.service_type);
            onward = Some(Onward { id: rid, version: d.minimum.version, from });
        }
    }
    let searched = !get("service_type").is_empty() || !get("area").is_empty() || !get("language").is_empty();
    let mut choices = Vec::new();
    if searched {
        let pq = ProviderQuery {
            country: summary.country.clone(),
            area: get("area"),
            service_type: get("service_type"),
            language: get("language"),
            takes_referrals: Some(true),
            free_places: false,
        };
        let (providers, _) = state.services.providers(&user.caller, &pq, 50, 0).await?;
        for p in providers {
            for s in
                p.services.iter().filter(|s| get("service_type").is_empty() || s.service_type == get("service_type"))
            {
                let free = s
                    .places_free
                    .map(|n| format!(" · {}", page.tr.t1("referral-places-free", "n", n)))
                    .unwrap_or_default();
                choices.push(Choice { service: s.id, label: format!("{} — {}{free}", p.row.name, s.service_type) });
            }
        }
    }
    let tr = &page.tr;
    let urgencies = Urgency::ALL
        .iter()
        .map(|u| SelectOption::new(u.as_str(), tr.t(&format!("signal-urgency-{u}")), "normal"))
        .collect();
    let kinds = FollowUpKind::ALL
        .iter()
        .map(|k| SelectOption::new(k.as_str(), tr.t(&format!("follow-up-kind-{k}")), ""))
        .collect();
    let mut progress = vec![SelectOption::new("", tr.t("follow-up-progress-none"), "")];
    progress.extend(
        Progress::ALL.iter().map(|p| SelectOption::new(p.as_str(), tr.t(&format!("follow-up-progress-{p}")), "")),
    );
    Ok(CasePage {
        case: id.0,
        number: summary.number,
        rows: list.iter().map(|m| row(tr, m)).collect(),
        follow_ups,
        choices,
        searched,
        q,
        urgencies,
        kinds,
        progress,
        errors,
        kept,
        onward,
        page,
    })
}

/// The case's referrals and follow-ups (`?service_type=&area=&language=` searches the directory).
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    Ok(render(&case_page(&state, &user, id, q, Errors::default(), Fields::new()).await?))
}

async fn answer(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    to: String,
    f: Fields,
    r: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&to).into_response()),
        Err(ServiceError::Stale { .. }) => {
            Ok(Redirect::to(&format!("/cases/{}/referrals?stale=1", id.0)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let p = case_page(state, user, id, HashMap::new(), errors, f).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

fn field(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

fn referral_input(f: &Fields) -> ReferralInput {
    ReferralInput {
        service: field(f, "service"),
        urgency: field(f, "urgency"),
        emergency: field(f, "emergency") == "on",
        reason: field(f, "reason"),
        security_risks: field(f, "security_risks"),
        notes: field(f, "notes"),
    }
}

/// Send a referral.
pub async fn send(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    user.check_csrf(&field(&f, "csrf"))?;
    match state.services.send_referral(&user.caller, id.0, &referral_input(&f)).await {
        Ok(rid) => Ok(Redirect::to(&format!("/referrals/{rid}?done=sent")).into_response()),
        Err(e) => answer(&state, &user, id, String::new(), f, Err(e)).await,
    }
}

/// Refer the child onward from a referral: the step `refer_onward` and the next
/// referral, in one transaction. A problem shows the form again with what was typed.
pub async fn onward(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(rid): IdPath<dtz_domain::referral::ReferralId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    user.check_csrf(&field(&f, "csrf"))?;
    let input = StepInput {
        version: field(&f, "version").parse().unwrap_or(0),
        action: Action::ReferOnward.as_str().to_owned(),
        reason: field(&f, "step_reason"),
        onward: Some(referral_input(&f)),
    };
    let case = CaseId(state.services.referral(&user.caller, rid.0).await?.minimum.case_id);
    match state.services.referral_step(&user.caller, rid.0, &input).await {
        Ok(Some(next)) => Ok(Redirect::to(&format!("/referrals/{next}?done=sent")).into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/referrals/{}", rid.0)).into_response()),
        Err(ServiceError::Stale { .. }) => Ok(Redirect::to(&format!("/referrals/{}?stale=1", rid.0)).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let q = HashMap::from([("onward".to_owned(), rid.0.to_string())]);
            let p = case_page(&state, &user, case, q, errors, f).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

/// Plan a follow-up.
pub async fn plan(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseId>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    user.check_csrf(&field(&f, "csrf"))?;
    let input = FollowUpInput {
        kind: field(&f, "kind"),
        planned_date: field(&f, "planned_date"),
        referral: field(&f, "referral"),
    };
    let r = state.services.plan_follow_up(&user.caller, id.0, &input).await.map(|_| ());
    answer(&state, &user, id, format!("/cases/{}/referrals#follow-ups", id.0), f, r).await
}

/// Record a follow-up and append a note.
pub async fn record(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, fu)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let (Ok(id), Ok(fu)) = (id.parse::<Uuid>(), fu.parse::<Uuid>()) else { return Err(AppError::NotFound) };
    user.check_csrf(&field(&f, "csrf"))?;
    let input = FollowUpRecord {
        status: field(&f, "status"),
        planned_date: String::new(),
        done_date: field(&f, "done_date"),
        progress: field(&f, "progress"),
    };
    let version = field(&f, "version").parse().unwrap_or(0);
    let mut r = state.services.record_follow_up(&user.caller, id, fu, version, &input).await;
    let note = field(&f, "note");
    if r.is_ok() && !note.trim().is_empty() {
        let amends = field(&f, "amends").parse::<Uuid>().ok();
        r = state.services.add_follow_up_note(&user.caller, id, fu, &note, amends).await.map(|_| ());
    }
    answer(&state, &user, CaseId(id), format!("/cases/{id}/referrals#follow-ups"), f, r).await
}
