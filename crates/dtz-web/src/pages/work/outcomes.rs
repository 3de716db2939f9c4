//! Harvested outcomes: the list (by country, organisation, verification and goal), the
//! page of one outcome with its links and history, and the form to record or change one.

use super::{
    Check, HistoryView, Pager, Pairs, PlaceQuery, RECORDERS, code, country_name, history, ids, pager, with_all,
};
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
use dtz_domain::work::iso_date;
use dtz_domain::work::outcome::{LinkKind, OutcomeInput, Verification};
use dtz_services::ServiceError;
use dtz_services::work::{Outcome, OutcomeLinks, outcome_input};
use dtz_store::work::Paging;
use dtz_store::work::instruments::InstrumentFilter;
use dtz_store::work::outcomes::OutcomeFilter;
use serde::Deserialize;
use uuid::Uuid;

struct Line {
    id: Uuid,
    title: String,
    observed: String,
    country: String,
    org: String,
    verification: String,
}

#[derive(Template)]
#[template(path = "work/outcomes.html")]
struct ListPage {
    page: Page,
    lines: Vec<Line>,
    countries: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    verifications: Vec<SelectOption>,
    goals: Vec<SelectOption>,
    pager: Pager,
    may_create: bool,
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
    verification: String,
    #[serde(default)]
    goal: String,
}

fn verification_label(page: &Page, v: &str) -> String {
    page.tr.t(&format!("outcome-verification-{v}"))
}

impl ListQuery {
    fn place(&self) -> PlaceQuery {
        PlaceQuery { country: self.country.clone(), org: self.org.clone(), page: self.page }
    }
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let node = code(&q.goal).map(|g| g.parse::<Uuid>()).transpose().map_err(|_| AppError::NotFound)?;
    let f = OutcomeFilter { place: q.place().place()?, verification: code(&q.verification), node };
    let listed = state.services.outcomes(&user.caller, &f, q.place().paging()).await?;
    let page = Page::signed_in(&state, &user, "outcomes-title", "/outcomes").await;
    let names = super::org_names(&state, &user).await?;
    let lines = listed
        .items
        .into_iter()
        .map(|r| Line {
            observed: page.tr.date(r.observed_on),
            country: country_name(&r.country),
            org: names.get(&r.org_id).cloned().unwrap_or_default(),
            verification: verification_label(&page, &r.verification),
            id: r.id,
            title: r.title,
        })
        .collect();
    let mut pairs = q.place().pairs();
    pairs.extend([("verification", q.verification.clone()), ("goal", q.goal.clone())]);
    let verifications =
        Verification::ALL.iter().map(|v| (v.as_str().to_owned(), verification_label(&page, v.as_str()))).collect();
    let nodes = state.services.result_nodes().await?;
    let goals = nodes.into_iter().map(|n| (n.id.to_string(), format!("{} {}", n.code, n.title))).collect();
    Ok(render(&ListPage {
        countries: with_all(&page, "work-all-countries", &q.place().country, super::countries(&state).await?),
        orgs: with_all(&page, "work-all-orgs", &q.place().org, super::orgs(&state, &user, None).await?),
        verifications: with_all(&page, "work-all", &q.verification, verifications),
        goals: with_all(&page, "work-all-goals", &q.goal, goals),
        pager: pager("/outcomes", &pairs, q.place().paging().page, listed.total),
        may_create: dtz_services::Services::records_work(&user.caller),
        lines,
        page,
    }))
}

struct LinkView {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "work/outcome.html")]
struct ShowPage {
    page: Page,
    o: Outcome,
    org: String,
    country: String,
    observed: String,
    verification: String,
    nodes: Vec<LinkView>,
    instruments: Vec<LinkView>,
    activities: Vec<LinkView>,
    history: Vec<HistoryView>,
}

async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let o = state.services.outcome(&user.caller, id).await?;
    let lines = state.services.outcome_history(&user.caller, id).await?;
    let page = Page::signed_in(&state, &user, "outcomes-title", "/outcomes").await;
    let org = state.services.org(&user.caller, OrgId(o.row.org_id)).await.map(|r| r.name).unwrap_or_default();
    let of = |k: LinkKind| o.links.iter().filter(move |l| l.kind == k);
    let nodes = of(LinkKind::Node)
        .map(|l| LinkView {
            href: format!("/outcomes?goal={}", l.id),
            label: format!("{} · {} {}", l.programme, l.code, l.title),
        })
        .collect();
    let instruments = of(LinkKind::Instrument)
        .map(|l| LinkView { href: format!("/policy/{}", l.id), label: l.title.clone() })
        .collect();
    let activities = of(LinkKind::Activity)
        .map(|l| LinkView {
            href: format!("/activities/{}/{}", l.programme, l.id),
            label: format!("{} · {}", l.code, l.title),
        })
        .collect();
    Ok(render(&ShowPage {
        country: country_name(&o.row.country),
        observed: page.tr.date(o.row.observed_on),
        verification: verification_label(&page, &o.row.verification),
        history: history(&page, lines),
        org,
        nodes,
        instruments,
        activities,
        o,
        page,
    }))
}

#[derive(Template)]
#[template(path = "work/outcome_form.html")]
struct FormPage {
    page: Page,
    action: String,
    is_new: bool,
    version: i64,
    input: OutcomeInput,
    orgs: Vec<SelectOption>,
    countries: Vec<SelectOption>,
    verifications: Vec<SelectOption>,
    nodes: Vec<Check>,
    instruments: Vec<Check>,
    /// Activities of the outcome's organisation and country (once both are known).
    activities: Vec<Check>,
    errors: Errors,
    notice: Option<String>,
}

struct FormState {
    id: Option<Uuid>,
    version: i64,
    org: String,
    country: String,
    input: OutcomeInput,
    links: OutcomeLinks,
}

async fn form_page(state: &AppState, user: &PageUser, s: FormState, errors: Errors) -> Result<FormPage, AppError> {
    let title = if s.id.is_some() { "outcome-edit" } else { "outcome-new" };
    let page = Page::signed_in(state, user, title, "/outcomes").await;
    let verifications = Verification::ALL
        .iter()
        .map(|v| SelectOption::new(v.as_str(), verification_label(&page, v.as_str()), &s.input.verification))
        .collect();
    let nodes = state
        .services
        .result_nodes()
        .await?
        .into_iter()
        .map(|n| Check {
            checked: s.links.nodes.contains(&n.id),
            label: format!("{} · {} {}", n.programme, n.code, n.title),
            value: n.id.to_string(),
        })
        .collect();
    let filter = InstrumentFilter {
        place: dtz_store::work::Place { country: code(&s.country), org: None },
        ..Default::default()
    };
    let listed = state.services.instruments(&user.caller, &filter, Paging { page: 1, per_page: 200 }).await?;
    let instruments = listed
        .items
        .into_iter()
        .map(|(i, _)| Check { checked: s.links.instruments.contains(&i.id), label: i.title, value: i.id.to_string() })
        .collect();
    let activities = match (s.org.parse::<Uuid>(), code(&s.country)) {
        (Ok(org), Some(country)) => state.services.activities_to_link(&user.caller, org, &country).await?,
        _ => Vec::new(),
    };
    let activities = activities
        .into_iter()
        .map(|a| Check {
            checked: s.links.activities.contains(&a.id),
            label: format!("{} · {}", iso_date(a.start_date), a.title),
            value: a.id.to_string(),
        })
        .collect();
    Ok(FormPage {
        action: s.id.map_or("/outcomes".to_owned(), |id| format!("/outcomes/{id}/edit")),
        is_new: s.id.is_none(),
        version: s.version,
        orgs: super::options(&s.org, super::orgs(state, user, Some(RECORDERS)).await?),
        countries: super::options(&s.country, super::countries(state).await?),
        input: s.input,
        verifications,
        nodes,
        instruments,
        activities,
        errors,
        notice: None,
        page,
    })
}

fn state_of(f: &Pairs, id: Option<Uuid>) -> FormState {
    FormState {
        id,
        version: f.version(),
        org: f.get("org").to_owned(),
        country: f.get("country").to_owned(),
        input: OutcomeInput {
            title: f.get("title").into(),
            observed_on: f.get("observed_on").into(),
            change: f.get("change").into(),
            social_actor: f.get("social_actor").into(),
            significance: f.get("significance").into(),
            contribution: f.get("contribution").into(),
            sources: f.get("sources").into(),
            verification: f.get("verification").into(),
        },
        links: OutcomeLinks {
            nodes: ids(&f.all("nodes")),
            instruments: ids(&f.all("instruments")),
            activities: ids(&f.all("activities")),
        },
    }
}

async fn new(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let today = iso_date(state.services.clock.now().date());
    let input = OutcomeInput { verification: "unverified".into(), observed_on: today, ..OutcomeInput::default() };
    let org = user.session.user.org_id.to_string();
    let s = FormState { id: None, version: 0, org, country: String::new(), input, links: OutcomeLinks::default() };
    Ok(render(&form_page(&state, &user, s, Errors::default()).await?))
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = Pairs(pairs);
    user.check_csrf(f.get("csrf"))?;
    let s = state_of(&f, None);
    let org = OrgId(s.org.parse().unwrap_or_default());
    match state.services.create_outcome(&user.caller, Uuid::new_v4(), org, &s.country, &s.input, &s.links).await {
        Ok(o) => Ok(Redirect::to(&format!("/outcomes/{}", o.row.id)).into_response()),
        Err(e) => refused(&state, &user, s, e).await,
    }
}

async fn refused(state: &AppState, user: &PageUser, s: FormState, e: ServiceError) -> Result<Response, AppError> {
    if let ServiceError::Stale { changed, .. } = e {
        let id = s.id.ok_or(AppError::NotFound)?;
        let mut p = form_page(state, user, stored(state, user, id).await?, Errors::default()).await?;
        p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
        return Ok((StatusCode::CONFLICT, render(&p)).into_response());
    }
    let errors = Errors::from_service(e)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page(state, user, s, errors).await?)).into_response())
}

async fn stored(state: &AppState, user: &PageUser, id: Uuid) -> Result<FormState, AppError> {
    let o = state.services.outcome(&user.caller, id).await?;
    if !o.may_edit {
        return Err(AppError::Forbidden);
    }
    let of = |k: LinkKind| o.links.iter().filter(|l| l.kind == k).map(|l| l.id).collect::<Vec<_>>();
    let links = OutcomeLinks {
        nodes: of(LinkKind::Node),
        instruments: of(LinkKind::Instrument),
        activities: of(LinkKind::Activity),
    };
    Ok(FormState {
        id: Some(id),
        version: o.row.version,
        org: o.row.org_id.to_string(),
        country: o.row.country.clone(),
        input: outcome_input(&o.row),
        links,
    })
}

async fn edit(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let s = stored(&state, &user, id).await?;
    Ok(render(&form_page(&state, &user, s, Errors::default()).await?))
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = Pairs(pairs);
    user.check_csrf(f.get("csrf"))?;
    let current = stored(&state, &user, id).await?;
    let mut s = state_of(&f, Some(id));
    (s.org, s.country) = (current.org, current.country);
    match state.services.update_outcome(&user.caller, id, s.version, &s.input, Some(&s.links)).await {
        Ok(_) => Ok(Redirect::to(&format!("/outcomes/{id}")).into_response()),
        Err(e) => refused(&state, &user, s, e).await,
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/outcomes", get(list).post(create))
        .route("/outcomes/new", get(new))
        .route("/outcomes/{id}", get(show))
        .route("/outcomes/{id}/edit", get(edit).post(update))
}
