//! Use cases of dtz. Each public function is one use case: it checks who may do it,
//! runs in one transaction, and appends its audit event as the transaction's last step.
//! Handlers and CLI commands call these; nothing else writes.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod config;
pub mod demo;
pub mod directory;
pub mod error;
pub mod finance;
pub mod framework;
pub mod goals;
pub mod iati;
pub mod keys;
pub mod monitoring;
pub mod notify;
pub mod orgs;
pub mod passwords;
pub mod programmes;
pub mod read_audit;
pub mod referrals;
pub mod results;
pub mod retention;
pub mod signals;
pub mod sync;
pub mod totp;
pub mod values;
pub mod work;

use dtz_domain::Clock;
use dtz_domain::access::{Actor, Area, Scope};
use dtz_domain::change::Change;
use dtz_domain::ids::{OrgId, UserId};
use dtz_store::audit::NewEvent;
use dtz_store::{Db, Keys, Tx};
use std::sync::Arc;

pub use error::ServiceError;
pub use passwords::Passwords;

/// Result of a use case.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Who asks: a signed-in user, or the operator at the command line (who may do
/// anything, and is recorded in the audit as the system).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The operator running a `dtz` command on the server.
    System,
    /// A signed-in user.
    User(Actor),
}

impl Caller {
    /// The caller's scope in an area.
    pub fn scope(&self, area: Area) -> Scope {
        match self {
            Caller::System => Scope::all(),
            Caller::User(a) => a.scope(area),
        }
    }

    /// The acting user, if any.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Caller::System => None,
            Caller::User(a) => Some(a.user),
        }
    }

    /// The acting user's organisation, if any.
    pub fn org(&self) -> Option<OrgId> {
        match self {
            Caller::System => None,
            Caller::User(a) => Some(a.org),
        }
    }

    /// Whether the caller may administer the whole system.
    pub fn is_system_admin(&self) -> bool {
        match self {
            Caller::System => true,
            Caller::User(a) => a.is_system_admin(),
        }
    }

    /// Whether the caller administers an organisation.
    pub fn administers(&self, org: OrgId) -> bool {
        match self {
            Caller::System => true,
            Caller::User(a) => a.administers(org),
        }
    }

    /// An audit event for a change made by this caller.
    pub fn event(&self, action: &str, change: &Change, org: Option<OrgId>) -> NewEvent {
        NewEvent {
            actor_user: self.user(),
            actor_org: self.org(),
            action: action.to_owned(),
            entity: change.entity.to_owned(),
            entity_id: Some(change.id),
            entity_version: Some(change.new_version()),
            fields: change.field_names(),
            org,
        }
    }
}

/// Settings of the services.
#[derive(Clone, Debug)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub session_idle: time::Duration,
    /// A session ends this long after sign-in, whatever happens.
    pub session_absolute: time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self { session_idle: time::Duration::hours(2), session_absolute: time::Duration::hours(12) }
    }
}

/// Everything a use case needs: the database, the keys, the clock, the password hasher.
#[derive(Clone, Debug)]
pub struct Services {
    /// The database.
    pub db: Db,
    /// The key file.
    pub keys: Arc<Keys>,
    /// The one clock.
    pub clock: Arc<dyn Clock>,
    /// Password hashing, bounded.
    pub passwords: Passwords,
    /// Settings.
    pub settings: Settings,
    /// Approved figures remembered (see `results::memo`).
    pub rollups: results::memo::RollupMemo,
    /// Audit events of reads waiting for their group's commit (see `read_audit`).
    pub read_audit: read_audit::ReadAudit,
    /// A field node's device key while unlocked (see `sync::keyring`).
    pub node_key: sync::keyring::NodeKeySlot,
}

impl Services {
    /// Append the audit events and commit: the last step of every use case.
    pub async fn finish(&self, tx: Tx, events: &[NewEvent]) -> Result<i64> {
        self.finish_as(tx, events, false).await
    }

    /// `finish`, saying whether the write queued its sync operation (`finish_synced`): on a
    /// node, case work that did not is refused (`sync::caseflow`).
    pub(crate) async fn finish_as(&self, mut tx: Tx, events: &[NewEvent], queued: bool) -> Result<i64> {
        self.node_lease_guard(&mut tx, events).await?;
        self.node_case_guard(&mut tx, events, queued).await?;
        let seq = dtz_store::audit::append(&mut tx, &self.keys.audit, self.clock.now(), events).await?;
        tx.commit().await?;
        Ok(seq)
    }
}
