//! Store tests against real databases: both dialects migrate to the same schema, the
//! scope compiler admits exactly the rows the policy admits, conflicts map to one error.

#![expect(clippy::unwrap_used, clippy::panic, reason = "tests")]

use dtz_domain::access::{Grant, Scope, ScopeRow};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_store::scope::{ScopeColumns, filter};
use dtz_store::{Db, Dialect, Sql, StoreError};
use dtz_testkit::{Backend, TestDb};
use proptest::prelude::*;
use uuid::Uuid;

mod bulk;
mod durability;

#[tokio::test]
async fn sqlite_and_postgres_migrate_to_the_same_schema() {
    let Some(pg) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let lite = TestDb::new(Backend::Sqlite).await.unwrap();
    let a = dtz_store::schema::columns(&lite.db).await.unwrap();
    let b = dtz_store::schema::columns(&pg.db).await.unwrap();
    assert!(a.len() > 40, "{} columns", a.len());
    let only_lite: Vec<_> = a.iter().filter(|c| !b.contains(c)).collect();
    let only_pg: Vec<_> = b.iter().filter(|c| !a.contains(c)).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_lite:#?}\nonly in PostgreSQL: {only_pg:#?}"
    );
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let t = TestDb::new(Backend::Sqlite).await.unwrap();
    let before = dtz_store::schema::columns(&t.db).await.unwrap();
    t.db.migrate().await.unwrap();
    assert_eq!(before, dtz_store::schema::columns(&t.db).await.unwrap());
}

async fn unique_violation_is_a_duplicate(t: TestDb) {
    let mut tx = t.db.begin().await.unwrap();
    let org = Uuid::new_v4();
    let insert = |id: Uuid| {
        Sql::with_args(
            "INSERT INTO organisations (id, name, kind, publishable, version, created_at, updated_at) VALUES ($1, $2, 'donor', $3, 1, $4, $4)",
            vec![id.into(), "Same name".into(), true.into(), time::OffsetDateTime::UNIX_EPOCH.into()],
        )
    };
    tx.q().execute(&insert(org)).await.unwrap();
    match tx.q().execute(&insert(Uuid::new_v4())).await {
        Err(StoreError::Duplicate(c)) => assert!(c.contains("organisations"), "{c}"),
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

#[tokio::test]
async fn unique_violations_map_to_duplicate_on_sqlite() {
    unique_violation_is_a_duplicate(TestDb::new(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn unique_violations_map_to_duplicate_on_postgres() {
    if let Some(t) = TestDb::new(Backend::Postgres).await {
        unique_violation_is_a_duplicate(t).await;
    }
}

// --- The scope compiler against the in-memory policy --------------------------------

const ORGS: usize = 3;
const TEAMS: usize = 2;
const USERS: usize = 2;

/// Small pools of ids so generated grants and rows often meet.
struct Pool {
    orgs: Vec<OrgId>,
    teams: Vec<TeamId>,
    users: Vec<UserId>,
    countries: Vec<CountryCode>,
    cases: Vec<Uuid>,
}

fn pool() -> Pool {
    let ids = |n: usize, seed: u8| {
        (0..n)
            .map(|i| Uuid::from_bytes([seed, i as u8, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1]))
            .collect::<Vec<_>>()
    };
    Pool {
        orgs: ids(ORGS, 1).into_iter().map(OrgId).collect(),
        teams: ids(TEAMS, 2).into_iter().map(TeamId).collect(),
        users: ids(USERS, 3).into_iter().map(UserId).collect(),
        countries: ["BO", "IN"].iter().map(|c| CountryCode::parse("c", c).unwrap()).collect(),
        cases: ids(2, 4),
    }
}

fn grant_strategy() -> impl Strategy<Value = Grant> {
    let Pool { orgs, teams, users, countries, cases } = pool();
    prop_oneof![
        1 => Just(Grant::All),
        4 => (prop::sample::select(orgs.clone()), prop::option::of(prop::sample::select(countries.clone())))
            .prop_map(|(org, country)| Grant::Org { org, country }),
        2 => prop::sample::select(countries).prop_map(Grant::Country),
        2 => prop::sample::select(teams).prop_map(Grant::Team),
        2 => prop::sample::select(users).prop_map(Grant::Own),
        1 => prop::sample::select(orgs.clone()).prop_map(Grant::ProviderReferrals),
        1 => prop::sample::select(orgs).prop_map(Grant::ProviderCare),
        1 => prop::sample::select(cases).prop_map(Grant::CheckedOut),
    ]
}

fn row_strategy() -> impl Strategy<Value = ScopeRow> {
    let Pool { orgs, teams, users, countries, cases } = pool();
    (
        prop::option::of(prop::sample::select(orgs.clone())),
        prop::option::of(prop::sample::select(countries)),
        prop::option::of(prop::sample::select(teams)),
        prop::option::of(prop::sample::select(users)),
        prop::option::of(prop::sample::select(orgs)),
        prop::option::of(prop::sample::select(cases)),
    )
        .prop_map(|(org, country, team, owner, provider, case)| ScopeRow {
            org,
            country,
            team,
            owner,
            provider,
            case,
        })
}

const PROBE: ScopeColumns = ScopeColumns {
    org: Some("org_id"),
    country: Some("country"),
    team: Some("team_id"),
    owner: Some("owner_id"),
    provider: Some("provider_id"),
    case: Some("case_id"),
};

async fn probe_table(db: &Db) {
    let ddl = match db.dialect() {
        Dialect::Sqlite => {
            "CREATE TABLE scope_probe (n INTEGER PRIMARY KEY, org_id BLOB, country TEXT, team_id BLOB, owner_id BLOB, provider_id BLOB, case_id BLOB)"
        }
        Dialect::Postgres => {
            "CREATE TABLE scope_probe (n BIGINT PRIMARY KEY, org_id UUID, country TEXT, team_id UUID, owner_id UUID, provider_id UUID, case_id UUID)"
        }
    };
    let mut tx = db.begin().await.unwrap();
    tx.q().execute(&Sql::new(ddl)).await.unwrap();
    tx.commit().await.unwrap();
}

async fn check(db: &Db, grants: Vec<Grant>, rows: Vec<ScopeRow>) -> Result<(), TestCaseError> {
    let mut tx = db.begin().await.unwrap();
    tx.q().execute(&Sql::new("DELETE FROM scope_probe")).await.unwrap();
    for (n, r) in rows.iter().enumerate() {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO scope_probe (n, org_id, country, team_id, owner_id, provider_id, case_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vec![
                    (n as i64).into(),
                    r.org.into(),
                    r.country.map(|c| c.as_str().to_owned()).into(),
                    r.team.into(),
                    r.owner.into(),
                    r.provider.into(),
                    r.case.into(),
                ],
            ))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let scope = Scope::from_grants(grants);
    let mut q = Sql::new("SELECT n FROM scope_probe WHERE ");
    q.append(filter(&scope, &PROBE));
    q.push(" ORDER BY n");
    let got: Vec<(i64,)> = db.read().fetch_all(&q).await.unwrap();
    let got: Vec<i64> = got.into_iter().map(|(n,)| n).collect();
    let want: Vec<i64> = rows.iter().enumerate().filter(|(_, r)| scope.admits(r)).map(|(n, _)| n as i64).collect();
    prop_assert_eq!(got, want, "scope {:?}", scope);
    Ok(())
}

fn scope_property(backend: Backend) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(t) = rt.block_on(TestDb::new(backend)) else {
        return;
    };
    rt.block_on(probe_table(&t.db));
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let strategy = (prop::collection::vec(grant_strategy(), 0..4), prop::collection::vec(row_strategy(), 0..24));
    runner.run(&strategy, |(grants, rows)| rt.block_on(check(&t.db, grants, rows))).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn scope_sql_admits_exactly_what_the_policy_admits_on_sqlite() {
    scope_property(Backend::Sqlite);
}

#[test]
fn scope_sql_admits_exactly_what_the_policy_admits_on_postgres() {
    scope_property(Backend::Postgres);
}
