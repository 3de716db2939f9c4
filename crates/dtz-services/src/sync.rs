//! Field nodes on the hub (issue 9): enrolment codes, enrolment (a signed device grant),
//! the devices list, revocation and wipe orders. The node's side is in [`node`]; the
//! keys in [`signing`].

pub mod anchor;
pub mod caseflow;
pub mod conflicts;
pub mod exchange;
pub mod keyring;
pub mod node;
pub mod outbox;
pub mod pull;
pub mod pull_cases;
pub mod push;
pub mod push_cases;
pub mod quarantine;
pub mod reference;
pub mod rekey;
pub mod signing;

use crate::auth::{digest, random_secret};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::sync::{
    DEFAULT_LEASE_DAYS, DeviceGrant, DeviceId, ENROLMENT_CODE_HOURS, EnrolmentId, SyncArea, device_allocator,
};
use dtz_domain::validate::{self, Invalid};
use dtz_store::audit::NewEvent;
use dtz_store::sync::{self as store, DeviceRow, NewDevice};
use dtz_store::users;
use signing::SigningKey;
use time::{Duration, OffsetDateTime};

/// Prefix of enrolment codes.
pub const CODE_PREFIX: &str = "dtze_";
/// Prefix of device sync tokens.
pub const TOKEN_PREFIX: &str = "dtzd_";

/// What a laptop sends to enrol.
#[derive(Clone, Debug)]
pub struct EnrolRequest {
    /// The one-time code.
    pub code: String,
    /// A name for the device, shown to administrators.
    pub name: String,
    /// The device's Ed25519 public key.
    pub public_key: Vec<u8>,
}

/// What the hub answers to an enrolment: the grant and what the node needs to sync.
#[derive(Clone, Debug)]
pub struct Enrolled {
    /// The signed grant.
    pub grant: DeviceGrant,
    /// The hub's signature over `grant.signing_bytes()`.
    pub grant_sig: Vec<u8>,
    /// The hub's public key, to check grants with.
    pub hub_public_key: Vec<u8>,
    /// The device's sync token, shown only now.
    pub token: String,
}

/// A device's standing at a contact.
#[derive(Clone, Debug)]
pub struct Standing {
    /// The device.
    pub device: DeviceRow,
    /// A renewed grant and its signature, when the device is live.
    pub grant: Option<(DeviceGrant, Vec<u8>)>,
    /// The hub wants the device's data wiped.
    pub wipe: bool,
}

fn event(caller: &Caller, action: &str, id: uuid::Uuid, version: i64, fields: &[&str], org: OrgId) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: "device".into(),
        entity_id: Some(id),
        entity_version: Some(version),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(org),
    }
}

fn areas_of(row: &DeviceRow) -> Vec<SyncArea> {
    serde_json::from_str::<Vec<String>>(&row.areas)
        .unwrap_or_default()
        .iter()
        .filter_map(|a| SyncArea::parse(a))
        .collect()
}

impl Services {
    /// An administrator of the user's organisation makes a one-time enrolment code for
    /// the user (shown once; valid for `ENROLMENT_CODE_HOURS`).
    pub async fn create_enrolment(&self, caller: &Caller, user: UserId) -> Result<(String, OffsetDateTime)> {
        let target = users::get(&self.db, &caller.scope(Area::Users), user).await?;
        if !caller.administers(OrgId(target.org_id)) {
            return Err(ServiceError::Forbidden);
        }
        if target.disabled {
            return Err(Invalid::new("user", "The user is disabled.").into());
        }
        let code = random_secret(CODE_PREFIX)?;
        let id = EnrolmentId::new();
        let now = self.clock.now();
        let expires = now + Duration::hours(ENROLMENT_CODE_HOURS);
        let mut tx = self.db.begin().await?;
        store::insert_enrolment(&mut tx, id, user, &digest(&code), caller.user(), now, expires).await?;
        let mut ev =
            event(caller, "device.enrolment.create", id.0, 1, &["user_id", "expires_at"], OrgId(target.org_id));
        ev.entity = "node_enrolment".into();
        self.finish(tx, &[ev]).await?;
        Ok((code, expires))
    }

    /// A laptop enrols with a code: the code is used up, the device stored with its public
    /// key and a new allocator, and a grant signed for it. Unknown, used and expired codes
    /// get the same answer.
    pub async fn enrol_device(&self, req: &EnrolRequest) -> Result<Enrolled> {
        let name = validate::text("name", &req.name, 100)?;
        if req.public_key.len() != 32 {
            return Err(Invalid::new("public_key", "The public key is not valid.").into());
        }
        let now = self.clock.now();
        let token = random_secret(TOKEN_PREFIX)?;
        let mut tx = self.db.begin().await?;
        let Some((enrolment, user_id)) = store::claim_enrolment(&mut tx, &digest(req.code.trim()), now).await? else {
            return Err(Invalid::new("code", "This enrolment code is not valid (unknown, used or expired).").into());
        };
        let user = users::get_in(&mut tx, &Scope::all(), UserId(user_id)).await?;
        if user.disabled {
            return Err(Invalid::new("code", "This enrolment code is not valid (unknown, used or expired).").into());
        }
        let allocator = device_allocator(store::device_count(&mut tx).await? + 1)?;
        let id = DeviceId::new();
        let areas: Vec<&str> = SyncArea::ALL.iter().map(|a| a.as_str()).collect();
        let areas_json = serde_json::to_string(&areas).unwrap_or_default();
        let lease_until = now + Duration::days(DEFAULT_LEASE_DAYS);
        let device = NewDevice {
            id,
            user: UserId(user.id),
            org: OrgId(user.org_id),
            name: &name,
            public_key: &req.public_key,
            token_hash: &digest(&token),
            allocator: allocator.as_str(),
            areas: &areas_json,
            lease_days: DEFAULT_LEASE_DAYS,
            lease_until,
        };
        store::insert_device(&mut tx, &device, now).await?;
        store::link_enrolment(&mut tx, enrolment, id).await?;
        let actor = Caller::User(self.actor(&user).await?);
        let fields = ["name", "public_key", "allocator", "areas", "lease_until"];
        self.finish(tx, &[event(&actor, "device.enroll", id.0, 1, &fields, OrgId(user.org_id))]).await?;
        let grant = DeviceGrant {
            format: 1,
            device: id,
            user: UserId(user.id),
            org: OrgId(user.org_id),
            allocator: allocator.as_str().to_owned(),
            areas: SyncArea::ALL.to_vec(),
            issued_at: now,
            lease_until,
        };
        let hub = SigningKey::hub(&self.keys)?;
        Ok(Enrolled { grant_sig: hub.sign(&grant.signing_bytes()), grant, hub_public_key: hub.public(), token })
    }

    /// Devices the caller may see (administrators: their organisation's; users: their own).
    pub async fn devices(&self, caller: &Caller) -> Result<Vec<DeviceRow>> {
        Ok(store::list_devices(&self.db, &caller.scope(Area::Users)).await?)
    }

    async fn administered_device(&self, caller: &Caller, id: DeviceId) -> Result<DeviceRow> {
        let d = store::device(&self.db, &caller.scope(Area::Users), id).await?.ok_or(ServiceError::NotFound)?;
        if caller.administers(OrgId(d.org_id)) { Ok(d) } else { Err(ServiceError::Forbidden) }
    }

    /// Revoke a device: its token stops working for sync at once.
    pub async fn revoke_device(&self, caller: &Caller, id: DeviceId) -> Result<()> {
        let d = self.administered_device(caller, id).await?;
        let mut tx = self.db.begin().await?;
        if !store::revoke(&mut tx, id, self.clock.now()).await? {
            return Err(Invalid::new("device", "The device is already revoked.").into());
        }
        dtz_store::sync::keyring::mark_for_rekey(&mut tx, id, self.clock.now()).await?;
        // Its checked-out cases leave it (the hub no longer counts them as held there).
        dtz_store::cases::checkouts::give_back_device(&mut tx, id.0, caller.user().map(|u| u.0), self.clock.now())
            .await?;
        let ev = event(caller, "device.revoke", id.0, d.version + 1, &["revoked_at"], OrgId(d.org_id));
        self.finish(tx, &[ev]).await?;
        Ok(())
    }

    /// Order a wipe of the device's data at its next contact.
    pub async fn order_wipe(&self, caller: &Caller, id: DeviceId) -> Result<()> {
        let d = self.administered_device(caller, id).await?;
        let mut tx = self.db.begin().await?;
        if !store::order_wipe(&mut tx, id, self.clock.now()).await? {
            return Err(Invalid::new("device", "A wipe is already ordered.").into());
        }
        let ev = event(caller, "device.wipe.order", id.0, d.version + 1, &["wipe_ordered_at"], OrgId(d.org_id));
        self.finish(tx, &[ev]).await?;
        Ok(())
    }

    /// The device holding a sync token, revoked ones included (they are told so).
    pub async fn device_by_token(&self, token: &str) -> Result<Option<DeviceRow>> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
            return Ok(None);
        }
        Ok(store::device_by_token(&self.db, &digest(token)).await?)
    }

    /// A device makes contact: a live device whose user is still enabled gets its lease
    /// renewed and a new signed grant; a revoked one gets none. Either learns whether a
    /// wipe is ordered. Contacts are not audited (like a token's last use); the grant's
    /// scope is recomputed from the user's roles at every pull, not from here.
    pub async fn device_contact(&self, device: &DeviceRow) -> Result<Standing> {
        let wipe = device.wipe_ordered_at.is_some() && device.wiped_at.is_none();
        let user = users::get(&self.db, &Scope::all(), UserId(device.user_id)).await?;
        if device.revoked_at.is_some() || user.disabled {
            return Ok(Standing { device: device.clone(), grant: None, wipe });
        }
        let now = self.clock.now();
        let lease_until = now + Duration::days(device.lease_days);
        let mut tx = self.db.begin().await?;
        store::contact(&mut tx, DeviceId(device.id), now, lease_until).await?;
        tx.commit().await?;
        let grant = DeviceGrant {
            format: 1,
            device: DeviceId(device.id),
            user: UserId(device.user_id),
            org: OrgId(device.org_id),
            allocator: device.allocator.clone(),
            areas: areas_of(device),
            issued_at: now,
            lease_until,
        };
        let sig = SigningKey::hub(&self.keys)?.sign(&grant.signing_bytes());
        Ok(Standing { device: device.clone(), grant: Some((grant, sig)), wipe })
    }

    /// The device says it wiped its data as ordered.
    pub async fn confirm_wipe(&self, device: &DeviceRow) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if !store::confirm_wipe(&mut tx, DeviceId(device.id), self.clock.now()).await? {
            return Err(Invalid::new("device", "No wipe is waiting for this device.").into());
        }
        let ev = NewEvent {
            actor_user: Some(UserId(device.user_id)),
            actor_org: Some(OrgId(device.org_id)),
            ..event(
                &Caller::System,
                "device.wipe.confirm",
                device.id,
                device.version + 1,
                &["wiped_at"],
                OrgId(device.org_id),
            )
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }
}
