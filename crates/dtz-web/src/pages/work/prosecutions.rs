//! Prosecutions: the list and pages for the organisation that supports them (its M&E
//! officers and case staff), the case reference for case staff only, and the disclosed
//! summary per country and stage for everyone with a results scope.

use super::{HistoryView, PROSECUTION_RECORDERS, Pager, PlaceQuery, code, country_name, history, pager, with_all};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath, Query};
use crate::pages::admin::SelectOption;
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::ids::OrgId;
use dtz_domain::work::prosecution::ProsecutionInput;
use dtz_domain::work::prosecution::SummaryLine;
use dtz_services::work::{Prosecution, ProsecutionChanges, RecordKind, prosecution_input};
use dtz_services::{ServiceError, Services};
use dtz_store::work::prosecutions::ProsecutionFilter;
use serde::Deserialize;
use uuid::Uuid;

struct Line {
    id: Uuid,
    reference: String,
    offence: String,
    opened: String,
    country: String,
    stage: String,
    support: String,
}

#[derive(Template)]
#[template(path = "work/prosecutions.html")]
struct ListPage {
    page: Page,
    lines: Vec<Line>,
    countries: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    offences: Vec<SelectOption>,
    pager: Pager,
}

/// The list's query string.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    org: String,
    page: Option<i64>,
    #[serde(default)]
    offence: String,
}

async fn labels(state: &AppState, page: &Page, vocabulary: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .services
        .terms(vocabulary)
        .await?
        .into_iter()
        .map(|t| (t.row.code.clone(), t.label(page.tr.code()).to_owned()))
        .collect())
}

fn label_of(labels: &[(String, String)], code: &str) -> String {
    labels.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(_, l)| l.clone())
}

fn support(page: &Page, legal_aid: bool, accompaniment: bool) -> String {
    let mut s = Vec::new();
    if legal_aid {
        s.push(page.tr.t("prosecution-legal-aid"));
    }
    if accompaniment {
        s.push(page.tr.t("prosecution-accompaniment"));
    }
    if s.is_empty() { "–".to_owned() } else { s.join(", ") }
}

fn reads(user: &PageUser) -> Result<(), AppError> {
    if Services::reads_prosecutions(&user.caller) { Ok(()) } else { Err(AppError::NotFound) }
}

impl ListQuery {
    fn place(&self) -> PlaceQuery {
        PlaceQuery { country: self.country.clone(), org: self.org.clone(), page: self.page }
    }
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    reads(&user)?;
    let f = ProsecutionFilter { place: q.place().place()?, offence: code(&q.offence) };
    let listed = state.services.prosecutions(&user.caller, &f, q.place().paging()).await?;
    let page = Page::signed_in(&state, &user, "prosecutions-title", "/policy").await;
    let offences = labels(&state, &page, "offence_type").await?;
    let stages = labels(&state, &page, "court_stage").await?;
    let lines = listed
        .items
        .into_iter()
        .map(|(r, stage)| Line {
            offence: label_of(&offences, &r.offence),
            opened: page.tr.date(r.opened_on),
            country: country_name(&r.country),
            stage: stage.map_or_else(|| page.tr.t("work-no-stage"), |s| label_of(&stages, &s)),
            support: support(&page, r.legal_aid, r.accompaniment),
            id: r.id,
            reference: r.reference,
        })
        .collect();
    let mut pairs = q.place().pairs();
    pairs.push(("offence", q.offence.clone()));
    Ok(render(&ListPage {
        countries: with_all(&page, "work-all-countries", &q.place().country, super::countries(&state).await?),
        orgs: with_all(
            &page,
            "work-all-orgs",
            &q.place().org,
            super::orgs(&state, &user, Some(PROSECUTION_RECORDERS)).await?,
        ),
        offences: with_all(&page, "work-all", &q.offence, offences),
        pager: pager("/prosecutions", &pairs, q.place().paging().page, listed.total),
        lines,
        page,
    }))
}

struct StepView {
    code: String,
    label: String,
    reached: Option<String>,
}

#[derive(Template)]
#[template(path = "work/prosecution.html")]
struct ShowPage {
    page: Page,
    p: Prosecution,
    offence: String,
    opened: String,
    country: String,
    org: String,
    current: String,
    support: String,
    steps: Vec<StepView>,
    history: Vec<HistoryView>,
}

async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let p = state.services.prosecution(&user.caller, id).await?;
    let lines = state.services.prosecution_history(&user.caller, id).await?;
    let page = Page::signed_in(&state, &user, "prosecutions-title", "/policy").await;
    let lang = page.tr.code().to_owned();
    let choices = state.services.stages_of(RecordKind::Prosecution, &p.row.country, true).await?;
    let steps: Vec<StepView> = choices
        .iter()
        .filter(|c| c.term.as_ref().is_some_and(|t| t.row.active) || p.stages.iter().any(|e| e.stage == c.code))
        .map(|c| StepView {
            label: c.term.as_ref().map_or_else(|| c.code.clone(), |t| t.label(&lang).to_owned()),
            reached: p.stages.iter().find(|e| e.stage == c.code).map(|e| page.tr.date(e.reached_on)),
            code: c.code.clone(),
        })
        .collect();
    let current = p.current.as_ref().and_then(|c| steps.iter().find(|s| &s.code == c)).map(|s| s.label.clone());
    Ok(render(&ShowPage {
        offence: label_of(&labels(&state, &page, "offence_type").await?, &p.row.offence),
        opened: page.tr.date(p.row.opened_on),
        country: country_name(&p.row.country),
        org: state.services.org(&user.caller, OrgId(p.row.org_id)).await.map(|o| o.name).unwrap_or_default(),
        current: current.unwrap_or_else(|| page.tr.t("work-no-stage")),
        support: support(&page, p.row.legal_aid, p.row.accompaniment),
        history: history(&page, lines),
        steps,
        p,
        page,
    }))
}

#[derive(Template)]
#[template(path = "work/prosecution_form.html")]
struct FormPage {
    page: Page,
    action: String,
    is_new: bool,
    f: ProsecutionForm,
    follows_cases: bool,
    orgs: Vec<SelectOption>,
    countries: Vec<SelectOption>,
    offences: Vec<SelectOption>,
    errors: Errors,
    notice: Option<String>,
}

/// The prosecution form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ProsecutionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    offence: String,
    #[serde(default)]
    opened_on: String,
    legal_aid: Option<String>,
    accompaniment: Option<String>,
    case_ref: Option<String>,
}

impl ProsecutionForm {
    fn changes(&self) -> ProsecutionChanges {
        ProsecutionChanges {
            input: ProsecutionInput {
                reference: self.reference.clone(),
                offence: self.offence.clone(),
                opened_on: self.opened_on.clone(),
                legal_aid: self.legal_aid.is_some(),
                accompaniment: self.accompaniment.is_some(),
            },
            case_ref: self.case_ref.clone(),
        }
    }
}

async fn form_page(
    state: &AppState,
    user: &PageUser,
    id: Option<Uuid>,
    f: ProsecutionForm,
    follows_cases: bool,
    errors: Errors,
) -> Result<FormPage, AppError> {
    let title = if id.is_some() { "prosecution-edit" } else { "prosecution-new" };
    let page = Page::signed_in(state, user, title, "/policy").await;
    let country = code(&f.country);
    let offences = state
        .services
        .terms_for("offence_type", country.as_deref())
        .await?
        .into_iter()
        .map(|t| (t.row.code.clone(), t.label(page.tr.code()).to_owned()))
        .collect();
    Ok(FormPage {
        action: id.map_or("/prosecutions".to_owned(), |id| format!("/prosecutions/{id}/edit")),
        is_new: id.is_none(),
        orgs: super::options(&f.org, super::orgs(state, user, Some(PROSECUTION_RECORDERS)).await?),
        countries: super::options(&f.country, super::countries(state).await?),
        offences: super::options(&f.offence, offences),
        follows_cases,
        f,
        errors,
        notice: None,
        page,
    })
}

/// Whether the caller may set a case reference on a new record: any case role.
fn case_staff(user: &PageUser) -> bool {
    match &user.caller {
        dtz_services::Caller::User(a) => a
            .roles
            .iter()
            .any(|r| matches!(r.role, dtz_domain::access::Role::CaseSupervisor | dtz_domain::access::Role::Caseworker)),
        dtz_services::Caller::System => true,
    }
}

async fn new(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    reads(&user)?;
    let f = ProsecutionForm { org: user.session.user.org_id.to_string(), ..Default::default() };
    Ok(render(&form_page(&state, &user, None, f, case_staff(&user), Errors::default()).await?))
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<ProsecutionForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let org = OrgId(f.org.parse().unwrap_or_default());
    match state.services.create_prosecution(&user.caller, Uuid::new_v4(), org, &f.country, &f.changes()).await {
        Ok(p) => Ok(Redirect::to(&format!("/prosecutions/{}", p.row.id)).into_response()),
        Err(e) => {
            let follows = case_staff(&user);
            refused(&state, &user, None, f, follows, e).await
        }
    }
}

async fn refused(
    state: &AppState,
    user: &PageUser,
    id: Option<Uuid>,
    f: ProsecutionForm,
    follows: bool,
    e: ServiceError,
) -> Result<Response, AppError> {
    if let (ServiceError::Stale { changed, .. }, Some(id)) = (&e, id) {
        let (current, follows) = stored(state, user, id).await?;
        let mut p = form_page(state, user, Some(id), current, follows, Errors::default()).await?;
        p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
        return Ok((StatusCode::CONFLICT, render(&p)).into_response());
    }
    let errors = Errors::from_service(e)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page(state, user, id, f, follows, errors).await?))
        .into_response())
}

async fn stored(state: &AppState, user: &PageUser, id: Uuid) -> Result<(ProsecutionForm, bool), AppError> {
    let p = state.services.prosecution(&user.caller, id).await?;
    if !p.may_edit {
        return Err(AppError::Forbidden);
    }
    let input = prosecution_input(&p.row);
    let f = ProsecutionForm {
        csrf: String::new(),
        version: p.row.version,
        org: p.row.org_id.to_string(),
        country: p.row.country.clone(),
        reference: input.reference,
        offence: input.offence,
        opened_on: input.opened_on,
        legal_aid: input.legal_aid.then(|| "on".into()),
        accompaniment: input.accompaniment.then(|| "on".into()),
        case_ref: p.follows_cases.then(|| p.case_ref.clone().unwrap_or_default()),
    };
    Ok((f, p.follows_cases))
}

async fn edit(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let (f, follows) = stored(&state, &user, id).await?;
    Ok(render(&form_page(&state, &user, Some(id), f, follows, Errors::default()).await?))
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(mut f): Form<ProsecutionForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let (current, follows) = stored(&state, &user, id).await?;
    (f.org, f.country) = (current.org, current.country);
    match state.services.update_prosecution(&user.caller, id, f.version, &f.changes()).await {
        Ok(_) => Ok(Redirect::to(&format!("/prosecutions/{id}")).into_response()),
        Err(e) => refused(&state, &user, Some(id), f, follows, e).await,
    }
}

struct SummaryCountry {
    name: String,
    lines: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "work/prosecution_summary.html")]
struct SummaryPage {
    page: Page,
    countries: Vec<SummaryCountry>,
    /// Exact counts of the prosecutions the reader follows (none: not one of them).
    exact: Option<Vec<SummaryCountry>>,
}

/// A disclosed count in the reader's language ("<5" for a suppressed one).
fn shown(page: &Page, d: dtz_domain::disclosure::Disclosed) -> String {
    d.value().and_then(|n| i64::try_from(n).ok()).map_or_else(|| d.to_string(), |n| page.tr.number(n))
}

async fn summary(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let lines = state.services.prosecution_summary(&user.caller).await?;
    let exact = state.services.prosecution_summary_exact(&user.caller).await?;
    let page = Page::signed_in(&state, &user, "prosecutions-summary-title", "/policy").await;
    let stages = labels(&state, &page, "court_stage").await?;
    let countries = by_country(&page, &stages, lines);
    let exact = exact.map(|l| by_country(&page, &stages, l));
    Ok(render(&SummaryPage { page, countries, exact }))
}

fn by_country(page: &Page, stages: &[(String, String)], lines: Vec<SummaryLine>) -> Vec<SummaryCountry> {
    let mut countries: Vec<SummaryCountry> = Vec::new();
    for l in lines {
        let label = l.stage.as_deref().map_or_else(|| page.tr.t("work-no-stage"), |s| label_of(stages, s));
        let name = country_name(&l.country);
        match countries.last_mut() {
            Some(c) if c.name == name => c.lines.push((label, shown(page, l.count))),
            _ => countries.push(SummaryCountry { name, lines: vec![(label, shown(page, l.count))] }),
        }
    }
    countries
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/prosecutions", get(list).post(create))
        .route("/prosecutions/new", get(new))
        .route("/prosecutions/summary", get(summary))
        .route("/prosecutions/{id}", get(show))
        .route("/prosecutions/{id}/edit", get(edit).post(update))
}
