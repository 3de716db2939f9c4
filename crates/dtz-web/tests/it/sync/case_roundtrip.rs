//! Cases across hub and node together (issue 9): a case of the node's user goes down with
//! the pull, is worked on offline (header, note, follow-up, referral step), the push
//! applies each change once on the hub as the user, a header field changed on the hub
//! meanwhile is a conflict, and the next pull brings the hub's state back so both copies
//! agree.

use super::Link;
use super::cases_down::{full_case, laptop};
use crate::cases::{NAME, Setup, role, setup};
use crate::on_both;
use crate::support::TestApp;
use dtz_domain::access::{Actor, Role, Scope};
use dtz_domain::case::ProfileInput;
use dtz_domain::sync::protocol::PullScope;
use dtz_services::Caller;
use dtz_services::cases::CaseEdit;
use dtz_services::referrals::{FollowUpInput, StepInput};
use dtz_store::Sql;
use serde_json::Value;
use uuid::Uuid;

on_both! {
    a_pulled_case_worked_offline_reaches_the_hub_once_and_both_copies_converge => round_trip;
    a_referral_the_hub_refused_leaves_the_node_copy_at_the_next_pull => refused_converges;
}

/// The worker as the node's pages see them: a caseworker of the team (the role a local
/// account of theirs holds on the node).
pub(super) fn worker(s: &Setup) -> Caller {
    Caller::User(Actor {
        user: s.worker,
        org: s.org,
        roles: vec![role(Role::Caseworker, s.org, Some("BO"), Some(s.team)).unwrap()],
    })
}

pub(super) fn profile(languages: &str) -> ProfileInput {
    ProfileInput {
        sex: "female".into(),
        age: "14".into(),
        languages: languages.into(),
        name: NAME.into(),
        situation: "Sold phone credit for meetings".into(),
        ..Default::default()
    }
}

async fn count(db: &dtz_store::Db, sql: &'static str, id: Uuid) -> i64 {
    db.read().scalar(&Sql::with_args(sql, vec![id.into()])).await.unwrap()
}

/// What both copies of a case must agree on.
async fn state(db: &dtz_store::Db, case: Uuid) -> (Value, i64, i64, i64, i64) {
    let (version, risk, languages, profile, status): (i64, Option<String>, String, Vec<u8>, String) = db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT version, risk, languages, profile, status FROM cases WHERE id = $1",
            vec![case.into()],
        ))
        .await
        .unwrap();
    let head = serde_json::json!([version, risk, languages, hex::encode(profile), status]);
    let notes = count(db, "SELECT COUNT(*) FROM case_notes WHERE case_id = $1", case).await;
    let fus = count(db, "SELECT COUNT(*) FROM follow_ups WHERE case_id = $1", case).await;
    let fu_notes = count(
        db,
        "SELECT COUNT(*) FROM follow_up_notes WHERE follow_up_id IN (SELECT id FROM follow_ups WHERE case_id = $1)",
        case,
    )
    .await;
    let accepted = count(db, "SELECT COUNT(*) FROM referrals WHERE case_id = $1 AND status = 'accepted'", case).await;
    (head, notes, fus, fu_notes, accepted)
}

async fn audited(app: &TestApp, action: &str, user: Uuid) -> i64 {
    app.db
        .db
        .read()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND actor_user_id = $2",
            vec![action.to_owned().into(), user.into()],
        ))
        .await
        .unwrap()
}

async fn round_trip(app: TestApp) {
    let s = setup(&app).await;
    let case = full_case(&app, &s).await;
    let (node, _device) = laptop(&app, &s).await;
    node.sync(&app).await.unwrap();
    let n = &node.services;
    let me = worker(&s);
    let on_node = n.case(&me, case).await.unwrap();
    assert_eq!(on_node.secrets.as_ref().and_then(|x| x.name.as_deref()), Some(NAME), "pulled and open");
    let version = on_node.summary.version;
    let before = state(&app.db.db, case).await;
    assert_eq!(state(&node.db.db, case).await, before, "the node holds the hub's case");

    // Offline: the header (risk and languages), a note, a follow-up with a note, and the
    // provider's acceptance of the referral.
    let edit =
        CaseEdit { risk: Some("medium".into()), profile: Some(profile("Spanish, Quechua")), ..Default::default() };
    n.update_case(&me, case, version, &edit).await.unwrap();
    n.add_note(&me, case, "Visited the family at home", None).await.unwrap();
    let fu = FollowUpInput { kind: "home_visit".into(), planned_date: "2026-12-15".into(), referral: String::new() };
    let fid = n.plan_follow_up(&me, case, &fu).await.unwrap();
    n.add_follow_up_note(&me, case, fid, "Planned with the guardian", None).await.unwrap();
    let rid: Uuid = node.db.db.read().scalar(&Sql::new("SELECT id FROM referrals")).await.unwrap();
    let rv = dtz_store::referrals::get(&node.db.db, &Scope::all(), rid).await.unwrap().version;
    let accept = StepInput { version: rv, action: "accept".into(), ..Default::default() };
    n.referral_step(&me, rid, &accept).await.unwrap();
    assert_eq!(n.node_pending().await.unwrap().len(), 5, "every write is queued");

    // Meanwhile on the hub the languages change too.
    let hub_edit = CaseEdit { profile: Some(profile("Spanish, Guarani")), ..Default::default() };
    let hub_version = app.services.case(&worker(&s), case).await.unwrap().summary.version;
    app.services.update_case(&worker(&s), case, hub_version, &hub_edit).await.unwrap();
    let counts = |a| audited(&app, a, s.worker.0);
    let (notes0, fus0, funotes0, steps0, updates0) = (
        counts("case.note.create").await,
        counts("follow_up.create").await,
        counts("follow_up.note").await,
        counts("referral.accept").await,
        counts("case.update").await,
    );

    let link = Link::perfect(&app, &node.token);
    let sum = n.node_sync(&link, &mut |_| {}).await.unwrap();
    assert_eq!((sum.applied, sum.conflicts, sum.refused), (4, 1, 0), "{sum:?}");
    // Replayed whole: the stored answers, nothing applied again.
    let all: Vec<_> = dtz_store::sync::outbox::answered(&node.db.db, 100)
        .await
        .unwrap()
        .iter()
        .map(dtz_services::sync::exchange::pushed)
        .collect();
    assert_eq!(all.len(), 5);
    let first = super::push_raw(&app, &node.token, &all).await;
    assert_eq!(first, super::push_raw(&app, &node.token, &all).await);

    // Each change applied once, audited as the user.
    assert_eq!(counts("case.note.create").await, notes0 + 1);
    assert_eq!(counts("follow_up.create").await, fus0 + 1);
    assert_eq!(counts("follow_up.note").await, funotes0 + 1);
    assert_eq!(counts("referral.accept").await, steps0 + 1);
    assert_eq!(counts("case.update").await, updates0 + 1, "the header's other fields applied once");
    let hub = app.services.case(&worker(&s), case).await.unwrap();
    assert_eq!(hub.summary.risk.map(|r| r.as_str()), Some("medium"), "the disjoint field applied");
    assert_eq!(hub.profile.languages, ["Spanish", "Guarani"], "never last-writer-wins");
    let conflicts: i64 = app.db.db.read().scalar(&Sql::new("SELECT COUNT(*) FROM sync_conflicts")).await.unwrap();
    assert_eq!(conflicts, 1, "the same field changed on both sides is a conflict");
    let (_, notes, fus, fu_notes, accepted) = state(&app.db.db, case).await;
    assert_eq!((notes, fus, fu_notes, accepted), (before.1 + 1, before.2 + 1, before.3 + 1, 1));

    // The pull after the push brought the hub's state back: both copies agree.
    assert_eq!(state(&node.db.db, case).await, state(&app.db.db, case).await, "the node converged");
    let on_node = n.case(&me, case).await.unwrap();
    assert_eq!(on_node.profile.languages, ["Spanish", "Guarani"]);
    assert_eq!(n.node_pending().await.unwrap().len(), 0);
    let answer = link.pulled.borrow().iter().rev().find(|a| a.scope == PullScope::Cases).cloned().unwrap();
    let held = dtz_store::sync::cases_down::node_cases(&node.db.db).await.unwrap();
    assert_eq!(answer.checksum, dtz_services::sync::pull::checksum(held), "checksum equal");

    // Work on from the converged copy: a later edit on the node is no conflict.
    let v = on_node.summary.version;
    let edit = CaseEdit { profile: Some(profile("Spanish, Guarani, Aymara")), ..Default::default() };
    n.update_case(&me, case, v, &edit).await.unwrap();
    let sum = node.sync(&app).await.unwrap();
    assert_eq!((sum.applied, sum.conflicts, sum.refused), (1, 0, 0), "{sum:?}");
    assert_eq!(state(&node.db.db, case).await, state(&app.db.db, case).await);
    assert!(app.services.verify_audit().await.is_ok() && n.verify_audit().await.is_ok());
}

async fn refused_converges(app: TestApp) {
    let s = setup(&app).await;
    let case = full_case(&app, &s).await;
    let (node, _device) = laptop(&app, &s).await;
    node.sync(&app).await.unwrap();
    let n = &node.services;
    let me = worker(&s);
    let service: Uuid = node.db.db.read().scalar(&Sql::new("SELECT service_id FROM referrals")).await.unwrap();
    let input = dtz_services::referrals::ReferralInput {
        service: service.to_string(),
        urgency: "normal".into(),
        reason: "Needs counselling".into(),
        ..Default::default()
    };
    let sent = n.send_referral(&me, case, &input).await.unwrap();
    // Meanwhile the guardian refuses sharing on the hub: the referral cannot go.
    let refuse = dtz_services::cases::ConsentInput {
        kind: "sharing".into(),
        state: "refused".into(),
        given_by: "guardian".into(),
        reason: String::new(),
    };
    app.services.record_consent(&worker(&s), case, &refuse).await.unwrap();
    let sum = node.sync(&app).await.unwrap();
    assert_eq!((sum.applied, sum.refused), (0, 1), "{sum:?}");
    let on_hub = count(&app.db.db, "SELECT COUNT(*) FROM referrals WHERE id = $1", sent).await;
    assert_eq!(on_hub, 0, "never sent on the hub");
    let on_node = count(&node.db.db, "SELECT COUNT(*) FROM referrals WHERE id = $1", sent).await;
    assert_eq!(on_node, 0, "the refused referral left the node's copy");
    assert_eq!(state(&node.db.db, case).await, state(&app.db.db, case).await, "the copies agree");
    let detail = dtz_store::sync::outbox::answered(&node.db.db, 100).await.unwrap();
    assert!(
        detail.iter().any(|r| r.outcome.as_deref().is_some_and(|o| o.contains("Consent was refused"))),
        "the reason stays on the node"
    );
}
