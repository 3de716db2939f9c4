//! An app per test, driven in-process through the router.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dtz_domain::ManualClock;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::org::OrgFields;
use dtz_services::accounts::UserInput;
use dtz_services::{Caller, Services};
use dtz_testkit::{Backend, TestDb};
use dtz_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub services: Services,
    pub clock: ManualClock,
    pub db: TestDb,
}

/// A response, read whole.
pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub const PASSWORD: &str = "a long enough test passphrase";

impl TestApp {
    pub async fn new(backend: Backend) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let clock = dtz_testkit::clock();
        let services = db.services(&clock);
        let router = dtz_web::router(AppState::new(services.clone(), WebConfig::default()));
        Some(Self { router, services, clock, db })
    }

    pub async fn send(&self, req: Request<Body>) -> Res {
        let r = self.router.clone().oneshot(req).await.expect("infallible");
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.into_body().collect().await.expect("body").to_bytes().to_vec();
        Res { status, headers, body }
    }

    /// A JSON API call with a Bearer token.
    pub async fn api(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Res {
        let mut b = Request::builder().method(method).uri(format!("/api/v1{path}"));
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.expect("request")).await
    }

    pub async fn org(&self, name: &str, kind: &str) -> OrgId {
        let f = OrgFields::parse(name, kind, None, Some("BO"), true).expect("org fields");
        OrgId(self.services.create_org(&Caller::System, OrgId::new(), f).await.expect("create org").id)
    }

    /// A user with one role, and a token for it.
    pub async fn user(&self, email: &str, org: OrgId, role: Option<RoleAssignment>) -> (UserId, String) {
        let input = UserInput {
            org: Some(org),
            email: email.into(),
            name: format!("Test {email}"),
            language: "en".into(),
            password: Some(PASSWORD.into()),
            roles: Vec::new(),
        };
        let u = self.services.create_user(&Caller::System, UserId::new(), input).await.expect("create user");
        let id = UserId(u.user.id);
        if let Some(r) = role {
            self.services.assign_role(&Caller::System, id, r).await.expect("assign role");
        }
        let (_, token) = self.services.create_token(&Caller::System, id, "test").await.expect("token");
        (id, token)
    }

    /// A system administrator's token.
    pub async fn admin(&self) -> String {
        let org = self.org("Admin home", "alliance_member").await;
        self.user(
            "root@example.org",
            org,
            Some(RoleAssignment { role: Role::Administrator, org: None, country: None, team: None }),
        )
        .await
        .1
    }

    /// Sign in through the form; returns the session cookie.
    pub async fn login(&self, email: &str, password: &str) -> Option<String> {
        let body = format!("email={}&password={}&next=%2F", urlenc(email), urlenc(password));
        let r = self
            .send(
                Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        let c = r.headers.get(header::SET_COOKIE)?.to_str().ok()?;
        Some(c.split(';').next()?.to_owned())
    }

    /// Signed in as a fresh user of another organisation (no roles).
    pub async fn login_other(&self) -> String {
        let org = self.org(&format!("Elsewhere {}", uuid::Uuid::new_v4()), "local_partner").await;
        let email = format!("other-{}@example.org", uuid::Uuid::new_v4().simple());
        self.user(&email, org, None).await;
        self.login(&email, PASSWORD).await.expect("login")
    }

    /// A page with a session cookie.
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Res {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    /// Post a form with a session cookie.
    pub async fn post_form(&self, path: &str, cookie: Option<&str>, body: &str) -> Res {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body.to_owned())).expect("request")).await
    }
}

pub fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token in a page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned()
}

/// Run a test body on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident => $body:ident;)*) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::support::TestApp::new(dtz_testkit::Backend::Sqlite).await.expect("sqlite");
                super::$body(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::new(dtz_testkit::Backend::Postgres).await {
                    super::$body(app).await;
                }
            }
        }
    )*};
}
