//! Which roles must use a second factor: a system setting, edited by system
//! administrators. Default: none (the demo runs without TOTP).

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Actor, Role};
use dtz_store::audit::NewEvent;
use dtz_store::settings;

/// Settings key of the roles that must use a second factor (JSON array of role names).
pub const REQUIRED_ROLES_KEY: &str = "totp.required_roles";

/// The roles that must use a second factor, with the setting's version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredRoles {
    /// The roles.
    pub roles: Vec<Role>,
    /// Version of the setting (0: never set); send it back when changing.
    pub version: i64,
}

impl RequiredRoles {
    /// Read from the setting's value and version (none: never set).
    pub fn of_setting(setting: Option<(String, i64)>) -> Self {
        let Some((value, version)) = setting else { return Self::default() };
        let names: Vec<String> = serde_json::from_str(&value).unwrap_or_default();
        let mut roles: Vec<Role> = names.iter().filter_map(|n| Role::parse("role", n).ok()).collect();
        roles.sort();
        roles.dedup();
        Self { roles, version }
    }

    /// Whether an actor holds a role that must use a second factor.
    pub fn applies_to(&self, actor: &Actor) -> bool {
        actor.roles.iter().any(|r| self.roles.contains(&r.role))
    }
}

impl Services {
    /// The roles that must use a second factor. Unknown names in the stored value are
    /// skipped, so a role renamed later cannot make the setting unreadable.
    pub async fn totp_required_roles(&self) -> Result<RequiredRoles> {
        let row = settings::get(&self.db, REQUIRED_ROLES_KEY).await?;
        Ok(RequiredRoles::of_setting(row.map(|r| (r.value, r.version))))
    }

    /// Whether this actor must use a second factor.
    pub async fn totp_required(&self, actor: &Actor) -> Result<bool> {
        Ok(self.totp_required_roles().await?.applies_to(actor))
    }

    /// Set the roles that must use a second factor (system administrators only). A stale
    /// `base_version` is refused. Returns the new version.
    pub async fn set_totp_required_roles(&self, caller: &Caller, roles: &[Role], base_version: i64) -> Result<i64> {
        if !caller.is_system_admin() {
            return Err(ServiceError::Forbidden);
        }
        let mut names: Vec<&str> = Role::ALL.iter().filter(|r| roles.contains(r)).map(|r| r.as_str()).collect();
        names.dedup();
        let value = serde_json::to_string(&names).map_err(|e| dtz_store::StoreError::Config(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        let version = settings::put(&mut tx, REQUIRED_ROLES_KEY, &value, base_version, self.clock.now()).await?;
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "setting.update".into(),
            entity: "setting".into(),
            entity_id: None,
            entity_version: Some(version),
            fields: vec![REQUIRED_ROLES_KEY.into()],
            org: None,
        };
        self.finish(tx, &[ev]).await?;
        Ok(version)
    }
}
