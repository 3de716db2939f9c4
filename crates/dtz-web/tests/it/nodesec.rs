//! Field nodes, audit and keys (issue 9, points 5 and 6): a node's audit batches anchored
//! on the hub with signed receipts, forks refused, a revoked device's batches quarantined;
//! on a node, case data locked by the passphrase and the lease, never in clear on disk,
//! and readable by the hub through the escrow wrap.

use crate::cases::{NAME, open_case, setup as case_setup};
use crate::on_both;
use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_domain::sync::{DeviceGrant, DeviceId};
use dtz_domain::sync_anchor::{AnchorReceipt, NodeEvent, batch_digest, batch_signing_bytes};
use dtz_services::sync::node::Received;
use dtz_services::sync::signing::{SigningKey, verify};
use dtz_store::Sql;
use dtz_store::sealed::Place;
use serde_json::{Value, json};
use uuid::Uuid;

on_both! {
    the_hub_anchors_batches_that_continue_its_head_and_refuses_forks => anchoring;
    a_revoked_devices_batches_are_quarantined_not_anchored => quarantine;
    case_data_on_a_node_is_locked_by_passphrase_and_lease_and_readable_by_the_hub => node_keys;
}

const PASS: &str = "a passphrase for the field laptop";

struct Enrolled {
    admin: String,
    org: OrgId,
    key: SigningKey,
    device: DeviceId,
    token: String,
    hub_key: Vec<u8>,
    body: Value,
}

async fn enrolled(app: &TestApp) -> Enrolled {
    let org = app.org("Field partner", "local_partner").await;
    let admin = RoleAssignment { role: Role::Administrator, org: Some(org), country: None, team: None };
    let (_, admin_token) = app.user("admin@field.org", org, Some(admin)).await;
    let (officer, _) = app.user("officer@field.org", org, None).await;
    let r = app.api(Method::POST, "/devices/enrolments", Some(&admin_token), Some(json!({"user_id": officer.0}))).await;
    let code = r.json()["code"].as_str().unwrap().to_owned();
    let key = SigningKey::generate().unwrap();
    let body = json!({"code": code, "name": "Laptop", "public_key": hex::encode(key.public())});
    let r = app.api(Method::POST, "/sync/enroll", None, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let grant: DeviceGrant = serde_json::from_value(body["grant"]["grant"].clone()).unwrap();
    Enrolled {
        admin: admin_token,
        org,
        key,
        device: grant.device,
        token: body["token"].as_str().unwrap().to_owned(),
        hub_key: hex::decode(body["hub_public_key"].as_str().unwrap()).unwrap(),
        body,
    }
}

/// `n` events from `from`, linked to `prev`, with made-up hashes (the hub checks links).
fn events(from: i64, prev: &str, n: i64, action: &str) -> Vec<NodeEvent> {
    let mut prev = prev.to_owned();
    (from..from + n)
        .map(|seq| {
            let e = NodeEvent {
                seq,
                id: Uuid::new_v4(),
                at: time::OffsetDateTime::UNIX_EPOCH,
                actor_user_id: None,
                actor_org_id: None,
                action: action.into(),
                entity: "case".into(),
                entity_id: Some(Uuid::new_v4()),
                entity_version: None,
                fields: r#"["profile"]"#.into(),
                org_id: None,
                prev_hash: prev.clone(),
                hash: hex::encode(Uuid::new_v4().as_bytes()),
            };
            prev = e.hash.clone();
            e
        })
        .collect()
}

async fn push(app: &TestApp, e: &Enrolled, batch_no: i64, evs: &[NodeEvent]) -> crate::support::Res {
    let sig = e.key.sign(&batch_signing_bytes(e.device, batch_no, &batch_digest(evs)));
    let body = json!({"batch_no": batch_no, "events": evs, "signature": hex::encode(sig)});
    app.api(Method::POST, "/sync/audit", Some(&e.token), Some(body)).await
}

fn receipt(e: &Enrolled, body: &Value) -> AnchorReceipt {
    let r: AnchorReceipt = serde_json::from_value(body["receipt"].clone()).unwrap();
    let sig = hex::decode(body["signature"].as_str().unwrap()).unwrap();
    assert!(verify(&e.hub_key, &r.signing_bytes(), &sig), "the receipt verifies with the hub's key");
    r
}

async fn anchoring(app: TestApp) {
    let e = enrolled(&app).await;
    let first = events(1, "", 3, "case.read");
    let r = push(&app, &e, 1, &first).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let one = receipt(&e, &r.json());
    assert_eq!((one.batch_no, one.from_seq, one.to_seq), (1, 1, 3));
    assert_eq!(one.head_hash, first[2].hash);

    let second = events(4, &first[2].hash, 2, "case.update");
    let r = push(&app, &e, 2, &second).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let two = receipt(&e, &r.json());
    assert_eq!((two.to_seq, two.prev_hash.as_str()), (5, first[2].hash.as_str()));
    let again = push(&app, &e, 2, &second).await;
    assert_eq!(receipt(&e, &again.json()), two, "a replay gets the same receipt");

    let forked = events(6, "a different head", 1, "case.read");
    let r = push(&app, &e, 3, &forked).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("does not continue from the anchored head"), "{}", r.text());
    let rewritten = events(4, &first[2].hash, 2, "case.export");
    let r = push(&app, &e, 2, &rewritten).await;
    assert!(r.text().contains("the node's chain was rewritten"), "{}", r.text());
    let mut unsigned = events(6, &second[1].hash, 1, "case.read");
    let r = push(&app, &e, 3, &unsigned).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    unsigned = events(7, &unsigned[0].hash, 1, "case.read");
    let body = json!({"batch_no": 4, "events": unsigned, "signature": hex::encode([0u8; 64])});
    let r = app.api(Method::POST, "/sync/audit", Some(&e.token), Some(body)).await;
    assert!(r.text().contains("not signed by this device"), "{}", r.text());

    let reads =
        app.api(Method::GET, &format!("/devices/{}/audit?action=case.read", e.device), Some(&e.admin), None).await;
    assert_eq!(reads.status, StatusCode::OK, "{}", reads.text());
    assert_eq!(reads.json().as_array().unwrap().len(), 4, "offline reads reach the hub: {}", reads.text());
    let page = app
        .page(&format!("/audit?device={}", e.device), Some(&app.login("admin@field.org", PASSWORD).await.unwrap()))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text().matches("case.read").count(), 4, "the audit page filtered by device");
    let hub = app.services.verify_anchors().await.unwrap();
    assert_eq!(hub.batches, 3);
    let anchor_events = app.api(Method::GET, "/audit/events?action=device.audit.anchor", Some(&e.admin), None).await;
    assert_eq!(anchor_events.json().as_array().unwrap().len(), 3, "each batch in the hub's own chain");

    let mut tx = app.db.db.begin().await.unwrap();
    tx.q().execute(&Sql::new("UPDATE device_audit_events SET fields = '[]' WHERE seq = 4")).await.unwrap();
    tx.commit().await.unwrap();
    assert!(app.services.verify_anchors().await.is_err(), "a changed device event shows on the hub");
}

async fn quarantine(app: TestApp) {
    let e = enrolled(&app).await;
    let first = events(1, "", 2, "case.read");
    assert_eq!(push(&app, &e, 1, &first).await.status, StatusCode::OK);
    let r = app.api(Method::POST, &format!("/devices/{}/revoke", e.device), Some(&e.admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let later = events(3, &first[1].hash, 2, "case.update");
    let r = push(&app, &e, 2, &later).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("kept for review and not applied"), "{}", r.text());
    let q = app.api(Method::GET, "/devices/quarantine", Some(&e.admin), None).await.json();
    assert_eq!(q.as_array().unwrap().len(), 1, "{q}");
    assert_eq!(q[0]["kind"], "audit_batch");
    assert_eq!(q[0]["device_id"], e.device.0.to_string());
    let anchored = app.api(Method::GET, &format!("/devices/{}/audit", e.device), Some(&e.admin), None).await.json();
    assert_eq!(anchored.as_array().unwrap().len(), 2, "not applied: {anchored}");
    let elsewhere = app.org("Elsewhere", "local_partner").await;
    let (_, other) = app.user("other@elsewhere.org", elsewhere, None).await;
    let r = app.api(Method::GET, "/devices/quarantine", Some(&other), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only administrators review the quarantine");
}

fn holds(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

async fn node_keys(app: TestApp) {
    let e = enrolled(&app).await;
    let node = TestApp::new(dtz_testkit::Backend::Sqlite).await.unwrap();
    let s = case_setup(&node).await;
    let n = &node.services;
    assert!(n.node_create_keyring("short").await.is_err(), "a passphrase of 12 characters at least");
    n.node_create_keyring(PASS).await.unwrap();
    let grant: DeviceGrant = serde_json::from_value(e.body["grant"]["grant"].clone()).unwrap();
    let received = Received {
        hub_url: "http://hub.example".into(),
        grant,
        grant_sig: hex::decode(e.body["grant"]["signature"].as_str().unwrap()).unwrap(),
        hub_public_key: e.hub_key.clone(),
        token: e.token.clone(),
    };
    n.node_enrolled(&e.key, &received).await.unwrap();
    n.node_keep_escrow(&app.services.escrow_key(e.device).0).await.unwrap();

    let worker = node.login("worker@example.org", PASSWORD).await.unwrap();
    let cid = open_case(&node, &s, &worker, None).await;
    let (number,): (String,) = node
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args("SELECT number FROM cases WHERE id = $1", vec![cid.into()]))
        .await
        .unwrap();
    assert!(number.contains("-N1-"), "numbered by the node's allocator: {number}");
    assert!(node.page(&format!("/cases/{cid}"), Some(&worker)).await.text().contains(NAME));

    let mut disk = Vec::new();
    for file in ["test.db", "test.db-wal"] {
        disk.extend(std::fs::read(node.db.dir.path().join(file)).unwrap_or_default());
    }
    assert!(!disk.is_empty());
    assert!(!holds(&disk, NAME.as_bytes()), "no child's name in the node's database file");
    assert!(!n.node_key.occurs_in(&disk), "the device key is not in clear on disk");
    assert!(!holds(&disk, e.key.seed()), "nor the device's signing key");
    assert!(!holds(&disk, e.token.as_bytes()), "nor its sync token");

    n.node_lock();
    let locked = node.page(&format!("/cases/{cid}"), Some(&worker)).await;
    assert!(!locked.text().contains(NAME), "a locked node opens no case");
    assert!(n.node_unlock("not the passphrase at all").await.is_err(), "a wrong passphrase unlocks nothing");
    assert!(!node.page(&format!("/cases/{cid}"), Some(&worker)).await.text().contains(NAME));
    n.node_unlock(PASS).await.unwrap();
    assert!(node.page(&format!("/cases/{cid}"), Some(&worker)).await.text().contains(NAME));

    // The hub reads a case opened offline through its escrow wrap, and keeps it under the
    // organisation's key; the device is noted as holding it.
    let (_, wrap) = dtz_store::sync::keyring::escrow_wrap(&node.db.db, cid).await.unwrap().unwrap();
    let place = Place { table: "cases", row: cid };
    let (key, _org_wrapped) = app.services.open_escrowed_case_key(e.device, e.org, place, &wrap).await.unwrap();
    let (profile,): (Vec<u8>,) = node
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args("SELECT profile FROM cases WHERE id = $1", vec![cid.into()]))
        .await
        .unwrap();
    let opened: Value = key.open_json("profile", &profile).unwrap();
    assert!(opened.to_string().contains(NAME), "{opened}");
    assert!(app.services.open_escrowed_case_key(DeviceId::new(), e.org, place, &wrap).await.is_err());

    // Past the lease: no case key opens and no write is taken, until a sync renews it.
    node.clock.advance(time::Duration::days(15));
    let expired = node.page(&format!("/cases/{cid}"), Some(&worker)).await;
    assert!(!expired.text().contains(NAME), "no case key past the lease");
    let fields = dtz_domain::org::OrgFields::parse("Later", "local_partner", None, Some("BO"), true).unwrap();
    let write = n.create_org(&dtz_services::Caller::System, OrgId::new(), fields).await;
    let err = format!("{:?}", write.unwrap_err());
    assert!(err.contains("lease"), "{err}");

    // Revoking the device marks the cases it held for new data keys.
    app.api(Method::POST, &format!("/devices/{}/revoke", e.device), Some(&e.admin), None).await;
    let rekeys = app.api(Method::GET, "/devices/rekeys", Some(&e.admin), None).await.json();
    assert_eq!(rekeys[0]["case_id"], cid.to_string(), "{rekeys}");
}
