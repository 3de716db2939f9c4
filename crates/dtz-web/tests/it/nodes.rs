//! Field nodes: enrolment codes, the signed device grant, revocation and wipe orders.

use crate::on_both;
use crate::support::{PASSWORD, TestApp, csrf_of};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::sync::DeviceGrant;
use dtz_services::sync::signing::{SigningKey, verify};
use serde_json::{Value, json};

on_both! {
    an_enrolled_device_gets_a_grant_signed_by_the_hub => enrolled_device_gets_signed_grant;
    an_enrolment_code_works_once_and_expires => code_works_once_and_expires;
    a_revoked_device_gets_no_grant_and_a_wipe_is_confirmed_once => revoke_and_wipe;
    only_administrators_of_the_users_organisation_make_codes => only_admins_make_codes;
    an_administrator_makes_codes_and_revokes_devices_on_the_devices_page => devices_page;
}

/// An organisation, its administrator's token, and an M&E officer of it.
async fn setup(app: &TestApp) -> (String, uuid::Uuid) {
    let org = app.org("Field partner", "local_partner").await;
    let admin = RoleAssignment { role: Role::Administrator, org: Some(org), country: None, team: None };
    let (_, admin_token) = app.user("admin@field.org", org, Some(admin)).await;
    let me = RoleAssignment {
        role: Role::MeOfficer,
        org: Some(org),
        country: Some(dtz_domain::org::CountryCode::parse("c", "BO").expect("cc")),
        team: None,
    };
    let (officer, _) = app.user("officer@field.org", org, Some(me)).await;
    (admin_token, officer.0)
}

async fn code_for(app: &TestApp, admin: &str, user: uuid::Uuid) -> String {
    let r = app.api(Method::POST, "/devices/enrolments", Some(admin), Some(json!({"user_id": user}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["code"].as_str().expect("code").to_owned()
}

async fn enrol(app: &TestApp, code: &str, key: &SigningKey) -> crate::support::Res {
    let body = json!({"code": code, "name": "Laptop Cochabamba", "public_key": hex::encode(key.public())});
    app.api(Method::POST, "/sync/enroll", None, Some(body)).await
}

fn checked_grant(body: &Value, hub_key: &[u8]) -> DeviceGrant {
    let grant: DeviceGrant = serde_json::from_value(body["grant"].clone()).expect("grant");
    let sig = hex::decode(body["signature"].as_str().expect("sig")).expect("hex");
    assert!(verify(hub_key, &grant.signing_bytes(), &sig), "grant signed by the hub");
    grant
}

async fn enrolled_device_gets_signed_grant(app: TestApp) {
    let (admin, officer) = setup(&app).await;
    let code = code_for(&app, &admin, officer).await;
    let key = SigningKey::generate().expect("key");
    let r = enrol(&app, &code, &key).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let hub_key = hex::decode(body["hub_public_key"].as_str().expect("hub key")).expect("hex");
    let grant = checked_grant(&body["grant"], &hub_key);
    assert_eq!(grant.user.0, officer);
    assert_eq!(grant.allocator, "N1");
    assert_eq!(grant.lease_until - grant.issued_at, time::Duration::days(14));
    let token = body["token"].as_str().expect("token").to_owned();
    assert!(
        app.api(Method::GET, "/me", Some(&token), None).await.status == StatusCode::UNAUTHORIZED,
        "not a person's token"
    );

    app.clock.advance(time::Duration::days(3));
    let s = app.api(Method::GET, "/sync/status", Some(&token), None).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let renewed = checked_grant(&s.json()["grant"], &hub_key);
    assert_eq!(renewed.lease_until - grant.lease_until, time::Duration::days(3), "each contact renews the lease");
    assert_eq!(s.json()["wipe"], false);

    let devices = app.api(Method::GET, "/devices", Some(&admin), None).await.json();
    assert_eq!(devices[0]["allocator"], "N1");
    assert!(devices[0]["last_contact_at"].is_string());
    let audit = app.api(Method::GET, "/audit/events?action=device", Some(&admin), None).await.text();
    assert!(audit.contains("device.enroll") && audit.contains("device.enrolment.create"), "{audit}");
    assert!(!audit.contains(&code) && !audit.contains(&token), "no secret in the audit");
}

async fn code_works_once_and_expires(app: TestApp) {
    let (admin, officer) = setup(&app).await;
    let code = code_for(&app, &admin, officer).await;
    let key = SigningKey::generate().expect("key");
    assert_eq!(enrol(&app, &code, &key).await.status, StatusCode::CREATED);
    let again = enrol(&app, &code, &key).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.json()["errors"][0]["field"], "code");

    let late = code_for(&app, &admin, officer).await;
    app.clock.advance(time::Duration::hours(73));
    assert_eq!(enrol(&app, &late, &key).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_key = json!({"code": code_for(&app, &admin, officer).await, "name": "x", "public_key": "abcd"});
    let r = app.api(Method::POST, "/sync/enroll", None, Some(bad_key)).await;
    assert_eq!(r.json()["errors"][0]["field"], "public_key");
    let devices = app.api(Method::GET, "/devices", Some(&admin), None).await.json();
    assert_eq!(devices.as_array().map(Vec::len), Some(1), "refused enrolments leave nothing");
}

async fn revoke_and_wipe(app: TestApp) {
    let (admin, officer) = setup(&app).await;
    let code = code_for(&app, &admin, officer).await;
    let body = enrol(&app, &code, &SigningKey::generate().expect("key")).await.json();
    let token = body["token"].as_str().expect("token").to_owned();
    let id = body["grant"]["grant"]["device"].as_str().expect("id").to_owned();

    let r = app.api(Method::POST, &format!("/devices/{id}/wipe"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = app.api(Method::POST, &format!("/devices/{id}/revoke"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let s = app.api(Method::GET, "/sync/status", Some(&token), None).await.json();
    assert_eq!(s["revoked"], true);
    assert_eq!(s["wipe"], true);
    assert!(s["grant"].is_null(), "a revoked device gets no grant");

    assert_eq!(app.api(Method::POST, "/sync/wiped", Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api(Method::POST, "/sync/wiped", Some(&token), None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let s = app.api(Method::GET, "/sync/status", Some(&token), None).await.json();
    assert_eq!(s["wipe"], false, "done once confirmed");
    let audit = app.api(Method::GET, "/audit/events?action=device", Some(&admin), None).await.text();
    for action in ["device.revoke", "device.wipe.order", "device.wipe.confirm"] {
        assert!(audit.contains(action), "{action}");
    }
}

async fn only_admins_make_codes(app: TestApp) {
    let (_, officer) = setup(&app).await;
    let other = app.org("Another partner", "local_partner").await;
    let their_admin = RoleAssignment { role: Role::Administrator, org: Some(other), country: None, team: None };
    let (_, foreign) = app.user("admin@other.org", other, Some(their_admin)).await;
    let r = app.api(Method::POST, "/devices/enrolments", Some(&foreign), Some(json!({"user_id": officer}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a user outside the caller's scope is not found");
    let (_, plain) = app.user("plain@other.org", other, None).await;
    let (me, _) = app.user("self@other.org", other, None).await;
    let r = app.api(Method::POST, "/devices/enrolments", Some(&plain), Some(json!({"user_id": me.0}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::GET, "/sync/status", Some("dtzd_nonsense"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn devices_page(app: TestApp) {
    let (_, officer) = setup(&app).await;
    let cookie = app.login("admin@field.org", PASSWORD).await.expect("login");
    let page = app.page("/admin/devices", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("No device is enrolled yet."), "{}", page.text());
    let csrf = csrf_of(&page.text());
    let made = app.post_form("/admin/devices/code", Some(&cookie), &format!("csrf={csrf}&user={officer}")).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text());
    let html = made.text();
    let code = html.split("<code>").nth(1).and_then(|s| s.split('<').next()).expect("code shown").to_owned();
    assert!(code.starts_with("dtze_"), "{code}");
    let body = enrol(&app, &code, &SigningKey::generate().expect("key")).await.json();
    let id = body["grant"]["grant"]["device"].as_str().expect("id").to_owned();

    let listed = app.page("/admin/devices", Some(&cookie)).await.text();
    assert!(listed.contains("Laptop Cochabamba") && listed.contains("N1") && listed.contains("Active"), "{listed}");
    let forged = app.post_form(&format!("/admin/devices/{id}/revoke"), Some(&cookie), "csrf=wrong").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let r = app.post_form(&format!("/admin/devices/{id}/revoke"), Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.page("/admin/devices", Some(&cookie)).await.text().contains("Revoked"));
    let outsider = app.login_other().await;
    assert_eq!(app.page("/admin/devices", Some(&outsider)).await.status, StatusCode::NOT_FOUND);
}
