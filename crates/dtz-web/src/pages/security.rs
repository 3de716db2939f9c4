//! Security settings of the whole system (system administrators): which roles must use
//! a second factor.

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use dtz_domain::access::Role;

struct RoleOption {
    code: &'static str,
    label: String,
    case_data: bool,
    checked: bool,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    page: Page,
    notice: Option<String>,
    version: i64,
    roles: Vec<RoleOption>,
}

async fn page(state: &AppState, user: &PageUser) -> Result<SecurityPage, AppError> {
    if !user.caller.is_system_admin() {
        // Like the rest of the administration: invisible to everyone else.
        return Err(AppError::NotFound);
    }
    let page = Page::signed_in(state, user, "security-title", "/admin/security").await;
    let required = state.services.totp_required_roles().await?;
    let roles = Role::ALL
        .iter()
        .map(|r| RoleOption {
            code: r.as_str(),
            label: page.tr.t(&format!("role-{}", r.as_str())),
            case_data: r.handles_case_data(),
            checked: required.roles.contains(r),
        })
        .collect();
    Ok(SecurityPage { page, notice: None, version: required.version, roles })
}

/// The settings form.
pub async fn show(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    Ok(render(&page(&state, &user).await?))
}

/// Save which roles must use a second factor. The form arrives as pairs, since a
/// checkbox list repeats its name.
pub async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
    user.check_csrf(field("csrf"))?;
    let version: i64 = field("version").parse().map_err(|_| AppError::BadRequest("version".into()))?;
    let roles: Vec<Role> =
        pairs.iter().filter(|(k, _)| k == "roles").filter_map(|(_, v)| Role::parse("roles", v).ok()).collect();
    state.services.set_totp_required_roles(&user.caller, &roles, version).await?;
    let mut p = page(&state, &user).await?;
    p.notice = Some(p.page.tr.t("security-saved"));
    Ok(render(&p).into_response())
}
