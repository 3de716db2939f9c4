//! The caller's own API tokens.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::ids::{TokenId, UserId};
use dtz_store::tokens::TokenRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A token (never its secret).
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    id: Uuid,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

impl From<TokenRow> for TokenResponse {
    fn from(t: TokenRow) -> Self {
        Self {
            id: t.id,
            name: t.name,
            created_at: super::rfc3339(t.created_at),
            last_used_at: t.last_used_at.map(super::rfc3339),
            revoked_at: t.revoked_at.map(super::rfc3339),
        }
    }
}

/// A new token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What it is for.
    name: String,
}

/// A created token: the secret is shown only now.
#[derive(Serialize, ToSchema)]
pub struct CreatedTokenResponse {
    token: TokenResponse,
    secret: String,
}

/// Your tokens.
#[utoipa::path(get, path = "/tokens", tag = "accounts", responses((status = 200, body = Vec<TokenResponse>)))]
pub async fn list(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<TokenResponse>>, AppError> {
    Ok(Json(state.services.tokens(&c.caller, UserId(c.user.id)).await?.into_iter().map(Into::into).collect()))
}

/// Create a token for yourself.
#[utoipa::path(post, path = "/tokens", tag = "accounts", request_body = CreateTokenRequest, responses((status = 201, body = CreatedTokenResponse), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedTokenResponse>), AppError> {
    let (row, secret) = state.services.create_token(&c.caller, UserId(c.user.id), &r.name).await?;
    Ok((StatusCode::CREATED, Json(CreatedTokenResponse { token: row.into(), secret })))
}

/// Revoke one of your tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "accounts", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<TokenId>,
) -> Result<StatusCode, AppError> {
    state.services.revoke_token(&c.caller, UserId(c.user.id), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
