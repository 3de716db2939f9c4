//! Teams: a supervisor and caseworkers of one organisation (members are users holding a
//! case role with the team).

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::ids::{OrgId, TeamId};
use dtz_store::teams::TeamRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A team.
#[derive(Serialize, ToSchema)]
pub struct TeamResponse {
    id: Uuid,
    org_id: Uuid,
    country: Option<String>,
    name: String,
    version: i64,
}

impl From<TeamRow> for TeamResponse {
    fn from(t: TeamRow) -> Self {
        Self { id: t.id, org_id: t.org_id, country: t.country, name: t.name, version: t.version }
    }
}

/// A new team.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    id: Option<Uuid>,
    org_id: Uuid,
    country: Option<String>,
    name: String,
}

/// Teams of the organisations you administer (and your own).
#[utoipa::path(get, path = "/teams", tag = "accounts", responses((status = 200, body = Vec<TeamResponse>)))]
pub async fn list(State(state): State<AppState>, c: ApiCaller) -> Result<Json<Vec<TeamResponse>>, AppError> {
    Ok(Json(state.services.teams(&c.caller).await?.into_iter().map(Into::into).collect()))
}

/// Create a team in an organisation you administer.
#[utoipa::path(post, path = "/teams", tag = "accounts", request_body = CreateTeamRequest, responses((status = 201, body = TeamResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<TeamResponse>), AppError> {
    let id = r.id.map(TeamId).unwrap_or_default();
    let team = state.services.create_team(&c.caller, id, OrgId(r.org_id), r.country.as_deref(), &r.name).await?;
    Ok((StatusCode::CREATED, Json(team.into())))
}
