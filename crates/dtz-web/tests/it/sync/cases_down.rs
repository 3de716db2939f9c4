//! Cases going down to a field node (issue 9, point 2), hub on both databases, node on
//! SQLite in process, through the real router: the caseload and checkouts arrive with the
//! minimum fields, their ciphertexts unchanged and their keys rewrapped for the device, and
//! open on the node; nothing else arrives; no child's name is readable in the node's file;
//! a case reassigned away, closed or whose checkout was returned is deleted on the node and the hub records
//! the acknowledgement; a revoked device is refused; past the lease a pulled case stays shut.

use super::{Link, Node};
use crate::cases::{NAME, Setup, open_case, post, role, setup};
use crate::on_both;
use crate::referrals::{consent, provider, refer};
use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Actor, Role};
use dtz_domain::ids::{RoleAssignmentId, UserId};
use dtz_domain::sync::protocol::PullScope;
use dtz_services::Caller;
use dtz_services::sync::node::Received;
use dtz_services::sync::signing::SigningKey;
use dtz_store::Sql;
use dtz_testkit::{Backend, TestDb};
use serde_json::json;
use uuid::Uuid;

on_both! {
    the_caseload_and_checkouts_arrive_with_their_keys_and_open_on_the_node => arrive;
    a_case_reassigned_away_closed_or_returned_is_deleted_on_the_node_and_acknowledged => evicted;
}

const REASON: &str = "Needs a safe place tonight";

/// Enrol a laptop for the worker (an administrator makes the code) and keep the hub's
/// escrow key; nothing pulled yet. Returns the node and its device id.
pub(super) async fn laptop(app: &TestApp, s: &Setup) -> (Node, Uuid) {
    let admin = app.user("admin@example.org", s.org, role(Role::Administrator, s.org, None, None)).await.1;
    let r = app.api(Method::POST, "/devices/enrolments", Some(&admin), Some(json!({"user_id": s.worker.0}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let key = SigningKey::generate().unwrap();
    let body = json!({"code": r.json()["code"], "name": "Laptop El Alto", "public_key": hex::encode(key.public())});
    let r = app.api(Method::POST, "/sync/enroll", None, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let e = r.json();
    let received = Received {
        hub_url: "http://hub.test".into(),
        grant: serde_json::from_value(e["grant"]["grant"].clone()).unwrap(),
        grant_sig: hex::decode(e["grant"]["signature"].as_str().unwrap()).unwrap(),
        hub_public_key: hex::decode(e["hub_public_key"].as_str().unwrap()).unwrap(),
        token: e["token"].as_str().unwrap().to_owned(),
    };
    let device: Uuid = e["grant"]["grant"]["device"].as_str().unwrap().parse().unwrap();
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let services = db.services(&app.clock);
    services.node_create_keyring("a passphrase for the field laptop").await.unwrap();
    services.node_enrolled(&key, &received).await.unwrap();
    let escrow = app.api(Method::GET, "/sync/escrow", Some(&received.token), None).await.json();
    services.node_keep_escrow(&hex::decode(escrow["escrow_key"].as_str().unwrap()).unwrap()).await.unwrap();
    let caller = Caller::User(Actor { user: s.worker, org: s.org, roles: vec![] });
    (Node { services, db, token: received.token, user: UserId(s.worker.0), caller }, device)
}

/// Give a case to the supervisor as caseworker (out of the worker's caseload).
async fn reassign(app: &TestApp, s: &Setup, case: Uuid) {
    let v = crate::cases::version(app, case).await;
    let body = json!({"version": v, "assignment": {"team_id": s.team.0, "caseworker_id": s.supervisor.0}});
    let r = app.api(Method::PATCH, &format!("/cases/{case}"), Some(&s.supervisor_token), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

async fn check_out(app: &TestApp, case: Uuid, device: Uuid) {
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let r = post(app, &cookie, &format!("/cases/{case}/laptops"), &format!("device={device}&reason=field_visit")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

async fn node_has(node: &Node, table: &'static str, case: Uuid) -> i64 {
    let mut q = Sql::new("SELECT COUNT(*) FROM ");
    q.push(table).push(" WHERE case_id = ").bind(case);
    node.db.db.read().scalar(&q).await.unwrap()
}

async fn node_case(node: &Node, case: Uuid) -> bool {
    node.db
        .db
        .read()
        .scalar::<i64>(&Sql::with_args("SELECT COUNT(*) FROM cases WHERE id = $1", vec![case.into()]))
        .await
        .unwrap()
        == 1
}

async fn bytes_of(db: &dtz_store::Db, case: Uuid) -> (Vec<u8>, Vec<u8>, String, String) {
    db.read()
        .fetch_one(&Sql::with_args(
            "SELECT profile, data_key, number, status FROM cases WHERE id = $1",
            vec![case.into()],
        ))
        .await
        .unwrap()
}

async fn hub_scalar(app: &TestApp, q: Sql) -> i64 {
    app.db.db.read().scalar(&q).await.unwrap()
}

/// A case of the worker with consent, a note, a referral and a follow-up with a note.
pub(super) async fn full_case(app: &TestApp, s: &Setup) -> Uuid {
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let case = open_case(app, s, &cookie, None).await;
    let (_, service, _) = provider(app, "Casa Segura (sample)", "shelter@example.org", false).await;
    consent(app, s, case, "services").await;
    consent(app, s, case, "sharing").await;
    let (st, body) = refer(app, &s.worker_token, case, service, false).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let referral = body["referral"]["id"].as_str().unwrap().to_owned();
    let note = json!({"text": "Met the child at school"});
    let r = app.api(Method::POST, &format!("/cases/{case}/notes"), Some(&s.worker_token), Some(note)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let today = dtz_domain::Clock::now(&app.clock).date();
    let body = json!({"kind": "provider_contact", "planned_date": today.to_string(), "referral_id": referral});
    let r = app.api(Method::POST, &format!("/cases/{case}/follow-ups"), Some(&s.worker_token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let fu = r.json()["id"].as_str().unwrap().to_owned();
    let body = json!({"version": 1, "status": "done", "done_date": today.to_string(), "progress": "improving",
        "note": "Called the shelter"});
    let r = app.api(Method::POST, &format!("/cases/{case}/follow-ups/{fu}"), Some(&s.worker_token), Some(body)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    case
}

async fn arrive(app: TestApp) {
    let s = setup(&app).await;
    let mine = full_case(&app, &s).await;
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let lent = open_case(&app, &s, &cookie, None).await;
    let other = open_case(&app, &s, &cookie, None).await;
    reassign(&app, &s, lent).await;
    reassign(&app, &s, other).await;
    let (node, device) = laptop(&app, &s).await;
    check_out(&app, lent, device).await;

    let link = Link::perfect(&app, &node.token);
    let mut said = Vec::new();
    node.services.node_sync(&link, &mut |m| said.push(m)).await.unwrap();
    assert!(said.iter().any(|m| m.starts_with("pulled cases: 2 written")), "{said:?}");
    assert!(node_case(&node, mine).await && node_case(&node, lent).await, "caseload and checkout arrived");
    assert!(!node_case(&node, other).await, "a case neither in the caseload nor checked out never arrives");
    for table in ["case_notes", "referrals", "follow_ups"] {
        assert_eq!(node_has(&node, table, other).await, 0);
    }
    assert_eq!(node.count("SELECT COUNT(*) FROM case_consents").await, 0, "consent records stay on the hub");
    assert_eq!(node.count("SELECT COUNT(*) FROM signals").await, 0, "signals never go down");

    // The minimum fields, ciphertexts unchanged, the key rewrapped for the device.
    let (hub_profile, hub_key, hub_number, hub_status) = bytes_of(&app.db.db, mine).await;
    let (profile, key, number, status) = bytes_of(&node.db.db, mine).await;
    assert_eq!((profile, number, status), (hub_profile, hub_number, hub_status), "the sealed profile as stored");
    assert_ne!(key, hub_key, "the data key is wrapped under the device key, not the organisation's");
    assert_eq!((node_has(&node, "case_notes", mine).await, node_has(&node, "referrals", mine).await), (1, 1));
    assert_eq!(node_has(&node, "follow_ups", mine).await, 1);
    assert_eq!(node.count("SELECT COUNT(*) FROM follow_up_notes").await, 1);
    let st: String = node.db.db.read().scalar(&Sql::new("SELECT status FROM referrals")).await.unwrap();
    assert_eq!(st, "pending", "the referral with its state");

    // It opens on the node like a case opened offline.
    let detail = node.services.case(&Caller::System, mine).await.unwrap();
    assert_eq!(detail.secrets.as_ref().and_then(|x| x.name.as_deref()), Some(NAME));
    assert_eq!(detail.notes.len(), 1);
    let fus = node.services.follow_ups(&Caller::System, mine).await.unwrap();
    assert_eq!(fus.len(), 1);
    let lent_detail = node.services.case(&Caller::System, lent).await.unwrap();
    assert_eq!(lent_detail.secrets.and_then(|x| x.name).as_deref(), Some(NAME));

    // The hub noted and audited each case sent, as read by the device's user.
    let held = hub_scalar(&app, {
        let mut q = Sql::new("SELECT COUNT(*) FROM device_held_cases WHERE device_id = ");
        q.bind(device);
        q
    })
    .await;
    assert_eq!(held, 2);
    let mut q = Sql::new("SELECT COUNT(*) FROM audit_events WHERE action = 'case.sync.send' AND actor_user_id = ");
    q.bind(s.worker.0);
    assert_eq!(hub_scalar(&app, q).await, 2);

    // No child's name, reason or note in the node's files.
    let mut disk = Vec::new();
    for file in ["test.db", "test.db-wal"] {
        disk.extend(std::fs::read(node.db.dir.path().join(file)).unwrap_or_default());
    }
    assert!(!disk.is_empty());
    for secret in [NAME, REASON, "Met the child at school", "Called the shelter"] {
        assert!(!disk.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} readable on disk");
    }

    // A quiet sync sends nothing again; a new note on the hub sends that case only.
    let link = Link::perfect(&app, &node.token);
    node.services.node_sync(&link, &mut |_| {}).await.unwrap();
    let cases_of = |l: &Link| {
        l.pulled
            .borrow()
            .iter()
            .filter(|a| a.scope == PullScope::Cases)
            .flat_map(|a| a.cases.clone())
            .collect::<Vec<_>>()
    };
    assert!(cases_of(&link).iter().all(|d| d.cases.is_empty()), "nothing changed, nothing sent");
    let r = app
        .api(Method::POST, &format!("/cases/{mine}/notes"), Some(&s.worker_token), Some(json!({"text": "Second"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let link = Link::perfect(&app, &node.token);
    node.services.node_sync(&link, &mut |_| {}).await.unwrap();
    let sent: Vec<Uuid> = cases_of(&link).iter().flat_map(|d| d.cases.iter().map(|c| c.id)).collect();
    assert_eq!(sent, [mine]);
    assert_eq!(node_has(&node, "case_notes", mine).await, 2);

    // The node's page counts the cases it holds (a local account signs in on the node).
    let Node { services, db, .. } = node;
    let router = dtz_web::router(dtz_web::AppState::new(services.clone(), dtz_web::WebConfig::default()));
    let laptop_app = TestApp { router, services, clock: app.clock.clone(), db };
    laptop_app.user("worker@laptop.example.org", s.org, None).await;
    let cookie = laptop_app.login("worker@laptop.example.org", PASSWORD).await.unwrap();
    let page = laptop_app.page("/sync", Some(&cookie)).await.text();
    assert!(page.contains("Cases held on this laptop</dt><dd>2</dd>"), "{page}");

    // Past the lease a pulled case stays shut.
    app.clock.advance(time::Duration::days(15));
    let err = format!("{:?}", laptop_app.services.case(&Caller::System, mine).await.unwrap_err());
    assert!(err.contains("lease"), "{err}");
}

async fn evicted(app: TestApp) {
    let s = setup(&app).await;
    let mine = full_case(&app, &s).await;
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let lent = open_case(&app, &s, &cookie, None).await;
    let closed = open_case(&app, &s, &cookie, None).await;
    reassign(&app, &s, lent).await;
    let (node, device) = laptop(&app, &s).await;
    check_out(&app, lent, device).await;
    node.sync(&app).await.unwrap();
    assert_eq!(node.services.node_cases_held().await.unwrap(), 3);

    // Reassigned away, the checkout returned, closed: the next pull lists all as removed.
    reassign(&app, &s, mine).await;
    let v = crate::cases::version(&app, closed).await;
    let ask = json!({"action": "request", "reason": "other", "version": v});
    let r = app.api(Method::POST, &format!("/cases/{closed}/closure"), Some(&s.worker_token), Some(ask)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let approve = json!({"action": "approve", "version": v + 1});
    let r = app.api(Method::POST, &format!("/cases/{closed}/closure"), Some(&s.supervisor_token), Some(approve)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let (checkout,): (Uuid,) = app.db.db.read().fetch_one(&Sql::new("SELECT id FROM case_checkouts")).await.unwrap();
    let r = post(&app, &cookie, &format!("/cases/{lent}/laptops/{checkout}/return"), "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let admin_token = app.user("admin2@example.org", s.org, role(Role::Administrator, s.org, None, None)).await.1;
    let r = app.api(Method::GET, "/sync/pull?scope=cases&cursor=0", Some(&node.token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut removed: Vec<Uuid> = serde_json::from_value(r.json()["removed"].clone()).unwrap();
    removed.sort();
    let mut gone = vec![mine, lent, closed];
    gone.sort();
    assert_eq!(removed, gone);
    let waiting = app.api(Method::GET, "/devices/evictions", Some(&admin_token), None).await.json();
    assert_eq!(waiting.as_array().unwrap().len(), 3, "not acknowledged yet: {waiting}");
    let r = app.api(Method::GET, "/devices/evictions", Some(&s.worker_token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "administrators only");

    // The node deletes them with their children and key wraps, and acknowledges.
    let mut said = Vec::new();
    node.services.node_sync(&node.link(&app), &mut |m| said.push(m)).await.unwrap();
    assert!(said.iter().any(|m| m == "cases: 3 deletions acknowledged to the hub"), "{said:?}");
    assert_eq!(node.services.node_cases_held().await.unwrap(), 0);
    for table in [
        "SELECT COUNT(*) FROM cases",
        "SELECT COUNT(*) FROM case_notes",
        "SELECT COUNT(*) FROM referrals",
        "SELECT COUNT(*) FROM follow_ups",
        "SELECT COUNT(*) FROM follow_up_notes",
    ] {
        assert_eq!(node.count(table).await, 0, "{table}");
    }
    let acked = hub_scalar(
        &app,
        Sql::new("SELECT COUNT(*) FROM device_held_cases WHERE evicted_at IS NOT NULL AND acknowledged_at IS NOT NULL"),
    )
    .await;
    assert_eq!(acked, 3);
    let mut q = Sql::new("SELECT COUNT(*) FROM audit_events WHERE action = 'case.sync.evict.ack' AND actor_user_id = ");
    q.bind(s.worker.0);
    assert_eq!(hub_scalar(&app, q).await, 3);
    let waiting = app.api(Method::GET, "/devices/evictions", Some(&admin_token), None).await.json();
    assert_eq!(waiting.as_array().unwrap().len(), 0, "{waiting}");
    // An acknowledgement again changes nothing.
    let r = app.api(Method::POST, "/sync/evictions", Some(&node.token), Some(json!({"cases": [mine]}))).await;
    assert_eq!(r.json()["acknowledged"], json!([]));

    // Checked out again: it comes back.
    check_out(&app, lent, device).await;
    node.sync(&app).await.unwrap();
    assert!(node_case(&node, lent).await && !node_case(&node, mine).await);

    // The worker's case role taken away: nothing stays on the laptop, checkout or not.
    for r in app.services.roles(&Caller::System, s.worker).await.unwrap() {
        app.services.revoke_role(&Caller::System, s.worker, RoleAssignmentId(r.id)).await.unwrap();
    }
    node.sync(&app).await.unwrap();
    assert_eq!(node.services.node_cases_held().await.unwrap(), 0, "a role taken away evicts at the next pull");
    let mut q = Sql::new("SELECT COUNT(*) FROM device_held_cases WHERE acknowledged_at IS NOT NULL AND case_id = ");
    q.bind(lent);
    assert_eq!(hub_scalar(&app, q).await, 1);

    // A revoked device is refused.
    let r = app.api(Method::POST, &format!("/devices/{device}/revoke"), Some(&admin_token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = app.api(Method::GET, "/sync/pull?scope=cases&cursor=0", Some(&node.token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::POST, "/sync/evictions", Some(&node.token), Some(json!({"cases": [lent]}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut q = Sql::new("SELECT COUNT(*) FROM case_rekeys WHERE case_id = ");
    q.bind(mine);
    assert_eq!(hub_scalar(&app, q).await, 1, "a case once sent is marked for a new key at revocation");
}
