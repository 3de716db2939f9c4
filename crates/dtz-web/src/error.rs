//! The one error policy of the HTTP layer. Every failure becomes an [`AppError`]; under
//! `/api` it renders as `{"errors":[{"field","detail"}]}`, on pages as an HTML page in
//! the reader's language (see `pages::render_errors`). A 5xx logs its cause chain once,
//! here, with a request id the client also sees; the client gets no internal detail.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dtz_domain::validate::{Invalid, Violations};
use dtz_services::ServiceError;
use serde::Serialize;

/// What went wrong, in the terms of HTTP.
#[derive(Debug, Clone)]
pub enum AppError {
    /// 401: sign in (pages redirect to the sign-in page).
    Unauthorized,
    /// 403: signed in, but not allowed.
    Forbidden,
    /// 404: no such thing, or not in the caller's scope.
    NotFound,
    /// 409: changed since the caller's version.
    Conflict {
        /// Version now stored.
        current: i64,
        /// Fields changed since the caller's version.
        changed: Vec<String>,
    },
    /// 400/422: what is wrong with the input, field by field.
    Validation(Vec<Invalid>),
    /// 400: the request could not be read at all (bad JSON, bad form, bad UTF-8).
    BadRequest(String),
    /// 413: body too large.
    TooLarge,
    /// 429: too many attempts; try again later.
    TooMany,
    /// 503: busy, try again.
    Busy,
    /// 500: our fault; logged with this request id.
    Internal(String),
}

/// One entry of the JSON error list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    /// The field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and what to do.
    pub detail: String,
}

/// The JSON error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Every problem found.
    pub errors: Vec<ErrorItem>,
    /// On 409: the version now stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// On 409: fields changed since the caller's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_fields: Option<Vec<String>>,
}

impl AppError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The English message for the API (pages translate by kind instead).
    pub fn items(&self) -> Vec<ErrorItem> {
        let one = |d: &str| vec![ErrorItem { field: None, detail: d.to_owned() }];
        match self {
            AppError::Unauthorized => one("Sign in: send Authorization: Bearer <token>."),
            AppError::Forbidden => one("You are not allowed to do this."),
            AppError::NotFound => one("Not found."),
            AppError::Conflict { .. } => vec![ErrorItem {
                field: Some("version".into()),
                detail: "Someone changed this record since you read it. Read it again, check the changed fields, and resend.".into(),
            }],
            AppError::Validation(v) => v
                .iter()
                .map(|i| ErrorItem { field: Some(i.field.clone()), detail: i.message.clone() })
                .collect(),
            AppError::BadRequest(m) => one(m),
            AppError::TooLarge => one("The request body is too large."),
            AppError::TooMany => one("Too many attempts. Wait a few minutes and try again."),
            AppError::Busy => one("The server is busy. Try again in a moment."),
            AppError::Internal(id) => one(&format!("Something went wrong on our side. Quote request id {id} when you report it.")),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        let (current_version, changed_fields) = match self {
            AppError::Conflict { current, changed } => (Some(*current), Some(changed.clone())),
            _ => (None, None),
        };
        ErrorBody { errors: self.items(), current_version, changed_fields }
    }

    /// A 500 for an unexpected error: log the whole chain once, answer with an id.
    pub fn internal(e: &(dyn std::error::Error + 'static)) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let mut chain = e.to_string();
        let mut src = e.source();
        while let Some(s) = src {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            src = s.source();
        }
        tracing::error!(request_id = %id, error = %chain, "internal error");
        AppError::Internal(id)
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(Violations(v)) => AppError::Validation(v),
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Unauthenticated => AppError::Unauthorized,
            ServiceError::Stale { current, changed, .. } => AppError::Conflict { current, changed },
            ServiceError::Busy => AppError::Busy,
            ServiceError::Store(s) => AppError::internal(&s),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(i: Invalid) -> Self {
        AppError::Validation(vec![i])
    }
}

/// Marks an error response so the pages layer can render it as HTML.
#[derive(Clone, Debug)]
pub struct ErrorMarker(pub AppError);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut r = (self.status(), Json(self.body())).into_response();
        if let AppError::TooMany = self {
            r.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("60"));
        }
        r.extensions_mut().insert(ErrorMarker(self));
        r
    }
}
