//! Sign-in, sessions, CSRF, security headers and the account and audit pages.

use crate::support::{PASSWORD, TestApp, csrf_of, urlenc};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dtz_domain::access::{Role, RoleAssignment};

crate::on_both! {
    signing_in_gives_a_fresh_hardened_session => sign_in;
    unknown_users_and_wrong_passwords_get_the_same_answer => same_answer;
    sign_in_attempts_are_throttled => throttled;
    sessions_end_after_idle_and_absolute_timeouts => timeouts;
    forms_need_the_session_csrf_token_and_same_origin => csrf;
    changing_the_password_ends_every_session => password_change;
    account_page_creates_and_revokes_tokens => tokens;
    audit_page_shows_events_in_scope => audit_page;
    pages_speak_the_users_language => language;
}

async fn sign_in(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    let r = app
        .post_form("/login", None, &format!("email=ana%40example.org&password={}&next=%2Faccount", urlenc(PASSWORD)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/account");
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    let first = cookie.split(';').next().unwrap().to_owned();
    let second = app.login("ana@example.org", PASSWORD).await.unwrap();
    assert_ne!(first, second, "every sign-in gets a new session id");
    // The session id is stored only as a hash.
    let raw = first.split('=').nth(1).unwrap().to_owned();
    let stored: Vec<(Vec<u8>,)> =
        app.db.db.read().fetch_all(&dtz_store::Sql::new("SELECT id_hash FROM sessions")).await.unwrap();
    assert!(stored.iter().all(|(h,)| h.len() == 32 && *h != raw.as_bytes()));
    // Pages behind sign-in are no-store and carry the security headers.
    let home = app.page("/", Some(&first)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.headers[header::CACHE_CONTROL], "no-store");
    let csp = home.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(home.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(home.headers[header::REFERRER_POLICY], "no-referrer");
    // Redirects after sign-in go to local paths only.
    for evil in ["%2F%2Fevil.example.org", "https%3A%2F%2Fevil.example.org", "%2F%5Cevil.example.org"] {
        let r = app
            .post_form("/login", None, &format!("email=ana%40example.org&password={}&next={evil}", urlenc(PASSWORD)))
            .await;
        assert_eq!(r.headers[header::LOCATION], "/", "{evil}");
    }
    // Without a session a page sends to the sign-in page and back.
    let r = app.page("/account?x=1", None).await;
    assert_eq!(r.headers[header::LOCATION], "/login?next=/account%3Fx%3D1");
    // The API never accepts the cookie.
    let r = app.send(Request::get("/api/v1/me").header(header::COOKIE, &first).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

async fn same_answer(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    let wrong = app.post_form("/login", None, "email=ana%40example.org&password=not+the+password").await;
    let unknown = app.post_form("/login", None, "email=nobody%40example.org&password=not+the+password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    let a = wrong.text().replace("ana@example.org", "X");
    let b = unknown.text().replace("nobody@example.org", "X");
    assert_eq!(a, b);
    assert!(a.contains("The e-mail address or password is not right."));
}

async fn throttled(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    for _ in 0..10 {
        let r = app.post_form("/login", None, "email=ANA%40example.org&password=wrong+password+1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app.post_form("/login", None, &format!("email=ana%40example.org&password={}", urlenc(PASSWORD))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the 11th try within 15 minutes waits, even when right");
    assert!(r.text().contains("Too many attempts"));
    // Another person is not affected.
    app.user("bo@example.org", org, None).await;
    assert!(app.login("bo@example.org", PASSWORD).await.is_some());
}

async fn timeouts(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    let c = app.login("ana@example.org", PASSWORD).await.unwrap();
    app.clock.advance(time::Duration::minutes(90));
    assert_eq!(app.page("/", Some(&c)).await.status, StatusCode::OK, "activity within the idle limit");
    app.clock.advance(time::Duration::minutes(121));
    assert_eq!(app.page("/", Some(&c)).await.status, StatusCode::SEE_OTHER, "idle too long");
    let c = app.login("ana@example.org", PASSWORD).await.unwrap();
    for _ in 0..12 {
        app.clock.advance(time::Duration::minutes(61));
        let r = app.page("/", Some(&c)).await;
        if r.status != StatusCode::OK {
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            return;
        }
    }
    panic!("the absolute timeout did not end the session");
}

async fn csrf(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    let c = app.login("ana@example.org", PASSWORD).await.unwrap();
    let page = app.page("/account", Some(&c)).await;
    let token = csrf_of(&page.text());
    assert_eq!(token.len(), 64);
    let r = app.post_form("/logout", Some(&c), "csrf=wrong").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let cross = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &c)
                .header("sec-fetch-site", "cross-site")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={token}")))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let foreign_origin = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &c)
                .header(header::HOST, "dtz.example.org")
                .header(header::ORIGIN, "https://evil.example.org")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={token}")))
                .unwrap(),
        )
        .await;
    assert_eq!(foreign_origin.status, StatusCode::FORBIDDEN);
    let r = app.post_form("/logout", Some(&c), &format!("csrf={token}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.page("/", Some(&c)).await.status, StatusCode::SEE_OTHER, "signed out on the server too");
}

async fn password_change(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    let c1 = app.login("ana@example.org", PASSWORD).await.unwrap();
    let c2 = app.login("ana@example.org", PASSWORD).await.unwrap();
    let token = csrf_of(&app.page("/account", Some(&c1)).await.text());
    let weak = app
        .post_form(
            "/account/password",
            Some(&c1),
            &format!("csrf={token}&current_password={}&password=1234567890", urlenc(PASSWORD)),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().contains("common passwords"), "{}", weak.text());
    let r = app
        .post_form(
            "/account/password",
            Some(&c1),
            &format!("csrf={token}&current_password={}&password=another+good+passphrase", urlenc(PASSWORD)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.page("/", Some(&c1)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.page("/", Some(&c2)).await.status, StatusCode::SEE_OTHER, "every session ended");
    assert!(app.login("ana@example.org", PASSWORD).await.is_none());
    assert!(app.login("ana@example.org", "another good passphrase").await.is_some());
}

async fn tokens(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    let c = app.login("ana@example.org", PASSWORD).await.unwrap();
    let token = csrf_of(&app.page("/account", Some(&c)).await.text());
    let r = app.post_form("/account/tokens", Some(&c), &format!("csrf={token}&name=reporting+script")).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    let secret = html.split("<code class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(secret.starts_with("dtz_"));
    let me = app.api(axum::http::Method::GET, "/me", Some(&secret), None).await;
    assert_eq!(me.status, StatusCode::OK);
    // Shown once: the account page lists the token by name only.
    let page = app.page("/account", Some(&c)).await.text();
    assert!(page.contains("reporting script") && !page.contains(&secret));
    let list = app.api(axum::http::Method::GET, "/tokens", Some(&secret), None).await.json();
    let id = list.as_array().unwrap().iter().find(|t| t["name"] == "reporting script").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.post_form(&format!("/account/tokens/{id}/revoke"), Some(&c), &format!("csrf={token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.api(axum::http::Method::GET, "/me", Some(&secret), None).await.status, StatusCode::UNAUTHORIZED);
}

async fn audit_page(app: TestApp) {
    let a = app.org("Org A", "local_partner").await;
    let b = app.org("Org B", "local_partner").await;
    app.user(
        "admin@a.example.org",
        a,
        Some(RoleAssignment { role: Role::Administrator, org: Some(a), country: None, team: None }),
    )
    .await;
    app.user("user@b.example.org", b, None).await;
    let c = app.login("admin@a.example.org", PASSWORD).await.unwrap();
    let r = app.page("/audit", Some(&c)).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("user.create") && html.contains("session.login"), "{html}");
    assert!(!html.contains("user@b.example.org"));
    let rows_a = html.matches("<tr><td class=\"num\">").count();
    let filtered = app.page("/audit?action=session.", Some(&c)).await.text();
    assert!(filtered.matches("<tr><td class=\"num\">").count() < rows_a);
    assert!(!filtered.contains("user.create"));
}

async fn language(app: TestApp) {
    let es = app
        .send(
            Request::get("/login")
                .header(header::ACCEPT_LANGUAGE, "es-BO,es;q=0.9,en;q=0.5")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(es.text().contains("<html lang=\"es\">") && es.text().contains("Iniciar sesión"));
    let q = app.page("/login?lang=en", None).await;
    assert!(q.text().contains("Sign in"));
    let org = app.org("Org", "local_partner").await;
    app.user("ana@example.org", org, None).await;
    let c = app.login("ana@example.org", PASSWORD).await.unwrap();
    let page = app.page("/account", Some(&c)).await.text();
    let body = format!("csrf={}&version=1&name=Ana&language=es", csrf_of(&page));
    assert_eq!(app.post_form("/account/profile", Some(&c), &body).await.status, StatusCode::SEE_OTHER);
    let home = app.page("/", Some(&c)).await.text();
    assert!(home.contains("Bienvenida/o, Test ana@example.org") || home.contains("Bienvenida/o"), "{home}");
    assert!(home.contains("<html lang=\"es\">"));
    let page = app.page("/account", Some(&c)).await.text();
    let body = format!("csrf={}&version=2&name=&language=es", csrf_of(&page));
    let r = app.post_form("/account/profile", Some(&c), &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Escriba un valor.") && !r.text().contains("Enter a value."),
        "problems in the reader's language: {}",
        r.text()
    );
}
