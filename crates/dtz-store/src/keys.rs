//! The key file: the secrets that live outside the database (DESIGN §5). It is created
//! with mode 0600, backed up apart from the database, and replaced atomically.
//!
//! It holds the audit chain key, a key for keyed hashes (receipt lookups, rate-limit
//! keys), a key for signing exported chain heads, and the master keys that wrap each
//! organisation's key-encryption key. `dtz key rotate` adds a master key and rewraps.

use crate::crypto::SecretKey;
use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use uuid::Uuid;

#[derive(Serialize, Deserialize)]
struct KeyFileV1 {
    format: u32,
    audit_key: String,
    hash_key: String,
    sign_key: String,
    current_master: Uuid,
    masters: Vec<MasterEntry>,
}

#[derive(Serialize, Deserialize, Clone)]
struct MasterEntry {
    id: Uuid,
    key: String,
}

/// The loaded key file.
#[derive(Clone, Debug)]
pub struct Keys {
    path: PathBuf,
    /// Keys the HMAC chain of the audit log.
    pub audit: SecretKey,
    /// Keys hashes that must not be recomputable from the database alone.
    pub hash: SecretKey,
    /// Signs exported audit chain heads.
    pub sign: SecretKey,
    current_master: Uuid,
    masters: Vec<(Uuid, SecretKey)>,
}

fn decode(name: &str, hex_text: &str) -> Result<SecretKey> {
    let bytes = hex::decode(hex_text).map_err(|_| StoreError::Config(format!("key file: {name} is not hex")))?;
    let arr: [u8; 32] =
        bytes.try_into().map_err(|_| StoreError::Config(format!("key file: {name} is not 32 bytes")))?;
    Ok(SecretKey(arr))
}

impl Keys {
    /// Fresh keys for a new installation (not yet written).
    pub fn generate(path: &Path) -> Result<Self> {
        let master = Uuid::new_v4();
        Ok(Self {
            path: path.to_owned(),
            audit: SecretKey::generate()?,
            hash: SecretKey::generate()?,
            sign: SecretKey::generate()?,
            current_master: master,
            masters: vec![(master, SecretKey::generate()?)],
        })
    }

    /// Read the key file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StoreError::Config(format!("cannot read key file {}: {e}", path.display())))?;
        let f: KeyFileV1 = serde_json::from_str(&text)
            .map_err(|e| StoreError::Config(format!("key file {} is not valid: {e}", path.display())))?;
        if f.format != 1 {
            return Err(StoreError::Config(format!("key file format {} is not known", f.format)));
        }
        let masters =
            f.masters.iter().map(|m| Ok((m.id, decode("master key", &m.key)?))).collect::<Result<Vec<_>>>()?;
        if !masters.iter().any(|(id, _)| *id == f.current_master) {
            return Err(StoreError::Config("key file: current master key is missing".into()));
        }
        Ok(Self {
            path: path.to_owned(),
            audit: decode("audit_key", &f.audit_key)?,
            hash: decode("hash_key", &f.hash_key)?,
            sign: decode("sign_key", &f.sign_key)?,
            current_master: f.current_master,
            masters,
        })
    }

    /// Load the key file, or create it when it does not exist. Returns whether it was
    /// created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool)> {
        if path.exists() {
            return Ok((Self::load(path)?, false));
        }
        let k = Self::generate(path)?;
        k.write_new()?;
        Ok((k, true))
    }

    /// Write a key file that must not exist yet, with mode 0600.
    pub fn write_new(&self) -> Result<()> {
        let mut f = open_private(&self.path, true)?;
        f.write_all(self.serialise()?.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| StoreError::Config(format!("cannot write key file {}: {e}", self.path.display())))
    }

    /// Replace the key file atomically (write a sibling, sync, rename).
    pub fn save(&self) -> Result<()> {
        let tmp = self.path.with_extension("key.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut f = open_private(&tmp, true)?;
        let io = |e: std::io::Error| StoreError::Config(format!("cannot write key file: {e}"));
        f.write_all(self.serialise()?.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        Ok(())
    }

    fn serialise(&self) -> Result<String> {
        let f = KeyFileV1 {
            format: 1,
            audit_key: hex::encode(self.audit.0),
            hash_key: hex::encode(self.hash.0),
            sign_key: hex::encode(self.sign.0),
            current_master: self.current_master,
            masters: self.masters.iter().map(|(id, k)| MasterEntry { id: *id, key: hex::encode(k.0) }).collect(),
        };
        serde_json::to_string_pretty(&f).map_err(|e| StoreError::Config(e.to_string()))
    }

    /// Where the key file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The master key new organisation keys are wrapped with.
    pub fn current_master(&self) -> (Uuid, &SecretKey) {
        let k = self.master(self.current_master).unwrap_or(&self.masters[0].1);
        (self.current_master, k)
    }

    /// A master key by id (old ones stay until nothing is wrapped with them).
    pub fn master(&self, id: Uuid) -> Option<&SecretKey> {
        self.masters.iter().find(|(i, _)| *i == id).map(|(_, k)| k)
    }

    /// Ids of all master keys held.
    pub fn master_ids(&self) -> Vec<Uuid> {
        self.masters.iter().map(|(i, _)| *i).collect()
    }

    /// Add a new master key and make it current.
    pub fn add_master(&mut self) -> Result<Uuid> {
        let id = Uuid::new_v4();
        self.masters.push((id, SecretKey::generate()?));
        self.current_master = id;
        Ok(id)
    }

    /// Forget master keys other than the current one.
    pub fn retire_old_masters(&mut self) {
        let cur = self.current_master;
        self.masters.retain(|(i, _)| *i == cur);
    }
}

fn open_private(path: &Path, create_new: bool) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(create_new);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| StoreError::Config(format!("cannot create key file {}: {e}", path.display())))
}
