//! Who is calling. `/api` accepts only `Authorization: Bearer`, never the cookie; pages
//! accept only the session cookie. A handler states what it needs by the extractor it
//! takes: [`ApiCaller`] or [`PageUser`] — a session that has given the second factor
//! where one is needed. Only the code page, enrolment and signing out take the narrower
//! [`AnySession`] or [`EnrollingUser`].

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_services::Caller;
use dtz_services::auth::{SecondFactor, Session};
use dtz_store::users::UserRow;
use subtle::ConstantTimeEq;

/// The peer address, when the server knows it (tests and some proxies do not). It is
/// only ever used through a keyed hash, never stored or logged.
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "dtz_session";

/// An API client, authenticated by a Bearer token.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    /// The caller as the services see it.
    pub caller: Caller,
    /// The token's user.
    pub user: UserRow,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(token) = bearer(&parts.headers) else {
            return Err(AppError::Unauthorized);
        };
        match state.services.token_user(token).await? {
            Some((_, user, actor)) => Ok(ApiCaller { caller: Caller::User(actor), user }),
            None => Err(AppError::Unauthorized),
        }
    }
}

fn bearer(h: &HeaderMap) -> Option<&str> {
    let v = h.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of a cookie, if sent.
pub fn cookie<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A signed-in person on the pages.
#[derive(Clone, Debug)]
pub struct PageUser {
    /// The caller as the services see it.
    pub caller: Caller,
    /// The session (user, CSRF token).
    pub session: Session,
}

impl PageUser {
    /// Check the CSRF token a form sent against the session's, in constant time.
    pub fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        if bool::from(sent.as_bytes().ct_eq(self.session.csrf.as_bytes())) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// The user's language.
    pub fn lang(&self) -> &str {
        &self.session.user.language
    }
}

async fn page_user(parts: &Parts, state: &AppState) -> Result<Option<PageUser>, AppError> {
    let Some(c) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    if c.len() > 128 {
        return Ok(None);
    }
    Ok(state
        .services
        .session(c)
        .await?
        .map(|session| PageUser { caller: Caller::User(session.actor.clone()), session }))
}

async fn any_session(parts: &Parts, state: &AppState) -> Result<PageUser, Response> {
    page_user(parts, state)
        .await
        .map_err(IntoResponse::into_response)?
        .ok_or_else(|| AppError::Unauthorized.into_response())
}

/// Where a session that still owes its second factor is sent instead of the page it
/// asked for: the code page (coming back afterwards) or enrolment.
fn second_factor_detour(parts: &Parts, state: SecondFactor) -> Option<Response> {
    match state {
        SecondFactor::NotNeeded | SecondFactor::Passed => None,
        SecondFactor::Pending => {
            let is_get = parts.method == axum::http::Method::GET;
            let next = if is_get { parts.uri.path_and_query().map_or("/", |p| p.as_str()) } else { "/" };
            Some(Redirect::to(&format!("/login/totp?next={}", crate::pages::urlencode(next))).into_response())
        }
        SecondFactor::EnrolRequired => Some(Redirect::to("/account/totp").into_response()),
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let u = any_session(parts, state).await?;
        match second_factor_detour(parts, u.session.second_factor) {
            Some(detour) => Err(detour),
            None => Ok(u),
        }
    }
}

/// Optional sign-in: a session that still owes its second factor counts as none.
impl OptionalFromRequestParts<AppState> for PageUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, AppError> {
        Ok(page_user(parts, state).await?.filter(|u| u.session.second_factor.is_complete()))
    }
}

/// Any live session, whatever it owes: for the second-factor code page and signing out.
#[derive(Clone, Debug)]
pub struct AnySession(pub PageUser);

impl FromRequestParts<AppState> for AnySession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        any_session(parts, state).await.map(AnySession)
    }
}

/// A session that may set up its second factor: complete, or one that must enrol before
/// anything else. A session waiting for its code is sent to the code page.
#[derive(Clone, Debug)]
pub struct EnrollingUser(pub PageUser);

impl FromRequestParts<AppState> for EnrollingUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let u = any_session(parts, state).await?;
        match u.session.second_factor {
            SecondFactor::EnrolRequired => Ok(EnrollingUser(u)),
            other => match second_factor_detour(parts, other) {
                Some(detour) => Err(detour),
                None => Ok(EnrollingUser(u)),
            },
        }
    }
}

/// `Set-Cookie` value for a new session: HttpOnly, SameSite=Lax, Secure over https.
pub fn session_cookie(value: &str, https: bool) -> String {
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{}", if https { "; Secure" } else { "" })
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(https: bool) -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", if https { "; Secure" } else { "" })
}

/// A login redirect target, only if it is a local path (no scheme, no host, no `//`).
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains("://")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 512;
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(local_path("/audit?x=1"), Some("/audit?x=1"));
        for bad in ["//evil.org", "https://evil.org", "/\\evil.org", "evil", "/x\n", "javascript:alert(1)"] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }
}
