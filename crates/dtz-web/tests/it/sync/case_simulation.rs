//! A seeded simulation of case work across a hub and two field laptops (issue 9; seed
//! printed, `DTZ_SIM_SEED` replays one): cases on the hub assigned to the laptops' users
//! (and some to nobody, out of both scopes), header edits, notes, follow-ups, new referrals
//! and referral steps on the laptops and on the hub, and cases reassigned between the two caseworkers,
//! while the network drops, duplicates, reorders and delays pushes and loses answers.
//! After a quiet sync: every laptop holds exactly its user's open cases as the hub holds
//! them, every operation the hub answered is recorded once with its hash and every applied
//! note, follow-up and step exists once (audited once), no case outside a laptop's scope
//! ever went down, every referral's path of states is legal, every audit chain verifies.

use super::case_roundtrip::profile;
use super::{Link, Node};
use crate::cases::{Setup, role, setup};
use crate::referrals::provider;
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Actor, Role};
use dtz_domain::ids::UserId;
use dtz_domain::referral::{Action, ReferralStatus, next};
use dtz_domain::sync::protocol::{OpResult, Outcome};
use dtz_services::Caller;
use dtz_services::cases::{CaseEdit, ConsentInput, NewCaseInput};
use dtz_services::referrals::{FollowUpInput, ReferralInput, StepInput};
use dtz_services::sync::node::Received;
use dtz_services::sync::signing::SigningKey;
use dtz_store::Sql;
use dtz_testkit::{Backend, TestDb};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

crate::on_both! {
    case_work_on_two_laptops_over_a_lossy_network_converges_and_applies_once => simulate;
}

const RISKS: [&str; 3] = ["low", "medium", "high"];
const LANGS: [&str; 3] = ["Spanish", "Spanish, Aymara", "Spanish, Quechua"];
const ACTIONS: [&str; 6] = ["accept", "decline", "start", "complete", "cancel", "did_not_arrive"];

fn caseworker(s: &Setup, user: UserId) -> Caller {
    Caller::User(Actor {
        user,
        org: s.org,
        roles: vec![role(Role::Caseworker, s.org, Some("BO"), Some(s.team)).unwrap()],
    })
}

fn supervisor(s: &Setup) -> Caller {
    Caller::User(Actor {
        user: s.supervisor,
        org: s.org,
        roles: vec![role(Role::CaseSupervisor, s.org, Some("BO"), Some(s.team)).unwrap()],
    })
}

/// Enrol a laptop for `user`, keep the escrow key and take the first pull.
async fn laptop_of(app: &TestApp, user: UserId, caller: Caller) -> Node {
    let (code, _) = app.services.create_enrolment(&Caller::System, user).await.unwrap();
    let key = SigningKey::generate().unwrap();
    let body = json!({"code": code, "name": "Laptop", "public_key": hex::encode(key.public())});
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
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let services = db.services(&app.clock);
    services.node_create_keyring("a passphrase for the field laptop").await.unwrap();
    services.node_enrolled(&key, &received).await.unwrap();
    let escrow = app.api(Method::GET, "/sync/escrow", Some(&received.token), None).await.json();
    services.node_keep_escrow(&hex::decode(escrow["escrow_key"].as_str().unwrap()).unwrap()).await.unwrap();
    let node = Node { services, db, token: received.token, user, caller };
    node.sync(app).await.unwrap();
    node
}

async fn ids(db: &dtz_store::Db, sql: &'static str) -> Vec<Uuid> {
    let rows: Vec<(Uuid,)> = db.read().fetch_all(&Sql::new(sql)).await.unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

async fn scalar(db: &dtz_store::Db, sql: &'static str, id: Uuid) -> i64 {
    db.read().scalar(&Sql::with_args(sql, vec![id.into()])).await.unwrap()
}

/// What every copy of a case must agree on.
async fn copy_of(db: &dtz_store::Db, case: Uuid) -> Value {
    let (version, risk, languages, profile, status, worker): (
        i64,
        Option<String>,
        String,
        Vec<u8>,
        String,
        Option<Uuid>,
    ) = db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT version, risk, languages, profile, status, caseworker_id FROM cases WHERE id = $1",
            vec![case.into()],
        ))
        .await
        .unwrap();
    let notes: Vec<(Uuid,)> = db
        .read()
        .fetch_all(&Sql::with_args("SELECT id FROM case_notes WHERE case_id = $1 ORDER BY id", vec![case.into()]))
        .await
        .unwrap();
    let fus: Vec<(Uuid, String)> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT id, status FROM follow_ups WHERE case_id = $1 ORDER BY id",
            vec![case.into()],
        ))
        .await
        .unwrap();
    let refs: Vec<(Uuid, String, i64)> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT id, status, version FROM referrals WHERE case_id = $1 ORDER BY id",
            vec![case.into()],
        ))
        .await
        .unwrap();
    json!({"head": [version, risk, languages, hex::encode(profile), status, worker], "notes": notes,
        "follow_ups": fus, "referrals": refs})
}

/// The referral's steps replay from `pending` through `next` to its status on the hub.
async fn path_is_legal(app: &TestApp, referral: Uuid, seed: u64) {
    let status: String = app
        .db
        .db
        .read()
        .scalar(&Sql::with_args("SELECT status FROM referrals WHERE id = $1", vec![referral.into()]))
        .await
        .unwrap();
    let mut steps: Vec<(String, String, time::OffsetDateTime)> = app
        .db
        .db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT action, status, at FROM referral_steps WHERE referral_id = $1 ORDER BY at",
            vec![referral.into()],
        ))
        .await
        .unwrap();
    // The referral is sent (a `send` step into `pending`), then each step follows `next`.
    let mut at: Option<ReferralStatus> = None;
    while !steps.is_empty() {
        let first = steps[0].2;
        // Steps taken in the same instant (one push) may be listed in either order.
        let legal = |(a, to, t): &(String, String, time::OffsetDateTime)| {
            let lands = match (at, a.as_str()) {
                (None, "send") => Some(ReferralStatus::Pending),
                (Some(from), _) => Action::parse("a", a).ok().and_then(|a| next(from, a).ok()),
                (None, _) => None,
            };
            *t == first && lands.map(|s| s.as_str()) == Some(to.as_str())
        };
        let i = steps
            .iter()
            .position(legal)
            .unwrap_or_else(|| panic!("illegal path of referral {referral} from {at:?}: {steps:?} (seed {seed})"));
        let (_, to, _) = steps.remove(i);
        at = Some(ReferralStatus::parse("s", &to).unwrap());
    }
    let at = at.expect("a referral has its send step");
    assert_eq!(at.as_str(), status, "referral {referral} ends where its steps lead (seed {seed})");
}

async fn node_work(n: &Node, rng: &mut StdRng, step: usize) {
    let cases = ids(&n.db.db, "SELECT id FROM cases ORDER BY id").await;
    if cases.is_empty() {
        return;
    }
    let case = cases[rng.random_range(0..cases.len())];
    let s = &n.services;
    match rng.random_range(0..5) {
        0 => {
            let Ok(c) = s.case(&n.caller, case).await else { return };
            let edit = if rng.random_bool(0.5) {
                CaseEdit { risk: Some(RISKS[rng.random_range(0..3)].into()), ..Default::default() }
            } else {
                CaseEdit { profile: Some(profile(LANGS[rng.random_range(0..3)])), ..Default::default() }
            };
            let _ = s.update_case(&n.caller, case, c.summary.version, &edit).await;
        }
        1 => {
            let _ = s.add_note(&n.caller, case, &format!("Laptop note {step}"), None).await;
        }
        2 => {
            let input =
                FollowUpInput { kind: "home_visit".into(), planned_date: "2027-01-15".into(), referral: String::new() };
            let _ = s.plan_follow_up(&n.caller, case, &input).await;
        }
        3 => {
            // A new referral to the service the case's first referral went to.
            let mut q = Sql::new("SELECT service_id FROM referrals WHERE case_id = ");
            q.bind(case).push(" ORDER BY created_at LIMIT 1");
            let Ok(Some(service)) = n.db.db.read().fetch_optional::<(Uuid,)>(&q).await else { return };
            let input = ReferralInput {
                service: service.0.to_string(),
                urgency: "low".into(),
                reason: format!("Laptop referral {step}"),
                ..Default::default()
            };
            let _ = s.send_referral(&n.caller, case, &input).await;
        }
        _ => referral_step(&n.db.db, s, &n.caller, case, rng).await,
    }
}

async fn referral_step(db: &dtz_store::Db, s: &dtz_services::Services, who: &Caller, case: Uuid, rng: &mut StdRng) {
    let refs: Vec<(Uuid, i64)> = db
        .read()
        .fetch_all(&Sql::with_args("SELECT id, version FROM referrals WHERE case_id = $1", vec![case.into()]))
        .await
        .unwrap();
    let Some(&(rid, version)) = refs.first() else { return };
    let action = ACTIONS[rng.random_range(0..ACTIONS.len())];
    let reason = if matches!(action, "decline" | "cancel") { "Plans changed" } else { "" };
    let input = StepInput { version, action: action.into(), reason: reason.into(), onward: None };
    let _ = s.referral_step(who, rid, &input).await;
}

async fn simulate(app: TestApp) {
    let seed: u64 = std::env::var("DTZ_SIM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_129);
    eprintln!("case simulation seed {seed} (DTZ_SIM_SEED={seed} replays it)");
    let s = setup(&app).await;
    let (worker2, _) =
        app.user("worker2@example.org", s.org, role(Role::Caseworker, s.org, Some("BO"), Some(s.team))).await;
    let users = [s.worker, worker2];
    let (_, service, _) = provider(&app, "Casa Segura", "casa@example.org", false).await;

    // Cases on the hub: three for each caseworker, two for nobody (no laptop's scope).
    let mut ever: [BTreeSet<Uuid>; 2] = Default::default();
    let mut nobody = Vec::new();
    for i in 0..8 {
        let owner = (i < 6).then(|| users[i % 2]);
        let input = NewCaseInput {
            country: "BO".into(),
            team: s.team.0.to_string(),
            caseworker: owner.map(|u| u.0.to_string()).unwrap_or_default(),
            risk: "medium".into(),
            profile: profile("Spanish"),
            ..Default::default()
        };
        let by = caseworker(&s, owner.unwrap_or(s.worker));
        let case = app.services.open_case(&by, &input).await.unwrap().id;
        for kind in ["services", "sharing"] {
            let c = ConsentInput {
                kind: kind.into(),
                state: "granted".into(),
                given_by: "guardian".into(),
                reason: String::new(),
            };
            app.services.record_consent(&by, case, &c).await.unwrap();
        }
        let r = ReferralInput {
            service: service.to_string(),
            urgency: "normal".into(),
            reason: "Needs a safe place".into(),
            ..Default::default()
        };
        app.services.send_referral(&by, case, &r).await.unwrap();
        match owner {
            Some(u) => {
                ever[usize::from(u == worker2)].insert(case);
            }
            None => nobody.push(case),
        }
    }
    let nodes = [
        laptop_of(&app, s.worker, caseworker(&s, s.worker)).await,
        laptop_of(&app, worker2, caseworker(&s, worker2)).await,
    ];
    let links: Vec<Link> =
        nodes.iter().enumerate().map(|(k, n)| Link::lossy(&app, &n.token, seed + k as u64)).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    for step in 0..80 {
        let k = rng.random_range(0..2);
        match rng.random_range(0..100) {
            0..45 => node_work(&nodes[k], &mut rng, step).await,
            45..70 => {
                let _ = nodes[k].services.node_sync(&links[k], &mut |_| {}).await;
            }
            roll => {
                // The hub: the caseworker works on a case of theirs, or the supervisor
                // reassigns one to the other caseworker.
                let all = ids(&app.db.db, "SELECT id FROM cases WHERE caseworker_id IS NOT NULL ORDER BY id").await;
                let case = all[rng.random_range(0..all.len())];
                let owner: Uuid = app
                    .db
                    .db
                    .read()
                    .scalar(&Sql::with_args("SELECT caseworker_id FROM cases WHERE id = $1", vec![case.into()]))
                    .await
                    .unwrap();
                let by = caseworker(&s, UserId(owner));
                let version = app.services.case(&by, case).await.unwrap().summary.version;
                match roll {
                    70..78 => {
                        let edit =
                            CaseEdit { profile: Some(profile(LANGS[rng.random_range(0..3)])), ..Default::default() };
                        let _ = app.services.update_case(&by, case, version, &edit).await;
                    }
                    78..86 => {
                        let _ = app.services.add_note(&by, case, &format!("Hub note {step}"), None).await;
                    }
                    86..94 => referral_step(&app.db.db, &app.services, &by, case, &mut rng).await,
                    _ => {
                        let to = if UserId(owner) == s.worker { worker2 } else { s.worker };
                        let edit = CaseEdit {
                            assignment: Some((s.team.0.to_string(), to.0.to_string())),
                            ..Default::default()
                        };
                        if app.services.update_case(&supervisor(&s), case, version, &edit).await.is_ok() {
                            ever[usize::from(to == worker2)].insert(case);
                        }
                    }
                }
            }
        }
        app.clock.advance(time::Duration::hours(1));
    }

    // Quiet: a perfect network, every laptop syncs until nothing moves.
    for _ in 0..3 {
        for n in &nodes {
            n.sync(&app).await.unwrap();
        }
    }

    let mut applied_ops = 0;
    for (k, n) in nodes.iter().enumerate() {
        // Exactly its user's open cases, as the hub holds them.
        let mut q = Sql::new("SELECT id FROM cases WHERE status = 'open' AND caseworker_id = ");
        q.bind(users[k].0).push(" ORDER BY id");
        let want: Vec<(Uuid,)> = app.db.db.read().fetch_all(&q).await.unwrap();
        let held = ids(&n.db.db, "SELECT id FROM cases ORDER BY id").await;
        assert_eq!(
            held,
            want.iter().map(|(id,)| *id).collect::<Vec<_>>(),
            "laptop {k} holds its caseload (seed {seed})"
        );
        for case in held {
            assert_eq!(
                copy_of(&n.db.db, case).await,
                copy_of(&app.db.db, case).await,
                "case {case} on laptop {k} (seed {seed})"
            );
        }
        // Every operation answered; recorded on the hub once with its hash; what was applied
        // exists once, audited once.
        assert!(n.services.node_pending().await.unwrap().is_empty(), "laptop {k} has nothing waiting (seed {seed})");
        for row in dtz_store::sync::outbox::answered(&n.db.db, 10_000).await.unwrap() {
            let r: OpResult = serde_json::from_str(row.outcome.as_deref().unwrap()).unwrap();
            let stored = dtz_store::sync::ops::get(&app.db.db, row.id).await.unwrap().expect("recorded on the hub");
            assert_eq!(stored.payload_hash, row.payload_hash, "seed {seed}");
            if r.outcome != Outcome::Applied {
                continue;
            }
            applied_ops += 1;
            let payload: Value = serde_json::from_str(&row.payload).unwrap();
            let (rows, audits) = match row.entity.as_str() {
                "case_note" => (
                    scalar(&app.db.db, "SELECT COUNT(*) FROM case_notes WHERE id = $1", row.entity_id).await,
                    scalar(
                        &app.db.db,
                        "SELECT COUNT(*) FROM audit_events WHERE action = 'case.note.create' AND entity_id = $1",
                        row.entity_id,
                    )
                    .await,
                ),
                "follow_up" => (
                    scalar(&app.db.db, "SELECT COUNT(*) FROM follow_ups WHERE id = $1", row.entity_id).await,
                    scalar(
                        &app.db.db,
                        "SELECT COUNT(*) FROM audit_events WHERE action = 'follow_up.create' AND entity_id = $1",
                        row.entity_id,
                    )
                    .await,
                ),
                "referral" => (
                    scalar(&app.db.db, "SELECT COUNT(*) FROM referrals WHERE id = $1", row.entity_id).await,
                    scalar(
                        &app.db.db,
                        "SELECT COUNT(*) FROM audit_events WHERE action = 'referral.create' AND entity_id = $1",
                        row.entity_id,
                    )
                    .await,
                ),
                "referral_step" => {
                    let step: Uuid = payload["fields"]["step"].as_str().unwrap().parse().unwrap();
                    (scalar(&app.db.db, "SELECT COUNT(*) FROM referral_steps WHERE id = $1", step).await, 1)
                }
                _ => (1, 1),
            };
            assert_eq!((rows, audits), (1, 1), "{} {} applied exactly once (seed {seed})", row.entity, row.entity_id);
        }
        // Nothing outside the laptop's scope ever went down.
        for answer in links[k].pulled.borrow().iter() {
            for c in answer.cases.iter().flat_map(|c| c.cases.iter()) {
                assert!(ever[k].contains(&c.id), "case {} reached laptop {k} out of scope (seed {seed})", c.id);
                assert!(!nobody.contains(&c.id));
            }
        }
        assert!(n.services.verify_audit().await.is_ok(), "laptop {k}'s audit chain verifies (seed {seed})");
    }
    let conflicts: i64 = app.db.db.read().scalar(&Sql::new("SELECT COUNT(*) FROM sync_conflicts")).await.unwrap();
    let refused: i64 = app
        .db
        .db
        .read()
        .scalar(&Sql::new("SELECT COUNT(*) FROM audit_events WHERE action = 'sync.refused'"))
        .await
        .unwrap();
    let moved = ever[0].intersection(&ever[1]).count();
    eprintln!("applied {applied_ops}, conflicts {conflicts}, refused {refused}, cases that changed hands {moved}");
    assert!(applied_ops > 5, "the simulation applied case work from the laptops (seed {seed}): {applied_ops}");
    for referral in ids(&app.db.db, "SELECT id FROM referrals ORDER BY id").await {
        path_is_legal(&app, referral, seed).await;
    }
    assert!(app.services.verify_audit().await.is_ok(), "the hub's audit chain verifies (seed {seed})");
}
