//! The in-process transport between a node and the hub's router: perfect, or lossy with a
//! seeded RNG — it drops requests, loses answers after the hub committed, duplicates and
//! delays (so reorders) pushes. Every pull answer is kept so tests can check what reached
//! the node.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use dtz_domain::sync::protocol::{OpResult, PullScope, PushedOp};
use dtz_services::sync::exchange::{SyncFailure, Transport};
use dtz_services::sync::pull::PullAnswer;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use std::cell::RefCell;

pub struct Link<'a> {
    app: &'a TestApp,
    token: String,
    rng: Option<RefCell<StdRng>>,
    delayed: RefCell<Vec<Vec<PushedOp>>>,
    pub pulled: RefCell<Vec<PullAnswer>>,
}

impl<'a> Link<'a> {
    pub fn perfect(app: &'a TestApp, token: &str) -> Self {
        Self { app, token: token.into(), rng: None, delayed: RefCell::default(), pulled: RefCell::default() }
    }

    pub fn lossy(app: &'a TestApp, token: &str, seed: u64) -> Self {
        Self { rng: Some(RefCell::new(StdRng::seed_from_u64(seed))), ..Self::perfect(app, token) }
    }

    fn roll(&self, percent: u32) -> bool {
        self.rng.as_ref().is_some_and(|r| r.borrow_mut().random_range(0..100) < percent)
    }

    async fn send(&self, ops: &[PushedOp]) -> Result<Vec<OpResult>, SyncFailure> {
        let r = self.app.api(Method::POST, "/sync/push", Some(&self.token), Some(json!({ "operations": ops }))).await;
        match r.status {
            StatusCode::OK => Ok(serde_json::from_value(r.json()["results"].clone()).expect("results")),
            StatusCode::FORBIDDEN => Err(SyncFailure::Revoked),
            s => Err(SyncFailure::Unreachable(format!("{s}: {}", r.text()))),
        }
    }
}

impl Transport for Link<'_> {
    async fn push(&self, ops: &[PushedOp]) -> Result<Vec<OpResult>, SyncFailure> {
        // An older request, held up in the network, arrives first now and then.
        if self.roll(50) {
            let late = self.delayed.borrow_mut().pop();
            if let Some(late) = late {
                let _ = self.send(&late).await;
            }
        }
        if self.roll(10) {
            self.delayed.borrow_mut().push(ops.to_vec());
            return Err(SyncFailure::Unreachable("delayed".into()));
        }
        if self.roll(15) {
            return Err(SyncFailure::Unreachable("dropped".into()));
        }
        let answer = self.send(ops).await?;
        if self.roll(10) {
            let again = self.send(ops).await?;
            assert_eq!(again, answer, "a duplicate gets the same answer");
        }
        if self.roll(10) {
            return Err(SyncFailure::Unreachable("answer lost after commit".into()));
        }
        Ok(answer)
    }

    async fn pull(&self, scope: PullScope, cursor: i64) -> Result<PullAnswer, SyncFailure> {
        if self.roll(10) {
            return Err(SyncFailure::Unreachable("dropped".into()));
        }
        let path = format!("/sync/pull?scope={}&cursor={cursor}", scope.as_str());
        let r = self.app.api(Method::GET, &path, Some(&self.token), None).await;
        let answer: PullAnswer = match r.status {
            StatusCode::OK => serde_json::from_slice(&r.body).expect("pull answer"),
            StatusCode::FORBIDDEN => return Err(SyncFailure::Revoked),
            s => return Err(SyncFailure::Unreachable(format!("{s}: {}", r.text()))),
        };
        self.pulled.borrow_mut().push(answer.clone());
        if self.roll(10) {
            return Err(SyncFailure::Unreachable("answer lost".into()));
        }
        Ok(answer)
    }

    async fn ack_evictions(&self, cases: &[uuid::Uuid]) -> Result<(), SyncFailure> {
        if self.roll(10) {
            return Err(SyncFailure::Unreachable("dropped".into()));
        }
        let r = self.app.api(Method::POST, "/sync/evictions", Some(&self.token), Some(json!({ "cases": cases }))).await;
        match r.status {
            StatusCode::OK => Ok(()),
            StatusCode::FORBIDDEN => Err(SyncFailure::Revoked),
            s => Err(SyncFailure::Unreachable(format!("{s}: {}", r.text()))),
        }
    }
}
