//! The caller's own notifications. Nobody reads or changes anyone else's: another
//! person's notification is a 404, like one that does not exist.

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{IdPath, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dtz_domain::notify::NotificationId;
use dtz_services::notify::Notification;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A notification: what kind of thing, where to act on it, and ids, counts or codes —
/// never case content.
#[derive(Serialize, ToSchema)]
pub struct NotificationResponse {
    id: Uuid,
    /// `new_referral`, `referral_overdue`, `value_returned`, `approval_pending`,
    /// `deadline_near`, or a kind added later.
    kind: String,
    /// Path within dtz of the page to act on it.
    link: String,
    /// Ids, counts and codes by name.
    #[schema(value_type = Object)]
    params: serde_json::Value,
    created_at: String,
    /// When you marked it done; absent while it is open.
    done_at: Option<String>,
    /// Its e-mail: `pending`, `sent`, `failed` or `not_wanted`.
    email: String,
}

impl From<Notification> for NotificationResponse {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id.0,
            kind: n.kind.map_or("unknown", |k| k.as_str()).to_owned(),
            link: n.link,
            params: serde_json::to_value(&n.params).unwrap_or_default(),
            created_at: super::rfc3339(n.created_at),
            done_at: n.done_at.map(super::rfc3339),
            email: n.mail.as_str().to_owned(),
        }
    }
}

/// A page of notifications.
#[derive(Serialize, ToSchema)]
pub struct NotificationListResponse {
    /// Newest first.
    items: Vec<NotificationResponse>,
    /// How many match in all.
    total: i64,
}

/// Which notifications.
#[derive(Deserialize, IntoParams)]
pub struct NotificationQuery {
    /// Also those marked done (default: open ones only).
    include_done: Option<bool>,
    /// At most this many (default 50, at most 200).
    limit: Option<i64>,
    /// Skip this many (paging).
    offset: Option<i64>,
}

/// Your notifications, newest first.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(NotificationQuery), responses((status = 200, body = NotificationListResponse)))]
pub async fn list(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<NotificationListResponse>, AppError> {
    let page = state
        .services
        .notifications(&c.caller, q.include_done.unwrap_or(false), q.limit.unwrap_or(50), q.offset.unwrap_or(0))
        .await?;
    Ok(Json(NotificationListResponse { items: page.items.into_iter().map(Into::into).collect(), total: page.total }))
}

/// Mark one of your notifications done (again: no change).
#[utoipa::path(post, path = "/notifications/{id}/done", tag = "notifications", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn done(
    State(state): State<AppState>,
    c: ApiCaller,
    IdPath(id): IdPath<NotificationId>,
) -> Result<StatusCode, AppError> {
    state.services.notification_done(&c.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
