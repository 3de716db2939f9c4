//! Body extractors whose every rejection is a clear [`AppError`]: malformed JSON or form
//! data, invalid UTF-8 and oversized bodies are 400 or 413 with a message, never a panic.

use crate::error::AppError;
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// JSON body for the API.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> AppError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::TooLarge;
    }
    match r {
        JsonRejection::MissingJsonContentType(_) => {
            AppError::BadRequest("Send the body as JSON with Content-Type: application/json.".into())
        }
        JsonRejection::JsonSyntaxError(e) => {
            AppError::BadRequest(format!("The body is not valid JSON: {}", e.body_text()))
        }
        JsonRejection::JsonDataError(e) => {
            AppError::BadRequest(format!("The JSON does not have the expected fields: {}", e.body_text()))
        }
        other => AppError::BadRequest(format!("The body could not be read: {}", other.body_text())),
    }
}

/// Form body for pages.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(r) => Err(form_rejection(r)),
        }
    }
}

fn form_rejection(r: FormRejection) -> AppError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::TooLarge;
    }
    AppError::BadRequest(format!("The form data could not be read: {}", r.body_text()))
}

/// Query string.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> AppError {
    AppError::BadRequest(format!("The query string could not be read: {}", r.body_text()))
}

/// A path parameter that must be a UUID; anything else is a 404, like an unknown id.
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: From<uuid::Uuid> + Send> FromRequestParts<S> for IdPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<uuid::Uuid>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(IdPath(T::from(id))),
            Err(_) => Err(AppError::NotFound),
        }
    }
}
