//! Imported IATI activities (`dtz import iati`): when each was imported, who published
//! it, its identifier and title, and a link to the programme its parent activity made.
//! Who sees which activity follows the results-reading rules of programmes
//! (`Services::imported_iati_list`); a reader with no results scope, or asking for a
//! programme whose activities they may not see, gets a 404. `?programme=CODE` narrows
//! the list, so a view can be bookmarked.

use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

/// Which programme's activities.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ImportsQuery {
    #[serde(default)]
    programme: Option<String>,
}

struct ActivityRow {
    imported: String,
    publisher: String,
    publisher_ref: String,
    identifier: String,
    title: String,
    programme: String,
    parent: bool,
    countries: String,
}

#[derive(Template)]
#[template(path = "results/iati_imports.html")]
struct ImportsPage {
    page: Page,
    programme: String,
    rows: Vec<ActivityRow>,
}

async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<ImportsQuery>,
) -> Result<Response, AppError> {
    let programme = q.programme.filter(|p| !p.trim().is_empty());
    let found = state.services.imported_iati_list(&user.caller, programme.as_deref()).await?;
    let page = Page::signed_in(&state, &user, "iati-imports-title", "/results").await;
    let rows = found
        .into_iter()
        .map(|a| ActivityRow {
            parent: a.programme_is_own(),
            imported: page.tr.datetime(a.imported_at),
            publisher: a.publisher.or(a.publisher_ref.clone()).unwrap_or_default(),
            publisher_ref: a.publisher_ref.unwrap_or_default(),
            identifier: a.identifier,
            title: a.title,
            programme: a.programme,
            countries: a.countries.join(", "),
        })
        .collect();
    Ok(render(&ImportsPage { page, programme: programme.unwrap_or_default(), rows }))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/results/iati-imports", get(list))
}
