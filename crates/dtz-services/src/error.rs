//! What a use case can answer instead of success.

use dtz_domain::validate::{Invalid, Violations};
use dtz_store::StoreError;

/// Errors of use cases; the HTTP layer maps each to one status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is wrong; every problem is listed.
    #[error("invalid input: {0}")]
    Invalid(Violations),
    /// No such record in the caller's scope (the same answer whether it exists or not).
    #[error("not found")]
    NotFound,
    /// The caller may see this but not do that.
    #[error("not allowed")]
    Forbidden,
    /// Not signed in, or the credentials are wrong.
    #[error("not signed in")]
    Unauthenticated,
    /// Someone changed the record since the caller's version.
    #[error("the record changed since version {base}; it is now at version {current}")]
    Stale {
        /// The caller's version.
        base: i64,
        /// The version now.
        current: i64,
        /// Fields changed since the caller's version.
        changed: Vec<String>,
    },
    /// Busy: try again.
    #[error("busy; try again")]
    Busy,
    /// Anything else the store reported.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Busy => ServiceError::Busy,
            StoreError::Stale { base, current } => ServiceError::Stale { base, current, changed: Vec::new() },
            other => ServiceError::Store(other),
        }
    }
}

impl From<Violations> for ServiceError {
    fn from(v: Violations) -> Self {
        ServiceError::Invalid(v)
    }
}

impl From<Invalid> for ServiceError {
    fn from(i: Invalid) -> Self {
        ServiceError::Invalid(i.into())
    }
}

/// A unique-constraint refusal as a field error people can act on.
pub fn duplicate(e: StoreError, field: &str, message: &str) -> ServiceError {
    match e {
        StoreError::Duplicate(_) => Invalid::new(field, message).into(),
        other => other.into(),
    }
}
