//! Per-country settings and vocabularies (system administrators).

use crate::state::AppState;
use axum::Router;

/// Routes of this part of the administration.
pub fn router() -> Router<AppState> {
    Router::new()
}
