//! Organisations: the list, a new one (system administrators), editing (administrators of
//! that organisation), with the version check that refuses lost updates.

use super::{SelectOption, admin_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::ids::OrgId;
use dtz_domain::org::{OrgFields, OrgKind};
use dtz_services::ServiceError;
use dtz_store::orgs::OrgRow;
use serde::Deserialize;

/// The organisation form's fields, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    iati_id: String,
    #[serde(default)]
    country: String,
    publishable: Option<String>,
}

impl OrgForm {
    fn from_row(o: &OrgRow) -> Self {
        Self {
            csrf: String::new(),
            version: o.version,
            name: o.name.clone(),
            kind: o.kind.clone(),
            iati_id: o.iati_id.clone().unwrap_or_default(),
            country: o.country.clone().unwrap_or_default(),
            publishable: o.publishable.then(|| "on".into()),
        }
    }

    fn parse(&self) -> Result<OrgFields, ServiceError> {
        OrgFields::parse(&self.name, &self.kind, Some(&self.iati_id), Some(&self.country), self.publishable.is_some())
            .map_err(ServiceError::Invalid)
    }
}

struct OrgView {
    id: uuid::Uuid,
    name: String,
    kind: String,
    iati_id: String,
    country: String,
    publishable: bool,
}

#[derive(Template)]
#[template(path = "admin/orgs.html")]
struct ListPage {
    page: Page,
    orgs: Vec<OrgView>,
    can_create: bool,
    form: OrgForm,
    kinds: Vec<SelectOption>,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "admin/org.html")]
struct EditPage {
    page: Page,
    id: uuid::Uuid,
    form: OrgForm,
    kinds: Vec<SelectOption>,
    errors: Errors,
    can_edit: bool,
    notice: Option<String>,
}

fn kinds(page: &Page, current: &str) -> Vec<SelectOption> {
    OrgKind::ALL
        .iter()
        .map(|k| SelectOption::new(k.as_str(), page.tr.t(&format!("org-kind-{}", k.as_str())), current))
        .collect()
}

async fn list_page(state: &AppState, user: &PageUser, form: OrgForm, errors: Errors) -> Result<ListPage, AppError> {
    let page = Page::signed_in(state, user, "admin-orgs", "/admin").await;
    let orgs = state
        .services
        .orgs(&user.caller)
        .await?
        .into_iter()
        .map(|o| OrgView {
            kind: page.tr.t(&format!("org-kind-{}", o.kind)),
            id: o.id,
            name: o.name,
            iati_id: o.iati_id.unwrap_or_default(),
            country: o.country.unwrap_or_default(),
            publishable: o.publishable,
        })
        .collect();
    let kinds = kinds(&page, &form.kind);
    Ok(ListPage { can_create: user.caller.is_system_admin(), page, orgs, form, kinds, errors })
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    admin_only(&user)?;
    let form = OrgForm { kind: "local_partner".into(), publishable: Some("on".into()), ..OrgForm::default() };
    Ok(render(&list_page(&state, &user, form, Errors::default()).await?))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<OrgForm>) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let result = match f.parse() {
        Ok(fields) => state.services.create_org(&user.caller, OrgId::new(), fields).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/admin/organisations/{}", o.id)).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&list_page(&state, &user, f, errors).await?)).into_response())
        }
    }
}

async fn edit_page(
    state: &AppState,
    user: &PageUser,
    id: OrgId,
    form: Option<OrgForm>,
    errors: Errors,
) -> Result<EditPage, AppError> {
    let org = state.services.org(&user.caller, id).await?;
    let page = Page::signed_in(state, user, "admin-orgs", "/admin").await;
    let form = form.unwrap_or_else(|| OrgForm::from_row(&org));
    let kinds = kinds(&page, &form.kind);
    Ok(EditPage { can_edit: user.caller.administers(id), page, id: org.id, form, kinds, errors, notice: None })
}

async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<OrgId>) -> Result<Response, AppError> {
    admin_only(&user)?;
    Ok(render(&edit_page(&state, &user, id, None, Errors::default()).await?))
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<OrgId>,
    Form(f): Form<OrgForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let result = match f.parse() {
        Ok(fields) => state.services.update_org(&user.caller, id, f.version, fields).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            let mut p = edit_page(&state, &user, id, None, Errors::default()).await?;
            p.notice = Some(p.page.tr.t("account-saved"));
            Ok(render(&p))
        }
        Err(ServiceError::Stale { changed, .. }) => {
            let mut p = edit_page(&state, &user, id, None, Errors::default()).await?;
            p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&edit_page(&state, &user, id, Some(f), errors).await?))
                .into_response())
        }
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/organisations", get(list).post(create))
        .route("/admin/organisations/{id}", get(show).post(update))
}
