//! Multi-row inserts split into several statements and still write every row, and the
//! audit chain appended in bulk still verifies.

use dtz_domain::ids::{OrgId, TeamId};
use dtz_domain::org::{OrgFields, OrgKind};
use dtz_store::audit::{self, NewEvent};
use dtz_store::teams::{self, NewTeam};
use dtz_store::{Keys, Sql, orgs};
use dtz_testkit::{Backend, TestDb};

/// More rows than one statement takes on either database.
const TEAMS: usize = 1_200;
const EVENTS: usize = 700;

async fn bulk_inserts_write_every_row_and_keep_the_chain(t: TestDb) {
    let keys = Keys::generate(&t.dir.path().join("dtz.key")).unwrap();
    let now = dtz_domain::Clock::now(&dtz_domain::SystemClock);
    let org = OrgId::new();
    let f =
        OrgFields { name: "Bulk".into(), kind: OrgKind::LocalPartner, iati_id: None, country: None, publishable: true };
    let mut tx = t.db.begin().await.unwrap();
    orgs::insert_many(&mut tx, &keys, &[(org, f)], now).await.unwrap();
    let new: Vec<NewTeam> = (0..TEAMS)
        .map(|i| NewTeam { id: TeamId::new(), org, country: Some("BO".into()), name: format!("Team {i}") })
        .collect();
    teams::insert_many(&mut tx, &new, now).await.unwrap();
    let events: Vec<NewEvent> = new
        .iter()
        .take(EVENTS)
        .map(|t| NewEvent {
            action: "team.create".into(),
            entity: "team".into(),
            entity_id: Some(t.id.0),
            ..Default::default()
        })
        .collect();
    let seq = audit::append(&mut tx, &keys.audit, now, &events).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(seq, EVENTS as i64);
    let count = |table: &'static str| {
        let mut q = Sql::new("SELECT COUNT(*) FROM ");
        q.push(table);
        q
    };
    let n: i64 = t.db.read().scalar(&count("teams")).await.unwrap();
    assert_eq!(n, TEAMS as i64);
    let n: i64 = t.db.read().scalar(&count("org_keys")).await.unwrap();
    assert_eq!(n, 1);
    let v = audit::verify(&t.db, &keys.audit).await.unwrap();
    assert_eq!(v.events, EVENTS as i64);
}

#[tokio::test]
async fn bulk_inserts_write_every_row_and_keep_the_chain_on_sqlite() {
    bulk_inserts_write_every_row_and_keep_the_chain(TestDb::new(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn bulk_inserts_write_every_row_and_keep_the_chain_on_postgres() {
    if let Some(t) = TestDb::new(Backend::Postgres).await {
        bulk_inserts_write_every_row_and_keep_the_chain(t).await;
    }
}
