//! Field nodes, operations (issue 9): re-keying the cases a revoked device held, and the
//! review of what revoked devices sent.

use crate::cases::{NAME, open_case, post, setup as case_setup};
use crate::on_both;
use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::Clock;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::directory::{ProviderFields, ProviderId};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::org::CountryCode;
use dtz_domain::sync::DeviceId;
use dtz_services::Caller;
use dtz_services::sync::rekey::RekeyOutcome;
use dtz_services::sync::signing::SigningKey;
use dtz_store::Sql;
use dtz_store::sealed::{self, DataKey, Place};
use dtz_store::sync::rekey::{CASE_SEALED, sealed_values_now};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

on_both! {
    rekeying_moves_every_sealed_field_of_a_case_to_a_new_key => rekey;
    an_administrator_reviews_what_a_revoked_device_sent => review;
    reference_data_on_a_node_follows_the_hub_and_carries_the_directory => reference;
}

/// Enrol a laptop of `user` in `org` (the administrator's token makes the code).
pub async fn enrol(app: &TestApp, admin: &str, user: UserId) -> (DeviceId, String, SigningKey, Value) {
    let r = app.api(Method::POST, "/devices/enrolments", Some(admin), Some(json!({"user_id": user.0}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_owned();
    let key = SigningKey::generate().unwrap();
    let body = json!({"code": code, "name": "Laptop", "public_key": hex::encode(key.public())});
    let r = app.api(Method::POST, "/sync/enroll", None, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let device: Uuid = body["grant"]["grant"]["device"].as_str().unwrap().parse().unwrap();
    (DeviceId(device), body["token"].as_str().unwrap().to_owned(), key, body)
}

pub async fn admin_of(app: &TestApp, email: &str, org: OrgId) -> String {
    let admin = RoleAssignment { role: Role::Administrator, org: Some(org), country: None, team: None };
    app.user(email, org, Some(admin)).await.1
}

async fn wrapped_key(app: &TestApp, case: Uuid) -> Vec<u8> {
    let (k,): (Vec<u8>,) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args("SELECT data_key FROM cases WHERE id = $1", vec![case.into()]))
        .await
        .unwrap();
    k
}

/// Every sealed value of the case: (column, row, ciphertext).
async fn sealed_of(app: &TestApp, case: Uuid) -> Vec<(usize, Uuid, Vec<u8>)> {
    let mut all = Vec::new();
    for (i, col) in CASE_SEALED.iter().enumerate() {
        for (row, b) in sealed_values_now(&app.db.db, col, case).await.unwrap() {
            all.push((i, row, b));
        }
    }
    all
}

fn opens(key: &DataKey, i: usize, row: Uuid, b: &[u8]) -> bool {
    let col = &CASE_SEALED[i];
    key.for_child(col.table, row).open(col.column, b).is_ok()
}

async fn rekey(app: TestApp) {
    let s = case_setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let cid = open_case(&app, &s, &worker, None).await;
    for (path, body) in [
        ("consents", "kind=sharing&state=pending&reason=Waiting+for+the+aunt"),
        ("notes", "note=Met+the+aunt+at+the+market"),
        ("goals", "goal=Back+to+school&due_date="),
        ("steps", "kind=police_report&status=done&done_date=2026-01-02&note=Statement+taken"),
    ] {
        let r = post(&app, &worker, &format!("/cases/{cid}/{path}"), body).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {}", r.text());
    }
    // A referral declined with a reason, and a follow-up with a note: sealed under the case key too.
    let (_, service, ptoken) = crate::referrals::provider(&app, "Safe House", "shelter@example.org", true).await;
    crate::referrals::consent(&app, &s, cid, "services").await;
    crate::referrals::consent(&app, &s, cid, "sharing").await;
    let (status, referral) = crate::referrals::refer(&app, &s.worker_token, cid, service, false).await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    let rid = referral["referral"]["id"].as_str().unwrap().to_owned();
    let (status, v) = crate::referrals::step(&app, &ptoken.unwrap(), &rid, "decline", Some("No beds tonight")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let today = app.clock.now().date().to_string();
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{cid}/follow-ups"),
            Some(&s.worker_token),
            Some(json!({"kind": "provider_contact", "planned_date": today, "referral_id": rid})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let fu = r.json()["id"].as_str().unwrap().to_owned();
    let body = json!({"version": 1, "status": "done", "done_date": today, "progress": "improving", "note": "Called the house"});
    let r = app.api(Method::POST, &format!("/cases/{cid}/follow-ups/{fu}"), Some(&s.worker_token), Some(body)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());

    let admin = admin_of(&app, "admin@bolivia.org", s.org).await;
    let (device, _, _, _) = enrol(&app, &admin, s.worker).await;
    // The laptop held the case's key (an escrow wrap came from it).
    let mut tx = app.db.db.begin().await.unwrap();
    dtz_store::sync::keyring::hold(&mut tx, device, cid, app.clock.now()).await.unwrap();
    dtz_store::sync::keyring::put_escrow_wrap(&mut tx, cid, device, b"an escrow wrap", app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();

    let place = Place { table: "cases", row: cid };
    let old_wrapped = wrapped_key(&app, cid).await;
    let old = sealed::open_data_key(&app.db.db, &app.services.keys, s.org, place, &old_wrapped).await.unwrap();
    let before = sealed_of(&app, cid).await;
    let columns: std::collections::BTreeSet<usize> = before.iter().map(|(i, _, _)| *i).collect();
    assert_eq!(columns.len(), CASE_SEALED.len(), "a value in every sealed column: {columns:?}");
    assert!(before.iter().all(|(i, r, b)| opens(&old, *i, *r, b)));

    let r = app.api(Method::POST, &format!("/devices/{device}/revoke"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let pending = app.api(Method::GET, "/devices/rekeys", Some(&admin), None).await.json();
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");

    let done = app.services.rekey_cases().await.unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0].outcome, RekeyOutcome::Rekeyed);
    assert_eq!(done[0].sealed, before.len());
    assert!(app.services.rekey_cases().await.unwrap().is_empty(), "a second run finds nothing");
    let pending = app.api(Method::GET, "/devices/rekeys", Some(&admin), None).await.json();
    assert_eq!(pending.as_array().unwrap().len(), 0, "the mark is closed: {pending}");

    let new_wrapped = wrapped_key(&app, cid).await;
    assert_ne!(new_wrapped, old_wrapped);
    let new = sealed::open_data_key(&app.db.db, &app.services.keys, s.org, place, &new_wrapped).await.unwrap();
    // Written after the re-keying too: the old key opens none of it.
    let r = post(&app, &worker, &format!("/cases/{cid}/notes"), "note=Second+visit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = sealed_of(&app, cid).await;
    assert_eq!(after.len(), before.len() + 1);
    for (i, r, b) in &after {
        assert!(!opens(&old, *i, *r, b), "the old key opens {}.{}", CASE_SEALED[*i].table, CASE_SEALED[*i].column);
        assert!(opens(&new, *i, *r, b));
    }
    let page = app.page(&format!("/cases/{cid}"), Some(&worker)).await.text();
    for text in [NAME, "Met the aunt at the market", "Back to school", "Statement taken", "Second visit"] {
        assert!(page.contains(text), "the case still reads: {text}");
    }
    let wraps: (i64,) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT (SELECT COUNT(*) FROM case_escrow_wraps WHERE case_id = $1) + \
             (SELECT COUNT(*) FROM device_held_cases WHERE case_id = $1)",
            vec![cid.into()],
        ))
        .await
        .unwrap();
    assert_eq!(wraps.0, 0, "the old wraps are destroyed");
    let (fields, actor): (String, Option<Uuid>) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT fields, actor_user_id FROM audit_events WHERE action = 'case.rekey' AND entity_id = $1",
            vec![cid.into()],
        ))
        .await
        .unwrap();
    assert!(fields.contains("data_key") && fields.contains("case_notes.body"), "{fields}");
    assert!(!fields.contains("aunt"), "field names only: {fields}");
    assert_eq!(actor, None, "done by the system");
}

async fn review(app: TestApp) {
    let org = app.org("Field partner", "local_partner").await;
    let admin = admin_of(&app, "admin@field.org", org).await;
    let (officer, _) = app.user("officer@field.org", org, None).await;
    let (device, token, _, _) = enrol(&app, &admin, officer).await;
    let r = app.api(Method::POST, &format!("/devices/{device}/revoke"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let op = json!({"id": Uuid::new_v4(), "node_seq": 1, "payload": "{\"name\":\"Sensitive Person\"}",
                    "signature": "00", "device_clock": "2026-01-01T00:00:00Z"});
    let r = app.api(Method::POST, "/sync/push", Some(&token), Some(json!({"operations": [op]}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a revoked device's push is refused: {}", r.text());
    let q = app.api(Method::GET, "/devices/quarantine", Some(&admin), None).await.json();
    assert_eq!(q.as_array().unwrap().len(), 1, "and quarantined: {q}");
    assert_eq!(q[0]["kind"], "operations");
    assert_eq!(q[0]["reviewed"], false);
    let id = q[0]["id"].as_str().unwrap().to_owned();

    // The page lists it without the payload; the devices page links to it.
    let cookie = app.login("admin@field.org", PASSWORD).await.unwrap();
    assert!(app.page("/admin/devices", Some(&cookie)).await.text().contains("/admin/devices/quarantine"));
    let page = app.page("/admin/devices/quarantine", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Changes to records") && text.contains("Laptop (N1)"), "{text}");
    assert!(!text.contains("Sensitive Person"), "no payload on the page");

    // Out of scope: another organisation's administrator, and anyone not an administrator.
    let elsewhere = app.org("Elsewhere", "local_partner").await;
    let other_admin = admin_of(&app, "admin@elsewhere.org", elsewhere).await;
    let other_cookie = app.login("admin@elsewhere.org", PASSWORD).await.unwrap();
    assert!(!app.page("/admin/devices/quarantine", Some(&other_cookie)).await.text().contains("Laptop (N1)"));
    let r = app
        .api(
            Method::POST,
            &format!("/devices/quarantine/{id}/review"),
            Some(&other_admin),
            Some(json!({"note": "Mine now"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let officer_cookie = app.login("officer@field.org", PASSWORD).await.unwrap();
    assert_eq!(app.page("/admin/devices/quarantine", Some(&officer_cookie)).await.status, StatusCode::NOT_FOUND);

    // A note is needed; then it is reviewed once, audited with field names only.
    let r = post(&app, &cookie, &format!("/admin/devices/quarantine/{id}/review"), "note=+").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Write what you found"), "{}", r.text());
    let r =
        post(&app, &cookie, &format!("/admin/devices/quarantine/{id}/review"), "note=Laptop+stolen+in+La+Paz").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let text = app.page("/admin/devices/quarantine", Some(&cookie)).await.text();
    assert!(text.contains("Laptop stolen in La Paz") && text.contains("Reviewed"), "{text}");
    let q = app.api(Method::GET, "/devices/quarantine", Some(&admin), None).await.json();
    assert_eq!(q[0]["reviewed"], true, "{q}");
    assert_eq!(q[0]["review_note"], "Laptop stolen in La Paz");
    let r = app
        .api(Method::POST, &format!("/devices/quarantine/{id}/review"), Some(&admin), Some(json!({"note": "Again"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "reviewed once");
    let (fields,): (String,) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::new("SELECT fields FROM audit_events WHERE action = 'device.quarantine.review'"))
        .await
        .unwrap();
    assert!(fields.contains("review_note") && !fields.contains("stolen"), "{fields}");
    let (stored,): (Vec<u8>,) =
        app.db.db.read().fetch_one(&Sql::new("SELECT review_note FROM sync_quarantine")).await.unwrap();
    assert!(!stored.windows(6).any(|w| w == b"stolen"), "the note is sealed");
}

fn provider_fields(name: &str, phone: &str, org: OrgId) -> ProviderFields {
    ProviderFields {
        name: name.into(),
        country: CountryCode::parse("c", "BO").unwrap(),
        org_id: Some(org),
        takes_referrals: true,
        phone: Some(phone.into()),
        email: None,
        address: Some("Calle Escondida 123".into()),
        notes: None,
        areas: vec!["El Alto".into()],
        languages: vec!["es".into()],
        services: BTreeMap::from([("shelter".to_owned(), Some(10))]),
    }
}

async fn reference(app: TestApp) {
    crate::activities::world(&app).await;
    let porg = app.org("Casa Network", "service_provider").await;
    let kept = app
        .services
        .create_provider(&Caller::System, ProviderId::new(), provider_fields("Casa Kept", "+591 1", porg))
        .await
        .unwrap();
    let gone = app
        .services
        .create_provider(&Caller::System, ProviderId::new(), provider_fields("Casa Gone", "+591 2", porg))
        .await
        .unwrap();
    let node = crate::sync::node_for(&app, "me@bo.example.org", "BO").await;
    let n = &node.services;
    let shelter: (Uuid, i64) = node
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT id, capacity FROM provider_services WHERE provider_id = $1 AND deleted_at IS NULL",
            vec![kept.row.id.into()],
        ))
        .await
        .unwrap();
    assert_eq!(shelter, (kept.services[0].id, 10), "the directory came down with the hub's service ids");
    let node_provider = n.provider(&Caller::System, ProviderId(kept.row.id)).await.unwrap();
    assert_eq!(node_provider.areas, vec!["El Alto".to_owned()]);
    assert_eq!(node_provider.address, None, "never the street address");
    let file = std::fs::read(node.db.dir.path().join("test.db")).unwrap_or_default();
    let wal = std::fs::read(node.db.dir.path().join("test.db-wal")).unwrap_or_default();
    assert!(!file.windows(8).chain(wal.windows(8)).any(|w| w == b"Escondid"));

    // The hub changes, retires and removes reference data; the next sync follows.
    let peru =
        app.services.orgs(&Caller::System).await.unwrap().into_iter().find(|o| o.name == "Partner Peru").unwrap();
    let mut f = peru.fields();
    f.name = "Socio Peru".into();
    app.services.update_org(&Caller::System, OrgId(peru.id), peru.version, f).await.unwrap();
    let term = app.services.terms("activity_type").await.unwrap().into_iter().next().unwrap();
    let mut labels = term.labels.clone();
    labels.insert("en".into(), "Renamed type".into());
    let input = dtz_services::config::TermInput {
        code: term.row.code.clone(),
        country: term.row.country.clone(),
        sort_order: term.row.sort_order.to_string(),
        active: false,
        labels,
    };
    app.services.update_term(&Caller::System, term.row.id, term.row.version, &input).await.unwrap();
    let mut f = provider_fields("Casa Kept", "+591 9999", porg);
    f.services = BTreeMap::from([("shelter".to_owned(), Some(4)), ("legal_aid".to_owned(), None)]);
    app.services.update_provider(&Caller::System, ProviderId(kept.row.id), kept.row.version, f).await.unwrap();
    app.services.delete_provider(&Caller::System, ProviderId(gone.row.id), gone.row.version).await.unwrap();
    let (_, mut programme) = app.services.programme("DTZ").await.unwrap();
    programme.name = "Down to Zero, renamed".into();
    app.services.load_programme(&Caller::System, &programme).await.unwrap();

    node.sync(&app).await.unwrap();
    let orgs: Vec<String> = n.orgs(&Caller::System).await.unwrap().into_iter().map(|o| o.name).collect();
    assert!(orgs.contains(&"Socio Peru".to_owned()) && !orgs.contains(&"Partner Peru".to_owned()), "{orgs:?}");
    let t = n.terms("activity_type").await.unwrap().into_iter().find(|t| t.row.code == term.row.code).unwrap();
    assert_eq!((t.labels["en"].as_str(), t.row.active), ("Renamed type", false), "updated and retired");
    let p = n.provider(&Caller::System, ProviderId(kept.row.id)).await.unwrap();
    assert_eq!(p.row.phone.as_deref(), Some("+591 9999"));
    let mut services: Vec<(String, Option<i64>)> =
        p.services.iter().map(|s| (s.service_type.clone(), s.capacity)).collect();
    services.sort();
    assert_eq!(services, vec![("legal_aid".to_owned(), None), ("shelter".to_owned(), Some(4))]);
    assert!(n.provider(&Caller::System, ProviderId(gone.row.id)).await.is_err(), "a removed provider is retired");
    assert_eq!(n.programme("DTZ").await.unwrap().0.name, "Down to Zero, renamed");

    // Read-only on the node: a person cannot change it there.
    let err = n.update_term(&node.caller, t.row.id, t.row.version, &input).await.unwrap_err();
    assert!(format!("{err:?}").contains("kept on the hub"), "{err:?}");
    let err =
        n.create_provider(&node.caller, ProviderId::new(), provider_fields("Local", "1", porg)).await.unwrap_err();
    assert!(format!("{err:?}").contains("kept on the hub"), "{err:?}");
    // A sync with nothing changed on the hub changes nothing on the node.
    let before: i64 = node.count("SELECT COUNT(*) FROM audit_events").await;
    node.sync(&app).await.unwrap();
    let after: i64 = node.count("SELECT COUNT(*) FROM audit_events").await;
    assert_eq!(before, after, "nothing rewritten when nothing changed");
}
