//! The JSON API under `/api/v1`: Bearer tokens only, errors as
//! `{"errors":[{"field","detail"}]}`, described by the OpenAPI document at
//! `/api/v1/openapi.json`. Every route is registered through `OpenApiRouter`, so the
//! document covers every route by construction.

mod activities;
mod audit;
mod cases;
mod directory;
mod evidence;
mod iati;
mod me;
mod notifications;
mod orgs;
mod referrals;
mod results;
mod sheets;
mod stream;
pub mod sync;
mod sync_anchor;
mod sync_cases_down;
mod teams;
mod tokens;
mod totp;
mod users;
mod work;

use crate::error::AppError;
use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "dtz API", description = "The JSON API of dtz, the information system of the Down to Zero alliance."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorItem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Create a token with `dtz token create --email EMAIL` or on the account page."))
                    .build(),
            ),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::show))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::show, orgs::update))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::show, users::update))
        .routes(routes!(users::set_password))
        .routes(routes!(users::list_roles, users::create_role))
        .routes(routes!(users::delete_role))
        .routes(routes!(teams::list, teams::create))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::delete))
        .routes(routes!(audit::list))
        .routes(routes!(results::list))
        .routes(routes!(results::show))
        .routes(routes!(results::report, results::save))
        .routes(routes!(results::act))
        .routes(routes!(results::goals, results::save_goals))
        .routes(routes!(results::rollups))
        .routes(routes!(results::deadlines, results::set_deadline))
        .routes(routes!(totp::reset))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::done))
        .routes(routes!(cases::list, cases::create))
        .routes(routes!(cases::show, cases::update))
        .routes(routes!(cases::consent))
        .routes(routes!(cases::add_step))
        .routes(routes!(cases::add_goal))
        .routes(routes!(cases::add_note))
        .routes(routes!(cases::closure))
        .routes(routes!(cases::transfer))
        .routes(routes!(cases::decide_transfer))
        .routes(routes!(referrals::of_case, referrals::create))
        .routes(routes!(referrals::inbox))
        .routes(routes!(referrals::figures))
        .routes(routes!(referrals::show))
        .routes(routes!(referrals::step))
        .routes(routes!(referrals::follow_ups, referrals::plan))
        .routes(routes!(referrals::record))
        .merge(sheets::routes())
        .merge(work::routes())
        .routes(with_upload_limit(routes!(evidence::list, evidence::create)))
        .routes(routes!(evidence::show, evidence::delete))
        .routes(routes!(directory::list, directory::create))
        .routes(routes!(directory::show, directory::update, directory::delete))
        .routes(routes!(directory::availability))
        .routes(routes!(iati::show))
        .routes(routes!(iati::check))
        .routes(routes!(activities::list, activities::create))
        .routes(routes!(activities::show, activities::update, activities::delete))
        .routes(with_upload_limit(routes!(activities::files, activities::attach)))
        .routes(routes!(activities::file, activities::remove_file))
        .routes(with_upload_limit(routes!(activities::import)))
        .routes(routes!(activities::recompute))
        .merge(sync::routes())
        .merge(sync_anchor::routes())
        .merge(sync_cases_down::routes())
        .split_for_parts()
}

/// Routes that take file uploads get the larger body limit of uploads.
fn with_upload_limit(
    (schemas, paths, method): utoipa_axum::router::UtoipaMethodRouter<AppState>,
) -> utoipa_axum::router::UtoipaMethodRouter<AppState> {
    (schemas, paths, method.layer(axum::extract::DefaultBodyLimit::max(crate::upload::UPLOAD_BODY_LIMIT)))
}

/// The API router, nested under `/api/v1`, with the document and a JSON 404.
pub fn router() -> Router<AppState> {
    let (routes, doc) = parts();
    let doc = std::sync::Arc::new(doc);
    let api = routes
        .route(
            "/openapi.json",
            get(move || {
                let d = doc.clone();
                async move { Json((*d).clone()) }
            }),
        )
        .fallback(|| async { AppError::NotFound });
    Router::new().nest("/api/v1", api)
}

/// Parse an optional RFC 3339 time for the wire.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
