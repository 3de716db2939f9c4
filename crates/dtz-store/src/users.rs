//! Users and their role assignments.

use crate::bulk;
use crate::scope::{ScopeColumns, filter};
use crate::sql::{Arg, Sql};
use crate::{Db, Result, Tx};
use dtz_domain::access::{Role, RoleAssignment, Scope};
use dtz_domain::ids::{OrgId, RoleAssignmentId, UserId};
use dtz_domain::org::CountryCode;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored user (without the password hash).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct UserRow {
    /// Id.
    pub id: Uuid,
    /// Organisation.
    pub org_id: Uuid,
    /// Login e-mail (normalised).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Language of the pages.
    pub language: String,
    /// Disabled users cannot sign in; their sessions and tokens stop working.
    pub disabled: bool,
    /// Row version.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// A new user.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Id chosen by the creator.
    pub id: UserId,
    /// Organisation.
    pub org: OrgId,
    /// Normalised e-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Language.
    pub language: String,
    /// Argon2id PHC string.
    pub password_hash: String,
}

const COLS: &str = "id, org_id, email, name, language, disabled, version, created_at, updated_at";
const SCOPE: ScopeColumns =
    ScopeColumns { org: Some("org_id"), country: None, team: None, owner: Some("id"), provider: None, case: None };

/// Insert a user.
pub async fn insert(tx: &mut Tx, u: &NewUser, now: OffsetDateTime) -> Result<()> {
    insert_many(tx, std::slice::from_ref(u), now).await
}

/// Insert many users in a few statements.
pub async fn insert_many(tx: &mut Tx, users: &[NewUser], now: OffsetDateTime) -> Result<()> {
    let rows: Vec<Vec<Arg>> = users
        .iter()
        .map(|u| {
            vec![
                u.id.into(),
                u.org.into(),
                u.email.clone().into(),
                u.name.clone().into(),
                u.language.clone().into(),
                u.password_hash.clone().into(),
                false.into(),
                1i64.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO users (id, org_id, email, name, language, password_hash, disabled, version, created_at, updated_at) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}

/// One user in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: UserId) -> Result<UserRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM users WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_one(&q).await
}

/// The same inside a write transaction.
pub async fn get_in(tx: &mut Tx, scope: &Scope, id: UserId) -> Result<UserRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM users WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    tx.q().fetch_one(&q).await
}

/// Users in the caller's scope, optionally of one organisation, by e-mail.
pub async fn list(db: &Db, scope: &Scope, org: Option<OrgId>) -> Result<Vec<UserRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM users WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE));
    if let Some(o) = org {
        q.push(" AND org_id = ").bind(o);
    }
    q.push(" ORDER BY email");
    db.read().fetch_all(&q).await
}

/// Sign-in lookup: the user with this e-mail and its password hash. Unscoped on purpose:
/// the caller is not yet known.
pub async fn credentials(db: &Db, email: &str) -> Result<Option<(UserRow, String)>> {
    #[derive(sqlx::FromRow)]
    struct Cred {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(", password_hash FROM users WHERE deleted_at IS NULL AND email = ").bind(email);
    let r: Option<Cred> = db.read().fetch_optional(&q).await?;
    Ok(r.map(|r| (r.user, r.password_hash)))
}

/// The password hash of a user (for re-checking before a sensitive change).
pub async fn password_hash(db: &Db, id: UserId) -> Result<String> {
    let (h,): (String,) =
        db.read().fetch_one(&Sql::with_args("SELECT password_hash FROM users WHERE id = $1", vec![id.into()])).await?;
    Ok(h)
}

/// Profile fields people edit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UserFields {
    /// Name.
    pub name: String,
    /// Language.
    pub language: String,
    /// Disabled.
    pub disabled: bool,
}

/// Write profile fields if still at `base_version`.
pub async fn update(tx: &mut Tx, id: UserId, base: i64, f: &UserFields, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE users SET name = $1, language = $2, disabled = $3, version = version + 1, updated_at = $4 \
             WHERE id = $5 AND version = $6 AND deleted_at IS NULL",
            vec![
                f.name.clone().into(),
                f.language.clone().into(),
                f.disabled.into(),
                now.into(),
                id.into(),
                base.into(),
            ],
        ))
        .await?;
    crate::orgs::stale_check(tx, "users", id.0, base, n).await
}

/// Set a new password hash (version moves on).
pub async fn set_password(tx: &mut Tx, id: UserId, hash: &str, now: OffsetDateTime) -> Result<i64> {
    let (v,): (i64,) = tx
        .q()
        .fetch_one(&Sql::with_args(
            "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL RETURNING version",
            vec![hash.into(), now.into(), id.into()],
        ))
        .await?;
    Ok(v)
}

/// A stored role assignment.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct RoleRow {
    /// Id.
    pub id: Uuid,
    /// User.
    pub user_id: Uuid,
    /// Role name.
    pub role: String,
    /// Organisation scope.
    pub org_id: Option<Uuid>,
    /// Country scope.
    pub country: Option<String>,
    /// Team scope.
    pub team_id: Option<Uuid>,
}

impl RoleRow {
    /// As a domain value (rows with unknown roles are skipped by the caller).
    pub fn assignment(&self) -> Option<RoleAssignment> {
        Some(RoleAssignment {
            role: Role::parse("role", &self.role).ok()?,
            org: self.org_id.map(OrgId),
            country: self.country.as_deref().and_then(|c| CountryCode::parse("country", c).ok()),
            team: self.team_id.map(dtz_domain::ids::TeamId),
        })
    }
}

/// Live role assignments of a user.
pub async fn roles(db: &Db, user: UserId) -> Result<Vec<RoleRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, user_id, role, org_id, country, team_id FROM role_assignments WHERE user_id = $1 AND deleted_at IS NULL ORDER BY role",
            vec![user.into()],
        ))
        .await
}

/// Give a role.
pub async fn insert_role(
    tx: &mut Tx,
    id: RoleAssignmentId,
    user: UserId,
    a: &RoleAssignment,
    now: OffsetDateTime,
) -> Result<()> {
    insert_roles(tx, &[(id, user, a.clone())], now).await
}

/// Give many roles in a few statements.
pub async fn insert_roles(
    tx: &mut Tx,
    roles: &[(RoleAssignmentId, UserId, RoleAssignment)],
    now: OffsetDateTime,
) -> Result<()> {
    let rows: Vec<Vec<Arg>> = roles
        .iter()
        .map(|(id, user, a)| {
            vec![
                (*id).into(),
                (*user).into(),
                a.role.as_str().into(),
                a.org.into(),
                a.country.map(|c| c.as_str().to_owned()).into(),
                a.team.into(),
                1i64.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO role_assignments (id, user_id, role, org_id, country, team_id, version, created_at) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}

/// Take a role back (tombstone).
pub async fn delete_role(tx: &mut Tx, id: RoleAssignmentId, user: UserId, now: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE role_assignments SET deleted_at = $1, version = version + 1 WHERE id = $2 AND user_id = $3 AND deleted_at IS NULL",
            vec![now.into(), id.into(), user.into()],
        ))
        .await
}

/// Enabled users holding `role` within an organisation and/or country (a role without
/// a country counts for every country), for notifications.
pub async fn holders(tx: &mut Tx, role: Role, org: Option<OrgId>, country: Option<&str>) -> Result<Vec<UserId>> {
    let mut q = Sql::new(
        "SELECT DISTINCT u.id FROM users u JOIN role_assignments r ON r.user_id = u.id \
         WHERE u.deleted_at IS NULL AND r.deleted_at IS NULL AND u.disabled = ",
    );
    q.bind(false).push(" AND r.role = ").bind(role.as_str());
    if let Some(o) = org {
        q.push(" AND r.org_id = ").bind(o);
    }
    if let Some(c) = country {
        q.push(" AND (r.country IS NULL OR r.country = ").bind(c).push(")");
    }
    let rows: Vec<(Uuid,)> = tx.q().fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(id,)| UserId(id)).collect())
}
