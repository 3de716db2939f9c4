//! Case work done offline on a node reaches the hub (issue 9, point 4): a case opened
//! offline arrives once and the hub reads it; header fields merge or conflict (a raised
//! risk holds until a supervisor decides); notes and follow-ups are appended once; an
//! illegal referral step is refused and shown on the node and on the hub; all audited as
//! the page writes are.

use super::{hub_count, push_raw};
use crate::cases::{NAME, Setup, role, setup};
use crate::referrals::{consent, provider, refer};
use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Actor, Role};
use dtz_domain::case::ProfileInput;
use dtz_domain::directory::{ProviderFields, ProviderId};
use dtz_domain::ids::TeamId;
use dtz_domain::org::CountryCode;
use dtz_domain::sync::DeviceGrant;
use dtz_domain::sync::protocol::{OpResult, Outcome, PushedOp};
use dtz_services::Caller;
use dtz_services::accounts::UserInput;
use dtz_services::cases::{CaseEdit, NewCaseInput};
use dtz_services::referrals::{FollowUpInput, StepInput};
use dtz_services::sync::exchange::{SyncSummary, pushed};
use dtz_services::sync::node::Received;
use dtz_services::sync::signing::SigningKey;
use dtz_store::Sql;
use dtz_testkit::Backend;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

crate::on_both! {
    a_case_opened_offline_arrives_once_and_the_hub_reads_it => opened_offline;
    case_header_fields_merge_or_conflict_and_a_raised_risk_holds => header_merge;
    notes_and_follow_ups_from_a_node_are_appended_once => appended_once;
    an_illegal_referral_step_from_a_node_is_refused_and_shown_on_both_sides => referral_refused;
}

const PASS: &str = "a passphrase for the field laptop";

/// A field node that is an installation of its own (pages too), enrolled for the worker.
struct CaseNode {
    app: TestApp,
    token: String,
    caller: Caller,
    cookie: String,
}

impl CaseNode {
    async fn sync(&self, hub: &TestApp) -> SyncSummary {
        self.app.services.node_sync(&super::Link::perfect(hub, &self.token), &mut |_| {}).await.unwrap()
    }

    async fn answered(&self) -> Vec<PushedOp> {
        dtz_store::sync::outbox::answered(&self.app.db.db, 100).await.unwrap().iter().map(pushed).collect()
    }

    async fn open_case(&self, s: &Setup, risk: &str) -> Uuid {
        let input = NewCaseInput {
            country: "BO".into(),
            team: s.team.0.to_string(),
            risk: risk.into(),
            profile: ProfileInput {
                sex: "female".into(),
                age: "14".into(),
                languages: "Spanish".into(),
                name: NAME.into(),
                contact: "At the market".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        self.app.services.open_case(&self.caller, &input).await.unwrap().id
    }
}

/// Enrol the worker's laptop; the team and the worker are put on the node as a pull would.
async fn case_node(hub: &TestApp, s: &Setup) -> CaseNode {
    let (code, _) = hub.services.create_enrolment(&Caller::System, s.worker).await.unwrap();
    let key = SigningKey::generate().unwrap();
    let body = json!({"code": code, "name": "Laptop", "public_key": hex::encode(key.public())});
    let r = hub.api(Method::POST, "/sync/enroll", None, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let e = r.json();
    let grant: DeviceGrant = serde_json::from_value(e["grant"]["grant"].clone()).unwrap();
    let device = grant.device;
    let received = Received {
        hub_url: "http://hub.test".into(),
        grant,
        grant_sig: hex::decode(e["grant"]["signature"].as_str().unwrap()).unwrap(),
        hub_public_key: hex::decode(e["hub_public_key"].as_str().unwrap()).unwrap(),
        token: e["token"].as_str().unwrap().to_owned(),
    };
    let app = TestApp::new(Backend::Sqlite).await.unwrap();
    app.services.node_create_keyring(PASS).await.unwrap();
    app.services.node_enrolled(&key, &received).await.unwrap();
    app.services.node_keep_escrow(&hub.services.escrow_key(device).0).await.unwrap();
    let token = received.token;
    app.services.node_sync(&super::Link::perfect(hub, &token), &mut |_| {}).await.unwrap();
    let n = &app.services;
    n.create_team(&Caller::System, s.team, s.org, Some("BO"), "Team A").await.unwrap();
    let input = UserInput {
        org: Some(s.org),
        email: "worker@example.org".into(),
        name: "Worker".into(),
        language: "en".into(),
        password: Some(PASSWORD.into()),
        roles: Vec::new(),
    };
    n.create_user(&Caller::System, s.worker, input).await.unwrap();
    let r = role(Role::Caseworker, s.org, Some("BO"), Some(s.team)).unwrap();
    n.assign_role(&Caller::System, s.worker, r.clone()).await.unwrap();
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let caller = Caller::User(Actor { user: s.worker, org: s.org, roles: vec![r] });
    CaseNode { app, token, caller, cookie }
}

fn hub_worker(s: &Setup) -> Caller {
    Caller::User(Actor {
        user: s.worker,
        org: s.org,
        roles: vec![role(Role::Caseworker, s.org, Some("BO"), Some(s.team)).unwrap()],
    })
}

fn hub_supervisor(s: &Setup) -> Caller {
    Caller::User(Actor {
        user: s.supervisor,
        org: s.org,
        roles: vec![role(Role::CaseSupervisor, s.org, Some("BO"), Some(s.team)).unwrap()],
    })
}

async fn actions(app: &TestApp, action: &'static str) -> Vec<(Option<Uuid>, String)> {
    app.db
        .db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT actor_user_id, fields FROM audit_events WHERE action = $1 ORDER BY seq",
            vec![action.into()],
        ))
        .await
        .unwrap()
}

async fn opened_offline(app: TestApp) {
    let s = setup(&app).await;
    let node = case_node(&app, &s).await;
    let cid = node.open_case(&s, "medium").await;
    let ops = node.app.services.node_pending().await.unwrap();
    assert_eq!(ops.len(), 1, "queued with the case");
    assert!(!ops[0].payload.contains(NAME) && !ops[0].payload.contains("market"), "sealed fields travel sealed");

    let sum = node.sync(&app).await;
    assert_eq!((sum.applied, sum.conflicts, sum.refused), (1, 0, 0), "{sum:?}");
    let on_hub = app.services.case(&hub_worker(&s), cid).await.unwrap();
    assert_eq!(on_hub.secrets.and_then(|x| x.name).as_deref(), Some(NAME), "the hub reads the child's name");
    let node_number = node.app.services.case(&node.caller, cid).await.unwrap().summary.number;
    assert_eq!(on_hub.summary.number, node_number, "the node's number");
    assert!(node_number.contains("-N"), "{node_number}");
    // The key is the organisation's now: the hub needs no escrow to read it again, and the
    // device is noted as holding the case.
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM device_held_cases").await, 1);

    let all = node.answered().await;
    let first = push_raw(&app, &node.token, &all).await;
    let second = push_raw(&app, &node.token, &all).await;
    assert_eq!(first, second, "a replay gets the same answer");
    assert_eq!(first[0].outcome, Outcome::Applied);
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM cases").await, 1, "arrived once");
    let created = actions(&app, "case.create").await;
    assert_eq!(created.len(), 1, "audited once");
    assert_eq!(created[0].0, Some(s.worker.0), "as the device's user");
    assert!(created[0].1.contains("profile.name") && !created[0].1.contains(NAME), "{:?}", created[0]);
    assert!(node.app.services.verify_audit().await.is_ok() && app.services.verify_audit().await.is_ok());

    // A case the user could not open on the hub (in a team they do not work in there) is
    // refused as the page refuses it, and shown to the device's user on both sides.
    let t2 = app.services.create_team(&Caller::System, TeamId::new(), s.org, Some("BO"), "Team B").await.unwrap().id;
    node.app.services.create_team(&Caller::System, TeamId(t2), s.org, Some("BO"), "Team B").await.unwrap();
    let roles = [s.team, TeamId(t2)].map(|t| role(Role::Caseworker, s.org, Some("BO"), Some(t)).unwrap());
    let wide = Caller::User(Actor { user: s.worker, org: s.org, roles: roles.to_vec() });
    let mut input = NewCaseInput { country: "BO".into(), team: t2.to_string(), ..Default::default() };
    input.profile = ProfileInput { name: "Someone".into(), ..Default::default() };
    node.app.services.open_case(&wide, &input).await.unwrap();
    let sum = node.sync(&app).await;
    assert_eq!((sum.applied, sum.refused), (0, 1), "{sum:?}");
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM cases").await, 1);
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let text = app.page("/sync/conflicts", Some(&worker)).await.text();
    assert!(text.contains("Choose a team you work in"), "{text}");
    assert!(node.app.page("/sync", Some(&node.cookie)).await.text().contains("Choose a team you work in"));
}

async fn header_merge(app: TestApp) {
    let s = setup(&app).await;
    let node = case_node(&app, &s).await;
    let cid = node.open_case(&s, "medium").await;
    node.sync(&app).await;

    // The hub raises the risk and changes the languages; the node lowers the risk, changes
    // the languages too, and the child's contact (a sealed field).
    let hub_edit = CaseEdit {
        risk: Some("high".into()),
        profile: Some(ProfileInput {
            sex: "female".into(),
            birth_year: "2012".into(),
            languages: "Spanish, Quechua".into(),
            name: NAME.into(),
            contact: "At the market".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    app.services.update_case(&hub_worker(&s), cid, 1, &hub_edit).await.unwrap();
    let node_edit = CaseEdit {
        risk: Some("low".into()),
        profile: Some(ProfileInput {
            sex: "female".into(),
            birth_year: "2012".into(),
            languages: "Spanish, Aymara".into(),
            name: NAME.into(),
            contact: "Shelter phone 555".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let n = &node.app.services;
    n.update_case(&node.caller, cid, 1, &node_edit).await.unwrap();
    let sum = node.sync(&app).await;
    assert_eq!(sum.conflicts, 1, "{sum:?}");
    let merged = app.services.case(&hub_worker(&s), cid).await.unwrap();
    assert_eq!(merged.summary.risk.map(|r| r.as_str()), Some("high"), "the node cannot lower a raised risk");
    assert_eq!(merged.profile.languages, ["Spanish", "Quechua"], "never last-writer-wins");
    let contact = merged.secrets.as_ref().and_then(|x| x.contact.clone());
    assert_eq!(contact.as_deref(), Some("Shelter phone 555"), "disjoint fields merge, sealed ones too");
    let conflicts = app.api(Method::GET, "/sync/conflicts", Some(&s.supervisor_token), None).await.json();
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1), "{conflicts}");
    assert_eq!(conflicts[0]["entity"], "case");
    assert_eq!(conflicts[0]["fields"], json!(["languages", "risk"]));

    // The node raises the risk while the hub lowers it: the higher stands at once. (The
    // pull brought the hub's "high" back to the node: the node first sets "medium".)
    let v = node.app.services.case(&node.caller, cid).await.unwrap().summary.version;
    n.update_case(&node.caller, cid, v, &CaseEdit { risk: Some("medium".into()), ..Default::default() }).await.unwrap();
    assert_eq!(node.sync(&app).await.applied, 1);
    let hv = app.services.case(&hub_supervisor(&s), cid).await.unwrap().summary.version;
    app.services
        .update_case(&hub_supervisor(&s), cid, hv, &CaseEdit { risk: Some("low".into()), ..Default::default() })
        .await
        .unwrap();
    let v = node.app.services.case(&node.caller, cid).await.unwrap().summary.version;
    n.update_case(&node.caller, cid, v, &CaseEdit { risk: Some("high".into()), ..Default::default() }).await.unwrap();
    let sum = node.sync(&app).await;
    assert_eq!(sum.conflicts, 1, "{sum:?}");
    let now = app.services.case(&hub_worker(&s), cid).await.unwrap();
    assert_eq!(now.summary.risk.map(|r| r.as_str()), Some("high"), "a raised risk holds until a supervisor decides");
    let pending = app.api(Method::GET, "/sync/conflicts", Some(&s.supervisor_token), None).await.json();
    assert_eq!(pending.as_array().map(Vec::len), Some(2), "{pending}");
    let told = "SELECT COUNT(*) FROM notifications WHERE kind = 'sync_conflict'";
    assert_eq!(hub_count(&app, told).await, 2, "the case's supervisor is told of each conflict");
    let page = app.page("/sync/conflicts", Some(&app.login("supervisor@example.org", PASSWORD).await.unwrap())).await;
    assert!(page.text().contains("languages") && page.text().contains("Spanish, Aymara"), "{}", page.text());

    // Only a supervisor of the case resolves; taking the node's languages is their write.
    let first = pending.as_array().unwrap().iter().find(|c| c["fields"] == json!(["languages", "risk"])).unwrap();
    let path = format!("/sync/conflicts/{}/resolve", first["id"].as_str().unwrap());
    let r = app.api(Method::POST, &path, Some(&s.worker_token), Some(json!({"choice": "take_node"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = app.api(Method::POST, &path, Some(&s.supervisor_token), Some(json!({"choice": "take_node"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let after = app.services.case(&hub_worker(&s), cid).await.unwrap();
    assert_eq!(after.profile.languages, ["Spanish", "Aymara"]);
    assert_eq!(after.summary.risk.map(|r| r.as_str()), Some("low"), "the supervisor took the node's risk");
    let resolved = actions(&app, "sync.conflict.resolve.take_node").await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].0, Some(s.supervisor.0));
    let updates = actions(&app, "case.update").await;
    assert!(updates.iter().all(|(_, f)| !f.contains("Aymara") && !f.contains("555")), "names only: {updates:?}");
    assert!(app.services.verify_audit().await.is_ok());
}

async fn appended_once(app: TestApp) {
    let s = setup(&app).await;
    let node = case_node(&app, &s).await;
    let cid = node.open_case(&s, "medium").await;
    node.sync(&app).await;
    let n = &node.app.services;
    n.add_note(&node.caller, cid, "Visited the family at home", None).await.unwrap();
    let input = FollowUpInput { kind: "home_visit".into(), planned_date: "2026-12-01".into(), referral: String::new() };
    let fid = n.plan_follow_up(&node.caller, cid, &input).await.unwrap();
    n.add_follow_up_note(&node.caller, cid, fid, "Planned with the guardian", None).await.unwrap();
    let ops = n.node_pending().await.unwrap();
    assert_eq!(ops.len(), 3);
    assert!(ops.iter().all(|o| !o.payload.contains("Visited") && !o.payload.contains("guardian")), "sealed");

    let sum = node.sync(&app).await;
    assert_eq!((sum.applied, sum.conflicts, sum.refused), (3, 0, 0), "{sum:?}");
    let all = node.answered().await;
    let first = push_raw(&app, &node.token, &all).await;
    let second = push_raw(&app, &node.token, &all).await;
    assert_eq!(first, second);
    assert!(first.iter().all(|r: &OpResult| r.outcome == Outcome::Applied), "{first:?}");
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM case_notes").await, 1);
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM follow_ups").await, 1);
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM follow_up_notes").await, 1);
    for action in ["case.note.create", "follow_up.create", "follow_up.note"] {
        let evs = actions(&app, action).await;
        assert_eq!(evs.len(), 1, "{action} audited once");
        assert_eq!(evs[0].0, Some(s.worker.0), "{action} as the user");
    }
    let on_hub = app.services.case(&hub_worker(&s), cid).await.unwrap();
    assert_eq!(on_hub.notes[0].text.as_deref(), Some("Visited the family at home"));
    let fus = app.services.follow_ups(&hub_worker(&s), cid).await.unwrap();
    assert_eq!(fus[0].notes[0].text.as_deref(), Some("Planned with the guardian"));

    // A note on a case closed on the hub meanwhile is refused, never a conflict.
    let mut tx = app.db.db.begin().await.unwrap();
    tx.q().execute(&Sql::new("UPDATE cases SET status = 'closed'")).await.unwrap();
    tx.commit().await.unwrap();
    n.add_note(&node.caller, cid, "Late note", None).await.unwrap();
    let sum = node.sync(&app).await;
    assert_eq!((sum.applied, sum.conflicts, sum.refused), (0, 0, 1), "{sum:?}");
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM case_notes").await, 1);
}

async fn referral_refused(app: TestApp) {
    let s = setup(&app).await;
    let node = case_node(&app, &s).await;
    let cid = node.open_case(&s, "medium").await;
    node.sync(&app).await;
    let (_, service, _) = provider(&app, "Casa Segura", "casa@example.org", false).await;
    consent(&app, &s, cid, "services").await;
    consent(&app, &s, cid, "sharing").await;
    let (status, body) = refer(&app, &s.worker_token, cid, service, false).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rid: Uuid = body["referral"]["id"].as_str().unwrap().parse().unwrap();

    // The referral reaches the node as a pull would bring it (a provider of its own there).
    let fields = ProviderFields {
        name: "Casa Segura".into(),
        country: CountryCode::parse("c", "BO").unwrap(),
        org_id: None,
        takes_referrals: true,
        phone: Some("+591 2 000000".into()),
        email: None,
        address: None,
        notes: None,
        areas: vec!["La Paz".into()],
        languages: vec!["es".into()],
        services: BTreeMap::from([("shelter".to_owned(), Some(10))]),
    };
    let p = node.app.services.create_provider(&Caller::System, ProviderId::new(), fields).await.unwrap();
    let mut row = dtz_store::referrals::get(&app.db.db, &dtz_domain::access::Scope::all(), rid).await.unwrap();
    (row.provider_id, row.service_id, row.provider_org_id) = (p.row.id, p.services[0].id, None);
    let mut tx = node.app.db.db.begin().await.unwrap();
    dtz_store::referrals::insert(&mut tx, &row).await.unwrap();
    tx.commit().await.unwrap();

    // The hub cancels it; offline, the caseworker records the provider's acceptance.
    let cancel =
        StepInput { version: row.version, action: "cancel".into(), reason: "Family moved".into(), onward: None };
    app.services.referral_step(&hub_worker(&s), rid, &cancel).await.unwrap();
    let accept = StepInput { version: row.version, action: "accept".into(), ..Default::default() };
    node.app.services.referral_step(&node.caller, rid, &accept).await.unwrap();
    let sum = node.sync(&app).await;
    assert_eq!((sum.applied, sum.refused), (0, 1), "{sum:?}");
    let hub_row = dtz_store::referrals::get(&app.db.db, &dtz_domain::access::Scope::all(), rid).await.unwrap();
    assert_eq!(hub_row.status, "cancelled", "an illegal step changes nothing");
    assert_eq!(hub_count(&app, "SELECT COUNT(*) FROM referral_steps WHERE action = 'accept'").await, 0);
    assert_eq!(actions(&app, "sync.refused").await.len(), 1, "the refusal is audited");

    // Shown on the node's sync page and on the hub's conflicts page, with the reason.
    let node_page = node.app.page("/sync", Some(&node.cookie)).await.text();
    assert!(node_page.contains("referral_step") && node_page.contains("not possible now"), "{node_page}");
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let text = app.page("/sync/conflicts", Some(&worker)).await.text();
    assert!(text.contains(&rid.to_string()) && text.contains("not possible now"), "{text}");
    let text = app.page(&format!("/referrals/{rid}"), Some(&worker)).await.text();
    assert!(text.contains("step on this referral was refused") && text.contains("not possible now"), "{text}");
    // Someone who does not see the referral does not see its refusal.
    let other = app.login_other().await;
    assert!(!app.page("/sync/conflicts", Some(&other)).await.text().contains(&rid.to_string()));
}
