//! Who am I.

use super::users::{RoleResponse, UserResponse};
use crate::auth::ApiCaller;
use crate::error::AppError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use dtz_domain::ids::UserId;
use serde::Serialize;
use utoipa::ToSchema;

/// The caller and its roles.
#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// The user.
    pub user: UserResponse,
    /// Its roles.
    pub roles: Vec<RoleResponse>,
}

/// The user behind the token.
#[utoipa::path(get, path = "/me", tag = "accounts", responses((status = 200, body = MeResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn show(State(state): State<AppState>, c: ApiCaller) -> Result<Json<MeResponse>, AppError> {
    let roles = state.services.roles(&c.caller, UserId(c.user.id)).await?;
    Ok(Json(MeResponse { user: c.user.into(), roles: roles.into_iter().map(Into::into).collect() }))
}
