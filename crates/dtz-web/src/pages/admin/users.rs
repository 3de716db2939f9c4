//! Users: list and create (in organisations the caller administers), edit name and
//! language, give and take back roles, disable and enable, set a new password.
//! Destructive actions are confirmed on a page of their own.

use super::{SelectOption, admin_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath, Query};
use crate::i18n::staff_languages;
use crate::pages::{Errors, FieldError, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::{OrgId, RoleAssignmentId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_services::accounts::UserInput;
use dtz_store::users::UserFields;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

struct UserView {
    id: Uuid,
    email: String,
    name: String,
    org: String,
    roles: String,
    disabled: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    language: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    page: Page,
    users: Vec<UserView>,
    form: NewUserForm,
    orgs: Vec<SelectOption>,
    languages: Vec<SelectOption>,
    errors: Errors,
}

#[derive(Deserialize)]
pub struct ListQuery {
    org: Option<Uuid>,
}

fn role_label(page: &Page, r: &str, country: Option<&str>) -> String {
    let mut s = page.tr.t(&format!("role-{r}"));
    if let Some(c) = country {
        s.push_str(&format!(" · {c}"));
    }
    s
}

async fn list_page(
    state: &AppState,
    user: &PageUser,
    org: Option<Uuid>,
    form: NewUserForm,
    errors: Errors,
) -> Result<ListPage, AppError> {
    let page = Page::signed_in(state, user, "admin-users", "/admin").await;
    let all = state.services.orgs(&user.caller).await?;
    let names: HashMap<Uuid, String> = all.iter().map(|o| (o.id, o.name.clone())).collect();
    let mut users = Vec::new();
    for u in state.services.users(&user.caller, org.map(OrgId)).await? {
        let roles = state.services.roles(&user.caller, UserId(u.id)).await?;
        let roles =
            roles.iter().map(|r| role_label(&page, &r.role, r.country.as_deref())).collect::<Vec<_>>().join(", ");
        users.push(UserView {
            id: u.id,
            org: names.get(&u.org_id).cloned().unwrap_or_default(),
            email: u.email,
            name: u.name,
            roles,
            disabled: u.disabled,
        });
    }
    let orgs = all
        .into_iter()
        .filter(|o| user.caller.administers(OrgId(o.id)))
        .map(|o| SelectOption::new(o.id.to_string(), o.name, &form.org))
        .collect();
    let languages = staff_languages().iter().map(|(c, l)| SelectOption::new(*c, *l, &form.language)).collect();
    Ok(ListPage { page, users, form, orgs, languages, errors })
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    admin_only(&user)?;
    let form = NewUserForm {
        language: "en".into(),
        org: q.org.map(|o| o.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    Ok(render(&list_page(&state, &user, q.org, form, Errors::default()).await?))
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<NewUserForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let input = UserInput {
        org: f.org.parse().ok().map(OrgId),
        email: f.email.clone(),
        name: f.name.clone(),
        language: f.language.clone(),
        password: None,
        roles: Vec::new(),
    };
    match state.services.create_user(&user.caller, UserId::new(), input).await {
        Ok(created) => {
            let mut p = detail_page(&state, &user, UserId(created.user.id)).await?;
            p.password = created.password;
            Ok((StatusCode::CREATED, render(&p)).into_response())
        }
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&list_page(&state, &user, None, f, errors).await?))
                .into_response())
        }
    }
}

struct RoleView {
    id: Uuid,
    label: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct DetailPage {
    page: Page,
    id: Uuid,
    email: String,
    name: String,
    version: i64,
    disabled: bool,
    languages: Vec<SelectOption>,
    roles: Vec<RoleView>,
    role_options: Vec<SelectOption>,
    org_options: Vec<SelectOption>,
    team_options: Vec<SelectOption>,
    errors: Errors,
    notice: Option<String>,
    password: Option<String>,
}

async fn detail_page(state: &AppState, user: &PageUser, id: UserId) -> Result<DetailPage, AppError> {
    let u = state.services.user(&user.caller, id).await?;
    let page = Page::signed_in(state, user, "admin-users", "/admin").await;
    let roles = state
        .services
        .roles(&user.caller, id)
        .await?
        .into_iter()
        .map(|r| RoleView { id: r.id, label: role_label(&page, &r.role, r.country.as_deref()) })
        .collect();
    let grantable: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| user.caller.is_system_admin() || !matches!(r, Role::AllianceManager | Role::Donor))
        .collect();
    let role_options = grantable
        .iter()
        .map(|r| SelectOption::new(r.as_str(), page.tr.t(&format!("role-{}", r.as_str())), ""))
        .collect();
    let mut org_options = vec![SelectOption::new("", page.tr.t("role-scope-alliance"), "")];
    org_options.extend(
        state
            .services
            .orgs(&user.caller)
            .await?
            .into_iter()
            .filter(|o| user.caller.administers(OrgId(o.id)))
            .map(|o| SelectOption::new(o.id.to_string(), o.name, &u.org_id.to_string())),
    );
    let mut team_options = vec![SelectOption::new("", page.tr.t("role-no-team"), "")];
    team_options.extend(
        state.services.teams(&user.caller).await?.into_iter().map(|t| SelectOption::new(t.id.to_string(), t.name, "")),
    );
    let languages = staff_languages().iter().map(|(c, l)| SelectOption::new(*c, *l, &u.language)).collect();
    Ok(DetailPage {
        page,
        id: u.id,
        email: u.email,
        name: u.name,
        version: u.version,
        disabled: u.disabled,
        languages,
        roles,
        role_options,
        org_options,
        team_options,
        errors: Errors::default(),
        notice: None,
        password: None,
    })
}

async fn show(State(state): State<AppState>, user: PageUser, IdPath(id): IdPath<UserId>) -> Result<Response, AppError> {
    admin_only(&user)?;
    Ok(render(&detail_page(&state, &user, id).await?))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    csrf: String,
    version: i64,
    name: String,
    language: String,
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<UserId>,
    Form(f): Form<ProfileForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let current = state.services.user(&user.caller, id).await?;
    let fields = UserFields { name: f.name, language: f.language, disabled: current.disabled };
    let outcome = state.services.update_user(&user.caller, id, f.version, fields).await;
    respond(&state, &user, id, outcome.map(|_| "account-saved")).await
}

/// Render the user page after an action: a notice on success, field problems or the
/// lost-update message otherwise.
async fn respond(
    state: &AppState,
    user: &PageUser,
    id: UserId,
    outcome: Result<&str, dtz_services::ServiceError>,
) -> Result<Response, AppError> {
    let mut p = detail_page(state, user, id).await?;
    match outcome {
        Ok(key) => {
            p.notice = Some(p.page.tr.t(key));
            Ok(render(&p))
        }
        Err(dtz_services::ServiceError::Stale { changed, .. }) => {
            p.notice = Some(p.page.tr.t1("admin-stale", "fields", changed.join(", ")));
            Ok((StatusCode::CONFLICT, render(&p)).into_response())
        }
        Err(e) => {
            p.errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    csrf: String,
    role: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    team: String,
}

fn parse_role(f: &RoleForm) -> Result<RoleAssignment, dtz_services::ServiceError> {
    let role = Role::parse("role", &f.role)?;
    let country = match f.country.trim() {
        "" => None,
        c => Some(CountryCode::parse("country", c)?),
    };
    Ok(RoleAssignment { role, org: f.org.parse().ok().map(OrgId), country, team: f.team.parse().ok().map(TeamId) })
}

async fn add_role(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<UserId>,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let outcome = match parse_role(&f) {
        Ok(a) => state.services.assign_role(&user.caller, id, a).await.map(|_| "role-added"),
        Err(e) => Err(e),
    };
    respond(&state, &user, id, outcome).await
}

#[derive(Template)]
#[template(path = "admin/confirm.html")]
struct ConfirmPage {
    page: Page,
    question: String,
    action: String,
    button: String,
    back: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// The confirmation page of a destructive action on a user.
async fn confirm(
    State(state): State<AppState>,
    user: PageUser,
    Path(p): Path<(Uuid, String)>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    let (id, what) = p;
    let u = state.services.user(&user.caller, UserId(id)).await?;
    let page = Page::signed_in(&state, &user, "admin-users", "/admin").await;
    let (question, button) = match what.as_str() {
        "disable" => (page.tr.t1("user-disable-question", "email", &u.email), page.tr.t("user-disable")),
        "password" => (page.tr.t1("user-password-question", "email", &u.email), page.tr.t("user-password")),
        _ => return Err(AppError::NotFound),
    };
    let action = format!("/admin/users/{id}/{what}");
    Ok(render(&ConfirmPage { page, question, action, button, back: format!("/admin/users/{id}") }))
}

async fn disable(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<UserId>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    set_disabled(state, user, id, f, true).await
}

async fn enable(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<UserId>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    set_disabled(state, user, id, f, false).await
}

async fn set_disabled(
    state: AppState,
    user: PageUser,
    id: UserId,
    f: CsrfForm,
    disabled: bool,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let u = state.services.user(&user.caller, id).await?;
    let fields = UserFields { name: u.name, language: u.language, disabled };
    let outcome = state.services.update_user(&user.caller, id, u.version, fields).await;
    respond(&state, &user, id, outcome.map(|_| if disabled { "user-disabled" } else { "user-enabled" })).await
}

async fn password(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<UserId>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let generated = state.services.set_password(&user.caller, id, None, None).await?;
    let mut p = detail_page(&state, &user, id).await?;
    p.password = generated;
    Ok(render(&p))
}

async fn confirm_remove_role(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, role)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    let roles = state.services.roles(&user.caller, UserId(id)).await?;
    let r = roles.into_iter().find(|r| r.id == role).ok_or(AppError::NotFound)?;
    let page = Page::signed_in(&state, &user, "admin-users", "/admin").await;
    let label = role_label(&page, &r.role, r.country.as_deref());
    let question = page.tr.t1("role-remove-question", "role", label);
    let button = page.tr.t("role-remove");
    Ok(render(&ConfirmPage {
        page,
        question,
        action: format!("/admin/users/{id}/roles/{role}/remove"),
        button,
        back: format!("/admin/users/{id}"),
    }))
}

async fn remove_role(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, role)): Path<(Uuid, Uuid)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    admin_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let outcome = state.services.revoke_role(&user.caller, UserId(id), RoleAssignmentId(role)).await;
    if let Err(dtz_services::ServiceError::Invalid(v)) = outcome {
        let mut p = detail_page(&state, &user, UserId(id)).await?;
        p.errors = Errors(v.0.into_iter().map(|i| FieldError { field: i.field, message: i.message }).collect());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response());
    }
    outcome?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/{id}", get(show).post(update))
        .route("/admin/users/{id}/roles", post(add_role))
        .route("/admin/users/{id}/roles/{role}/remove", get(confirm_remove_role).post(remove_role))
        .route("/admin/users/{id}/disable", post(disable))
        .route("/admin/users/{id}/enable", post(enable))
        .route("/admin/users/{id}/password", post(password))
        .route("/admin/users/{id}/confirm/{what}", get(confirm))
}
