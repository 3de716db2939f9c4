//! Nothing is lost offline (issue 9): every case or referral write a node user can do that
//! does not travel to the hub is refused on the node with a clear message, and writes
//! nothing there — never kept on the laptop and silently never sent; a new referral
//! travels and is sent on the hub once, as the page sends it.

use super::case_roundtrip::worker;
use super::cases_down::{full_case, laptop};
use crate::cases::{role, setup};
use crate::on_both;
use crate::support::TestApp;
use dtz_domain::access::{Actor, Role, Scope};
use dtz_services::cases::ConsentInput;
use dtz_services::referrals::{FollowUpInput, FollowUpRecord, ReferralInput, StepInput};
use dtz_services::{Caller, Result, ServiceError};
use dtz_store::Sql;
use uuid::Uuid;

on_both! {
    case_work_that_does_not_travel_is_refused_on_a_node_and_writes_nothing => refused_offline;
}

const TABLES: [&str; 9] = [
    "case_goals",
    "protection_steps",
    "case_consents",
    "case_transfers",
    "referrals",
    "referral_steps",
    "follow_ups",
    "sync_outbox",
    "audit_events WHERE action NOT LIKE '%.read' AND action NOT LIKE '%.list' AND action NOT LIKE '%.find'",
];

async fn snapshot(db: &dtz_store::Db) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        let mut q = Sql::new("SELECT COUNT(*) FROM ");
        q.push(t);
        out.push(db.read().scalar(&q).await.unwrap());
    }
    let (status, version): (String, i64) =
        db.read().fetch_one(&Sql::new("SELECT status, version FROM cases")).await.unwrap();
    out.push(version);
    out.push(i64::from(status == "open"));
    out
}

fn refused<T: std::fmt::Debug>(what: &str, r: Result<T>) {
    match r {
        Err(ServiceError::Invalid(v)) => {
            let text = format!("{v:?}");
            assert!(text.contains("This cannot be done on a field laptop yet"), "{what}: {text}");
        }
        other => panic!("{what}: expected the node's refusal, got {other:?}"),
    }
}

async fn refused_offline(app: TestApp) {
    let s = setup(&app).await;
    let case = full_case(&app, &s).await;
    let other = app.org("Partner B", "local_partner").await;
    app.user("lead.b@example.org", other, role(Role::CaseSupervisor, other, Some("BO"), None)).await;
    let (node, _) = laptop(&app, &s).await;
    node.sync(&app).await.unwrap();
    let n = &node.services;
    let me = worker(&s);
    let sup = Caller::User(Actor {
        user: s.worker,
        org: s.org,
        roles: vec![role(Role::CaseSupervisor, s.org, Some("BO"), Some(s.team)).unwrap()],
    });
    // What travels still works: a follow-up planned and the referral accepted offline.
    let fu = FollowUpInput { kind: "home_visit".into(), planned_date: "2026-12-15".into(), referral: String::new() };
    let fid = n.plan_follow_up(&me, case, &fu).await.unwrap();
    let rid: Uuid = node.db.db.read().scalar(&Sql::new("SELECT id FROM referrals")).await.unwrap();
    let rv = dtz_store::referrals::get(&node.db.db, &Scope::all(), rid).await.unwrap().version;
    let accept = StepInput { version: rv, action: "accept".into(), ..Default::default() };
    n.referral_step(&me, rid, &accept).await.unwrap();
    let service: Uuid = node.db.db.read().scalar(&Sql::new("SELECT service_id FROM referrals")).await.unwrap();
    let labels = std::collections::BTreeMap::from([("en".to_owned(), "Police report".to_owned())]);
    let term = dtz_services::config::TermInput {
        code: "police_report".into(),
        country: String::new(),
        sort_order: "1".into(),
        active: true,
        labels,
    };
    n.create_term(&Caller::System, "protection_step", &term).await.unwrap();
    let version = n.case(&me, case).await.unwrap().summary.version;
    let before = snapshot(&node.db.db).await;

    let step = dtz_services::cases::StepInput {
        kind: "police_report".into(),
        due_date: "2027-01-10".into(),
        ..Default::default()
    };
    refused("protection step", n.add_step(&me, case, &step).await);
    refused("goal", n.add_goal(&me, case, "Back at school", "2027-03-01").await);
    refused(
        "consent",
        n.record_consent(
            &me,
            case,
            &ConsentInput {
                kind: "statistics".into(),
                state: "granted".into(),
                given_by: "guardian".into(),
                reason: String::new(),
            },
        )
        .await,
    );
    refused("closure", n.request_closure(&me, case, version, "goals_achieved").await);
    refused("transfer", n.propose_transfer(&sup, case, other).await);
    let record = FollowUpRecord {
        status: "done".into(),
        done_date: "2026-12-15".into(),
        progress: "improving".into(),
        ..Default::default()
    };
    refused("follow-up outcome", n.record_follow_up(&me, case, fid, 1, &record).await);
    let new = ReferralInput {
        service: service.to_string(),
        urgency: "normal".into(),
        emergency: true,
        reason: "Needs counselling".into(),
        ..Default::default()
    };
    let onward = StepInput {
        version: rv + 1,
        action: "refer_onward".into(),
        reason: "Needs a longer stay".into(),
        onward: Some(new.clone()),
    };
    refused("refer onward", n.referral_step(&me, rid, &onward).await);
    assert_eq!(snapshot(&node.db.db).await, before, "nothing written on the node");

    // A new referral travels (the directory is on the node): sent as the page sends it.
    let sent = n.send_referral(&me, case, &new).await.unwrap();
    let ops = n.node_pending().await.unwrap();
    assert_eq!(ops.len(), 3, "the follow-up, the acceptance and the new referral");
    assert!(ops.iter().all(|o| !o.payload.contains("counselling")), "the details travel sealed");

    // The three changes that travel reach the hub once; nothing else does.
    let sum = node.sync(&app).await.unwrap();
    assert_eq!((sum.applied, sum.conflicts, sum.refused), (3, 0, 0), "{sum:?}");
    let hub = dtz_store::referrals::get(&app.db.db, &Scope::all(), rid).await.unwrap();
    assert_eq!(hub.status, "accepted");
    let on_hub = app.services.referral(&worker(&s), sent).await.unwrap();
    assert_eq!(on_hub.minimum.status.as_str(), "pending");
    assert_eq!(on_hub.details.map(|d| d.reason).as_deref(), Some("Needs counselling"), "the hub reads the details");
    let mut q = Sql::new("SELECT COUNT(*) FROM audit_events WHERE action = 'referral.create' AND entity_id = ");
    q.bind(sent).push(" AND actor_user_id = ").bind(s.worker.0);
    assert_eq!(app.db.db.read().scalar::<i64>(&q).await.unwrap(), 1, "sent once, as the user");
    assert_eq!(hub_referrals(&app, sent).await, 1);
    let answered: Vec<_> = dtz_store::sync::outbox::answered(&node.db.db, 100)
        .await
        .unwrap()
        .iter()
        .map(dtz_services::sync::exchange::pushed)
        .collect();
    assert_eq!(
        super::push_raw(&app, &node.token, &answered).await,
        super::push_raw(&app, &node.token, &answered).await
    );
    assert_eq!(hub_referrals(&app, sent).await, 1, "a replay sends nothing again");
    assert!(app.services.verify_audit().await.is_ok() && n.verify_audit().await.is_ok());
}

async fn hub_referrals(app: &TestApp, referral: Uuid) -> i64 {
    let mut q = Sql::new("SELECT COUNT(*) FROM referrals WHERE id = ");
    q.bind(referral);
    app.db.db.read().scalar(&q).await.unwrap()
}
