//! A field node's keys (issue 9, point 6). The user's passphrase gives a key-encryption
//! key through Argon2id; it wraps the device key, a random key made at enrolment that
//! exists in clear only in the memory of an unlocked process. The device key seals the
//! node's Ed25519 seed and sync token and wraps the data key of every case opened on the
//! node; each such case key is wrapped a second time under the hub's escrow key for this
//! device, so the hub can always read what was written offline. Past the lease the node
//! opens no device-wrapped case key and takes no new write (see `dtz_domain::sync_lease`).
//! See docs/ARCHITECTURE.md, "Field nodes: audit anchoring and encryption".

use super::signing::derive;
use crate::{Result, ServiceError, Services};
use argon2::{Algorithm, Argon2, Params, Version};
use dtz_domain::ids::OrgId;
use dtz_domain::sync::{DeviceGrant, DeviceId};
use dtz_domain::sync_lease::lease_admits;
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::crypto::{self, SecretKey};
use dtz_store::sealed::{self, DataKey, Place};
use dtz_store::sync::keyring::{self as store, KeyringRow};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

const DEVICE_KEY_AAD: &[u8] = b"node_keyring.wrapped_key";
pub(crate) const ESCROW_AAD: &[u8] = b"node_keyring.escrow_key";
/// Shortest passphrase a node accepts.
pub const MIN_PASSPHRASE: usize = 12;

/// The device key of an unlocked node, in memory only; empty when locked (and on a hub).
#[derive(Clone, Default)]
pub struct NodeKeySlot(Arc<RwLock<Option<(Uuid, SecretKey)>>>);

impl std::fmt::Debug for NodeKeySlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() { "NodeKeySlot(unlocked)" } else { "NodeKeySlot(locked)" })
    }
}

impl NodeKeySlot {
    fn get(&self) -> Option<(Uuid, SecretKey)> {
        self.0.read().ok().and_then(|g| g.clone())
    }

    /// Whether the unlocked device key occurs in `bytes` (for checks that it never
    /// reaches the disk in clear).
    pub fn occurs_in(&self, bytes: &[u8]) -> bool {
        self.get().is_some_and(|(_, k)| bytes.windows(32).any(|w| w == k.0))
    }

    fn set(&self, v: Option<(Uuid, SecretKey)>) {
        if let Ok(mut g) = self.0.write() {
            *g = v;
        }
    }
}

/// A case key wrap to keep beside a case opened on a node.
#[derive(Clone, Debug)]
pub struct EscrowWrap {
    /// The device that wrapped it.
    pub device: DeviceId,
    /// The data key wrapped under the hub's escrow key for that device.
    pub wrapped: Vec<u8>,
}

fn locked() -> ServiceError {
    Invalid::new(
        "node",
        "This node is locked: unlock it with its passphrase (dtz node unlock --passphrase-file, or DTZ_NODE_PASSPHRASE when it starts).",
    )
    .into()
}

fn crypto_err(what: &str) -> ServiceError {
    ServiceError::Store(dtz_store::StoreError::Crypto(what.to_owned()))
}

/// Argon2id parameters as stored with the keyring: `argon2id m=KIB t=PASSES p=LANES`.
fn kdf_text(cheap: bool) -> String {
    if cheap { "argon2id m=8 t=1 p=1".to_owned() } else { "argon2id m=65536 t=3 p=1".to_owned() }
}

fn kdf_params(text: &str) -> Result<Params> {
    let mut it = text.split_whitespace();
    let bad = || crypto_err("unknown key derivation");
    if it.next() != Some("argon2id") {
        return Err(bad());
    }
    let mut v = [0u32; 3];
    for (slot, name) in v.iter_mut().zip(["m=", "t=", "p="]) {
        *slot = it.next().and_then(|p| p.strip_prefix(name)).and_then(|n| n.parse().ok()).ok_or_else(bad)?;
    }
    Params::new(v[0], v[1], v[2], Some(32)).map_err(|_| bad())
}

/// The key-encryption key of a passphrase (Argon2id), off the async threads.
async fn passphrase_key(kdf: &str, salt: &[u8], passphrase: &str) -> Result<SecretKey> {
    let params = kdf_params(kdf)?;
    let (salt, pass) = (salt.to_vec(), passphrase.as_bytes().to_vec());
    tokio::task::spawn_blocking(move || {
        let mut out = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(&pass, &salt, &mut out)
            .map(|()| SecretKey(out))
            .map_err(|_| crypto_err("key derivation failed"))
    })
    .await
    .map_err(|_| crypto_err("key derivation stopped"))?
}

impl Services {
    /// Make the node's keyring at enrolment: a new device key wrapped under the
    /// passphrase's key. The process is unlocked afterwards.
    pub async fn node_create_keyring(&self, passphrase: &str) -> Result<()> {
        if passphrase.chars().count() < MIN_PASSPHRASE {
            return Err(Invalid::new("passphrase", "Choose a passphrase of at least 12 characters.").into());
        }
        let kdf = kdf_text(self.passwords.is_cheap());
        let mut salt = [0u8; 16];
        crypto::random(&mut salt)?;
        let kek = passphrase_key(&kdf, &salt, passphrase).await?;
        let device_key = SecretKey::generate()?;
        let key_id = Uuid::new_v4();
        let row = KeyringRow {
            key_id,
            kdf,
            salt: salt.to_vec(),
            wrapped_key: crypto::seal(&kek, key_id, DEVICE_KEY_AAD, &device_key.0)?,
            escrow_key: None,
            created_at: self.clock.now(),
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        store::put_keyring(&mut tx, &row).await?;
        tx.commit().await?;
        self.node_key.set(Some((key_id, device_key)));
        Ok(())
    }

    /// Unlock the node with its passphrase: the device key is kept in this process's
    /// memory only. A wrong passphrase opens nothing.
    pub async fn node_unlock(&self, passphrase: &str) -> Result<()> {
        let k = store::keyring(&self.db).await?.ok_or_else(|| Invalid::new("node", "This node has no keyring."))?;
        let kek = passphrase_key(&k.kdf, &k.salt, passphrase).await?;
        let raw = crypto::open(&kek, DEVICE_KEY_AAD, &k.wrapped_key)
            .map_err(|_| Invalid::new("passphrase", "This passphrase does not unlock the node."))?;
        let arr: [u8; 32] = raw.try_into().map_err(|_| crypto_err("bad device key length"))?;
        self.node_key.set(Some((k.key_id, SecretKey(arr))));
        Ok(())
    }

    /// Forget the device key: the process is locked again.
    pub fn node_lock(&self) {
        self.node_key.set(None);
    }

    /// Whether this installation holds a node keyring (it is, or is becoming, a node).
    pub async fn node_has_keyring(&self) -> Result<bool> {
        Ok(store::keyring(&self.db).await?.is_some())
    }

    /// The unlocked device key (its id and value), or the "locked" refusal.
    pub(crate) fn node_device_key(&self) -> Result<(Uuid, SecretKey)> {
        self.node_key.get().ok_or_else(locked)
    }

    /// Keep the hub's escrow key for this device, sealed under the device key.
    pub async fn node_keep_escrow(&self, escrow: &[u8]) -> Result<()> {
        let (id, key) = self.node_device_key()?;
        let sealed = crypto::seal(&key, id, ESCROW_AAD, escrow)?;
        let mut tx = self.db.begin().await?;
        store::set_escrow(&mut tx, &sealed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The grant a node holds, if this installation is a node.
    pub(crate) async fn node_grant(&self) -> Result<Option<DeviceGrant>> {
        Ok(self.node_status().await?.map(|s| s.grant))
    }

    /// Refuse when this is a node whose lease ran out.
    pub(crate) async fn node_lease_check(&self) -> Result<Option<DeviceGrant>> {
        let grant = self.node_grant().await?;
        if let Some(g) = &grant
            && !g.lease_runs(self.clock.now())
        {
            return Err(lease_expired(g));
        }
        Ok(grant)
    }

    /// The last step before a node's events are appended: past the lease, only reads,
    /// sign-in and sync bookkeeping pass (one small read; on a hub the table is empty).
    pub(crate) async fn node_lease_guard(&self, tx: &mut dtz_store::Tx, events: &[NewEvent]) -> Result<()> {
        if events.iter().all(|e| lease_admits(&e.action)) {
            return Ok(());
        }
        let Some(json) = store::node_grant_json(tx).await? else { return Ok(()) };
        let g: DeviceGrant = serde_json::from_str(&json).map_err(|_| crypto_err("stored grant is not valid"))?;
        if g.lease_runs(self.clock.now()) { Ok(()) } else { Err(lease_expired(&g)) }
    }

    /// A fresh data key for a case: on a hub (or a plain installation) wrapped under the
    /// organisation's key; on a node under the device key, plus an escrow wrap for the hub.
    pub(crate) async fn case_new_key(
        &self,
        org: OrgId,
        place: Place,
    ) -> Result<(DataKey, Vec<u8>, Option<EscrowWrap>)> {
        let Some(grant) = self.node_lease_check().await? else {
            let (key, wrapped) = sealed::new_data_key(&self.db, &self.keys, org, place).await?;
            return Ok((key, wrapped, None));
        };
        let (id, device_key) = self.node_device_key()?;
        let sealed_escrow = store::keyring(&self.db).await?.and_then(|k| k.escrow_key).ok_or_else(|| {
            Invalid::new("node", "This node holds no escrow key from its hub yet: run dtz node sync first.")
        })?;
        let escrow = SecretKey(
            crypto::open(&device_key, ESCROW_AAD, &sealed_escrow)?
                .try_into()
                .map_err(|_| crypto_err("bad escrow key length"))?,
        );
        let key = sealed::fresh_data_key(place)?;
        let wrapped = sealed::wrap_with(&key, id, &device_key, "device")?;
        let escrowed = sealed::wrap_with(&key, grant.device.0, &escrow, "escrow")?;
        Ok((key, wrapped, Some(EscrowWrap { device: grant.device, wrapped: escrowed })))
    }

    /// Keep a case's escrow wrap in the case's transaction.
    pub(crate) async fn keep_escrow_wrap(&self, tx: &mut dtz_store::Tx, case: Uuid, w: &EscrowWrap) -> Result<()> {
        Ok(store::put_escrow_wrap(tx, case, w.device, &w.wrapped, self.clock.now()).await?)
    }

    /// Open a case's data key: the organisation's key on a hub; the device key on a node,
    /// only while it is unlocked and its lease runs.
    pub(crate) async fn case_open_key(&self, org: OrgId, place: Place, wrapped: &[u8]) -> Result<DataKey> {
        let key_id = crypto::key_id_of(wrapped)?;
        match self.node_key.get() {
            Some((id, key)) if id == key_id => {
                self.node_lease_check().await?;
                Ok(sealed::open_with(&key, "device", place, wrapped)?)
            }
            _ => match sealed::open_data_key(&self.db, &self.keys, org, place, wrapped).await {
                Ok(k) => Ok(k),
                Err(e) => match store::keyring(&self.db).await? {
                    Some(k) if k.key_id == key_id => {
                        self.node_lease_check().await?;
                        Err(locked())
                    }
                    _ => Err(e.into()),
                },
            },
        }
    }

    /// On the hub: the escrow key of a device (derived from the key file's signing key,
    /// so the hub stores none and every `dtz serve` process derives the same).
    pub fn escrow_key(&self, device: DeviceId) -> SecretKey {
        let mut label = b"dtz hub case escrow v1|".to_vec();
        label.extend(device.0.as_bytes());
        SecretKey(derive(&self.keys.sign, &label))
    }

    /// On the hub: open the escrow wrap of a case a device opened offline, and wrap its key
    /// under the organisation's key from now on. The device is noted as holding the case
    /// (its key is on the device), so a revocation marks the case for re-keying.
    pub async fn open_escrowed_case_key(
        &self,
        device: DeviceId,
        org: OrgId,
        place: Place,
        wrapped: &[u8],
    ) -> Result<(DataKey, Vec<u8>)> {
        let key = sealed::open_with(&self.escrow_key(device), "escrow", place, wrapped)
            .map_err(|_| Invalid::new("key", "The case key was not wrapped for this hub."))?;
        let org_wrapped = sealed::rewrap(&self.db, &self.keys, &key, org).await?;
        let mut tx = self.db.begin().await?;
        store::hold(&mut tx, device, place.row, self.clock.now()).await?;
        tx.commit().await?;
        Ok((key, org_wrapped))
    }
}

fn lease_expired(g: &DeviceGrant) -> ServiceError {
    let until = g.lease_until.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Invalid::new(
        "lease",
        format!(
            "The offline lease of this node ran out at {until}: run dtz node sync to renew it. Until then the node opens no case data and takes no new writes."
        ),
    )
    .into()
}
