//! Per-country settings and vocabularies with their translations (system
//! administrators; everyone else gets 404).

use super::SelectOption;
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::i18n::staff_languages;
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::countries::COUNTRIES;
use dtz_domain::country::CountryInput;
use dtz_domain::ids::OrgId;
use dtz_domain::vocab::VOCABULARIES;
use dtz_services::ServiceError;
use dtz_services::config::TermInput;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

fn system_only(u: &PageUser) -> Result<(), AppError> {
    if u.caller.is_system_admin() { Ok(()) } else { Err(AppError::NotFound) }
}

struct CountryView {
    code: String,
    name: String,
    lead: String,
    helpline: String,
    police: String,
}

#[derive(Template)]
#[template(path = "admin/countries.html")]
struct CountriesPage {
    page: Page,
    countries: Vec<CountryView>,
    others: Vec<SelectOption>,
}

async fn countries(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    system_only(&user)?;
    let page = Page::signed_in(&state, &user, "admin-countries", "/admin").await;
    let orgs: HashMap<Uuid, String> =
        state.services.orgs(&user.caller).await?.into_iter().map(|o| (o.id, o.name)).collect();
    let rows = state.services.countries().await?;
    let configured: Vec<String> = rows.iter().map(|r| r.country.clone()).collect();
    let countries = rows
        .into_iter()
        .map(|r| CountryView {
            name: dtz_domain::org::CountryCode::parse("c", &r.country).map(|c| c.name()).unwrap_or_default().to_owned(),
            lead: r.lead_org_id.and_then(|l| orgs.get(&l).cloned()).unwrap_or_default(),
            helpline: r.helpline.unwrap_or_default(),
            police: r.police.unwrap_or_default(),
            code: r.country,
        })
        .collect();
    let others = COUNTRIES
        .iter()
        .filter(|(c, _)| !configured.iter().any(|k| k == c))
        .map(|(c, n)| SelectOption::new(*c, format!("{n} ({c})"), ""))
        .collect();
    Ok(render(&CountriesPage { page, countries, others }))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CountryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    lead_org: String,
    #[serde(default)]
    helpline: String,
    #[serde(default)]
    police: String,
    #[serde(default)]
    answer_within_hours: String,
    #[serde(default)]
    retention_closed_case_months: String,
    #[serde(default)]
    retention_signal_months: String,
    #[serde(default)]
    urgent_pickup_minutes: String,
}

#[derive(Template)]
#[template(path = "admin/country.html")]
struct CountryPage {
    page: Page,
    code: String,
    name: String,
    form: CountryForm,
    leads: Vec<SelectOption>,
    errors: Errors,
    notice: Option<String>,
}

async fn country_page(
    state: &AppState,
    user: &PageUser,
    code: &str,
    form: Option<CountryForm>,
    errors: Errors,
) -> Result<CountryPage, AppError> {
    let cc = dtz_domain::org::CountryCode::parse("country", code).map_err(|_| AppError::NotFound)?;
    let page = Page::signed_in(state, user, "admin-countries", "/admin").await;
    let form = match form {
        Some(f) => f,
        None => match state.services.country(cc.as_str()).await? {
            Some(r) => CountryForm {
                csrf: String::new(),
                version: r.version,
                lead_org: r.lead_org_id.map(|l| l.to_string()).unwrap_or_default(),
                helpline: r.helpline.unwrap_or_default(),
                police: r.police.unwrap_or_default(),
                answer_within_hours: r.answer_within_hours.map(|n| n.to_string()).unwrap_or_default(),
                retention_closed_case_months: r.retention_closed_case_months.map(|n| n.to_string()).unwrap_or_default(),
                retention_signal_months: r.retention_signal_months.map(|n| n.to_string()).unwrap_or_default(),
                urgent_pickup_minutes: r.urgent_pickup_minutes.map(|n| n.to_string()).unwrap_or_default(),
            },
            None => CountryForm::default(),
        },
    };
    let mut leads = vec![SelectOption::new("", page.tr.t("country-no-lead"), &form.lead_org)];
    leads.extend(
        state
            .services
            .orgs(&user.caller)
            .await?
            .into_iter()
            .filter(|o| o.kind == "alliance_member")
            .map(|o| SelectOption::new(o.id.to_string(), o.name, &form.lead_org)),
    );
    Ok(CountryPage {
        page,
        code: cc.as_str().to_owned(),
        name: cc.name().to_owned(),
        form,
        leads,
        errors,
        notice: None,
    })
}

async fn country(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    system_only(&user)?;
    Ok(render(&country_page(&state, &user, &code, None, Errors::default()).await?))
}

async fn save_country(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<CountryForm>,
) -> Result<Response, AppError> {
    system_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let input = CountryInput {
        country: code.clone(),
        lead_org: f.lead_org.parse().ok().map(OrgId),
        helpline: f.helpline.clone(),
        police: f.police.clone(),
        answer_within_hours: f.answer_within_hours.clone(),
        retention_closed_case_months: f.retention_closed_case_months.clone(),
        retention_signal_months: f.retention_signal_months.clone(),
        urgent_pickup_minutes: f.urgent_pickup_minutes.clone(),
    };
    match state.services.save_country(&user.caller, &input, f.version).await {
        Ok(_) => Ok(Redirect::to("/admin/countries").into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let mut p = country_page(&state, &user, &code, None, Errors::default()).await?;
            p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&country_page(&state, &user, &code, Some(f), errors).await?))
                .into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct GoQuery {
    #[serde(default)]
    code: String,
}

/// The "configure a country" form of the list sends the chosen code here.
async fn go(user: PageUser, crate::extract::Query(q): crate::extract::Query<GoQuery>) -> Result<Response, AppError> {
    system_only(&user)?;
    let cc = dtz_domain::org::CountryCode::parse("code", &q.code).map_err(|_| AppError::NotFound)?;
    Ok(Redirect::to(&format!("/admin/countries/{cc}")).into_response())
}

struct VocabView {
    name: &'static str,
    label: String,
    purpose: &'static str,
}

#[derive(Template)]
#[template(path = "admin/vocabularies.html")]
struct VocabulariesPage {
    page: Page,
    vocabularies: Vec<VocabView>,
}

async fn vocabularies(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    system_only(&user)?;
    let page = Page::signed_in(&state, &user, "admin-vocab", "/admin").await;
    let vocabularies = VOCABULARIES
        .iter()
        .map(|(name, purpose)| VocabView { name, label: page.tr.t(&format!("vocab-{name}")), purpose })
        .collect();
    Ok(render(&VocabulariesPage { page, vocabularies }))
}

struct TermView {
    id: Uuid,
    version: i64,
    code: String,
    country: String,
    sort_order: i64,
    active: bool,
    labels: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin/vocabulary.html")]
struct VocabularyPage {
    page: Page,
    name: String,
    label: String,
    terms: Vec<TermView>,
    languages: Vec<(&'static str, &'static str)>,
    form: BTreeMap<String, String>,
    errors: Errors,
}

async fn vocabulary_page(
    state: &AppState,
    user: &PageUser,
    name: &str,
    form: BTreeMap<String, String>,
    errors: Errors,
) -> Result<VocabularyPage, AppError> {
    let terms = state.services.terms(name).await.map_err(|_| AppError::NotFound)?;
    let page = Page::signed_in(state, user, "admin-vocab", "/admin").await;
    let languages: Vec<(&str, &str)> = staff_languages().to_vec();
    let terms = terms
        .into_iter()
        .map(|t| TermView {
            labels: languages
                .iter()
                .map(|(c, _)| ((*c).to_owned(), t.labels.get(*c).cloned().unwrap_or_default()))
                .collect(),
            id: t.row.id,
            version: t.row.version,
            code: t.row.code,
            country: t.row.country,
            sort_order: t.row.sort_order,
            active: t.row.active,
        })
        .collect();
    Ok(VocabularyPage {
        label: page.tr.t(&format!("vocab-{name}")),
        page,
        name: name.to_owned(),
        terms,
        languages,
        form,
        errors,
    })
}

async fn vocabulary(
    State(state): State<AppState>,
    user: PageUser,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    system_only(&user)?;
    Ok(render(&vocabulary_page(&state, &user, &name, BTreeMap::new(), Errors::default()).await?))
}

fn term_input(f: &BTreeMap<String, String>) -> TermInput {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let labels = staff_languages().iter().map(|(c, _)| ((*c).to_owned(), get(&format!("label_{c}")))).collect();
    TermInput {
        code: get("code"),
        country: get("country"),
        sort_order: get("sort_order"),
        active: f.contains_key("active"),
        labels,
    }
}

/// Add a term, or (with `term_id`) change one; the form is a map so each staff
/// language has its own `label_xx` field.
async fn save_term(
    State(state): State<AppState>,
    user: PageUser,
    Path(name): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    system_only(&user)?;
    user.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let input = term_input(&f);
    let outcome = match f.get("term_id").and_then(|t| t.parse::<Uuid>().ok()) {
        Some(id) => {
            let version = f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
            state.services.update_term(&user.caller, id, version, &input).await
        }
        None => state.services.create_term(&user.caller, &name, &input).await.map(|_| ()),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/admin/vocabularies/{name}")).into_response()),
        Err(ServiceError::Stale { .. }) => Err(AppError::Conflict { current: 0, changed: Vec::new() }),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let p = vocabulary_page(&state, &user, &name, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/countries", get(countries))
        .route("/admin/countries/go", get(go))
        .route("/admin/countries/{code}", get(country).post(save_country))
        .route("/admin/vocabularies", get(vocabularies))
        .route("/admin/vocabularies/{name}", get(vocabulary).post(save_term))
}
