//! The signed-in person's own account: name, language, password, API tokens.

use super::{Errors, Page, render};
use crate::auth::{PageUser, clear_session_cookie};
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::i18n::staff_languages;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::ids::{TokenId, UserId};
use dtz_services::ServiceError;
use dtz_store::users::UserFields;
use serde::Deserialize;

struct TokenView {
    id: uuid::Uuid,
    name: String,
    created: String,
    last_used: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    notice: Option<String>,
    errors: Errors,
    new_token: Option<String>,
    version: i64,
    name: String,
    language_options: Vec<(&'static str, &'static str, bool)>,
    tokens: Vec<TokenView>,
    totp_on: bool,
    mail: bool,
}

async fn page(state: &AppState, user: &PageUser) -> Result<AccountPage, AppError> {
    let me = UserId(user.session.user.id);
    let u = state.services.user(&user.caller, me).await?;
    let page = Page::signed_in(state, user, "account-title", "/account").await;
    let tokens = state
        .services
        .tokens(&user.caller, me)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created: page.tr.datetime(t.created_at),
            last_used: t.last_used_at.map(|d| page.tr.datetime(d)).unwrap_or_else(|| page.tr.t("never")),
            live: t.revoked_at.is_none(),
        })
        .collect();
    Ok(AccountPage {
        notice: None,
        errors: Errors::default(),
        new_token: None,
        version: u.version,
        name: u.name,
        language_options: staff_languages().iter().map(|(c, l)| (*c, *l, *c == u.language)).collect(),
        tokens,
        totp_on: state.services.totp_status(me).await?.enabled,
        mail: state.config.mail,
        page,
    })
}

/// The account page.
pub async fn show(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    Ok(render(&page(&state, &user).await?))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    csrf: String,
    version: i64,
    name: String,
    language: String,
}

fn field_errors(e: ServiceError) -> Result<Errors, AppError> {
    Errors::from_service(e)
}

/// Save name and language (the page then speaks the new language).
pub async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<ProfileForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let me = UserId(user.session.user.id);
    let fields = UserFields { name: f.name.clone(), language: f.language.clone(), disabled: false };
    match state.services.update_user(&user.caller, me, f.version, fields).await {
        Ok(_) => Ok(Redirect::to("/account").into_response()),
        Err(e) => {
            let mut p = page(&state, &user).await?;
            p.errors = field_errors(e)?;
            p.name = f.name;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    password: String,
}

/// Change the password; every session ends, so the person signs in again.
pub async fn password(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let me = UserId(user.session.user.id);
    match state.services.set_password(&user.caller, me, Some(&f.current_password), Some(&f.password)).await {
        Ok(_) => {
            let mut r = Redirect::to("/login").into_response();
            if let Ok(v) = clear_session_cookie(state.config.https).parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        Err(e) => {
            let mut p = page(&state, &user).await?;
            p.errors = field_errors(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    name: String,
}

/// Create an API token and show it once.
pub async fn create_token(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let me = UserId(user.session.user.id);
    match state.services.create_token(&user.caller, me, &f.name).await {
        Ok((_, secret)) => {
            let mut p = page(&state, &user).await?;
            p.new_token = Some(secret);
            Ok(render(&p))
        }
        Err(e) => {
            let mut p = page(&state, &user).await?;
            p.errors = field_errors(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Revoke one of the person's tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<TokenId>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    state.services.revoke_token(&user.caller, UserId(user.session.user.id), id).await?;
    let mut p = page(&state, &user).await?;
    p.notice = Some(p.page.tr.t("token-revoked-notice"));
    Ok(render(&p))
}
