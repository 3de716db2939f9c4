//! Teams: a supervisor and caseworkers of one organisation (membership is a role
//! assignment with the team).

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
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
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO teams (id, org_id, country, name, version, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5)",
            vec![id.into(), org.into(), country.into(), name.into(), now.into()],
        ))
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
