//! A deterministic simulation (seed printed; `DTZ_SIM_SEED` replays one): a hub and three
//! nodes make changes to activities and values while the network drops, duplicates,
//! reorders and delays pushes and loses answers after commit. After a quiet sync all
//! copies agree, every acknowledged operation was applied exactly once, no row out of a
//! node's scope ever reached it, every audit chain verifies and no approved value moved.

use super::{Link, Node, activity, count, node_for, ra};
use crate::activities::world;
use crate::support::TestApp;
use dtz_domain::access::Role;
use dtz_domain::activity::{ActivityId, ActivityInput};
use dtz_domain::ids::OrgId;
use dtz_domain::results::ReportAction;
use dtz_domain::sync::protocol::{OpResult, Outcome};
use dtz_services::Caller;
use dtz_services::sync::outbox::{activity_wire, input_from_wire};
use dtz_services::values::{ReportKey, ValueInput};
use dtz_store::Sql;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;

pub async fn caller_of(app: &TestApp, email: &str) -> Caller {
    let u = app.services.user_by_email(&Caller::System, email).await.unwrap();
    Caller::User(app.services.actor(&u).await.unwrap())
}

fn org_of(c: &Caller) -> OrgId {
    match c {
        Caller::User(a) => a.org,
        Caller::System => unreachable!(),
    }
}

async fn held(db: &dtz_store::Db) -> BTreeMap<uuid::Uuid, (i64, String, String, String)> {
    let rows: Vec<(uuid::Uuid, i64, String, String, String)> = db
        .read()
        .fetch_all(&Sql::new(
            "SELECT id, version, title, area, description FROM activities WHERE deleted_at IS NULL ORDER BY id",
        ))
        .await
        .unwrap();
    rows.into_iter().map(|(id, v, t, a, d)| (id, (v, t, a, d))).collect()
}

fn edited(input: &ActivityInput, rng: &mut StdRng, who: &str, step: usize) -> ActivityInput {
    let mut i = input.clone();
    match rng.random_range(0..3) {
        0 => i.title = format!("{who} title {step}"),
        1 => i.area = format!("{who} area {step}"),
        _ => i.description = format!("{who} description {step}"),
    }
    i
}

async fn node_edit(n: &Node, rng: &mut StdRng, k: usize, step: usize) {
    let ids: Vec<uuid::Uuid> = held(&n.db.db).await.into_keys().collect();
    if ids.is_empty() {
        return;
    }
    let id = ActivityId(ids[rng.random_range(0..ids.len())]);
    let Ok(a) = n.services.activity(&n.caller, id).await else { return };
    let input = edited(&input_from_wire(&activity_wire(&a.fields)), rng, &format!("node{k}"), step);
    let _ = n.services.update_activity(&n.caller, id, a.row.version, &input).await;
}

pub async fn converges(app: TestApp) {
    let seed: u64 = std::env::var("DTZ_SIM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_260_129);
    eprintln!("sync simulation seed {seed} (DTZ_SIM_SEED={seed} replays it)");
    let w = world(&app).await;
    app.user("me2@bo.example.org", w.partner, Some(ra(Role::MeOfficer, w.partner, "BO"))).await;
    let nodes = [
        node_for(&app, "me@bo.example.org", "BO").await,
        node_for(&app, "me2@bo.example.org", "BO").await,
        node_for(&app, "me@pe.example.org", "PE").await,
    ];
    let countries = ["BO", "BO", "PE"];
    let hub_me = caller_of(&app, "me@bo.example.org").await;
    let coordinator = caller_of(&app, "coord@bo.example.org").await;

    // Node 0 enters a 2016 value offline; meanwhile the hub's report is submitted and approved.
    let frozen = ReportKey { programme: "DTZ".into(), org: w.partner, country: "BO".into(), period: "2016".into() };
    let cell = |n| [ValueInput { indicator: "G1.O1.1".into(), part: String::new(), entry: count(n) }];
    nodes[0].services.save_values(&nodes[0].caller, &frozen, &cell(99)).await.unwrap();
    let r = app.services.save_values(&hub_me, &frozen, &cell(40)).await.unwrap();
    let r = app.services.act_on_report(&hub_me, r.id, r.version, ReportAction::Submit, None).await.unwrap();
    app.services.act_on_report(&coordinator, r.id, r.version, ReportAction::ApproveCountry, None).await.unwrap();

    let links: Vec<Link> =
        nodes.iter().enumerate().map(|(k, n)| Link::lossy(&app, &n.token, seed + k as u64)).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    for step in 0..60 {
        let k = rng.random_range(0..nodes.len());
        let n = &nodes[k];
        match rng.random_range(0..100) {
            0..25 => {
                let mut input = activity(&format!("node{k} activity {step}"), "2017-05-02");
                input.country = countries[k].into();
                let _ =
                    n.services.create_activity(&n.caller, "DTZ", ActivityId::new(), org_of(&n.caller), &input).await;
            }
            25..50 => node_edit(n, &mut rng, k, step).await,
            50..62 => {
                let ids: Vec<uuid::Uuid> = held(&app.db.db).await.into_keys().collect();
                if !ids.is_empty() {
                    let id = ActivityId(ids[rng.random_range(0..ids.len())]);
                    if let Ok(a) = app.services.activity(&hub_me, id).await {
                        let input = edited(&input_from_wire(&activity_wire(&a.fields)), &mut rng, "hub", step);
                        app.services.update_activity(&hub_me, id, a.row.version, &input).await.unwrap();
                    }
                }
            }
            62..72 if k < 2 => {
                let key = ReportKey { period: "2017".into(), ..frozen.clone() };
                let _ = n.services.save_values(&n.caller, &key, &cell(rng.random_range(1..50))).await;
            }
            _ => {
                let _ = n.services.node_sync(&links[k], &mut |_| {}).await;
            }
        }
        app.clock.advance(time::Duration::hours(1));
    }

    // Quiet: a perfect network, every node syncs until nothing moves.
    for _ in 0..2 {
        for n in &nodes {
            n.sync(&app).await.unwrap();
        }
    }

    let hub_all = held(&app.db.db).await;
    let hub_pe: BTreeMap<_, _> = {
        let pe: Vec<(uuid::Uuid,)> =
            app.db.db.read().fetch_all(&Sql::new("SELECT id FROM activities WHERE country = 'PE'")).await.unwrap();
        hub_all.iter().filter(|(id, _)| pe.iter().any(|(p,)| p == *id)).map(|(k, v)| (*k, v.clone())).collect()
    };
    let hub_bo: BTreeMap<_, _> =
        hub_all.iter().filter(|(id, _)| !hub_pe.contains_key(id)).map(|(k, v)| (*k, v.clone())).collect();
    assert!(!hub_bo.is_empty() && !hub_pe.is_empty(), "the simulation made activities on both sides (seed {seed})");
    for (k, n) in nodes.iter().enumerate() {
        let want = if k < 2 { &hub_bo } else { &hub_pe };
        assert_eq!(&held(&n.db.db).await, want, "node {k} agrees with the hub (seed {seed})");
        // Every operation was answered, and every one answered "applied" is on the hub once.
        assert!(n.services.node_pending().await.unwrap().is_empty(), "node {k} has nothing waiting");
        for row in dtz_store::sync::outbox::answered(&n.db.db, 10_000).await.unwrap() {
            let r: OpResult = serde_json::from_str(row.outcome.as_deref().unwrap()).unwrap();
            let stored = dtz_store::sync::ops::get(&app.db.db, row.id).await.unwrap().expect("recorded on the hub");
            assert_eq!(stored.payload_hash, row.payload_hash);
            if r.outcome == Outcome::Applied && row.entity == "activity" && row.base_version == 0 {
                let creates: i64 = app
                    .db
                    .db
                    .read()
                    .scalar(&Sql::with_args(
                        "SELECT COUNT(*) FROM audit_events WHERE action = 'activity.create' AND entity_id = $1",
                        vec![row.entity_id.into()],
                    ))
                    .await
                    .unwrap();
                assert_eq!(creates, 1, "applied exactly once (seed {seed})");
            }
        }
        // Nothing out of the node's scope ever came down.
        for answer in links[k].pulled.borrow().iter() {
            for a in &answer.activities {
                assert_eq!((a.org_id, a.country.as_str()), (org_of(&n.caller).0, countries[k]), "seed {seed}");
            }
            for r in &answer.reports {
                assert_eq!(r.org_id, org_of(&n.caller).0, "seed {seed}");
            }
        }
        assert!(n.services.verify_audit().await.is_ok(), "node {k}'s audit chain verifies");
    }
    assert!(app.services.verify_audit().await.is_ok(), "the hub's audit chain verifies");
    let approved: Vec<(String, Option<i64>)> = app
        .db
        .db
        .read()
        .fetch_all(&Sql::new(
            "SELECT r.status, v.value FROM reports r JOIN data_values v ON v.report_id = r.id \
             JOIN indicators i ON i.id = v.indicator_id WHERE r.period = '2016' AND i.code = 'G1.O1.1'",
        ))
        .await
        .unwrap();
    assert_eq!(approved, vec![("country_approved".to_owned(), Some(40))], "no approved value changed by sync");
    let conflicts = app.services.sync_conflicts(&Caller::System, true).await.unwrap();
    assert!(conflicts.iter().any(|c| c.row.entity == "report_values"), "the node's 2016 value waits for a person");
}
