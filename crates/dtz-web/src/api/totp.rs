//! The second factor of users, as administrators manage it.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::IdPath;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::ids::UserId;

/// Reset a user's second factor (administrators of the user's organisation; not your
/// own). The user's sessions end; where a role requires it, the user enrols again at the
/// next sign-in. Audited.
#[utoipa::path(post, path = "/users/{id}/totp/reset", tag = "accounts", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<UserId>,
) -> Result<StatusCode, AppError> {
    state.services.reset_totp(&c.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
