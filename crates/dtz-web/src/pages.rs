//! HTML pages for people: server-rendered, no JavaScript needed, every string from
//! Fluent. Each page module has its handlers; this file has the layout they share and
//! the rendering of errors as pages.

mod account;
mod activities;
mod admin;
mod audit;
mod cases;
mod completeness;
mod directory;
mod entry;
mod evidence;
mod finance;
mod framework;
mod home;
mod iati;
mod iati_imports;
mod login;
mod monitoring;
mod notifications;
mod public;
mod referrals;
mod report;
mod results;
mod second_factor;
mod security;
mod sheets;
mod signals;
mod sync;
mod targets;
mod totp;
mod work;

use crate::auth::PageUser;
use crate::error::{AppError, ErrorMarker};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::access::Role;
use dtz_services::Caller;

/// Rows of an uploaded file of activities (for the API's import).
pub(crate) use activities::read_rows as activity_rows;

/// A link of the navigation.
#[derive(Clone, Debug)]
pub struct NavItem {
    /// Target.
    pub href: &'static str,
    /// Translated label.
    pub label: String,
    /// The page being shown.
    pub current: bool,
}

/// The signed-in person as the top bar shows them.
#[derive(Clone, Debug)]
pub struct TopUser {
    /// Name.
    pub name: String,
    /// Organisation name.
    pub org: String,
}

/// What the layout needs on every page.
#[derive(Clone, Debug)]
pub struct Page {
    /// Translator.
    pub tr: Tr,
    /// Title.
    pub title: String,
    /// Who is signed in.
    pub user: Option<TopUser>,
    /// Navigation (only areas the person's roles use).
    pub nav: Vec<NavItem>,
    /// CSRF token for forms.
    pub csrf: String,
    /// Show the sample-data banner.
    pub demo: bool,
}

/// One field problem shown in the error summary and beside the field.
#[derive(Clone, Debug)]
pub struct FieldError {
    /// Field id.
    pub field: String,
    /// Message.
    pub message: String,
}

/// The problems of one form submission.
#[derive(Clone, Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The message for a field ("" when it has none).
    pub fn get(&self, field: &str) -> &str {
        self.0.iter().find(|e| e.field == field).map_or("", |e| e.message.as_str())
    }

    /// Whether there is any problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The field problems of a failed use case; any other error passes through.
    pub fn from_service(e: dtz_services::ServiceError) -> Result<Self, AppError> {
        match e {
            dtz_services::ServiceError::Invalid(v) => {
                Ok(Self(v.0.into_iter().map(|i| FieldError { field: i.field, message: i.message }).collect()))
            }
            other => Err(other.into()),
        }
    }
}

impl Page {
    /// The layout for a signed-in person on the page at `path`.
    pub async fn signed_in(state: &AppState, u: &PageUser, title_key: &str, path: &str) -> Self {
        let tr = Tr::new(u.lang());
        // Read with the session (one statement less on every page).
        let org = u.session.org_name.clone();
        let nav = nav_for(&tr, &u.caller, path);
        Self {
            title: tr.t(title_key),
            tr,
            user: Some(TopUser { name: u.session.user.name.clone(), org }),
            nav,
            csrf: u.session.csrf.clone(),
            demo: state.config.demo,
        }
    }

    /// The layout for someone not signed in.
    pub fn anonymous(state: &AppState, tr: Tr, title_key: &str) -> Self {
        Self { title: tr.t(title_key), tr, user: None, nav: Vec::new(), csrf: String::new(), demo: state.config.demo }
    }
}

fn nav_for(tr: &Tr, caller: &Caller, path: &str) -> Vec<NavItem> {
    let mut items = vec![("/", "nav-home")];
    if let Caller::User(a) = caller
        && a.roles.iter().any(|r| r.role != Role::ServiceProvider)
    {
        items.push(("/results", "nav-results"));
    }
    if !caller.scope(dtz_domain::access::Area::Signals).grants().is_empty() {
        items.push(("/signals", "nav-signals"));
    }
    if !caller.scope(dtz_domain::access::Area::Directory).grants().is_empty() {
        items.push(("/directory", "nav-directory"));
    }
    if activities::reads_activities(caller) && !matches!(caller, Caller::System) {
        items.push(("/activities", "nav-activities"));
    }
    if matches!(caller, Caller::User(_)) && dtz_services::Services::reads_work(caller) {
        items.extend([("/outcomes", "nav-outcomes"), ("/policy", "nav-policy"), ("/companies", "nav-companies")]);
    }
    if let Caller::User(a) = caller
        && a.roles.iter().any(|r| matches!(r.role, Role::Caseworker | Role::CaseSupervisor))
    {
        items.push(("/cases", "nav-cases"));
    }
    if let Caller::User(a) = caller
        && a.has_role(Role::ServiceProvider)
    {
        items.push(("/referrals", "nav-referrals"));
    }
    if let Caller::User(a) = caller
        && dtz_domain::monitoring::View::of(a).is_some()
    {
        items.push(("/monitoring", "nav-monitoring"));
    }
    if let Caller::User(a) = caller
        && a.has_role(Role::Administrator)
    {
        items.push(("/admin", "nav-admin"));
        items.push(("/audit", "nav-audit"));
    }
    if caller.is_system_admin() {
        items.push(("/admin/security", "nav-security"));
    }
    items.push(("/account", "nav-account"));
    items.into_iter().map(|(href, key)| NavItem { href, label: tr.t(key), current: href == path }).collect()
}

/// Render a template, or a 500 that says why in the log.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => AppError::internal(&e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    heading: String,
    message: String,
}

/// Turn error responses of page routes into pages in the reader's language; a 401
/// becomes a redirect to the sign-in page that comes back here afterwards.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path_and_query = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let is_get = req.method() == axum::http::Method::GET;
    let tr = Tr::negotiate(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let res = next.run(req).await;
    let Some(ErrorMarker(err)) = res.extensions().get::<ErrorMarker>().cloned() else {
        return res;
    };
    if let AppError::Unauthorized = err {
        let next = if is_get { path_and_query } else { "/".into() };
        let target = format!("/login?next={}", urlencode(&next));
        return Redirect::to(&target).into_response();
    }
    let code = err.status().as_u16();
    let heading = tr.t(&format!("error-{code}"));
    let message = match &err {
        AppError::Internal(id) => tr.t1("error-500-text", "id", id),
        AppError::BadRequest(m) => m.clone(),
        AppError::Validation(v) => v.iter().map(|i| tr.message(&i.message)).collect::<Vec<_>>().join(" "),
        _ => tr.t(&format!("error-{code}-text")),
    };
    let page = Page { title: heading.clone(), tr, user: None, nav: Vec::new(), csrf: String::new(), demo: false };
    let mut out = render(&ErrorPage { page, heading, message });
    *out.status_mut() = err.status();
    if let AppError::TooMany = err {
        out.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    out
}

/// Percent-encode a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn not_found() -> AppError {
    AppError::NotFound
}

const STYLE: &str = include_str!("../static/style.css");

async fn stylesheet() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        STYLE,
    )
        .into_response()
}

/// Routes of the pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::show).post(login::create))
        .route("/logout", post(login::delete))
        .route("/audit", get(audit::list))
        .route("/account", get(account::show))
        .route("/account/profile", post(account::update))
        .route("/account/password", post(account::password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .merge(admin::router())
        .merge(results::router())
        .merge(entry::router())
        .merge(completeness::router())
        .merge(sheets::router())
        .merge(framework::router())
        .merge(targets::router())
        .merge(evidence::router())
        .merge(finance::router())
        .merge(iati::router())
        .merge(iati_imports::router())
        .merge(activities::router())
        .merge(work::router())
        .route("/login/totp", get(second_factor::show).post(second_factor::create))
        .route("/account/totp", get(totp::show).post(totp::create))
        .route("/account/totp/disable", post(totp::delete))
        .route("/account/totp/recovery", post(totp::recovery))
        .route("/admin/security", get(security::show).post(security::update))
        .route("/account/notifications", get(notifications::show).post(notifications::update))
        .route("/notifications/{id}/done", post(notifications::done))
        .merge(public::router())
        .merge(signals::router())
        .merge(directory::router())
        .merge(cases::router())
        .merge(referrals::router())
        .merge(monitoring::router())
        .merge(sync::router())
        .route("/static/style.css", get(stylesheet))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(render_errors))
}
