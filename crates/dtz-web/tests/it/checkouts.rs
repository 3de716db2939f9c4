//! Cases checked out to field laptops (issue 9, point 2): only to one's own enrolled
//! laptop, with a reason, capped per laptop, for a limited time; returned by who took
//! it or a supervisor; out of scope is not found; every step audited.

use crate::cases::{Setup, post, role, setup};
use crate::referrals::a_case as a_case_for;
use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::Clock as _;
use dtz_domain::access::Role;
use dtz_services::sync::signing::SigningKey;
use dtz_store::Sql;
use serde_json::json;
use uuid::Uuid;

crate::on_both! {
    a_case_goes_to_ones_own_laptop_with_a_reason_and_comes_back => round;
    checkouts_are_capped_per_laptop_and_end_by_themselves => cap_and_expiry;
    out_of_scope_cases_and_other_peoples_laptops_are_refused => refused;
    revoking_a_laptop_ends_its_checkouts_and_marks_their_cases_for_new_keys => revoked;
}

/// Enrol a laptop for `email` (an administrator of the setup's organisation makes the
/// code); returns the device id.
async fn laptop(app: &TestApp, s: &Setup, admin: &str, user: Uuid, name: &str) -> Uuid {
    let r = app.api(Method::POST, "/devices/enrolments", Some(admin), Some(json!({"user_id": user}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_owned();
    let key = SigningKey::generate().unwrap();
    let body = json!({"code": code, "name": name, "public_key": hex::encode(key.public())});
    let r = app.api(Method::POST, "/sync/enroll", None, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let _ = s;
    r.json()["grant"]["grant"]["device"].as_str().unwrap().parse().unwrap()
}

async fn admin(app: &TestApp, s: &Setup) -> String {
    app.user("admin@example.org", s.org, role(Role::Administrator, s.org, None, None)).await.1
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.db.db.read().scalar(&Sql::new(sql)).await.unwrap()
}

async fn round(app: TestApp) {
    let s = setup(&app).await;
    let admin = admin(&app, &s).await;
    let case = a_case_for(&app, &s).await;
    let device = laptop(&app, &s, &admin, s.worker.0, "Laptop Cochabamba").await;
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let page = app.page(&format!("/cases/{case}/laptops"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Laptop Cochabamba") && page.text().contains("No laptop holds"), "{}", page.text());
    let r = post(&app, &cookie, &format!("/cases/{case}/laptops"), &format!("device={device}&reason=")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is needed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_checkouts").await, 0);
    let r =
        post(&app, &cookie, &format!("/cases/{case}/laptops"), &format!("device={device}&reason=field_visit")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let held = app.services.cases_on_device(device).await.unwrap();
    assert_eq!(held, [case], "the hub now counts the case as held by the laptop");
    let again =
        post(&app, &cookie, &format!("/cases/{case}/laptops"), &format!("device={device}&reason=hearing")).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("on that laptop already"));
    let page = app.page(&format!("/cases/{case}/laptops"), Some(&cookie)).await.text();
    assert!(page.contains("Field visit without a connection") && page.contains("/return"), "{page}");
    let (id,): (Uuid,) = app.db.db.read().fetch_one(&Sql::new("SELECT id FROM case_checkouts")).await.unwrap();
    // The supervisor returns it; a second return is refused and changes nothing.
    let sup = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    let r = post(&app, &sup, &format!("/cases/{case}/laptops/{id}/return"), "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.services.cases_on_device(device).await.unwrap().is_empty(), "returned: evicted at the next pull");
    let r = post(&app, &sup, &format!("/cases/{case}/laptops/{id}/return"), "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let actions: Vec<(String, String)> = app
        .db
        .db
        .read()
        .fetch_all(&Sql::new("SELECT action, fields FROM audit_events WHERE action LIKE 'case.checkout%' ORDER BY seq"))
        .await
        .unwrap();
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(names, ["case.checkout", "case.checkout.return"]);
    assert!(actions[0].1.contains("device_id") && actions[0].1.contains("reason"), "{:?}", actions[0]);
    assert!(app.services.verify_audit().await.is_ok());
}

async fn cap_and_expiry(app: TestApp) {
    let s = setup(&app).await;
    let admin = admin(&app, &s).await;
    let device = laptop(&app, &s, &admin, s.worker.0, "Laptop").await;
    let mut tx = app.db.db.begin().await.unwrap();
    dtz_store::settings::put(&mut tx, "nodes.checkout_cap", "2", 0, app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let mut cases = Vec::new();
    for _ in 0..3 {
        cases.push(a_case_for(&app, &s).await);
    }
    for c in &cases[..2] {
        let r = post(&app, &cookie, &format!("/cases/{c}/laptops"), &format!("device={device}&reason=cover")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let third =
        post(&app, &cookie, &format!("/cases/{}/laptops", cases[2]), &format!("device={device}&reason=cover")).await;
    assert_eq!(third.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(third.text().contains("holds 2 checked-out cases already"), "{}", third.text());
    assert_eq!(app.services.cases_on_device(device).await.unwrap().len(), 2);
    // Fourteen days later both have ended by themselves; the laptop may take the third.
    app.clock.advance(time::Duration::days(14) + time::Duration::seconds(1));
    assert!(app.services.cases_on_device(device).await.unwrap().is_empty());
    let r =
        post(&app, &cookie, &format!("/cases/{}/laptops", cases[2]), &format!("device={device}&reason=cover")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // And the first again: the ended checkout of the same pair does not stand in the way.
    let r =
        post(&app, &cookie, &format!("/cases/{}/laptops", cases[0]), &format!("device={device}&reason=cover")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

async fn refused(app: TestApp) {
    let s = setup(&app).await;
    let admin = admin(&app, &s).await;
    let case = a_case_for(&app, &s).await;
    let theirs = laptop(&app, &s, &admin, s.supervisor.0, "Supervisor's laptop").await;
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let page = app.page(&format!("/cases/{case}/laptops"), Some(&cookie)).await.text();
    assert!(page.contains("You have no enrolled laptop") && !page.contains("Supervisor&#x27;s laptop"), "{page}");
    let r = post(&app, &cookie, &format!("/cases/{case}/laptops"), &format!("device={theirs}&reason=cover")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "not someone else's laptop");
    // Another organisation's caseworker does not see that the case exists.
    let other = app.org("Other partner", "local_partner").await;
    app.user("stranger@example.org", other, role(Role::Caseworker, other, Some("BO"), None)).await;
    let stranger = app.login("stranger@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page(&format!("/cases/{case}/laptops"), Some(&stranger)).await.status, StatusCode::NOT_FOUND);
    let r = post(&app, &stranger, &format!("/cases/{case}/laptops"), &format!("device={theirs}&reason=cover")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_checkouts").await, 0);
}

async fn revoked(app: TestApp) {
    let s = setup(&app).await;
    let admin = admin(&app, &s).await;
    let case = a_case_for(&app, &s).await;
    let device = laptop(&app, &s, &admin, s.worker.0, "Laptop").await;
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let r =
        post(&app, &cookie, &format!("/cases/{case}/laptops"), &format!("device={device}&reason=field_visit")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.api(Method::POST, &format!("/devices/{device}/revoke"), Some(&admin), None).await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    assert!(app.services.cases_on_device(device).await.unwrap().is_empty(), "its checkouts ended");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_rekeys").await, 1, "the case waits for a new data key");
    let r =
        post(&app, &cookie, &format!("/cases/{case}/laptops"), &format!("device={device}&reason=field_visit")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a revoked laptop takes no case");
}
