//! Browsing and verifying the audit chain.

use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_store::audit::{self, Event, EventFilter, SignedHead, Verified};

impl Services {
    /// Events in the caller's scope, newest first.
    pub async fn audit_events(&self, caller: &Caller, f: &EventFilter) -> Result<Vec<Event>> {
        Ok(audit::list(&self.db, &caller.scope(Area::Audit), f).await?)
    }

    /// Verify the whole chain.
    pub async fn verify_audit(&self) -> Result<Verified> {
        Ok(audit::verify(&self.db, &self.keys.audit).await?)
    }

    /// The current head, signed.
    pub async fn signed_head(&self) -> Result<SignedHead> {
        let h = audit::head(&self.db).await?;
        Ok(audit::sign_head(&self.keys.sign, &h, self.clock.now()))
    }

    /// Check an exported head against the chain.
    pub async fn check_head(&self, s: &SignedHead) -> Result<()> {
        Ok(audit::check_signed_head(&self.db, &self.keys.sign, s).await?)
    }
}
