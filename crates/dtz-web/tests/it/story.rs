//! The core platform story: an administrator creates an organisation and a user; the user
//! signs in and sees only its scope; another organisation's user gets 404; a stale update
//! gets 409; the audit chain verifies, and any changed, deleted or inserted row is found.

use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_store::StoreError;
use dtz_store::sql::Sql;
use serde_json::json;

crate::on_both! {
    core_story => story;
    audit_tampering_is_detected => tampering;
    organisation_administrator_stays_within_its_organisation => org_admin;
    disabled_users_lose_their_tokens => disabled_tokens;
    concurrent_writers_keep_one_unbroken_chain => concurrent;
}

async fn story(app: TestApp) {
    let admin = app.admin().await;

    // The administrator creates two organisations through the API.
    let r = app
        .api(
            Method::POST,
            "/organisations",
            Some(&admin),
            Some(json!({"name": "Partner A", "kind": "local_partner", "country": "BO"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let org_a = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .api(
            Method::POST,
            "/organisations",
            Some(&admin),
            Some(json!({"name": "Partner B", "kind": "local_partner", "country": "IN"})),
        )
        .await;
    let org_b = r.json()["id"].as_str().unwrap().to_owned();

    // …and a user in each; without a password one is generated and shown once.
    let r = app
        .api(
            Method::POST,
            "/users",
            Some(&admin),
            Some(json!({"org_id": org_a, "email": "Ana@Partner-A.example.org", "name": "Ana"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let ana = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let generated = r.json()["password"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["user"]["email"], "ana@partner-a.example.org");
    let r = app
        .api(
            Method::POST,
            "/users",
            Some(&admin),
            Some(json!({"org_id": org_b, "email": "bo@partner-b.example.org", "name": "Bo", "password": PASSWORD})),
        )
        .await;
    let bo = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let r = app
        .api(
            Method::POST,
            &format!("/users/{ana}/roles"),
            Some(&admin),
            Some(json!({"role": "me_officer", "org_id": org_a, "country": "BO"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Ana signs in with the generated password and sees her start page.
    let cookie = app.login("ana@partner-a.example.org", &generated).await.expect("signed in");
    let home = app.page("/", Some(&cookie)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("Welcome, Ana"), "{}", home.text());

    // Through the API she sees herself only; Bo's record does not exist for her.
    let (_, ana_token) = app
        .services
        .create_token(&dtz_services::Caller::System, ana.parse::<uuid::Uuid>().unwrap().into(), "t")
        .await
        .unwrap();
    let r = app.api(Method::GET, "/users", Some(&ana_token), None).await;
    let emails: Vec<String> =
        r.json().as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect();
    assert_eq!(emails, vec!["ana@partner-a.example.org"]);
    let r = app.api(Method::GET, &format!("/users/{bo}"), Some(&ana_token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["errors"][0]["detail"], "Not found.");
    let missing = uuid::Uuid::new_v4();
    let r2 = app.api(Method::GET, &format!("/users/{missing}"), Some(&ana_token), None).await;
    assert_eq!(r2.body, r.body, "out of scope answers exactly like a missing record");

    // Stale update: two writers start from version 1; the second gets 409 and what moved.
    let r = app
        .api(
            Method::PATCH,
            &format!("/organisations/{org_a}"),
            Some(&admin),
            Some(json!({"version": 1, "name": "Partner A (La Paz)"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    let r = app
        .api(
            Method::PATCH,
            &format!("/organisations/{org_a}"),
            Some(&admin),
            Some(json!({"version": 1, "publishable": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["current_version"], 2);
    assert_eq!(r.json()["changed_fields"], json!(["name"]));
    let r = app.api(Method::GET, &format!("/organisations/{org_a}"), Some(&admin), None).await;
    assert_eq!(r.json()["publishable"], true, "the refused write changed nothing");

    // Every write left an event with field names and no values.
    let r = app.api(Method::GET, &format!("/audit/events?entity_id={org_a}"), Some(&admin), None).await;
    let events = r.json();
    let actions: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["organisation.update", "organisation.create"]);
    assert!(!r.text().contains("La Paz"), "no values in the audit log");
    let v = app.services.verify_audit().await.expect("chain verifies");
    assert!(v.events >= 8);
}

async fn exec(app: &TestApp, sql: Sql) {
    let mut tx = app.db.db.begin().await.unwrap();
    tx.q().execute(&sql).await.unwrap();
    tx.commit().await.unwrap();
}

fn broken_at(r: Result<dtz_store::audit::Verified, dtz_services::ServiceError>) -> i64 {
    match r {
        Err(dtz_services::ServiceError::Store(StoreError::ChainBroken { seq, .. })) => seq,
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

async fn tampering(app: TestApp) {
    app.admin().await;
    app.org("Another", "local_partner").await;
    let head = app.services.verify_audit().await.unwrap();
    assert!(head.events >= 5);

    // A changed row.
    let (action,): (String,) =
        app.db.db.read().fetch_one(&Sql::new("SELECT action FROM audit_events WHERE seq = 3")).await.unwrap();
    exec(&app, Sql::with_args("UPDATE audit_events SET action = $1 WHERE seq = 3", vec!["nothing.happened".into()]))
        .await;
    assert_eq!(broken_at(app.services.verify_audit().await), 3);
    exec(&app, Sql::with_args("UPDATE audit_events SET action = $1 WHERE seq = 3", vec![action.into()])).await;
    app.services.verify_audit().await.expect("restored");

    // A deleted row.
    exec(&app, Sql::new("CREATE TABLE audit_copy AS SELECT * FROM audit_events WHERE seq = 2")).await;
    exec(&app, Sql::new("DELETE FROM audit_events WHERE seq = 2")).await;
    assert_eq!(broken_at(app.services.verify_audit().await), 2);
    exec(&app, Sql::new("INSERT INTO audit_events SELECT * FROM audit_copy")).await;
    app.services.verify_audit().await.expect("restored");

    // An inserted row after the head (forged without the key).
    exec(&app, Sql::new("INSERT INTO audit_events SELECT seq + 1000, id, at, actor_user_id, actor_org_id, action, entity, entity_id, entity_version, fields, org_id, prev_hash, hash FROM audit_copy")).await;
    assert_eq!(broken_at(app.services.verify_audit().await), head.events + 1);
    exec(&app, Sql::new("DELETE FROM audit_events WHERE seq > 1000")).await;

    // A cut-off tail with the head rewound: only an exported head shows it.
    let exported = app.services.signed_head().await.unwrap();
    app.org("Later", "local_partner").await;
    let last: (i64,) = app.db.db.read().fetch_one(&Sql::new("SELECT MAX(seq) FROM audit_events")).await.unwrap();
    exec(&app, Sql::with_args("DELETE FROM audit_events WHERE seq > $1", vec![exported.seq.into()])).await;
    exec(
        &app,
        Sql::with_args(
            "UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1",
            vec![exported.seq.into(), hex::decode(&exported.hash).unwrap().into()],
        ),
    )
    .await;
    assert!(last.0 > exported.seq);
    app.services.verify_audit().await.expect("a rewound chain is self-consistent");
    app.services.check_head(&exported).await.expect("the exported head is still there");
    let mut later = exported.clone();
    later.seq = last.0;
    assert!(app.services.check_head(&later).await.is_err(), "a forged head does not verify");
}

async fn org_admin(app: TestApp) {
    use dtz_domain::access::{Role, RoleAssignment};
    let a = app.org("Org A", "local_partner").await;
    let b = app.org("Org B", "local_partner").await;
    let (_, a_admin) = app
        .user(
            "admin@a.example.org",
            a,
            Some(RoleAssignment { role: Role::Administrator, org: Some(a), country: None, team: None }),
        )
        .await;
    let (b_user, _) = app.user("user@b.example.org", b, None).await;
    let (a_user, _) = app.user("user@a.example.org", a, None).await;

    let r = app.api(Method::GET, "/users", Some(&a_admin), None).await;
    let n = r.json().as_array().unwrap().len();
    assert_eq!(n, 2, "the admin of A sees A's two users: {}", r.text());
    assert_eq!(
        app.api(Method::GET, &format!("/users/{b_user}"), Some(&a_admin), None).await.status,
        StatusCode::NOT_FOUND
    );
    // Grants within A are allowed; beyond it (alliance-wide, another organisation) not.
    let ok = app
        .api(
            Method::POST,
            &format!("/users/{a_user}/roles"),
            Some(&a_admin),
            Some(json!({"role": "me_officer", "org_id": a})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
    let beyond = app
        .api(Method::POST, &format!("/users/{a_user}/roles"), Some(&a_admin), Some(json!({"role": "alliance_manager"})))
        .await;
    assert_eq!(beyond.status, StatusCode::FORBIDDEN);
    let other = app
        .api(
            Method::POST,
            &format!("/users/{a_user}/roles"),
            Some(&a_admin),
            Some(json!({"role": "me_officer", "org_id": b})),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let create_in_b = app
        .api(
            Method::POST,
            "/users",
            Some(&a_admin),
            Some(json!({"org_id": b, "email": "x@b.example.org", "name": "X"})),
        )
        .await;
    assert_eq!(create_in_b.status, StatusCode::FORBIDDEN);
    // Only system administrators create organisations.
    let r = app
        .api(Method::POST, "/organisations", Some(&a_admin), Some(json!({"name": "C", "kind": "local_partner"})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn disabled_tokens(app: TestApp) {
    let admin = app.admin().await;
    let org = app.org("Org", "local_partner").await;
    let (u, token) = app.user("someone@example.org", org, None).await;
    assert_eq!(app.api(Method::GET, "/me", Some(&token), None).await.status, StatusCode::OK);
    let cookie = app.login("someone@example.org", PASSWORD).await.expect("login");
    let r = app
        .api(Method::PATCH, &format!("/users/{u}"), Some(&admin), Some(json!({"version": 1, "disabled": true})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(app.api(Method::GET, "/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.page("/", Some(&cookie)).await.status, StatusCode::SEE_OTHER, "the session ended");
    assert!(app.login("someone@example.org", PASSWORD).await.is_none());
}

async fn concurrent(app: TestApp) {
    let admin = app.admin().await;
    let org = app.org("Shared", "local_partner").await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (router, token) = (app.router.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let body = if i % 2 == 0 {
                json!({"name": format!("Concurrent {i}"), "kind": "local_partner"}).to_string()
            } else {
                json!({"version": 1, "name": format!("Renamed {i}")}).to_string()
            };
            let (method, path) = if i % 2 == 0 {
                ("POST", "/api/v1/organisations".to_owned())
            } else {
                ("PATCH", format!("/api/v1/organisations/{org}"))
            };
            let req = axum::http::Request::builder()
                .method(method)
                .uri(path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            router.oneshot(req).await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 8);
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "exactly one rename from version 1 wins: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 7);
    let v = app.services.verify_audit().await.expect("one unbroken chain");
    let (n,): (i64,) = app.db.db.read().fetch_one(&Sql::new("SELECT COUNT(*) FROM audit_events")).await.unwrap();
    assert_eq!(n, v.events, "sequence numbers are contiguous");
}
