//! Harvested outcomes.

use super::PlaceParams;
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_domain::work::iso_date;
use dtz_domain::work::outcome::{LinkKind, OutcomeInput};
use dtz_services::work::{Outcome, OutcomeLinks, outcome_input};
use dtz_store::work::outcomes::{OutcomeFilter, OutcomeRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A goal or outcome of a results framework, by code.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct ResultRef {
    /// Programme code, such as DTZ.
    programme: String,
    /// Node code, such as G3.O1.
    code: String,
}

/// A harvested outcome.
#[derive(Serialize, ToSchema)]
pub struct OutcomeDto {
    id: Uuid,
    org_id: Uuid,
    country: String,
    title: String,
    /// YYYY-MM-DD.
    observed_on: String,
    change: String,
    social_actor: String,
    significance: String,
    contribution: String,
    sources: Option<String>,
    /// unverified, substantiated, partly_substantiated or not_substantiated.
    verification: String,
    /// Goals and outcomes it contributes to (only on one outcome, not in lists).
    results: Vec<ResultRef>,
    /// Policy instruments it is linked to (those you may see).
    instruments: Vec<Uuid>,
    /// Activities it is linked to.
    activities: Vec<Uuid>,
    /// Send this back when you change it.
    version: i64,
    created_at: String,
    updated_at: String,
}

fn dto(r: OutcomeRow, links: Option<&Outcome>) -> OutcomeDto {
    let of =
        |k: LinkKind| links.map(|o| o.links.iter().filter(|l| l.kind == k).collect::<Vec<_>>()).unwrap_or_default();
    let i = outcome_input(&r);
    OutcomeDto {
        results: of(LinkKind::Node)
            .into_iter()
            .map(|l| ResultRef { programme: l.programme.clone(), code: l.code.clone() })
            .collect(),
        instruments: of(LinkKind::Instrument).into_iter().map(|l| l.id).collect(),
        activities: of(LinkKind::Activity).into_iter().map(|l| l.id).collect(),
        id: r.id,
        org_id: r.org_id,
        country: r.country,
        title: i.title,
        observed_on: iso_date(r.observed_on),
        change: i.change,
        social_actor: i.social_actor,
        significance: i.significance,
        contribution: i.contribution,
        sources: r.sources,
        verification: r.verification,
        version: r.version,
        created_at: crate::api::rfc3339(r.created_at),
        updated_at: crate::api::rfc3339(r.updated_at),
    }
}

fn one(o: Outcome) -> OutcomeDto {
    dto(o.row.clone(), Some(&o))
}

/// A page of outcomes.
#[derive(Serialize, ToSchema)]
pub struct OutcomeList {
    items: Vec<OutcomeDto>,
    /// Outcomes in all.
    total: i64,
    page: i64,
}

/// Filters of the list.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct OutcomeParams {
    /// Only this country (two-letter code).
    country: Option<String>,
    /// Only this organisation.
    org: Option<Uuid>,
    /// Page (from 1; 50 per page).
    page: Option<i64>,
    /// Only this verification status.
    verification: Option<String>,
}

impl OutcomeParams {
    fn place(&self) -> PlaceParams {
        PlaceParams { country: self.country.clone(), org: self.org, page: self.page }
    }
}

/// Outcomes you may see, newest observation first.
#[utoipa::path(get, path = "/outcomes", tag = "work", params(OutcomeParams), responses((status = 200, body = OutcomeList)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<OutcomeParams>,
) -> Result<Json<OutcomeList>, AppError> {
    let f = OutcomeFilter {
        place: q.place().place()?,
        verification: q.verification.clone().filter(|v| !v.is_empty()),
        node: None,
    };
    let paging = q.place().paging();
    let listed = state.services.outcomes(&c.caller, &f, paging).await?;
    Ok(Json(OutcomeList {
        items: listed.items.into_iter().map(|r| dto(r, None)).collect(),
        total: listed.total,
        page: paging.page,
    }))
}

/// One outcome with its links.
#[utoipa::path(get, path = "/outcomes/{id}", tag = "work", params(("id" = Uuid, Path)), responses((status = 200, body = OutcomeDto), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<OutcomeDto>, AppError> {
    Ok(Json(one(state.services.outcome(&c.caller, id).await?)))
}

/// A new outcome.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOutcomeRequest {
    /// Chosen by the client, or made by the server.
    id: Option<Uuid>,
    org_id: Uuid,
    country: String,
    title: String,
    observed_on: String,
    change: String,
    social_actor: String,
    significance: String,
    contribution: String,
    #[serde(default)]
    sources: String,
    verification: String,
    #[serde(default)]
    results: Vec<ResultRef>,
    #[serde(default)]
    instruments: Vec<Uuid>,
    #[serde(default)]
    activities: Vec<Uuid>,
}

async fn node_ids(state: &AppState, refs: &[ResultRef]) -> Result<Vec<Uuid>, AppError> {
    let nodes = state.services.result_nodes().await?;
    refs.iter()
        .map(|r| {
            nodes.iter().find(|n| n.programme == r.programme && n.code == r.code).map(|n| n.id).ok_or_else(|| {
                AppError::from(Invalid::new(
                    "results",
                    format!("There is no goal or outcome “{}” in “{}”.", r.code, r.programme),
                ))
            })
        })
        .collect()
}

/// Record an outcome.
#[utoipa::path(post, path = "/outcomes", tag = "work", request_body = CreateOutcomeRequest, responses((status = 201, body = OutcomeDto), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    c: ApiCaller,
    ApiJson(r): ApiJson<CreateOutcomeRequest>,
) -> Result<(StatusCode, Json<OutcomeDto>), AppError> {
    let input = OutcomeInput {
        title: r.title,
        observed_on: r.observed_on,
        change: r.change,
        social_actor: r.social_actor,
        significance: r.significance,
        contribution: r.contribution,
        sources: r.sources,
        verification: r.verification,
    };
    let links = OutcomeLinks {
        nodes: node_ids(&state, &r.results).await?,
        instruments: r.instruments,
        activities: r.activities,
    };
    let id = r.id.unwrap_or_else(Uuid::new_v4);
    let o = state.services.create_outcome(&c.caller, id, OrgId(r.org_id), &r.country, &input, &links).await?;
    Ok((StatusCode::CREATED, Json(one(o))))
}

/// Changes to an outcome, based on the version you read; links given replace those of
/// their kind.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOutcomeRequest {
    version: i64,
    title: Option<String>,
    observed_on: Option<String>,
    change: Option<String>,
    social_actor: Option<String>,
    significance: Option<String>,
    contribution: Option<String>,
    sources: Option<String>,
    verification: Option<String>,
    results: Option<Vec<ResultRef>>,
    instruments: Option<Vec<Uuid>>,
    activities: Option<Vec<Uuid>>,
}

/// Change an outcome; a stale `version` gets 409 with the fields changed since.
#[utoipa::path(patch, path = "/outcomes/{id}", tag = "work", params(("id" = Uuid, Path)), request_body = UpdateOutcomeRequest, responses((status = 200, body = OutcomeDto), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<Uuid>,
    ApiJson(r): ApiJson<UpdateOutcomeRequest>,
) -> Result<Json<OutcomeDto>, AppError> {
    let cur = state.services.outcome(&c.caller, id).await?;
    let i = outcome_input(&cur.row);
    let input = OutcomeInput {
        title: r.title.unwrap_or(i.title),
        observed_on: r.observed_on.unwrap_or(i.observed_on),
        change: r.change.unwrap_or(i.change),
        social_actor: r.social_actor.unwrap_or(i.social_actor),
        significance: r.significance.unwrap_or(i.significance),
        contribution: r.contribution.unwrap_or(i.contribution),
        sources: r.sources.unwrap_or(i.sources),
        verification: r.verification.unwrap_or(i.verification),
    };
    let of = |k: LinkKind| cur.links.iter().filter(|l| l.kind == k).map(|l| l.id).collect::<Vec<_>>();
    let links = OutcomeLinks {
        nodes: match &r.results {
            Some(refs) => node_ids(&state, refs).await?,
            None => of(LinkKind::Node),
        },
        instruments: r.instruments.unwrap_or_else(|| of(LinkKind::Instrument)),
        activities: r.activities.unwrap_or_else(|| of(LinkKind::Activity)),
    };
    Ok(Json(one(state.services.update_outcome(&c.caller, id, r.version, &input, Some(&links)).await?)))
}
