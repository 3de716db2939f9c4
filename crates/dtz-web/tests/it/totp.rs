//! The second factor: enrolment, the code at sign-in, replay protection, attempt limits,
//! recovery codes, required roles, API tokens, encryption at rest and the admin reset.
//! Codes are made from the enrolled secret at the manual clock's time.

use crate::support::{PASSWORD, Res, TestApp, csrf_of, urlenc};
use axum::http::{Method, StatusCode, header};
use dtz_domain::Clock;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::{OrgId, UserId};
use dtz_services::Caller;
use dtz_store::Sql;
use time::Duration;

crate::on_both! {
    enrolment_shows_a_secret_and_a_qr_code_and_needs_a_valid_code => enrolment;
    sign_in_then_needs_a_code_and_a_replayed_code_is_refused => sign_in_and_replay;
    wrong_codes_hit_the_attempt_limit => attempt_limit;
    a_recovery_code_works_once => recovery_code;
    a_required_role_forces_enrolment_and_blocks_other_pages => required_role;
    a_token_is_refused_to_a_required_role_user_without_totp => token_refused;
    the_secret_and_recovery_codes_are_not_stored_in_plaintext => not_plaintext;
    an_admin_reset_is_audited_and_ends_sessions => admin_reset;
    turning_it_off_needs_a_current_code => turn_off;
}

fn cookie_of(r: &Res) -> String {
    r.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// The enrolment key shown on the page, without its spaces.
fn secret_of(html: &str) -> String {
    let s = html.split("<code class=\"secret-key\">").nth(1).unwrap().split('<').next().unwrap();
    s.replace(' ', "")
}

/// The code an authenticator app shows now (or `offset` steps away).
fn code(app: &TestApp, secret: &str, offset: i64) -> String {
    let s = totp_rs::Secret::try_from_base32(secret).unwrap();
    let t = totp_rs::Builder::new().with_secret(s).build().unwrap();
    let now = app.clock.now().unix_timestamp() + offset * 30;
    t.generate(u64::try_from(now).unwrap()).to_string()
}

/// A six-digit code that is none of the codes valid now.
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let valid: Vec<String> = (-1..=1).map(|o| code(app, secret, o)).collect();
    (0..1000).map(|i| format!("{:06}", 123_456 + i)).find(|c| !valid.contains(c)).unwrap()
}

fn recovery_codes_of(html: &str) -> Vec<String> {
    let list = html.split("<ol class=\"codes\">").nth(1).unwrap().split("</ol>").next().unwrap();
    list.split("<code class=\"secret\">").skip(1).map(|c| c.split('<').next().unwrap().to_owned()).collect()
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    app.db.db.read().fetch_all(&Sql::new("SELECT action, fields FROM audit_events ORDER BY seq")).await.unwrap()
}

/// Sign in (no second factor yet), enrol, and return the key, the recovery codes and the
/// upgraded session cookie. The clock then moves on a step, so the next code is fresh.
async fn enrol(app: &TestApp, email: &str) -> (String, Vec<String>, String) {
    let c = app.login(email, PASSWORD).await.unwrap();
    let page = app.page("/account/totp", Some(&c)).await.text();
    let secret = secret_of(&page);
    let body = format!("csrf={}&code={}", csrf_of(&page), code(app, &secret, 0));
    let r = app.post_form("/account/totp", Some(&c), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let codes = recovery_codes_of(&r.text());
    app.clock.advance(Duration::seconds(30));
    (secret, codes, cookie_of(&r))
}

/// Password, then the code page; returns the response to the code and the pending cookie.
async fn sign_in_with(app: &TestApp, email: &str, code: &str) -> (Res, String) {
    let pending = app.login(email, PASSWORD).await.unwrap();
    let page = app.page("/login/totp?next=%2Faccount", Some(&pending)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = format!("csrf={}&code={}&next=%2Faccount", csrf_of(&page.text()), urlenc(code));
    (app.post_form("/login/totp", Some(&pending), &body).await, pending)
}

async fn person(app: &TestApp, email: &str, role: Option<Role>) -> (OrgId, UserId) {
    let org = app.org(&format!("Org of {email}"), "local_partner").await;
    let role = role.map(|role| RoleAssignment { role, org: Some(org), country: None, team: None });
    (org, app.user(email, org, role).await.0)
}

async fn enrolment(app: TestApp) {
    person(&app, "ana@example.org", None).await;
    let c = app.login("ana@example.org", PASSWORD).await.unwrap();
    let account = app.page("/account", Some(&c)).await.text();
    assert!(account.contains("Two-step sign-in is off.") && account.contains("href=\"/account/totp\""));
    let page = app.page("/account/totp", Some(&c)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let secret = secret_of(&html);
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    assert!(html.contains("<svg role=\"img\" aria-label=\"QR code for your authenticator app\""), "{html}");
    assert!(html.contains("<path") && !html.contains("<?xml"));
    assert_eq!(secret_of(&app.page("/account/totp", Some(&c)).await.text()), secret, "the pending key stays");
    let token = csrf_of(&html);
    let wrong =
        app.post_form("/account/totp", Some(&c), &format!("csrf={token}&code={}", wrong_code(&app, &secret))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("The code is not right."));
    let ana = app.services.user_by_email(&Caller::System, "ana@example.org").await.unwrap();
    assert!(!app.services.totp_status(UserId(ana.id)).await.unwrap().enabled);
    let bad_csrf = app.post_form("/account/totp", Some(&c), &format!("csrf=x&code={}", code(&app, &secret, 0))).await;
    assert_eq!(bad_csrf.status, StatusCode::FORBIDDEN);
    let ok = app.post_form("/account/totp", Some(&c), &format!("csrf={token}&code={}", code(&app, &secret, 0))).await;
    assert_eq!(ok.status, StatusCode::OK);
    let codes = recovery_codes_of(&ok.text());
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.len() == 19), "{codes:?}");
    let fresh = cookie_of(&ok);
    assert_ne!(fresh, c, "passing the second factor gives a new session id");
    assert_eq!(app.page("/account", Some(&c)).await.status, StatusCode::SEE_OTHER, "the old id is gone");
    let status = app.page("/account/totp", Some(&fresh)).await.text();
    assert!(status.contains("Two-step sign-in is on.") && status.contains("Recovery codes left: 10."));
    assert!(!status.contains(&codes[0]), "recovery codes are shown once");
    let actions = audit_actions(&app).await;
    assert!(actions.iter().any(|(a, f)| a == "totp.enrol" && f.contains("secret")));
    assert!(actions.iter().any(|(a, _)| a == "totp.enable"));
    assert!(actions.iter().any(|(a, _)| a == "totp.fail"));
}

async fn sign_in_and_replay(app: TestApp) {
    person(&app, "ana@example.org", None).await;
    let (secret, _, _) = enrol(&app, "ana@example.org").await;
    let r = app
        .post_form("/login", None, &format!("email=ana%40example.org&password={}&next=%2Faudit", urlenc(PASSWORD)))
        .await;
    assert_eq!(r.headers[header::LOCATION], "/login/totp?next=/audit");
    let pending = cookie_of(&r);
    for path in ["/", "/account", "/account/totp", "/audit"] {
        let r = app.page(path, Some(&pending)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.headers[header::LOCATION].to_str().unwrap().starts_with("/login/totp?next="), "{path}");
    }
    let page = app.page("/login/totp", Some(&pending)).await.text();
    let r = app.post_form("/account/tokens", Some(&pending), &format!("csrf={}&name=x", csrf_of(&page))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "no token from a session that owes its code");
    let now = code(&app, &secret, 0);
    let (ok, _) = sign_in_with(&app, "ana@example.org", &now).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(ok.headers[header::LOCATION], "/account");
    assert_eq!(app.page("/account", Some(&cookie_of(&ok))).await.status, StatusCode::OK);
    let (replayed, pending) = sign_in_with(&app, "ana@example.org", &now).await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replayed.text().contains("This code was used already."));
    let (older, _) = sign_in_with(&app, "ana@example.org", &code(&app, &secret, -1)).await;
    assert_eq!(older.status, StatusCode::UNPROCESSABLE_ENTITY, "a code of an earlier step is refused too");
    app.clock.advance(Duration::seconds(30));
    let page = app.page("/login/totp", Some(&pending)).await.text();
    let body = format!("csrf={}&code={}", csrf_of(&page), code(&app, &secret, 0));
    assert_eq!(app.post_form("/login/totp", Some(&pending), &body).await.status, StatusCode::SEE_OTHER);
    // A session that waits too long for its code ends.
    let late = app.login("ana@example.org", PASSWORD).await.unwrap();
    app.clock.advance(Duration::minutes(11));
    assert_eq!(app.page("/login/totp", Some(&late)).await.headers[header::LOCATION], "/login?next=/login/totp");
}

async fn attempt_limit(app: TestApp) {
    person(&app, "ana@example.org", None).await;
    let (secret, codes, _) = enrol(&app, "ana@example.org").await;
    for i in 0..5 {
        let (r, _) = sign_in_with(&app, "ana@example.org", &wrong_code(&app, &secret)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
    }
    let (r, _) = sign_in_with(&app, "ana@example.org", &code(&app, &secret, 0)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the 6th try waits, even when right");
    assert!(r.text().contains("Too many wrong codes. Wait 15 minutes"));
    assert_eq!(r.headers[header::RETRY_AFTER], "900");
    let (r, _) = sign_in_with(&app, "ana@example.org", &codes[0]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "recovery codes wait too");
    app.clock.advance(Duration::minutes(15));
    let (r, _) = sign_in_with(&app, "ana@example.org", &code(&app, &secret, 0)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "after the window: {}", r.text());
    let fails = audit_actions(&app).await.iter().filter(|(a, _)| a == "totp.fail").count();
    assert_eq!(fails, 5);
}

async fn recovery_code(app: TestApp) {
    person(&app, "ana@example.org", None).await;
    let (_, codes, _) = enrol(&app, "ana@example.org").await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let (ok, _) = sign_in_with(&app, "ana@example.org", &typed).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let (again, _) = sign_in_with(&app, "ana@example.org", &codes[3]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "a recovery code works once");
    let (other, _) = sign_in_with(&app, "ana@example.org", &codes[4]).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    let status = app.page("/account/totp", Some(&cookie_of(&other))).await.text();
    assert!(status.contains("Recovery codes left: 8."), "{status}");
    assert!(audit_actions(&app).await.iter().any(|(a, f)| a == "totp.recovery_use" && f.contains("used_at")));
}

async fn required_role(app: TestApp) {
    let root = app.org("Alliance", "alliance_member").await;
    let admin = RoleAssignment { role: Role::Administrator, org: None, country: None, team: None };
    app.user("root@example.org", root, Some(admin)).await;
    person(&app, "cw@example.org", Some(Role::Caseworker)).await;
    person(&app, "me@example.org", Some(Role::MeOfficer)).await;
    // The system administrator requires it for the case roles.
    let a = app.login("root@example.org", PASSWORD).await.unwrap();
    let home = app.page("/", Some(&a)).await.text();
    assert!(home.contains("href=\"/admin/security\""));
    let page = app.page("/admin/security", Some(&a)).await.text();
    assert!(page.contains("value=\"caseworker\"") && !page.contains(" checked>"), "default: none required");
    let body = format!("csrf={}&version=0&roles=caseworker&roles=case_supervisor", csrf_of(&page));
    let r = app.post_form("/admin/security", Some(&a), &body).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text().matches(" checked>").count(), 2);
    assert!(audit_actions(&app).await.iter().any(|(a, f)| a == "setting.update" && f.contains("totp.required_roles")));
    let stale = app.post_form("/admin/security", Some(&a), &body).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    // Others may not change it.
    let m = app.login("me@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page("/admin/security", Some(&m)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/", Some(&m)).await.status, StatusCode::OK, "roles not required go on as before");
    // The caseworker must enrol before anything else.
    let r = app
        .post_form("/login", None, &format!("email=cw%40example.org&password={}&next=%2Faudit", urlenc(PASSWORD)))
        .await;
    assert_eq!(r.headers[header::LOCATION], "/account/totp");
    let c = cookie_of(&r);
    for path in ["/", "/account", "/audit"] {
        let r = app.page(path, Some(&c)).await;
        assert_eq!(r.headers[header::LOCATION], "/account/totp", "{path}");
    }
    let page = app.page("/account/totp", Some(&c)).await.text();
    assert!(page.contains("Your role needs two-step sign-in.") && !page.contains("href=\"/account\""), "{page}");
    let r = app.post_form("/account/tokens", Some(&c), &format!("csrf={}&name=x", csrf_of(&page))).await;
    assert_eq!(r.headers[header::LOCATION], "/account/totp");
    let secret = secret_of(&page);
    let body = format!("csrf={}&code={}", csrf_of(&page), code(&app, &secret, 0));
    let done = app.post_form("/account/totp", Some(&c), &body).await;
    assert_eq!(done.status, StatusCode::OK);
    let c = cookie_of(&done);
    assert_eq!(app.page("/", Some(&c)).await.status, StatusCode::OK);
    // It cannot be turned off while the role requires it.
    app.clock.advance(Duration::seconds(30));
    let page = app.page("/account/totp", Some(&c)).await.text();
    assert!(page.contains("cannot be turned off"));
    let body = format!("csrf={}&code={}", csrf_of(&page), code(&app, &secret, 0));
    let r = app.post_form("/account/totp/disable", Some(&c), &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn token_refused(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    let role = RoleAssignment { role: Role::Caseworker, org: Some(org), country: None, team: None };
    let (cw, cw_token) = app.user("cw@example.org", org, Some(role)).await;
    assert_eq!(app.api(Method::GET, "/me", Some(&cw_token), None).await.status, StatusCode::OK);
    let (_, me) = person(&app, "me@example.org", Some(Role::MeOfficer)).await;
    app.services.set_totp_required_roles(&Caller::System, &[Role::Caseworker], 0).await.unwrap();
    let refused = app.services.create_token(&Caller::System, cw, "cli").await;
    assert!(matches!(refused, Err(dtz_services::ServiceError::Invalid(_))), "{refused:?}");
    let r = app.api(Method::GET, "/me", Some(&cw_token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a token made before the requirement stops until enrolment");
    assert!(app.services.create_token(&Caller::System, me, "cli").await.is_ok(), "no requirement, no change");
    let (_, old_token) = app.services.create_token(&Caller::System, me, "x").await.unwrap();
    let r = app.api(Method::POST, "/tokens", Some(&old_token), Some(serde_json::json!({"name": "more"}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    enrol(&app, "cw@example.org").await;
    assert!(app.services.create_token(&Caller::System, cw, "cli").await.is_ok(), "enrolled: tokens again");
    assert_eq!(app.api(Method::GET, "/me", Some(&cw_token), None).await.status, StatusCode::OK);
}

async fn not_plaintext(app: TestApp) {
    person(&app, "ana@example.org", None).await;
    let (secret, codes, _) = enrol(&app, "ana@example.org").await;
    let raw = totp_rs::Secret::try_from_base32(&secret).unwrap().as_bytes().to_vec();
    let rows: Vec<(Vec<u8>,)> = app.db.db.read().fetch_all(&Sql::new("SELECT secret FROM user_totp")).await.unwrap();
    assert_eq!(rows.len(), 1);
    let stored = &rows[0].0;
    assert!(stored.len() > raw.len() + 16, "sealed: format, key id, nonce, tag");
    assert!(!stored.windows(raw.len()).any(|w| w == raw.as_slice()), "raw secret bytes stored");
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()), "base32 secret stored");
    let hashes: Vec<(Vec<u8>,)> =
        app.db.db.read().fetch_all(&Sql::new("SELECT code_hash FROM totp_recovery_codes")).await.unwrap();
    assert_eq!(hashes.len(), 10);
    for (h,) in &hashes {
        assert_eq!(h.len(), 32, "SHA-256 only");
        assert!(codes.iter().all(|c| h.as_slice() != c.as_bytes()));
    }
    for (_, fields) in audit_actions(&app).await {
        assert!(!fields.contains(&secret) && codes.iter().all(|c| !fields.contains(c.as_str())), "{fields}");
    }
}

async fn admin_reset(app: TestApp) {
    let (org, ana) = person(&app, "ana@example.org", None).await;
    let admin = RoleAssignment { role: Role::Administrator, org: Some(org), country: None, team: None };
    let (admin_id, admin_token) = app.user("admin@example.org", org, Some(admin)).await;
    let (_, _, c) = enrol(&app, "ana@example.org").await;
    let stranger = person(&app, "bo@example.org", None).await;
    let (_, bo_token) = app.services.create_token(&Caller::System, stranger.1, "x").await.unwrap();
    let path = format!("/users/{}/totp/reset", ana.0);
    assert_eq!(app.api(Method::POST, &path, Some(&bo_token), None).await.status, StatusCode::NOT_FOUND);
    let own = format!("/users/{}/totp/reset", admin_id.0);
    assert_eq!(app.api(Method::POST, &own, Some(&admin_token), None).await.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::POST, &path, Some(&admin_token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(app.page("/", Some(&c)).await.status, StatusCode::SEE_OTHER, "ana's sessions ended");
    let again = app.api(Method::POST, &path, Some(&admin_token), None).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "nothing left to reset");
    let events: Vec<(String, Option<uuid::Uuid>, Option<uuid::Uuid>, String)> = app
        .db
        .db
        .read()
        .fetch_all(&Sql::new(
            "SELECT action, actor_user_id, entity_id, fields FROM audit_events WHERE action = 'totp.reset'",
        ))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1, Some(admin_id.0));
    assert_eq!(events[0].2, Some(ana.0));
    assert!(events[0].3.contains("secret"));
    let r =
        app.post_form("/login", None, &format!("email=ana%40example.org&password={}&next=%2F", urlenc(PASSWORD))).await;
    assert_eq!(r.headers[header::LOCATION], "/", "no second factor after the reset");
    let doc = app.api(Method::GET, "/openapi.json", None, None).await.json();
    assert!(doc["paths"]["/users/{id}/totp/reset"]["post"].is_object());
}

async fn turn_off(app: TestApp) {
    person(&app, "ana@example.org", None).await;
    let (secret, _, c) = enrol(&app, "ana@example.org").await;
    let page = app.page("/account/totp", Some(&c)).await.text();
    let token = csrf_of(&page);
    let r = app
        .post_form("/account/totp/disable", Some(&c), &format!("csrf={token}&code={}", wrong_code(&app, &secret)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form("/account/totp/disable", Some(&c), &format!("csrf={token}&code={}", code(&app, &secret, 0)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.page("/account", Some(&c)).await.text().contains("Two-step sign-in is off."));
    assert!(audit_actions(&app).await.iter().any(|(a, _)| a == "totp.disable"));
    assert!(app.login("ana@example.org", PASSWORD).await.is_some());
    let r =
        app.post_form("/login", None, &format!("email=ana%40example.org&password={}&next=%2F", urlenc(PASSWORD))).await;
    assert_eq!(r.headers[header::LOCATION], "/");
}
