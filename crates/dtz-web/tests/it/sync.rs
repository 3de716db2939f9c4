//! The sync protocol (issue 9) between a hub (both databases) and field nodes (SQLite, in
//! process): push applies each operation once, pull brings changes and evictions, the same
//! field changed on both sides is a conflict a person resolves, a frozen value is never
//! changed by sync, a revoked device is refused — and a seeded simulation over a lossy
//! network converges.

mod case_offline_refused;
mod case_roundtrip;
mod case_simulation;
mod cases_down;
mod cases_up;
mod net;
mod simulation;

use crate::activities::{World, world};
use crate::on_both;
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Actor, Role, RoleAssignment};
use dtz_domain::activity::{ActivityId, ActivityInput, ReachInput};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::org::CountryCode;
use dtz_domain::results::{Entry, ReportAction};
use dtz_domain::sync::protocol::{OpResult, Outcome, PushedOp};
use dtz_services::sync::exchange::{SyncFailure, SyncSummary, pushed};
use dtz_services::sync::node::Received;
use dtz_services::sync::signing::SigningKey;
use dtz_services::values::{ReportKey, ValueInput};
use dtz_services::{Caller, Services};
use dtz_store::Sql;
use dtz_testkit::{Backend, TestDb};
pub use net::Link;
use serde_json::json;
use simulation::converges;

on_both! {
    a_node_change_reaches_the_hub_once_and_replays_get_the_same_answer => pushed_once;
    the_same_field_changed_on_both_sides_is_a_conflict_a_person_resolves => same_field_conflict;
    a_value_submitted_on_the_hub_is_never_changed_by_sync => frozen_values;
    a_scope_change_evicts_and_a_revoked_device_is_refused => scope_and_revocation;
    after_a_thirty_day_partition_the_node_renews_its_lease_and_converges => partition;
    three_nodes_over_a_lossy_network_converge_and_apply_everything_once => converges;
}

/// A field node: its own SQLite database and services, enrolled with the hub.
pub struct Node {
    pub services: Services,
    pub db: TestDb,
    pub token: String,
    pub user: UserId,
    pub caller: Caller,
}

pub fn ra(role: Role, org: OrgId, country: &str) -> RoleAssignment {
    RoleAssignment { role, org: Some(org), country: Some(CountryCode::parse("c", country).unwrap()), team: None }
}

/// Enrol a node for the user with this e-mail, and take the reference data.
pub async fn node_for(app: &TestApp, email: &str, country: &str) -> Node {
    let u = app.services.user_by_email(&Caller::System, email).await.unwrap();
    let (code, _) = app.services.create_enrolment(&Caller::System, UserId(u.id)).await.unwrap();
    let key = SigningKey::generate().unwrap();
    let body = json!({"code": code, "name": "Laptop", "public_key": hex::encode(key.public())});
    let r = app.api(Method::POST, "/sync/enroll", None, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let e = r.json();
    let grant = serde_json::from_value(e["grant"]["grant"].clone()).unwrap();
    let received = Received {
        hub_url: "http://hub.test".into(),
        grant,
        grant_sig: hex::decode(e["grant"]["signature"].as_str().unwrap()).unwrap(),
        hub_public_key: hex::decode(e["hub_public_key"].as_str().unwrap()).unwrap(),
        token: e["token"].as_str().unwrap().to_owned(),
    };
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let services = db.services(&app.clock);
    services.node_create_keyring("a passphrase for the field laptop").await.unwrap();
    services.node_enrolled(&key, &received).await.unwrap();
    let actor =
        Actor { user: UserId(u.id), org: OrgId(u.org_id), roles: vec![ra(Role::MeOfficer, OrgId(u.org_id), country)] };
    let node = Node { services, db, token: received.token, user: UserId(u.id), caller: Caller::User(actor) };
    node.sync(app).await.unwrap();
    node
}

impl Node {
    pub fn link<'a>(&self, app: &'a TestApp) -> Link<'a> {
        Link::perfect(app, &self.token)
    }

    pub async fn sync(&self, app: &TestApp) -> Result<SyncSummary, SyncFailure> {
        self.services.node_sync(&self.link(app), &mut |_| {}).await
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        self.db.db.read().scalar(&Sql::new(sql)).await.unwrap()
    }

    pub async fn title(&self, id: ActivityId) -> String {
        self.services.activity(&Caller::System, id).await.unwrap().fields.title
    }
}

pub fn activity(title: &str, start: &str) -> ActivityInput {
    ActivityInput {
        goal: "G1".into(),
        country: "BO".into(),
        activity_type: "training_children".into(),
        title: title.into(),
        start: start.into(),
        area: "El Alto".into(),
        basis: "counted".into(),
        reach: vec![ReachInput {
            group: "children".into(),
            sex: "female".into(),
            age: "12_17".into(),
            first_time: "12".into(),
            repeat: String::new(),
        }],
        ..Default::default()
    }
}

pub async fn hub_count(app: &TestApp, sql: &'static str) -> i64 {
    app.db.db.read().scalar(&Sql::new(sql)).await.unwrap()
}

async fn push_raw(app: &TestApp, token: &str, ops: &[PushedOp]) -> Vec<OpResult> {
    let r = app.api(Method::POST, "/sync/push", Some(token), Some(json!({ "operations": ops }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    serde_json::from_value(r.json()["results"].clone()).unwrap()
}

async fn pushed_once(app: TestApp) {
    let w: World = world(&app).await;
    let node = node_for(&app, "me@bo.example.org", "BO").await;
    assert_eq!(node.count("SELECT COUNT(*) FROM programmes").await, 1, "reference data came down");
    let id = ActivityId::new();
    let created =
        node.services.create_activity(&node.caller, "DTZ", id, w.partner, &activity("Taller", "2016-03-04")).await;
    created.unwrap();
    let ops = node.services.node_pending().await.unwrap();
    assert_eq!(ops.len(), 1, "written to the outbox with the record");
    assert_eq!((ops[0].node_seq, ops[0].entity.as_str()), (1, "activity"));

    let s = node.sync(&app).await.unwrap();
    assert_eq!((s.applied, s.conflicts, s.refused, s.waiting), (1, 0, 0, 0));
    let on_hub = app.services.activity(&Caller::System, id).await.unwrap();
    assert_eq!(on_hub.fields.title, "Taller");
    let events: Vec<(String, Option<uuid::Uuid>)> = app
        .db
        .db
        .read()
        .fetch_all(&Sql::new("SELECT action, actor_user_id FROM audit_events WHERE action = 'activity.create'"))
        .await
        .unwrap();
    assert_eq!(events, vec![("activity.create".to_owned(), Some(node.user.0))], "audited as the user's write");

    // The whole outbox replayed twice: the same answers, nothing applied again.
    let all: Vec<PushedOp> =
        dtz_store::sync::outbox::answered(&node.db.db, 10).await.unwrap().iter().map(pushed).collect();
    let first = push_raw(&app, &node.token, &all).await;
    let second = push_raw(&app, &node.token, &all).await;
    assert_eq!(first, second);
    assert_eq!(first[0].outcome, Outcome::Applied);
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM activities").await, 1);
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM audit_events WHERE action = 'activity.create'").await, 1);

    // The same operation id with another payload is refused, and changes nothing.
    let mut forged = all[0].clone();
    forged.payload = forged.payload.replace("Taller", "Forged");
    let r = push_raw(&app, &node.token, &[forged]).await;
    assert_eq!(r[0].outcome, Outcome::Refused, "{r:?}");
    assert_eq!(app.services.activity(&Caller::System, id).await.unwrap().fields.title, "Taller");
    // The node's clock was recorded, not used.
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM sync_operations WHERE device_clock IS NOT NULL").await, 1);
    assert!(node.services.verify_audit().await.is_ok() && app.services.verify_audit().await.is_ok());
}

async fn same_field_conflict(app: TestApp) {
    let w = world(&app).await;
    let node = node_for(&app, "me@bo.example.org", "BO").await;
    let id = ActivityId::new();
    let hub_me = crate::sync::simulation::caller_of(&app, "me@bo.example.org").await;
    app.services.create_activity(&hub_me, "DTZ", id, w.partner, &activity("Taller", "2016-03-04")).await.unwrap();
    node.sync(&app).await.unwrap();
    assert_eq!(node.title(id).await, "Taller", "pulled");

    // The hub changes the title and the description; the node the title and the area.
    let mut hub_edit = activity("Taller (hub)", "2016-03-04");
    hub_edit.description = "Three sessions".into();
    app.services.update_activity(&hub_me, id, 1, &hub_edit).await.unwrap();
    let mut node_edit = activity("Taller (node)", "2016-03-04");
    node_edit.area = "Cochabamba".into();
    node.services.update_activity(&node.caller, id, 1, &node_edit).await.unwrap();
    let s = node.sync(&app).await.unwrap();
    assert_eq!(s.conflicts, 1, "{s:?}");

    let merged = app.services.activity(&Caller::System, id).await.unwrap();
    assert_eq!(merged.fields.title, "Taller (hub)", "never last-writer-wins");
    assert_eq!(merged.fields.area, "Cochabamba", "disjoint fields merge");
    assert_eq!(merged.fields.description, "Three sessions");
    assert_eq!(node.title(id).await, "Taller (hub)", "the node holds the hub's record after the pull");
    let shown = node.services.node_unapplied().await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].1.outcome, Outcome::Conflict);

    // A person on the hub sees it (and only the field names in the audit) and takes the node's title.
    let list = app.api(Method::GET, "/sync/conflicts", Some(&w.me_token), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(list.json()[0]["fields"], json!(["title"]));
    let peru = app.api(Method::GET, "/sync/conflicts", Some(&w.peru_token), None).await.json();
    assert_eq!(peru, json!([]), "another organisation's conflicts are not shown");
    let cid = list.json()[0]["id"].as_str().unwrap().to_owned();
    let page = app.page("/sync/conflicts", Some(&w.me)).await;
    assert!(page.text().contains("Taller (node)"), "{}", page.text());
    let r = app
        .api(
            Method::POST,
            &format!("/sync/conflicts/{cid}/resolve"),
            Some(&w.me_token),
            Some(json!({"choice": "take_node"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(app.services.activity(&Caller::System, id).await.unwrap().fields.title, "Taller (node)");
    assert_eq!(app.api(Method::GET, "/sync/conflicts", Some(&w.me_token), None).await.json(), json!([]));
    node.sync(&app).await.unwrap();
    assert_eq!(node.title(id).await, "Taller (node)");
    assert!(app.services.verify_audit().await.is_ok());
}

pub fn count(n: i64) -> Entry {
    Entry { value: Some(n), ..Entry::default() }
}

const G1_VALUE: &str =
    "SELECT MAX(v.value) FROM data_values v JOIN indicators i ON i.id = v.indicator_id WHERE i.code = 'G1.O1.1'";

pub async fn hub_value(app: &TestApp) -> Option<i64> {
    app.db.db.read().scalar(&Sql::new(G1_VALUE)).await.unwrap()
}

async fn frozen_values(app: TestApp) {
    let w = world(&app).await;
    let node = node_for(&app, "me@bo.example.org", "BO").await;
    let key = ReportKey { programme: "DTZ".into(), org: w.partner, country: "BO".into(), period: "2016".into() };
    let cell = |n| [ValueInput { indicator: "G1.O1.1".into(), part: String::new(), entry: count(n) }];
    node.services.save_values(&node.caller, &key, &cell(10)).await.unwrap();
    let s = node.sync(&app).await.unwrap();
    assert_eq!(s.applied, 1, "{s:?}");
    assert_eq!(hub_value(&app).await, Some(10));

    // The hub's M&E officer submits; the node, not yet told, changes the value.
    let hub_me = crate::sync::simulation::caller_of(&app, "me@bo.example.org").await;
    let report = app.services.report(&hub_me, &key).await.unwrap().report.unwrap();
    app.services.act_on_report(&hub_me, report.id, report.version, ReportAction::Submit, None).await.unwrap();
    node.services.save_values(&node.caller, &key, &cell(12)).await.unwrap();
    let s = node.sync(&app).await.unwrap();
    assert_eq!(s.conflicts, 1, "{s:?}");
    assert_eq!(hub_value(&app).await, Some(10), "a submitted value is never changed by sync");
    let conflicts = app.services.sync_conflicts(&hub_me, true).await.unwrap();
    assert_eq!(conflicts[0].fields, vec!["G1.O1.1".to_owned()]);
    // The node now holds the hub's state: submitted, 10, and refuses a new change itself.
    assert_eq!(node.count(G1_VALUE).await, 10);
    let again = node.services.save_values(&node.caller, &key, &cell(13)).await;
    assert!(again.is_err(), "a node writes only draft or returned values");
}

async fn scope_and_revocation(app: TestApp) {
    let w = world(&app).await;
    let node = node_for(&app, "me@bo.example.org", "BO").await;
    let peru_node = node_for(&app, "me@pe.example.org", "PE").await;
    let id = ActivityId::new();
    node.services.create_activity(&node.caller, "DTZ", id, w.partner, &activity("Taller", "2016-03-04")).await.unwrap();
    node.sync(&app).await.unwrap();
    peru_node.sync(&app).await.unwrap();
    assert_eq!(peru_node.count("SELECT COUNT(*) FROM activities").await, 0, "out of scope never goes down");

    // The user loses the role on the hub: the next pull evicts what the node held.
    let roles = app.services.roles(&Caller::System, node.user).await.unwrap();
    for r in roles {
        app.services.revoke_role(&Caller::System, node.user, dtz_domain::ids::RoleAssignmentId(r.id)).await.unwrap();
    }
    let s = node.sync(&app).await.unwrap();
    assert!(s.pulled.iter().any(|(_, a, rebuilt)| a.dropped == 1 && *rebuilt), "{s:?}");
    assert_eq!(node.count("SELECT COUNT(*) FROM activities").await, 0);

    // A change to a record out of the user's scope now is "not found", as on the pages.
    let other = ActivityId::new();
    node.services
        .create_activity(&node.caller, "DTZ", other, w.partner, &activity("Offline", "2016-03-05"))
        .await
        .unwrap();
    let s = node.sync(&app).await.unwrap();
    assert_eq!(s.refused, 1, "{s:?}");
    assert!(app.services.activity(&Caller::System, other).await.is_err());

    // A revoked device is refused for push and pull.
    let devices = app.services.devices(&Caller::System).await.unwrap();
    let d = devices.iter().find(|d| d.user_id == node.user.0).unwrap();
    app.services.revoke_device(&Caller::System, dtz_domain::sync::DeviceId(d.id)).await.unwrap();
    let late = ActivityId::new();
    node.services
        .create_activity(&node.caller, "DTZ", late, w.partner, &activity("After revocation", "2016-03-06"))
        .await
        .unwrap();
    assert!(matches!(node.sync(&app).await, Err(SyncFailure::Revoked)));
    assert!(app.services.activity(&Caller::System, late).await.is_err(), "not applied");
    let held = app.services.quarantined(&Caller::System).await.unwrap();
    assert!(
        held.iter().any(|q| q.kind == "operations" && q.payload.contains(&late.0.to_string())),
        "quarantined for review"
    );
    let r = app.api(Method::GET, "/sync/pull?scope=activities", Some(&node.token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn partition(app: TestApp) {
    let w = world(&app).await;
    let node = node_for(&app, "me@bo.example.org", "BO").await;
    let hub_me = crate::sync::simulation::caller_of(&app, "me@bo.example.org").await;
    let a = ActivityId::new();
    app.services.create_activity(&hub_me, "DTZ", a, w.partner, &activity("Hub", "2016-02-01")).await.unwrap();
    node.sync(&app).await.unwrap();
    let mut ids = Vec::new();
    for day in 0..10 {
        app.clock.advance(time::Duration::days(1));
        let id = ActivityId::new();
        let t = format!("Offline day {day}");
        node.services.create_activity(&node.caller, "DTZ", id, w.partner, &activity(&t, "2016-03-04")).await.unwrap();
        ids.push(id);
    }
    let mut edit = activity("Hub", "2016-02-01");
    edit.description = "Changed on the hub during the partition".into();
    app.services.update_activity(&hub_me, a, 1, &edit).await.unwrap();
    app.clock.advance(time::Duration::days(20));
    let late = node
        .services
        .create_activity(&node.caller, "DTZ", ActivityId::new(), w.partner, &activity("Late", "2016-03-04"))
        .await;
    assert!(late.is_err(), "past the lease the node refuses new work until it syncs");

    // Contact renews the lease; then everything goes up and comes down.
    let st = app.api(Method::GET, "/sync/status", Some(&node.token), None).await.json();
    let grant = serde_json::from_value(st["grant"]["grant"].clone()).unwrap();
    node.services.node_renew(&grant, &hex::decode(st["grant"]["signature"].as_str().unwrap()).unwrap()).await.unwrap();
    let s = node.sync(&app).await.unwrap();
    assert_eq!((s.applied, s.waiting), (10, 0), "{s:?}");
    for id in &ids {
        assert!(app.services.activity(&Caller::System, *id).await.is_ok());
    }
    let held = node.services.activity(&Caller::System, a).await.unwrap();
    assert_eq!(held.fields.description, "Changed on the hub during the partition");
    assert_eq!(node.count("SELECT COUNT(*) FROM activities").await, 11);
    node.services
        .create_activity(&node.caller, "DTZ", ActivityId::new(), w.partner, &activity("After", "2016-03-04"))
        .await
        .unwrap();
}
