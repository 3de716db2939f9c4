//! The policy tracker: the list of instruments (by country, organisation, kind and
//! level), the page of one instrument with its stage timeline, evidence files, linked
//! outcomes and history, and the form to record or change one.

use super::{HistoryView, Pager, PlaceQuery, RECORDERS, code, country_name, history, pager, with_all};
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
use dtz_domain::work::policy::{InstrumentInput, Level, PolicyStage};
use dtz_services::ServiceError;
use dtz_services::work::{Instrument, POLICY_STAGE, instrument_input};
use dtz_store::work::instruments::InstrumentFilter;
use serde::Deserialize;
use uuid::Uuid;

struct Line {
    id: Uuid,
    title: String,
    kind: String,
    level: String,
    country: String,
    org: String,
    stage: String,
}

#[derive(Template)]
#[template(path = "work/instruments.html")]
struct ListPage {
    page: Page,
    lines: Vec<Line>,
    countries: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    levels: Vec<SelectOption>,
    pager: Pager,
    may_create: bool,
    reads_prosecutions: bool,
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
    kind: String,
    #[serde(default)]
    level: String,
}

/// Labels of the instrument kinds in the reader's language (all terms, retired too).
pub async fn kind_labels(state: &AppState, page: &Page) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .services
        .terms("instrument_kind")
        .await?
        .into_iter()
        .map(|t| (t.row.code.clone(), t.label(page.tr.code()).to_owned()))
        .collect())
}

fn label_of(labels: &[(String, String)], code: &str) -> String {
    labels.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(_, l)| l.clone())
}

/// The label of a policy stage.
pub fn stage_label(page: &Page, code: &str) -> String {
    page.tr.t(&format!("policy-stage-{code}"))
}

impl ListQuery {
    fn place(&self) -> PlaceQuery {
        PlaceQuery { country: self.country.clone(), org: self.org.clone(), page: self.page }
    }
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let f = InstrumentFilter { place: q.place().place()?, kind: code(&q.kind), level: code(&q.level) };
    let listed = state.services.instruments(&user.caller, &f, q.place().paging()).await?;
    let page = Page::signed_in(&state, &user, "policy-title", "/policy").await;
    let names = super::org_names(&state, &user).await?;
    let kinds = kind_labels(&state, &page).await?;
    let lines = listed
        .items
        .into_iter()
        .map(|(r, stage)| Line {
            kind: label_of(&kinds, &r.kind),
            level: page.tr.t(&format!("policy-level-{}", r.level)),
            country: country_name(&r.country),
            org: names.get(&r.org_id).cloned().unwrap_or_default(),
            stage: stage.map_or_else(|| page.tr.t("work-no-stage"), |s| stage_label(&page, &s)),
            id: r.id,
            title: r.title,
        })
        .collect();
    let mut pairs = q.place().pairs();
    pairs.extend([("kind", q.kind.clone()), ("level", q.level.clone())]);
    let levels = Level::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), page.tr.t(&format!("policy-level-{}", l.as_str()))))
        .collect();
    Ok(render(&ListPage {
        countries: with_all(&page, "work-all-countries", &q.place().country, super::countries(&state).await?),
        orgs: with_all(&page, "work-all-orgs", &q.place().org, super::orgs(&state, &user, None).await?),
        kinds: with_all(&page, "work-all", &q.kind, kinds),
        levels: with_all(&page, "work-all", &q.level, levels),
        pager: pager("/policy", &pairs, q.place().paging().page, listed.total),
        may_create: dtz_services::Services::records_work(&user.caller),
        reads_prosecutions: dtz_services::Services::reads_prosecutions(&user.caller),
        lines,
        page,
    }))
}

/// A file as a line of a list.
pub struct FileLine {
    /// File id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Kind, size, date.
    pub detail: String,
}

impl FileLine {
    /// The line of a file, in the reader's language.
    pub fn of(page: &Page, f: &dtz_services::work::WorkFile) -> Self {
        let kb = (f.size + 1023) / 1024;
        let kind = f.kind.map_or("?", |k| k.label());
        Self {
            id: f.id,
            name: f.name.clone(),
            detail: format!(
                "{kind} · {} · {}",
                page.tr.t1("evidence-size", "kb", page.tr.number(kb)),
                page.tr.date(f.created_at.date())
            ),
        }
    }
}

struct StepView {
    code: &'static str,
    label: String,
    reached: Option<String>,
    note: String,
    files: Vec<FileLine>,
}

#[derive(Template)]
#[template(path = "work/instrument.html")]
struct ShowPage {
    page: Page,
    i: Instrument,
    kind: String,
    level: String,
    country: String,
    org: String,
    current: String,
    steps: Vec<StepView>,
    outcomes: Vec<(Uuid, String, String)>,
    history: Vec<HistoryView>,
}

async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let i = state.services.instrument(&user.caller, id).await?;
    let lines = state.services.instrument_history(&user.caller, id).await?;
    let stage_ids: Vec<Uuid> = i.stages.iter().map(|s| s.id).collect();
    let files = state.services.work_files(POLICY_STAGE, &stage_ids).await?;
    let page = Page::signed_in(&state, &user, "policy-title", "/policy").await;
    let steps = PolicyStage::ALL
        .iter()
        .map(|s| {
            let entry = i.stages.iter().find(|e| e.stage == s.as_str());
            StepView {
                code: s.as_str(),
                label: stage_label(&page, s.as_str()),
                reached: entry.map(|e| page.tr.date(e.reached_on)),
                note: entry.and_then(|e| e.note.clone()).unwrap_or_default(),
                files: entry
                    .map(|e| files.iter().filter(|f| f.entity_id == e.id).map(|f| FileLine::of(&page, f)).collect())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let outcomes = i.outcomes.iter().map(|o| (o.id, o.title.clone(), page.tr.date(o.observed_on))).collect();
    Ok(render(&ShowPage {
        kind: label_of(&kind_labels(&state, &page).await?, &i.row.kind),
        level: page.tr.t(&format!("policy-level-{}", i.row.level)),
        country: country_name(&i.row.country),
        org: state.services.org(&user.caller, OrgId(i.row.org_id)).await.map(|o| o.name).unwrap_or_default(),
        current: i.current.map_or_else(|| page.tr.t("work-no-stage"), |s| stage_label(&page, s.as_str())),
        history: history(&page, lines),
        steps,
        outcomes,
        i,
        page,
    }))
}

#[derive(Template)]
#[template(path = "work/instrument_form.html")]
struct FormPage {
    page: Page,
    action: String,
    is_new: bool,
    version: i64,
    input: InstrumentInput,
    orgs: Vec<SelectOption>,
    countries: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    levels: Vec<SelectOption>,
    errors: Errors,
    notice: Option<String>,
}

/// The instrument form as typed.
#[derive(Deserialize, Default)]
pub struct InstrumentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

impl InstrumentForm {
    fn input(&self) -> InstrumentInput {
        InstrumentInput {
            kind: self.kind.clone(),
            level: self.level.clone(),
            area: self.area.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
        }
    }
}

async fn form_page(
    state: &AppState,
    user: &PageUser,
    id: Option<Uuid>,
    f: &InstrumentForm,
    errors: Errors,
) -> Result<FormPage, AppError> {
    let page = Page::signed_in(state, user, if id.is_some() { "policy-edit" } else { "policy-new" }, "/policy").await;
    let country = code(&f.country);
    let kinds = state
        .services
        .terms_for("instrument_kind", country.as_deref())
        .await?
        .into_iter()
        .map(|t| (t.row.code.clone(), t.label(page.tr.code()).to_owned()))
        .collect();
    let levels = Level::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), page.tr.t(&format!("policy-level-{}", l.as_str()))))
        .collect();
    Ok(FormPage {
        action: id.map_or("/policy".to_owned(), |id| format!("/policy/{id}/edit")),
        is_new: id.is_none(),
        version: f.version,
        input: f.input(),
        orgs: super::options(&f.org, super::orgs(state, user, Some(RECORDERS)).await?),
        countries: super::options(&f.country, super::countries(state).await?),
        kinds: super::options(&f.kind, kinds),
        levels: super::options(&f.level, levels),
        errors,
        notice: None,
        page,
    })
}

async fn new(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let f =
        InstrumentForm { org: user.session.user.org_id.to_string(), level: "national".into(), ..Default::default() };
    Ok(render(&form_page(&state, &user, None, &f, Errors::default()).await?))
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<InstrumentForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let org = OrgId(f.org.parse().unwrap_or_default());
    match state.services.create_instrument(&user.caller, Uuid::new_v4(), org, &f.country, &f.input()).await {
        Ok(i) => Ok(Redirect::to(&format!("/policy/{}", i.row.id)).into_response()),
        Err(e) => refused(&state, &user, None, f, e).await,
    }
}

async fn refused(
    state: &AppState,
    user: &PageUser,
    id: Option<Uuid>,
    f: InstrumentForm,
    e: ServiceError,
) -> Result<Response, AppError> {
    if let (ServiceError::Stale { changed, .. }, Some(id)) = (&e, id) {
        let mut p = form_page(state, user, Some(id), &stored(state, user, id).await?, Errors::default()).await?;
        p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
        return Ok((StatusCode::CONFLICT, render(&p)).into_response());
    }
    let errors = Errors::from_service(e)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page(state, user, id, &f, errors).await?)).into_response())
}

async fn stored(state: &AppState, user: &PageUser, id: Uuid) -> Result<InstrumentForm, AppError> {
    let i = state.services.instrument(&user.caller, id).await?;
    if !i.may_edit {
        return Err(AppError::Forbidden);
    }
    let input = instrument_input(&i.row);
    Ok(InstrumentForm {
        csrf: String::new(),
        version: i.row.version,
        org: i.row.org_id.to_string(),
        country: i.row.country,
        kind: input.kind,
        level: input.level,
        area: input.area,
        title: input.title,
        description: input.description,
    })
}

async fn edit(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let f = stored(&state, &user, id).await?;
    Ok(render(&form_page(&state, &user, Some(id), &f, Errors::default()).await?))
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(mut f): Form<InstrumentForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let current = stored(&state, &user, id).await?;
    (f.org, f.country) = (current.org, current.country);
    match state.services.update_instrument(&user.caller, id, f.version, &f.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/policy/{id}")).into_response()),
        Err(e) => refused(&state, &user, Some(id), f, e).await,
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policy", get(list).post(create))
        .route("/policy/new", get(new))
        .route("/policy/{id}", get(show))
        .route("/policy/{id}/edit", get(edit).post(update))
}
