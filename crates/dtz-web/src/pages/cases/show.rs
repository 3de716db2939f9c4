//! The case page: the profile (opened for those in scope), consent, risk, assignment,
//! the case plan, protection steps, notes, closure and transfer, with their forms.
//! Opening it is a read the audit records.

use super::{Names, SelectOption, case_staff_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{IdPath, Query};
use crate::i18n::Tr;
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use dtz_domain::case::{
    CaseId, CaseStatus, ClosureReason, ConsentKind, ConsentState, GivenBy, GoalStatus, RiskLevel, StepStatus,
};
use dtz_domain::ids::OrgId;
use dtz_services::Caller;
use dtz_services::cases::CaseDetail;
use serde::Deserialize;
use std::collections::HashMap;

/// What a form sent, kept to show again after a problem (by field id).
#[derive(Clone, Debug, Default)]
pub(crate) struct Kept(pub HashMap<String, String>);

impl Kept {
    /// The value sent for field `id`, or "".
    pub fn get(&self, id: &str) -> &str {
        self.0.get(id).map_or("", String::as_str)
    }
}

pub(crate) struct GoalView {
    id: uuid::Uuid,
    text: String,
    status: String,
    status_code: &'static str,
    due: String,
    version: i64,
}

pub(crate) struct StepView {
    id: uuid::Uuid,
    kind: String,
    status: String,
    status_code: &'static str,
    due: String,
    due_value: String,
    done: String,
    done_value: String,
    note: String,
    version: i64,
}

pub(crate) struct NoteView {
    id: uuid::Uuid,
    text: String,
    author: String,
    when: String,
    amends: String,
}

pub(crate) struct ConsentView {
    kind: String,
    state: String,
    flagged: bool,
}

pub(crate) struct HistoryView {
    when: String,
    kind: String,
    state: String,
    by: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
pub(crate) struct ShowPage {
    pub page: Page,
    id: uuid::Uuid,
    number: String,
    version: i64,
    status: String,
    open: bool,
    closure_requested: bool,
    closure_reason: String,
    requested_by: String,
    i_requested: bool,
    facts: Vec<(String, String)>,
    profile: Vec<(String, String)>,
    erased: bool,
    signal: Option<uuid::Uuid>,
    consent: Vec<ConsentView>,
    history: Vec<HistoryView>,
    flagged: bool,
    goals: Vec<GoalView>,
    steps: Vec<StepView>,
    notes: Vec<NoteView>,
    may_work: bool,
    may_supervise: bool,
    transfer_to: Option<String>,
    o: Options,
    pub kept: Kept,
    pub errors: Errors,
    pub notice: Option<String>,
}

/// The choices of the forms.
pub(crate) struct Options {
    risk: Vec<SelectOption>,
    team: Vec<SelectOption>,
    caseworker: Vec<SelectOption>,
    consent_kind: Vec<SelectOption>,
    consent_state: Vec<SelectOption>,
    given_by: Vec<SelectOption>,
    goal_status: Vec<SelectOption>,
    step_kind: Vec<SelectOption>,
    step_status: Vec<SelectOption>,
    closure: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    amends: Vec<SelectOption>,
}

fn codes<T: Copy>(
    tr: &Tr,
    prefix: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    none: Option<&str>,
    current: &str,
) -> Vec<SelectOption> {
    let mut v = Vec::new();
    if let Some(key) = none {
        v.push(SelectOption::new("", tr.t(key), current));
    }
    v.extend(all.iter().map(|x| SelectOption::new(code(*x), tr.t(&format!("{prefix}{}", code(*x))), current)));
    v
}

fn date(tr: &Tr, d: Option<time::Date>) -> String {
    d.map(|d| tr.date(d)).unwrap_or_default()
}

async fn options(state: &AppState, tr: &Tr, d: &CaseDetail, names: &Names, kept: &Kept) -> Result<Options, AppError> {
    let s = &d.summary;
    let pick = |id: &str, stored: String| if kept.get(id).is_empty() { stored } else { kept.get(id).to_owned() };
    let risk = pick("risk-risk", s.risk.map(|r| r.as_str().to_owned()).unwrap_or_default());
    let team_now = pick("assign-team", s.team.map(|t| t.0.to_string()).unwrap_or_default());
    let worker_now = pick("assign-caseworker", s.caseworker.map(|t| t.0.to_string()).unwrap_or_default());
    let mut team = vec![SelectOption::new("", tr.t("signal-none-chosen"), &team_now)];
    team.extend(names.teams.iter().map(|t| SelectOption::new(t.id.to_string(), t.name.clone(), &team_now)));
    let mut caseworker = vec![SelectOption::new("", tr.t("signal-none-chosen"), &worker_now)];
    let mut seen = Vec::new();
    for p in &names.staff {
        if !seen.contains(&p.user_id) {
            seen.push(p.user_id);
            caseworker.push(SelectOption::new(p.user_id.to_string(), p.name.clone(), &worker_now));
        }
    }
    let lang = tr.code();
    let mut step_kind = vec![SelectOption::new("", tr.t("signal-none-chosen"), kept.get("step-kind"))];
    step_kind.extend(
        state
            .services
            .step_kinds(&s.country)
            .await?
            .iter()
            .map(|k| SelectOption::new(k.row.code.clone(), k.label(lang), kept.get("step-kind"))),
    );
    let mut orgs = vec![SelectOption::new("", tr.t("signal-none-chosen"), kept.get("transfer-to_org"))];
    orgs.extend(
        state
            .services
            .orgs(&Caller::System)
            .await?
            .into_iter()
            .filter(|o| o.id != s.org.0 && matches!(o.kind.as_str(), "alliance_member" | "local_partner"))
            .map(|o| SelectOption::new(o.id.to_string(), o.name, kept.get("transfer-to_org"))),
    );
    let mut amends = vec![SelectOption::new("", tr.t("case-note-new"), kept.get("note-amends"))];
    amends.extend(
        d.notes.iter().map(|n| SelectOption::new(n.id.to_string(), tr.datetime(n.at), kept.get("note-amends"))),
    );
    Ok(Options {
        risk: codes(tr, "case-risk-", RiskLevel::ALL, RiskLevel::as_str, Some("case-risk-none"), &risk),
        team,
        caseworker,
        consent_kind: codes(tr, "consent-kind-", ConsentKind::ALL, ConsentKind::as_str, None, kept.get("consent-kind")),
        consent_state: codes(
            tr,
            "consent-state-",
            ConsentState::ALL,
            ConsentState::as_str,
            None,
            kept.get("consent-state"),
        ),
        given_by: codes(
            tr,
            "consent-by-",
            GivenBy::ALL,
            GivenBy::as_str,
            Some("signal-none-chosen"),
            kept.get("consent-given_by"),
        ),
        goal_status: codes(tr, "goal-status-", GoalStatus::ALL, GoalStatus::as_str, None, ""),
        step_kind,
        step_status: codes(tr, "step-status-", StepStatus::ALL, StepStatus::as_str, None, kept.get("step-status")),
        closure: codes(
            tr,
            "closure-reason-",
            ClosureReason::ALL,
            ClosureReason::as_str,
            Some("signal-none-chosen"),
            kept.get("closure-reason"),
        ),
        orgs,
        amends,
    })
}

fn profile_facts(tr: &Tr, d: &CaseDetail) -> Vec<(String, String)> {
    let p = &d.profile;
    let mut v = Vec::new();
    if let Some(s) = p.sex {
        v.push((tr.t("case-sex"), tr.t(&format!("case-sex-{s}"))));
    }
    if let Some(y) = p.birth_year {
        let year = if p.birth_year_estimated { tr.t1("case-birth-year-estimated", "year", y) } else { y.to_string() };
        v.push((tr.t("case-birth-year"), year));
    }
    if !p.languages.is_empty() {
        v.push((tr.t("case-languages"), p.languages.join(", ")));
    }
    if let Some(s) = &d.secrets {
        for (key, value) in [
            ("case-name", &s.name),
            ("case-contact", &s.contact),
            ("case-address", &s.address),
            ("case-guardian", &s.guardian),
            ("case-situation", &s.situation),
        ] {
            if let Some(value) = value {
                v.push((tr.t(key), value.clone()));
            }
        }
    }
    v
}

fn consent_views(tr: &Tr, d: &CaseDetail) -> (Vec<ConsentView>, Vec<HistoryView>) {
    let s = &d.summary;
    let consent = ConsentKind::ALL
        .iter()
        .map(|k| {
            let st = s.consent_of(*k);
            ConsentView {
                kind: tr.t(&format!("consent-kind-{k}")),
                state: st.map_or_else(|| tr.t("consent-state-none"), |x| tr.t(&format!("consent-state-{x}"))),
                flagged: st == Some(ConsentState::Pending),
            }
        })
        .collect();
    let history = d
        .consents
        .iter()
        .rev()
        .map(|c| HistoryView {
            when: tr.datetime(c.at),
            kind: tr.t(&format!("consent-kind-{}", c.kind)),
            state: tr.t(&format!("consent-state-{}", c.state)),
            by: c.given_by.map(|g| tr.t(&format!("consent-by-{g}"))).unwrap_or_default(),
            reason: c.reason.clone().unwrap_or_default(),
        })
        .collect();
    (consent, history)
}

fn step_views(tr: &Tr, d: &CaseDetail, kinds: &[dtz_services::config::Term]) -> Vec<StepView> {
    d.steps
        .iter()
        .map(|x| StepView {
            id: x.id,
            kind: kinds.iter().find(|k| k.row.code == x.kind).map_or(x.kind.clone(), |k| k.label(tr.code()).to_owned()),
            status: tr.t(&format!("step-status-{}", x.status)),
            status_code: x.status.as_str(),
            due: date(tr, x.due),
            due_value: x.due.map(|d| d.to_string()).unwrap_or_default(),
            done: date(tr, x.done),
            done_value: x.done.map(|d| d.to_string()).unwrap_or_default(),
            note: x.note.clone().unwrap_or_default(),
            version: x.version,
        })
        .collect()
}

fn plan_views(tr: &Tr, d: &CaseDetail, names: &Names) -> (Vec<GoalView>, Vec<NoteView>) {
    let goals = d
        .goals
        .iter()
        .map(|g| GoalView {
            id: g.id,
            text: g.text.clone().unwrap_or_default(),
            status: tr.t(&format!("goal-status-{}", g.status)),
            status_code: g.status.as_str(),
            due: date(tr, g.due),
            version: g.version,
        })
        .collect();
    let notes = d
        .notes
        .iter()
        .map(|n| NoteView {
            id: n.id,
            text: n.text.clone().unwrap_or_default(),
            author: names.person(n.author),
            when: tr.datetime(n.at),
            amends: n
                .amends
                .and_then(|a| d.notes.iter().find(|x| x.id == a))
                .map(|x| tr.datetime(x.at))
                .unwrap_or_default(),
        })
        .collect();
    (goals, notes)
}

/// The case page for `id` (the read is audited).
pub(crate) async fn page(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    kept: Kept,
    errors: Errors,
) -> Result<ShowPage, AppError> {
    case_staff_only(user)?;
    let d = state.services.case(&user.caller, id.0).await?;
    let page = Page::signed_in(state, user, "case-title", "/cases").await;
    let tr = &page.tr;
    let s = &d.summary;
    let names = Names::of(state, s.org).await?;
    let org = state.services.org(&Caller::System, s.org).await.map(|o| o.name).unwrap_or_default();
    let mut facts = vec![
        (
            tr.t("signals-country"),
            dtz_domain::org::CountryCode::parse("c", &s.country).map(|c| c.name()).unwrap_or_default().to_owned(),
        ),
        (tr.t("case-org"), org),
        (tr.t("signal-team"), names.team(s.team.map(|t| t.0))),
        (tr.t("case-caseworker"), names.person(s.caseworker.map(|u| u.0))),
        (tr.t("case-risk"), s.risk.map_or_else(|| tr.t("case-risk-none"), |r| tr.t(&format!("case-risk-{r}")))),
        (tr.t("case-opened"), tr.datetime(s.created_at)),
    ];
    facts.retain(|(_, v)| !v.is_empty());
    let (consent, history) = consent_views(tr, &d);
    let kinds = state.services.step_kinds(&s.country).await?;
    let steps = step_views(tr, &d, &kinds);
    let (goals, notes) = plan_views(tr, &d, &names);
    let transfer_to = match &d.transfer {
        Some(t) => {
            Some(state.services.org(&Caller::System, OrgId(t.to_org_id)).await.map(|o| o.name).unwrap_or_default())
        }
        None => None,
    };
    let o = options(state, tr, &d, &names, &kept).await?;
    Ok(ShowPage {
        id: s.id,
        number: s.number.clone(),
        version: s.version,
        status: tr.t(&format!("case-status-{}", s.status)),
        open: s.status != CaseStatus::Closed,
        closure_requested: s.status == CaseStatus::ClosureRequested,
        closure_reason: d.closure_reason.as_deref().map(|r| tr.t(&format!("closure-reason-{r}"))).unwrap_or_default(),
        requested_by: names.person(d.closure_requested_by),
        i_requested: user.caller.user().is_some_and(|u| Some(u.0) == d.closure_requested_by),
        facts,
        profile: profile_facts(tr, &d),
        erased: d.secrets.is_none(),
        signal: s.signal,
        consent,
        history,
        flagged: s.consent_flagged,
        goals,
        steps,
        notes,
        may_work: d.may_work,
        may_supervise: d.may_supervise,
        transfer_to,
        o,
        kept,
        errors,
        notice: None,
        page,
    })
}

/// `?done=<what>` after a form.
#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
}

/// The case page.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    crate::extract::IdPath(id): IdPath<CaseId>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let mut p = page(&state, &user, id, Kept::default(), Errors::default()).await?;
    if let Some(done) = q.done.filter(|d| d.chars().all(|c| c.is_ascii_lowercase() || c == '_')) {
        p.notice = p.page.tr.try_t(&format!("case-done-{done}"));
    }
    Ok(render(&p))
}
