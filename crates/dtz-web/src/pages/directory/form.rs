//! Creating, editing and removing directory entries (system administrators; country
//! coordinators in their country; everyone else gets 403, since the directory itself is
//! theirs to read), with the version check that refuses lost updates.

use super::{directory_only, type_labels};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::admin::SelectOption;
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::directory::{ProviderFields, ProviderId, ProviderInput, split_areas, split_languages};
use dtz_domain::ids::OrgId;
use dtz_domain::org::{CountryCode, OrgKind};
use dtz_domain::validate::Invalid;
use dtz_services::ServiceError;
use dtz_services::directory::Provider;
use std::collections::BTreeMap;

/// The provider form as typed.
#[derive(Clone, Debug, Default)]
pub struct ProviderForm {
    version: i64,
    name: String,
    country: String,
    org_id: String,
    takes_referrals: bool,
    phone: String,
    email: String,
    address: String,
    notes: String,
    areas: String,
    languages: String,
    /// Service type code → (offered, capacity as typed).
    services: BTreeMap<String, (bool, String)>,
}

impl ProviderForm {
    fn from_map(m: &BTreeMap<String, String>) -> Self {
        let get = |k: &str| m.get(k).cloned().unwrap_or_default();
        let mut services: BTreeMap<String, (bool, String)> = BTreeMap::new();
        for (k, v) in m {
            if let Some(code) = k.strip_prefix("capacity_") {
                services.entry(code.to_owned()).or_default().1 = v.clone();
            } else if let Some(code) = k.strip_prefix("service_") {
                services.entry(code.to_owned()).or_default().0 = true;
            }
        }
        Self {
            version: get("version").trim().parse().unwrap_or(0),
            name: get("name"),
            country: get("country"),
            org_id: get("org_id"),
            takes_referrals: m.contains_key("takes_referrals"),
            phone: get("phone"),
            email: get("email"),
            address: get("address"),
            notes: get("notes"),
            areas: get("areas"),
            languages: get("languages"),
            services,
        }
    }

    fn from_provider(p: &Provider) -> Self {
        Self {
            version: p.row.version,
            name: p.row.name.clone(),
            country: p.row.country.clone(),
            org_id: p.row.org_id.map(|o| o.to_string()).unwrap_or_default(),
            takes_referrals: p.row.takes_referrals,
            phone: p.row.phone.clone().unwrap_or_default(),
            email: p.row.email.clone().unwrap_or_default(),
            address: p.address.clone().unwrap_or_default(),
            notes: p.row.notes.clone().unwrap_or_default(),
            areas: p.areas.join("\n"),
            languages: p.languages.join(", "),
            services: p
                .services
                .iter()
                .map(|s| (s.service_type.clone(), (true, s.capacity.map(|c| c.to_string()).unwrap_or_default())))
                .collect(),
        }
    }

    fn fields(&self) -> Result<ProviderFields, ServiceError> {
        let org = match self.org_id.trim() {
            "" => None,
            s => Some(s.parse::<OrgId>().map_err(|_| Invalid::new("org_id", "Choose an organisation from the list."))?),
        };
        let input = ProviderInput {
            name: self.name.clone(),
            country: self.country.clone(),
            org,
            takes_referrals: self.takes_referrals,
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            notes: self.notes.clone(),
            areas: split_areas(&self.areas),
            languages: split_languages(&self.languages),
            services: self
                .services
                .iter()
                .filter(|(_, (on, _))| *on)
                .map(|(c, (_, cap))| (c.clone(), cap.clone()))
                .collect(),
        };
        Ok(ProviderFields::parse(&input)?)
    }
}

/// A service type as a checkbox with its capacity.
struct ServiceOption {
    code: String,
    label: String,
    checked: bool,
    capacity: String,
    error: String,
}

#[derive(Template)]
#[template(path = "directory/form.html")]
struct FormPage {
    page: Page,
    action: String,
    heading: String,
    back: String,
    form: ProviderForm,
    countries: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    services: Vec<ServiceOption>,
    errors: Errors,
    notice: Option<String>,
}

async fn form_page(
    state: &AppState,
    user: &PageUser,
    existing: Option<&Provider>,
    form: ProviderForm,
    errors: Errors,
) -> Result<FormPage, AppError> {
    let title = if existing.is_some() { "directory-edit" } else { "directory-new" };
    let page = Page::signed_in(state, user, title, "/directory").await;
    let tr = &page.tr;
    let mut countries = vec![SelectOption::new("", tr.t("directory-choose-country"), &form.country)];
    for c in state.services.countries().await? {
        let code = CountryCode::parse("country", &c.country).ok();
        if code.is_some_and(|code| user.caller.may_edit_directory(code)) || c.country == form.country {
            countries.push(SelectOption::new(c.country.clone(), super::country_name(&c.country), &form.country));
        }
    }
    let mut orgs = vec![SelectOption::new("", tr.t("directory-no-org"), &form.org_id)];
    orgs.extend(
        state
            .services
            .orgs(&user.caller)
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::ServiceProvider.as_str())
            .map(|o| SelectOption::new(o.id.to_string(), o.name, &form.org_id)),
    );
    let labels = type_labels(state, tr).await?;
    let country = CountryCode::parse("country", &form.country).ok();
    let mut codes: Vec<String> = state
        .services
        .service_types(country.as_ref().map(CountryCode::as_str))
        .await?
        .into_iter()
        .map(|t| t.row.code)
        .collect();
    codes.extend(form.services.keys().filter(|c| labels.contains_key(*c)).cloned());
    codes.dedup();
    let mut seen = std::collections::BTreeSet::new();
    let services = codes
        .into_iter()
        .filter(|c| seen.insert(c.clone()))
        .map(|code| {
            let (checked, capacity) = form.services.get(&code).cloned().unwrap_or_default();
            ServiceOption {
                label: labels.get(&code).cloned().unwrap_or_else(|| code.clone()),
                error: tr.message(errors.get(&format!("capacity_{code}"))),
                code,
                checked,
                capacity,
            }
        })
        .collect();
    let (action, back) = match existing {
        Some(p) => (format!("/directory/{}/edit", p.row.id), format!("/directory/{}", p.row.id)),
        None => ("/directory".to_owned(), "/directory".to_owned()),
    };
    Ok(FormPage {
        heading: existing.map_or_else(|| tr.t("directory-new"), |p| p.row.name.clone()),
        action,
        back,
        form,
        countries,
        orgs,
        services,
        errors,
        notice: None,
        page,
    })
}

fn unprocessable(p: &FormPage) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, render(p)).into_response()
}

/// The form for a new provider.
pub async fn new(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    directory_only(&user)?;
    if !user.caller.may_edit_any_directory() {
        return Err(AppError::Forbidden);
    }
    let form = ProviderForm { takes_referrals: true, ..ProviderForm::default() };
    Ok(render(&form_page(&state, &user, None, form, Errors::default()).await?))
}

/// Add a provider.
pub async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(m): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    directory_only(&user)?;
    user.check_csrf(m.get("csrf").map_or("", String::as_str))?;
    let form = ProviderForm::from_map(&m);
    let result = match form.fields() {
        Ok(f) => state.services.create_provider(&user.caller, ProviderId::new(), f).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/directory/{}", p.row.id)).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok(unprocessable(&form_page(&state, &user, None, form, errors).await?))
        }
    }
}

async fn editable(state: &AppState, user: &PageUser, id: ProviderId) -> Result<Provider, AppError> {
    directory_only(user)?;
    let p = state.services.provider(&user.caller, id).await?;
    match p.country() {
        Some(c) if user.caller.may_edit_directory(c) => Ok(p),
        _ => Err(AppError::Forbidden),
    }
}

/// The form of an existing provider.
pub async fn edit(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ProviderId>,
) -> Result<Response, AppError> {
    let p = editable(&state, &user, id).await?;
    let form = ProviderForm::from_provider(&p);
    Ok(render(&form_page(&state, &user, Some(&p), form, Errors::default()).await?))
}

/// Change a provider.
pub async fn update(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ProviderId>,
    Form(m): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let p = editable(&state, &user, id).await?;
    user.check_csrf(m.get("csrf").map_or("", String::as_str))?;
    let form = ProviderForm::from_map(&m);
    let result = match form.fields() {
        Ok(f) => state.services.update_provider(&user.caller, id, form.version, f).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/directory/{}?saved=1", id.0)).into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let now = state.services.provider(&user.caller, id).await?;
            let mut page =
                form_page(&state, &user, Some(&now), ProviderForm::from_provider(&now), Errors::default()).await?;
            page.notice = Some(page.page.tr.t1("directory-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok(unprocessable(&form_page(&state, &user, Some(&p), form, errors).await?))
        }
    }
}

#[derive(Template)]
#[template(path = "directory/delete.html")]
struct DeletePage {
    page: Page,
    id: uuid::Uuid,
    name: String,
    version: i64,
    notice: Option<String>,
}

async fn delete_page(state: &AppState, user: &PageUser, p: &Provider) -> DeletePage {
    DeletePage {
        page: Page::signed_in(state, user, "directory-delete", "/directory").await,
        id: p.row.id,
        name: p.row.name.clone(),
        version: p.row.version,
        notice: None,
    }
}

/// Ask before removing a provider.
pub async fn confirm_delete(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ProviderId>,
) -> Result<Response, AppError> {
    let p = editable(&state, &user, id).await?;
    Ok(render(&delete_page(&state, &user, &p).await))
}

/// Remove a provider from the directory.
pub async fn delete(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<ProviderId>,
    Form(m): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    editable(&state, &user, id).await?;
    user.check_csrf(m.get("csrf").map_or("", String::as_str))?;
    let version = m.get("version").and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    match state.services.delete_provider(&user.caller, id, version).await {
        Ok(()) => Ok(Redirect::to("/directory?removed=1").into_response()),
        Err(ServiceError::Stale { changed, .. }) => {
            let now = state.services.provider(&user.caller, id).await?;
            let mut page = delete_page(&state, &user, &now).await;
            page.notice = Some(page.page.tr.t1("directory-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
