//! The service directory: search (by country, area, service, language, referrals, free
//! places) as a list of cards that reads well on a phone, a provider's page, and the
//! availability form for the provider's own staff and the directory's editors. Creating,
//! editing and removing entries is in `directory/form.rs`.

mod form;

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
use dtz_domain::directory::{ProviderId, ProviderServiceId, language_name};
use dtz_domain::org::CountryCode;
use dtz_services::ServiceError;
use dtz_services::directory::{AvailabilityInput, Provider, ProviderQuery};
use serde::Deserialize;
use std::collections::BTreeMap;

const PER_PAGE: i64 = 30;

/// The directory is for every signed-in staff member with a role.
fn directory_only(u: &PageUser) -> Result<(), AppError> {
    if u.caller.scope(Area::Directory).grants().is_empty() { Err(AppError::NotFound) } else { Ok(()) }
}

/// Service type code → label in the reader's language (inactive terms too, so old
/// entries still read well).
async fn type_labels(state: &AppState, tr: &Tr) -> Result<BTreeMap<String, String>, AppError> {
    Ok(state
        .services
        .terms("service_type")
        .await?
        .into_iter()
        .map(|t| (t.row.code.clone(), t.label(tr.code()).to_owned()))
        .collect())
}

fn country_name(code: &str) -> String {
    CountryCode::parse("c", code).map(|c| c.name().to_owned()).unwrap_or_else(|_| code.to_owned())
}

/// One service as a line of a card or a row of the provider's table.
struct ServiceView {
    id: uuid::Uuid,
    label: String,
    capacity: String,
    free: String,
    /// "3 of 24 places free", or empty when the service counts no places.
    summary: String,
    has_free: bool,
    counts: bool,
    updated: String,
    version: i64,
    error: String,
}

fn services_view(tr: &Tr, labels: &BTreeMap<String, String>, p: &Provider) -> Vec<ServiceView> {
    p.services
        .iter()
        .map(|s| {
            let summary = match (s.capacity, s.places_free) {
                (Some(c), Some(f)) => {
                    tr.targs("directory-places-free", &[("free", tr.number(f)), ("capacity", tr.number(c))])
                }
                (Some(c), None) => tr.t1("directory-places-unknown", "capacity", tr.number(c)),
                _ => String::new(),
            };
            let updated = match s.availability_at {
                Some(at) => tr.targs(
                    "directory-updated-by",
                    &[
                        ("when", tr.datetime(at)),
                        ("who", s.availability_by_name.clone().unwrap_or_else(|| tr.t("directory-system"))),
                    ],
                ),
                None => String::new(),
            };
            ServiceView {
                id: s.id,
                label: labels.get(&s.service_type).cloned().unwrap_or_else(|| s.service_type.clone()),
                capacity: s.capacity.map(|c| tr.number(c)).unwrap_or_default(),
                free: s.places_free.map(|f| f.to_string()).unwrap_or_default(),
                summary,
                has_free: s.places_free.is_some_and(|f| f > 0),
                counts: s.capacity.is_some(),
                updated,
                version: s.version,
                error: String::new(),
            }
        })
        .collect()
}

/// A provider as a card of the list.
struct Card {
    id: uuid::Uuid,
    name: String,
    country: String,
    areas: String,
    takes_referrals: bool,
    phone: String,
    tel: String,
    has_accounts: bool,
    services: Vec<ServiceView>,
}

/// A phone number as a `tel:` link target.
fn tel(phone: Option<&str>) -> String {
    phone.unwrap_or_default().chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
}

fn areas_text(tr: &Tr, areas: &[String]) -> String {
    if areas.is_empty() { tr.t("directory-whole-country") } else { areas.join(", ") }
}

#[derive(Template)]
#[template(path = "directory/list.html")]
struct ListPage {
    page: Page,
    cards: Vec<Card>,
    found: String,
    q: ListQuery,
    countries: Vec<SelectOption>,
    types: Vec<SelectOption>,
    errors: Errors,
    can_create: bool,
    newer: Option<String>,
    older: Option<String>,
    notice: Option<String>,
}

/// The search, as a query string, so a view can be bookmarked.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    language: String,
    referrals: Option<String>,
    free: Option<String>,
    page: Option<i64>,
    removed: Option<String>,
}

impl ListQuery {
    fn search(&self) -> ProviderQuery {
        ProviderQuery {
            country: self.country.clone(),
            area: self.area.clone(),
            service_type: self.service.clone(),
            language: self.language.clone(),
            takes_referrals: self.referrals.as_ref().map(|_| true),
            free_places: self.free.is_some(),
        }
    }

    /// The query string of page `n` of this search.
    fn page_link(&self, n: i64) -> String {
        let mut parts = Vec::new();
        for (k, v) in
            [("country", &self.country), ("area", &self.area), ("service", &self.service), ("language", &self.language)]
        {
            if !v.is_empty() {
                parts.push(format!("{k}={}", super::urlencode(v)));
            }
        }
        if self.referrals.is_some() {
            parts.push("referrals=on".into());
        }
        if self.free.is_some() {
            parts.push("free=on".into());
        }
        parts.push(format!("page={n}"));
        format!("/directory?{}", parts.join("&"))
    }
}

fn cards(tr: &Tr, labels: &BTreeMap<String, String>, found: &[Provider]) -> Vec<Card> {
    found
        .iter()
        .map(|p| Card {
            id: p.row.id,
            name: p.row.name.clone(),
            country: country_name(&p.row.country),
            areas: areas_text(tr, &p.areas),
            takes_referrals: p.row.takes_referrals,
            phone: p.row.phone.clone().unwrap_or_default(),
            tel: tel(p.row.phone.as_deref()),
            has_accounts: p.has_accounts(),
            services: services_view(tr, labels, p),
        })
        .collect()
}

/// The choices of the search form: configured countries and every service type.
async fn filter_options(
    state: &AppState,
    tr: &Tr,
    labels: &BTreeMap<String, String>,
    q: &ListQuery,
) -> Result<(Vec<SelectOption>, Vec<SelectOption>), AppError> {
    let mut countries = vec![SelectOption::new("", tr.t("directory-any-country"), &q.country)];
    countries.extend(
        state
            .services
            .countries()
            .await?
            .iter()
            .map(|c| SelectOption::new(c.country.clone(), country_name(&c.country), &q.country)),
    );
    let mut types = vec![SelectOption::new("", tr.t("directory-any-service"), &q.service)];
    types.extend(labels.iter().map(|(code, label)| SelectOption::new(code.clone(), label.clone(), &q.service)));
    Ok((countries, types))
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    directory_only(&user)?;
    let page = Page::signed_in(&state, &user, "directory-title", "/directory").await;
    let n = q.page.unwrap_or(1).clamp(1, 10_000);
    let labels = type_labels(&state, &page.tr).await?;
    let (found, total, errors) =
        match state.services.providers(&user.caller, &q.search(), PER_PAGE, (n - 1) * PER_PAGE).await {
            Ok((found, total)) => (found, total, Errors::default()),
            Err(e) => (Vec::new(), 0, Errors::from_service(e)?),
        };
    let tr = &page.tr;
    let (countries, types) = filter_options(&state, tr, &labels, &q).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = ListPage {
        cards: cards(tr, &labels, &found),
        found: tr.t1("directory-found", "count", tr.number(total)),
        countries,
        types,
        errors,
        can_create: user.caller.may_edit_any_directory(),
        newer: (n > 1).then(|| q.page_link(n - 1)),
        older: (n * PER_PAGE < total).then(|| q.page_link(n + 1)),
        notice: q.removed.as_ref().map(|_| tr.t("directory-removed")),
        q,
        page,
    };
    Ok((status, render(&p)).into_response())
}

#[derive(Template)]
#[template(path = "directory/show.html")]
struct ShowPage {
    page: Page,
    p: Provider,
    country: String,
    areas: String,
    languages: String,
    org_name: String,
    tel: String,
    services: Vec<ServiceView>,
    can_edit: bool,
    can_set: bool,
    errors: Errors,
    notice: Option<String>,
}

async fn show_page(state: &AppState, user: &PageUser, id: ProviderId) -> Result<ShowPage, AppError> {
    directory_only(user)?;
    let p = state.services.provider(&user.caller, id).await?;
    let page = Page::signed_in(state, user, "directory-provider", "/directory").await;
    let labels = type_labels(state, &page.tr).await?;
    let org_name = match p.row.org_id {
        Some(o) => {
            state.services.org(&user.caller, dtz_domain::ids::OrgId(o)).await.map(|o| o.name).unwrap_or_default()
        }
        None => String::new(),
    };
    let tr = &page.tr;
    Ok(ShowPage {
        country: country_name(&p.row.country),
        areas: areas_text(tr, &p.areas),
        languages: p.languages.iter().map(|l| language_name(l)).collect::<Vec<_>>().join(", "),
        services: services_view(tr, &labels, &p),
        tel: tel(p.row.phone.as_deref()),
        can_edit: p.country().is_some_and(|c| user.caller.may_edit_directory(c)),
        can_set: user.caller.may_set_availability(&p),
        org_name,
        p,
        page,
        errors: Errors::default(),
        notice: None,
    })
}

/// `?saved=1` after a change.
#[derive(Deserialize)]
pub struct ShowQuery {
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ProviderId>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let mut p = show_page(&state, &user, id).await?;
    p.notice = q.saved.map(|_| p.page.tr.t("account-saved"));
    Ok(render(&p))
}

/// The availability form: `free_<service id>` and `version_<service id>` per service.
fn availability_input(f: &BTreeMap<String, String>) -> Vec<AvailabilityInput> {
    f.iter()
        .filter_map(|(k, v)| {
            let id: uuid::Uuid = k.strip_prefix("free_")?.parse().ok()?;
            let version = f.get(&format!("version_{id}")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
            Some(AvailabilityInput { service: ProviderServiceId(id), version, places_free: v.clone() })
        })
        .collect()
}

async fn availability(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ProviderId>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    directory_only(&user)?;
    user.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let input = availability_input(&f);
    match state.services.set_availability(&user.caller, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/directory/{}?saved=1", id.0)).into_response()),
        Err(ServiceError::Stale { .. }) => {
            let mut p = show_page(&state, &user, id).await?;
            p.notice = Some(p.page.tr.t("directory-availability-stale"));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            let mut p = show_page(&state, &user, id).await?;
            for s in &mut p.services {
                let field = format!("free_{}", s.id);
                s.error = p.page.tr.message(errors.get(&field));
                if let Some(typed) = f.get(&field) {
                    s.free = typed.clone();
                }
            }
            p.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

/// Routes of the directory.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/directory", get(list).post(form::create))
        .route("/directory/new", get(form::new))
        .route("/directory/{id}", get(show))
        .route("/directory/{id}/edit", get(form::edit).post(form::update))
        .route("/directory/{id}/availability", post(availability))
        .route("/directory/{id}/delete", get(form::confirm_delete).post(form::delete))
}
