//! Organisations.

use crate::error::duplicate;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::org::OrgFields;
use dtz_store::StoreError;
use dtz_store::orgs::{self, OrgRow};

const DUPLICATE: &str = "Another organisation already has this name or IATI identifier.";

fn dup(e: StoreError) -> ServiceError {
    let field = match &e {
        StoreError::Duplicate(c) if c.contains("iati") => "iati_id",
        _ => "name",
    };
    duplicate(e, field, DUPLICATE)
}

impl Services {
    /// Create an organisation (system administrators), with its own key-encryption key.
    pub async fn create_org(&self, caller: &Caller, id: OrgId, f: OrgFields) -> Result<OrgRow> {
        self.refuse_reference_edit(caller).await?;
        if !caller.is_system_admin() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        orgs::insert(&mut tx, &self.keys, id, &f, now).await.map_err(dup)?;
        let change = Change::create("organisation", id.0, &f);
        self.finish(tx, &[caller.event("organisation.create", &change, Some(id))]).await?;
        Ok(orgs::get(&self.db, &caller.scope(Area::Directory), id).await?)
    }

    /// Change an organisation's fields, based on the version the caller saw.
    pub async fn update_org(&self, caller: &Caller, id: OrgId, base_version: i64, f: OrgFields) -> Result<OrgRow> {
        self.refuse_reference_edit(caller).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let before = orgs::get_for_update(&mut tx, &caller.scope(Area::Directory), id).await?;
        if !caller.administers(id) {
            return Err(ServiceError::Forbidden);
        }
        let change = Change::update("organisation", id.0, base_version, &before.fields(), &f);
        match orgs::update(&mut tx, id, base_version, &f, now).await {
            Ok(_) => {}
            Err(StoreError::Stale { base, current }) => {
                drop(tx);
                return Err(self.stale(id.0, base, current).await);
            }
            Err(e) => return Err(dup(e)),
        }
        self.finish(tx, &[caller.event("organisation.update", &change, Some(id))]).await?;
        Ok(orgs::get(&self.db, &caller.scope(Area::Directory), id).await?)
    }

    /// One organisation.
    pub async fn org(&self, caller: &Caller, id: OrgId) -> Result<OrgRow> {
        Ok(orgs::get(&self.db, &caller.scope(Area::Directory), id).await?)
    }

    /// All organisations the caller may see.
    pub async fn orgs(&self, caller: &Caller) -> Result<Vec<OrgRow>> {
        Ok(orgs::list(&self.db, &caller.scope(Area::Directory)).await?)
    }

    /// A store write's outcome as a use case's: a stale version becomes the 409 answer
    /// with the fields changed since; anything else passes through.
    pub async fn written<T>(&self, r: dtz_store::Result<T>, id: uuid::Uuid) -> Result<T> {
        match r {
            Err(StoreError::Stale { base, current }) => Err(self.stale(id, base, current).await),
            other => other.map_err(ServiceError::from),
        }
    }

    /// The 409 answer: which fields moved since the caller's version.
    pub async fn stale(&self, id: uuid::Uuid, base: i64, current: i64) -> ServiceError {
        let changed = dtz_store::audit::fields_changed_since(&self.db, id, base).await.unwrap_or_default();
        ServiceError::Stale { base, current, changed }
    }
}
