//! The HTTP transport of `dtz node sync`: push and pull against the hub's `/api/v1/sync/*`
//! with the device token.

use super::http;
use dtz_domain::sync::protocol::{OpResult, PullScope, PushedOp};
use dtz_services::sync::exchange::{SyncFailure, Transport};
use dtz_services::sync::pull::PullAnswer;
use hyper::{Method, StatusCode};

pub struct Hub {
    pub url: url::Url,
    pub token: String,
}

fn failed(a: &http::Answer) -> SyncFailure {
    if a.status == StatusCode::FORBIDDEN {
        SyncFailure::Revoked
    } else {
        SyncFailure::Unreachable(format!("{}: {}", a.status, a.errors()))
    }
}

impl Transport for Hub {
    async fn push(&self, ops: &[PushedOp]) -> Result<Vec<OpResult>, SyncFailure> {
        let body = serde_json::json!({ "operations": ops });
        let a = http::call(&self.url, Method::POST, "/sync/push", Some(&self.token), Some(&body))
            .await
            .map_err(|e| SyncFailure::Unreachable(format!("{e:#}")))?;
        if a.status != StatusCode::OK {
            return Err(failed(&a));
        }
        serde_json::from_value(a.body["results"].clone()).map_err(|e| SyncFailure::Unreachable(format!("answer: {e}")))
    }

    async fn pull(&self, scope: PullScope, cursor: i64) -> Result<PullAnswer, SyncFailure> {
        let path = format!("/sync/pull?scope={}&cursor={cursor}", scope.as_str());
        let a = http::call(&self.url, Method::GET, &path, Some(&self.token), None)
            .await
            .map_err(|e| SyncFailure::Unreachable(format!("{e:#}")))?;
        if a.status != StatusCode::OK {
            return Err(failed(&a));
        }
        serde_json::from_value(a.body).map_err(|e| SyncFailure::Unreachable(format!("answer: {e}")))
    }

    async fn ack_evictions(&self, cases: &[uuid::Uuid]) -> Result<(), SyncFailure> {
        let body = serde_json::json!({ "cases": cases });
        let a = http::call(&self.url, Method::POST, "/sync/evictions", Some(&self.token), Some(&body))
            .await
            .map_err(|e| SyncFailure::Unreachable(format!("{e:#}")))?;
        if a.status != StatusCode::OK {
            return Err(failed(&a));
        }
        Ok(())
    }
}
