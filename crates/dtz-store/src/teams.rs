//! Teams: a supervisor and caseworkers of one organisation (membership is a role
//! assignment with the team).

use crate::bulk;
use crate::scope::{ScopeColumns, filter};
use crate::sql::{Arg, Sql};
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, TeamId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored team.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TeamRow {
    /// Id.
    pub id: Uuid,
    /// Organisation.
    pub org_id: Uuid,
    /// Country it works in.
    pub country: Option<String>,
    /// Name.
    pub name: String,
    /// Row version.
    pub version: i64,
}

const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("org_id"),
    country: Some("country"),
    team: Some("id"),
    owner: None,
    provider: None,
    case: None,
};

/// Insert a team.
pub async fn insert(
    tx: &mut Tx,
    id: TeamId,
    org: OrgId,
    country: Option<&str>,
    name: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let team = NewTeam { id, org, country: country.map(str::to_owned), name: name.to_owned() };
    insert_many(tx, &[team], now).await
}

/// A new team.
#[derive(Clone, Debug)]
pub struct NewTeam {
    /// Id chosen by the creator.
    pub id: TeamId,
    /// Organisation.
    pub org: OrgId,
    /// Country it works in.
    pub country: Option<String>,
    /// Name.
    pub name: String,
}

/// Insert many teams in a few statements.
pub async fn insert_many(tx: &mut Tx, teams: &[NewTeam], now: OffsetDateTime) -> Result<()> {
    let rows: Vec<Vec<Arg>> = teams
        .iter()
        .map(|t| {
            vec![
                t.id.into(),
                t.org.into(),
                t.country.clone().into(),
                t.name.clone().into(),
                1i64.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(tx, "INSERT INTO teams (id, org_id, country, name, version, created_at, updated_at) VALUES ", &rows)
        .await?;
    Ok(())
}

/// Teams in the caller's scope.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<TeamRow>> {
    let mut q = Sql::new("SELECT id, org_id, country, name, version FROM teams WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY name");
    db.read().fetch_all(&q).await
}

/// One team in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: TeamId) -> Result<TeamRow> {
    let mut q = Sql::new("SELECT id, org_id, country, name, version FROM teams WHERE deleted_at IS NULL AND id = ");
    q.bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_one(&q).await
}
