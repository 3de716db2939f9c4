//! Users and their roles.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::{OrgId, RoleAssignmentId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_domain::validate::Violations;
use dtz_services::accounts::UserInput;
use dtz_store::users::{RoleRow, UserFields, UserRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A user.
#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    id: Uuid,
    org_id: Uuid,
    email: String,
    name: String,
    language: String,
    disabled: bool,
    /// Send this back when you change the user.
    version: i64,
    created_at: String,
    updated_at: String,
}

impl From<UserRow> for UserResponse {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id,
            org_id: u.org_id,
            email: u.email,
            name: u.name,
            language: u.language,
            disabled: u.disabled,
            version: u.version,
            created_at: super::rfc3339(u.created_at),
            updated_at: super::rfc3339(u.updated_at),
        }
    }
}

/// A role of a user within a scope.
#[derive(Serialize, ToSchema)]
pub struct RoleResponse {
    id: Uuid,
    role: String,
    org_id: Option<Uuid>,
    country: Option<String>,
    team_id: Option<Uuid>,
}

impl From<RoleRow> for RoleResponse {
    fn from(r: RoleRow) -> Self {
        Self { id: r.id, role: r.role, org_id: r.org_id, country: r.country, team_id: r.team_id }
    }
}

/// A new user; without a password, one is generated and returned once.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    id: Option<Uuid>,
    org_id: Uuid,
    email: String,
    name: String,
    language: Option<String>,
    password: Option<String>,
}

/// A created user.
#[derive(Serialize, ToSchema)]
pub struct CreatedUserResponse {
    user: UserResponse,
    /// The generated first password, shown only now.
    password: Option<String>,
}

/// Changes to a user, based on the version you read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    version: i64,
    name: Option<String>,
    language: Option<String>,
    disabled: Option<bool>,
}

/// A new password: your own (give the current one), or, as administrator, another
/// user's (leave it out to have one generated).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    current_password: Option<String>,
    password: Option<String>,
}

/// A generated password, shown once.
#[derive(Serialize, ToSchema)]
pub struct PasswordResponse {
    password: Option<String>,
}

/// A role to give.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    role: String,
    org_id: Option<Uuid>,
    country: Option<String>,
    team_id: Option<Uuid>,
}

/// Filter of the user list.
#[derive(Deserialize, IntoParams)]
pub struct UserListQuery {
    /// Only users of this organisation.
    org_id: Option<Uuid>,
}

/// Users you may see (administrators: their organisations'; everyone: themselves).
#[utoipa::path(get, path = "/users", tag = "accounts", params(UserListQuery), responses((status = 200, body = Vec<UserResponse>)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UserListQuery>,
) -> Result<Json<Vec<UserResponse>>, AppError> {
    let users = state.services.users(&c.caller, q.org_id.map(OrgId)).await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "accounts", params(("id" = Uuid, Path)), responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<UserId>,
) -> Result<Json<UserResponse>, AppError> {
    Ok(Json(state.services.user(&c.caller, id).await?.into()))
}

/// Create a user in an organisation you administer.
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = CreateUserRequest, responses((status = 201, body = CreatedUserResponse), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<CreatedUserResponse>), AppError> {
    let input = UserInput {
        org: Some(OrgId(r.org_id)),
        email: r.email,
        name: r.name,
        language: r.language.unwrap_or_default(),
        password: r.password,
        roles: Vec::new(),
    };
    let created = state.services.create_user(&c.caller, r.id.map(UserId).unwrap_or_default(), input).await?;
    Ok((StatusCode::CREATED, Json(CreatedUserResponse { user: created.user.into(), password: created.password })))
}

/// Change a user; a stale `version` gets 409.
#[utoipa::path(patch, path = "/users/{id}", tag = "accounts", params(("id" = Uuid, Path)), request_body = UpdateUserRequest, responses((status = 200, body = UserResponse), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<UserId>,
    ApiJson(r): ApiJson<UpdateUserRequest>,
) -> Result<Json<UserResponse>, AppError> {
    let cur = state.services.user(&c.caller, id).await?;
    let f = UserFields {
        name: r.name.unwrap_or(cur.name),
        language: r.language.unwrap_or(cur.language),
        disabled: r.disabled.unwrap_or(cur.disabled),
    };
    Ok(Json(state.services.update_user(&c.caller, id, r.version, f).await?.into()))
}

/// Set a password; every session of the user ends.
#[utoipa::path(post, path = "/users/{id}/password", tag = "accounts", params(("id" = Uuid, Path)), request_body = PasswordRequest, responses((status = 200, body = PasswordResponse), (status = 422, body = ErrorBody)))]
pub async fn set_password(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<UserId>,
    ApiJson(r): ApiJson<PasswordRequest>,
) -> Result<Json<PasswordResponse>, AppError> {
    let password =
        state.services.set_password(&c.caller, id, r.current_password.as_deref(), r.password.as_deref()).await?;
    Ok(Json(PasswordResponse { password }))
}

/// Roles of a user.
#[utoipa::path(get, path = "/users/{id}/roles", tag = "accounts", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<RoleResponse>)))]
pub async fn list_roles(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<UserId>,
) -> Result<Json<Vec<RoleResponse>>, AppError> {
    Ok(Json(state.services.roles(&c.caller, id).await?.into_iter().map(Into::into).collect()))
}

fn parse_role(r: &RoleRequest) -> Result<RoleAssignment, AppError> {
    let mut v = Violations::default();
    let role = v.check(Role::parse("role", &r.role));
    let country = match r.country.as_deref() {
        Some(c) => v.check(CountryCode::parse("country", c).map(Some)),
        None => Some(None),
    };
    match (role, country) {
        (Some(role), Some(country)) => {
            Ok(RoleAssignment { role, org: r.org_id.map(OrgId), country, team: r.team_id.map(TeamId) })
        }
        _ => Err(AppError::Validation(v.0)),
    }
}

/// Give a role (within what you may grant).
#[utoipa::path(post, path = "/users/{id}/roles", tag = "accounts", params(("id" = Uuid, Path)), request_body = RoleRequest, responses((status = 201, body = Vec<RoleResponse>), (status = 403, body = ErrorBody)))]
pub async fn create_role(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<UserId>,
    ApiJson(r): ApiJson<RoleRequest>,
) -> Result<(StatusCode, Json<Vec<RoleResponse>>), AppError> {
    state.services.assign_role(&c.caller, id, parse_role(&r)?).await?;
    let roles = state.services.roles(&c.caller, id).await?;
    Ok((StatusCode::CREATED, Json(roles.into_iter().map(Into::into).collect())))
}

/// Take a role back.
#[utoipa::path(delete, path = "/users/{id}/roles/{role_id}", tag = "accounts", params(("id" = Uuid, Path), ("role_id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_role(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((id, role_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, AppError> {
    state.services.revoke_role(&c.caller, UserId(id), RoleAssignmentId(role_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
