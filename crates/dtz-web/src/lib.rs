//! The HTTP face of dtz: HTML pages for people and the JSON API for programs, on one
//! axum router.

pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod mail;
pub mod pages;
pub mod security;
pub mod sheets;
pub mod state;
pub mod throttle;
pub mod upload;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
pub use state::{AppState, WebConfig};
use tower_http::catch_panic::CatchPanicLayer;

/// Largest request body accepted (forms and JSON; file uploads get their own limit).
pub const BODY_LIMIT: usize = 256 * 1024;

async fn healthz(State(state): State<AppState>) -> StatusCode {
    match state.services.db.ping().await {
        Ok(()) => StatusCode::OK,
        Err(e) => {
            tracing::warn!(error = %e, "health check: database does not answer");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Answer with the number of statements the request ran, in `x-dtz-queries`.
async fn count_queries(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let (mut res, n) = dtz_store::counting::count(next.run(req)).await;
    res.headers_mut().insert("x-dtz-queries", n.into());
    res
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("a handler panicked");
    error::AppError::Internal("panic".into()).into_response()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let app = Router::new().route("/healthz", get(healthz)).merge(api::router()).merge(pages::router());
    // `bench/run` counts the statements each page runs (header `x-dtz-queries`).
    let app = if std::env::var_os("DTZ_COUNT_QUERIES").is_some_and(|v| v == "1") {
        app.layer(axum::middleware::from_fn(count_queries))
    } else {
        app
    };
    app.layer(axum::middleware::from_fn(security::same_origin))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}
