//! Companies and industry associations: the list (by country, organisation, sector and
//! kind), the company page with its engagement stages and The Code's six criteria by
//! year (a table, and the criteria met per year as an SVG chart with the numbers in
//! text), and the form to record or change a company.

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
use dtz_domain::work::company::{CompanyInput, CompanyKind, Criterion, EngagementStage, Sector, Size};
use dtz_services::ServiceError;
use dtz_services::work::{COMPANY_YEAR, Company, WorkFile, company_input};
use dtz_store::work::companies::{CompanyFilter, CompanyRow};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

struct Line {
    id: Uuid,
    name: String,
    kind: String,
    sector: String,
    country: String,
    org: String,
    stage: String,
    code: String,
}

#[derive(Template)]
#[template(path = "work/companies.html")]
struct ListPage {
    page: Page,
    lines: Vec<Line>,
    countries: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    sectors: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
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
    sector: String,
    #[serde(default)]
    kind: String,
}

fn choice_labels<T: Copy>(page: &Page, prefix: &str, all: &[T], code: fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter().map(|c| (code(*c).to_owned(), page.tr.t(&format!("{prefix}-{}", code(*c))))).collect()
}

/// The label of an engagement stage.
pub fn stage_label(page: &Page, code: &str) -> String {
    page.tr.t(&format!("company-stage-{code}"))
}

impl ListQuery {
    fn place(&self) -> PlaceQuery {
        PlaceQuery { country: self.country.clone(), org: self.org.clone(), page: self.page }
    }
}

fn line(page: &Page, names: &HashMap<Uuid, String>, (r, stage, met): Listed) -> Line {
    Line {
        kind: page.tr.t(&format!("company-kind-{}", r.kind)),
        sector: page.tr.t(&format!("company-sector-{}", r.sector)),
        country: country_name(&r.country),
        org: names.get(&r.org_id).cloned().unwrap_or_default(),
        stage: stage.map_or_else(|| page.tr.t("work-no-stage"), |s| stage_label(page, &s)),
        code: met.map_or_else(String::new, |(y, n)| {
            page.tr.targs("company-met-in", &[("met", n.to_string()), ("year", y.to_string())])
        }),
        id: r.id,
        name: r.name,
    }
}

/// A company of the list with its current stage and its latest year of The Code.
type Listed = (CompanyRow, Option<String>, Option<(i64, usize)>);

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let f = CompanyFilter { place: q.place().place()?, sector: code(&q.sector), kind: code(&q.kind) };
    let listed = state.services.companies(&user.caller, &f, q.place().paging()).await?;
    let page = Page::signed_in(&state, &user, "companies-title", "/companies").await;
    let names = super::org_names(&state, &user).await?;
    let lines = listed.items.into_iter().map(|item| line(&page, &names, item)).collect();
    let mut pairs = q.place().pairs();
    pairs.extend([("sector", q.sector.clone()), ("kind", q.kind.clone())]);
    let sectors = choice_labels(&page, "company-sector", Sector::ALL, Sector::as_str);
    let kinds = choice_labels(&page, "company-kind", CompanyKind::ALL, CompanyKind::as_str);
    Ok(render(&ListPage {
        countries: with_all(&page, "work-all-countries", &q.place().country, super::countries(&state).await?),
        orgs: with_all(&page, "work-all-orgs", &q.place().org, super::orgs(&state, &user, None).await?),
        sectors: with_all(&page, "work-all", &q.sector, sectors),
        kinds: with_all(&page, "work-all", &q.kind, kinds),
        pager: pager("/companies", &pairs, q.place().paging().page, listed.total),
        may_create: dtz_services::Services::records_work(&user.caller),
        lines,
        page,
    }))
}

/// One year's column of the criteria table.
pub struct YearColumn {
    year: i64,
    met: Vec<bool>,
    staff: String,
    count: String,
    files: usize,
}

/// One bar of the progress chart.
pub struct Bar {
    year: i64,
    y: usize,
    width: usize,
    count: String,
}

#[derive(Template)]
#[template(path = "work/company.html")]
struct ShowPage {
    page: Page,
    c: Company,
    kind: String,
    sector: String,
    size: String,
    country: String,
    org: String,
    current: String,
    steps: Vec<(&'static str, String, Option<String>)>,
    criteria: Vec<String>,
    years: Vec<YearColumn>,
    bars: Vec<Bar>,
    chart_height: usize,
    next_year: i64,
    history: Vec<HistoryView>,
}

/// Width of the chart's bar for six criteria.
const FULL: usize = 240;

/// The criteria table and the chart's bars, year by year.
fn code_table(page: &Page, c: &Company, files: &[WorkFile]) -> (Vec<YearColumn>, Vec<Bar>) {
    let mut years = Vec::new();
    let mut bars = Vec::new();
    for (i, y) in c.years.iter().enumerate() {
        let f = y.fields();
        let count = page.tr.t1("company-met-of", "met", f.met_count());
        bars.push(Bar { year: y.year, y: i * 28, width: FULL * f.met_count() / 6, count: count.clone() });
        years.push(YearColumn {
            year: y.year,
            met: f.met().to_vec(),
            staff: f.staff_trained.map_or_else(|| "–".to_owned(), |n| page.tr.number(n)),
            count,
            files: files.iter().filter(|x| x.entity_id == y.id).count(),
        });
    }
    (years, bars)
}

fn steps(page: &Page, c: &Company) -> Vec<(&'static str, String, Option<String>)> {
    EngagementStage::ALL
        .iter()
        .map(|s| {
            let reached = c.stages.iter().find(|e| e.stage == s.as_str()).map(|e| page.tr.date(e.reached_on));
            (s.as_str(), stage_label(page, s.as_str()), reached)
        })
        .collect()
}

async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let c = state.services.company(&user.caller, id).await?;
    let lines = state.services.company_history(&user.caller, id).await?;
    let year_ids: Vec<Uuid> = c.years.iter().map(|y| y.id).collect();
    let files = state.services.work_files(COMPANY_YEAR, &year_ids).await?;
    let page = Page::signed_in(&state, &user, "companies-title", "/companies").await;
    let (years, bars) = code_table(&page, &c, &files);
    let this_year = i64::from(state.services.clock.now().year());
    Ok(render(&ShowPage {
        kind: page.tr.t(&format!("company-kind-{}", c.row.kind)),
        sector: page.tr.t(&format!("company-sector-{}", c.row.sector)),
        size: page.tr.t(&format!("company-size-{}", c.row.size)),
        country: country_name(&c.row.country),
        org: state.services.org(&user.caller, OrgId(c.row.org_id)).await.map(|o| o.name).unwrap_or_default(),
        current: c.current.map_or_else(|| page.tr.t("work-no-stage"), |s| stage_label(&page, s.as_str())),
        criteria: Criterion::ALL.iter().map(|k| page.tr.t(&format!("code-{}", k.as_str()))).collect(),
        chart_height: years.len() * 28,
        next_year: years.last().map_or(this_year, |y| (y.year + 1).min(this_year)),
        history: history(&page, lines),
        steps: steps(&page, &c),
        years,
        bars,
        c,
        page,
    }))
}

#[derive(Template)]
#[template(path = "work/company_form.html")]
struct FormPage {
    page: Page,
    action: String,
    is_new: bool,
    f: CompanyForm,
    orgs: Vec<SelectOption>,
    countries: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    sectors: Vec<SelectOption>,
    sizes: Vec<SelectOption>,
    errors: Errors,
    notice: Option<String>,
}

/// The company form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct CompanyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    size: String,
}

impl CompanyForm {
    fn input(&self) -> CompanyInput {
        CompanyInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            sector: self.sector.clone(),
            size: self.size.clone(),
        }
    }
}

async fn form_page(
    state: &AppState,
    user: &PageUser,
    id: Option<Uuid>,
    f: CompanyForm,
    errors: Errors,
) -> Result<FormPage, AppError> {
    let page =
        Page::signed_in(state, user, if id.is_some() { "company-edit" } else { "company-new" }, "/companies").await;
    Ok(FormPage {
        action: id.map_or("/companies".to_owned(), |id| format!("/companies/{id}/edit")),
        is_new: id.is_none(),
        orgs: super::options(&f.org, super::orgs(state, user, Some(RECORDERS)).await?),
        countries: super::options(&f.country, super::countries(state).await?),
        kinds: super::options(&f.kind, choice_labels(&page, "company-kind", CompanyKind::ALL, CompanyKind::as_str)),
        sectors: super::options(&f.sector, choice_labels(&page, "company-sector", Sector::ALL, Sector::as_str)),
        sizes: super::options(&f.size, choice_labels(&page, "company-size", Size::ALL, Size::as_str)),
        f,
        errors,
        notice: None,
        page,
    })
}

async fn new(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    let f = CompanyForm { org: user.session.user.org_id.to_string(), size: "unknown".into(), ..Default::default() };
    Ok(render(&form_page(&state, &user, None, f, Errors::default()).await?))
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<CompanyForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let org = OrgId(f.org.parse().unwrap_or_default());
    match state.services.create_company(&user.caller, Uuid::new_v4(), org, &f.country, &f.input()).await {
        Ok(c) => Ok(Redirect::to(&format!("/companies/{}", c.row.id)).into_response()),
        Err(e) => refused(&state, &user, None, f, e).await,
    }
}

async fn refused(
    state: &AppState,
    user: &PageUser,
    id: Option<Uuid>,
    f: CompanyForm,
    e: ServiceError,
) -> Result<Response, AppError> {
    if let (ServiceError::Stale { changed, .. }, Some(id)) = (&e, id) {
        let mut p = form_page(state, user, Some(id), stored(state, user, id).await?, Errors::default()).await?;
        p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
        return Ok((StatusCode::CONFLICT, render(&p)).into_response());
    }
    let errors = Errors::from_service(e)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page(state, user, id, f, errors).await?)).into_response())
}

async fn stored(state: &AppState, user: &PageUser, id: Uuid) -> Result<CompanyForm, AppError> {
    let c = state.services.company(&user.caller, id).await?;
    if !c.may_edit {
        return Err(AppError::Forbidden);
    }
    let i = company_input(&c.row);
    Ok(CompanyForm {
        csrf: String::new(),
        version: c.row.version,
        org: c.row.org_id.to_string(),
        country: c.row.country,
        name: i.name,
        kind: i.kind,
        sector: i.sector,
        size: i.size,
    })
}

async fn edit(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<Uuid>) -> Result<Response, AppError> {
    let f = stored(&state, &user, id).await?;
    Ok(render(&form_page(&state, &user, Some(id), f, Errors::default()).await?))
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<Uuid>,
    Form(mut f): Form<CompanyForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let current = stored(&state, &user, id).await?;
    (f.org, f.country) = (current.org, current.country);
    match state.services.update_company(&user.caller, id, f.version, &f.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/companies/{id}")).into_response()),
        Err(e) => refused(&state, &user, Some(id), f, e).await,
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/companies", get(list).post(create))
        .route("/companies/new", get(new))
        .route("/companies/{id}", get(show))
        .route("/companies/{id}/edit", get(edit).post(update))
}
