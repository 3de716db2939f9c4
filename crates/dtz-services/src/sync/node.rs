//! The node's side of enrolment: keep the grant the hub signed, the device's key and sync
//! token (sealed), and number cases with the node's own allocator from now on.

use super::signing::{SigningKey, verify};
use crate::{Result, ServiceError, Services};
use dtz_domain::sync::DeviceGrant;
use dtz_domain::validate::Invalid;
use dtz_store::StoreError;
use dtz_store::audit::NewEvent;
use dtz_store::crypto::{self, SecretKey};
use dtz_store::sync::node::{self as store, NodeIdentity};
use uuid::Uuid;

/// The setting the cases use for this site's allocator (`cases::create::ALLOCATOR_SETTING`).
const ALLOCATOR_SETTING: &str = "cases.allocator";
pub(crate) const SEED_AAD: &[u8] = b"node_identity.secret_key";
const TOKEN_AAD: &[u8] = b"node_identity.device_token";

/// What the hub answered, as the node received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The hub's URL.
    pub hub_url: String,
    /// The grant.
    pub grant: DeviceGrant,
    /// Its signature.
    pub grant_sig: Vec<u8>,
    /// The hub's public key.
    pub hub_public_key: Vec<u8>,
    /// The sync token.
    pub token: String,
}

/// What a node shows about itself.
#[derive(Clone, Debug)]
pub struct NodeStatus {
    /// The stored identity.
    pub identity: NodeIdentity,
    /// The grant it holds.
    pub grant: DeviceGrant,
}

/// The key that seals the node's secrets (see [`Services::node_enrolled`]).
pub(crate) fn seal_key_of(s: &Services) -> Result<SecretKey> {
    s.node_seal_key()
}

impl Services {
    /// The key that seals the node's secrets: the device key, unlocked by the user's
    /// passphrase (see [`super::keyring`]).
    fn node_seal_key(&self) -> Result<SecretKey> {
        Ok(self.node_device_key()?.1)
    }

    /// Keep what the hub answered to an enrolment: refused unless the grant is signed by
    /// the key that came with it and names this device's public key's holder.
    pub async fn node_enrolled(&self, device_key: &SigningKey, r: &Received) -> Result<NodeStatus> {
        if !verify(&r.hub_public_key, &r.grant.signing_bytes(), &r.grant_sig) {
            return Err(Invalid::new("grant", "The hub's grant does not carry a valid signature.").into());
        }
        if store::identity(&self.db).await?.is_some() {
            return Err(Invalid::new("node", "This database is already enrolled as a node.").into());
        }
        let key = self.node_seal_key()?;
        let identity = NodeIdentity {
            device_id: r.grant.device.0,
            hub_url: r.hub_url.clone(),
            user_id: r.grant.user.0,
            org_id: r.grant.org.0,
            secret_key: crypto::seal(&key, Uuid::nil(), SEED_AAD, device_key.seed())?,
            device_token: crypto::seal(&key, Uuid::nil(), TOKEN_AAD, r.token.as_bytes())?,
            grant_json: serde_json::to_string(&r.grant).unwrap_or_default(),
            grant_sig: r.grant_sig.clone(),
            hub_public_key: r.hub_public_key.clone(),
            allocator: r.grant.allocator.clone(),
            enrolled_at: self.clock.now(),
            last_sync_at: None,
            version: 1,
        };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::insert_identity(&mut tx, &identity).await?;
        let base = dtz_store::settings::get(&self.db, ALLOCATOR_SETTING).await?.map_or(0, |s| s.version);
        let value = serde_json::to_string(&r.grant.allocator).unwrap_or_default();
        dtz_store::settings::put(&mut tx, ALLOCATOR_SETTING, &value, base, now).await?;
        let ev = NewEvent {
            action: "node.enroll".into(),
            entity: "node_identity".into(),
            entity_id: Some(r.grant.device.0),
            entity_version: Some(1),
            fields: vec!["hub_url".into(), "grant".into(), "allocator".into()],
            ..NewEvent::default()
        };
        self.finish(tx, &[ev]).await?;
        self.node_status().await?.ok_or(ServiceError::NotFound)
    }

    /// The node's identity and grant, if this database is an enrolled node.
    pub async fn node_status(&self) -> Result<Option<NodeStatus>> {
        let Some(identity) = store::identity(&self.db).await? else { return Ok(None) };
        let grant: DeviceGrant = serde_json::from_str(&identity.grant_json)
            .map_err(|e| ServiceError::Store(StoreError::Config(format!("stored grant: {e}"))))?;
        Ok(Some(NodeStatus { identity, grant }))
    }

    /// The node's device key and sync token, unsealed.
    pub async fn node_secrets(&self) -> Result<(NodeStatus, SigningKey, String)> {
        let status = self.node_status().await?.ok_or(ServiceError::NotFound)?;
        let key = self.node_seal_key()?;
        let seed: [u8; 32] = crypto::open(&key, SEED_AAD, &status.identity.secret_key)?
            .try_into()
            .map_err(|_| ServiceError::Store(StoreError::Config("stored device key is not 32 bytes".into())))?;
        let token = String::from_utf8(crypto::open(&key, TOKEN_AAD, &status.identity.device_token)?)
            .map_err(|_| ServiceError::Store(StoreError::Config("stored sync token is not text".into())))?;
        Ok((status, SigningKey::from_seed(seed)?, token))
    }

    /// Keep a renewed grant from the hub (checked against the hub key kept at enrolment).
    pub async fn node_renew(&self, grant: &DeviceGrant, sig: &[u8]) -> Result<()> {
        let status = self.node_status().await?.ok_or(ServiceError::NotFound)?;
        if !verify(&status.identity.hub_public_key, &grant.signing_bytes(), sig) || grant.device != status.grant.device
        {
            return Err(Invalid::new("grant", "The hub's grant does not carry a valid signature.").into());
        }
        let mut tx = self.db.begin().await?;
        store::renew(&mut tx, &serde_json::to_string(grant).unwrap_or_default(), sig, self.clock.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Wipe the node's sync identity and outbox, as the hub ordered.
    pub async fn node_wipe(&self) -> Result<()> {
        let status = self.node_status().await?.ok_or(ServiceError::NotFound)?;
        let mut tx = self.db.begin().await?;
        store::forget(&mut tx).await?;
        let ev = NewEvent {
            action: "node.wipe".into(),
            entity: "node_identity".into(),
            entity_id: Some(status.grant.device.0),
            entity_version: Some(status.identity.version + 1),
            ..NewEvent::default()
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }
}
