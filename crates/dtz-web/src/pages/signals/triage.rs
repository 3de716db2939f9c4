//! The triage part of a signal's page: category, urgency, team and person; taking it
//! on; closing it with a reason (or as a duplicate); opening a case from it.

use super::{SelectOption, failed, inbox_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::i18n::Tr;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::ids::OrgId;
use dtz_domain::signal::SignalId;
use dtz_domain::signal::SignalStatus;
use dtz_domain::signal::triage::{CloseReason, ReporterType, TriageInput, Urgency};
use dtz_services::config::Term;
use dtz_services::signals::SignalSummary;
use serde::Deserialize;

/// What the page shows and offers about triage.
pub struct TriageView {
    /// The signal can still change.
    pub open: bool,
    /// The caller is case staff of the receiving organisation.
    pub may_triage: bool,
    /// Row version for the forms.
    pub version: i64,
    /// Categories of the country (also to name the category).
    pub categories: Vec<Term>,
    /// Facts: label, value.
    pub facts: Vec<(String, String)>,
    /// The category select.
    pub category: Vec<SelectOption>,
    /// The urgency select.
    pub urgency: Vec<SelectOption>,
    /// The team select.
    pub team: Vec<SelectOption>,
    /// The person select.
    pub assignee: Vec<SelectOption>,
    /// Close reasons.
    pub reasons: Vec<SelectOption>,
    /// Other open signals, for "duplicate of".
    pub others: Vec<SelectOption>,
    /// Cases opened from the signal: (id, number).
    pub cases: Vec<(uuid::Uuid, String)>,
    /// Urgent and escalated to the supervisors.
    pub escalated: bool,
}

fn select(
    tr: &Tr,
    none_key: &str,
    items: impl IntoIterator<Item = (String, String)>,
    current: &str,
) -> Vec<SelectOption> {
    let mut v = vec![SelectOption::new("", tr.t(none_key), current)];
    v.extend(items.into_iter().map(|(value, label)| SelectOption::new(value, label, current)));
    v
}

/// The triage part of the page for signal `s`.
pub async fn view(state: &AppState, user: &PageUser, tr: &Tr, s: &SignalSummary) -> Result<TriageView, AppError> {
    let services = &state.services;
    let opts = services.triage_options(&user.caller, s.id).await?;
    let may_triage = dtz_services::Services::intake_orgs(&user.caller).contains(&s.org);
    let lang = tr.code();
    let id_str = |u: Option<uuid::Uuid>| u.map(|x| x.to_string()).unwrap_or_default();
    let staff_name =
        |u: uuid::Uuid| opts.staff.iter().find(|x| x.user_id == u).map(|x| x.name.clone()).unwrap_or_default();
    let team_name = |t: uuid::Uuid| opts.teams.iter().find(|x| x.id == t).map(|x| x.name.clone()).unwrap_or_default();
    let mut facts = Vec::new();
    if let Some(r) = s.reporter_type {
        facts.push((tr.t("signal-reporter-type"), tr.t(&format!("signal-reporter-{}", r.as_str()))));
    }
    if let Some(u) = s.urgency {
        facts.push((tr.t("signal-urgency"), tr.t(&format!("signal-urgency-{u}"))));
    }
    if let Some(c) = &s.category {
        let label = opts.categories.iter().find(|t| &t.row.code == c).map_or(c.as_str(), |t| t.label(lang));
        facts.push((tr.t("signal-category"), label.to_owned()));
    }
    if let Some(t) = s.team {
        facts.push((tr.t("signal-team"), team_name(t)));
    }
    if let Some(a) = s.assignee {
        facts.push((tr.t("signal-assignee"), staff_name(a)));
    }
    if let Some(r) = s.close_reason {
        facts.push((tr.t("signal-close-reason"), tr.t(&format!("signal-close-{}", r.as_str()))));
    }
    let mut people: Vec<(String, String)> =
        opts.staff.iter().map(|x| (x.user_id.to_string(), x.name.clone())).collect();
    people.dedup();
    let cases = services.cases_of_signal(&user.caller, s.id).await?.into_iter().map(|c| (c.id, c.number)).collect();
    Ok(TriageView {
        open: s.status != SignalStatus::Closed,
        may_triage,
        version: s.version,
        facts,
        category: select(
            tr,
            "signal-none-chosen",
            opts.categories.iter().map(|t| (t.row.code.clone(), t.label(lang).to_owned())),
            s.category.as_deref().unwrap_or(""),
        ),
        urgency: select(
            tr,
            "signal-none-chosen",
            Urgency::ALL.iter().map(|u| (u.as_str().to_owned(), tr.t(&format!("signal-urgency-{u}")))),
            s.urgency.map_or("", |u| u.as_str()),
        ),
        team: select(
            tr,
            "signal-none-chosen",
            opts.teams.iter().map(|t| (t.id.to_string(), t.name.clone())),
            &id_str(s.team),
        ),
        assignee: select(tr, "signal-none-chosen", people, &id_str(s.assignee)),
        reasons: CloseReason::ALL
            .iter()
            .map(|r| SelectOption::new(r.as_str(), tr.t(&format!("signal-close-{}", r.as_str())), ""))
            .collect(),
        others: select(
            tr,
            "signal-none-chosen",
            opts.others.iter().map(|(id, at)| (id.to_string(), tr.datetime(*at))),
            &id_str(s.duplicate_of),
        ),
        categories: opts.categories,
        cases,
        escalated: s.escalated_at.is_some() && s.picked_up_at.is_none(),
    })
}

/// The triage form.
#[derive(Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    triage: TriageInput,
}

/// Save triage.
pub async fn save(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<SignalId>,
    Form(f): Form<TriageForm>,
) -> Result<Response, AppError> {
    inbox_only(&user)?;
    user.check_csrf(&f.csrf)?;
    match state.services.triage_signal(&user.caller, id.0, f.version, &f.triage).await {
        Ok(()) => Ok(Redirect::to(&format!("/signals/{}?done=triage", id.0)).into_response()),
        Err(e) => failed(&state, &user, id, e).await,
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Take the signal on.
pub async fn take(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<SignalId>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    inbox_only(&user)?;
    user.check_csrf(&f.csrf)?;
    match state.services.take_signal(&user.caller, id.0).await {
        Ok(()) => Ok(Redirect::to(&format!("/signals/{}?done=take", id.0)).into_response()),
        Err(e) => failed(&state, &user, id, e).await,
    }
}

/// The close form.
#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    duplicate_of: String,
}

/// Close the signal.
pub async fn close(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<SignalId>,
    Form(f): Form<CloseForm>,
) -> Result<Response, AppError> {
    inbox_only(&user)?;
    user.check_csrf(&f.csrf)?;
    match state.services.close_signal(&user.caller, id.0, f.version, &f.reason, &f.duplicate_of).await {
        Ok(()) => Ok(Redirect::to(&format!("/signals/{}?done=close", id.0)).into_response()),
        Err(e) => failed(&state, &user, id, e).await,
    }
}

/// Every reporter type, for the intake form.
pub fn reporter_types(tr: &Tr, current: &str) -> Vec<SelectOption> {
    select(
        tr,
        "signal-none-chosen",
        ReporterType::ALL.iter().map(|r| (r.as_str().to_owned(), tr.t(&format!("signal-reporter-{}", r.as_str())))),
        current,
    )
}

/// Organisations to choose from in the intake form, when the caller has several.
pub async fn org_options(state: &AppState, orgs: &[OrgId], current: &str) -> Result<Vec<SelectOption>, AppError> {
    let mut out = Vec::new();
    for o in orgs {
        let name = state.services.org(&dtz_services::Caller::System, *o).await?.name;
        out.push(SelectOption::new(o.0.to_string(), name, current));
    }
    Ok(out)
}
