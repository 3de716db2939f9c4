//! Per-record envelope encryption (DESIGN §5), for signals now and cases later.
//!
//! Each record gets its own random data key. The data key is sealed ("wrapped") by the
//! key-encryption key (KEK) of the organisation that owns the record; the wrapped key
//! names the KEK by id, so it still opens after the organisation gets a new KEK (old ones
//! are kept) and after `dtz key rotate` (which rewraps KEKs under a new master key but
//! keeps their ids and values): nothing per record needs rewrapping. Fields are sealed
//! under the data key with associated data naming table, column and row id, so a
//! ciphertext copied to another row or column does not open. Erasing a record's personal
//! data is destroying its wrapped data key.
//!
//! Seal before a write transaction opens and open after reading: unwrapping reads the
//! organisation's key through the read pool.

use crate::crypto::{self, SecretKey};
use crate::{Db, Keys, Result, StoreError, orgs};
use dtz_domain::ids::OrgId;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// Where a record lives: its table and row id, bound into every ciphertext of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// Table.
    pub table: &'static str,
    /// Row id.
    pub row: Uuid,
}

/// A record's data key, in memory only.
#[derive(Clone, Debug)]
pub struct DataKey {
    key: SecretKey,
    place: Place,
}

fn wrap_aad(place: Place, org: OrgId) -> Vec<u8> {
    format!("{}.data_key|{}|{}", place.table, place.row, org).into_bytes()
}

fn field_aad(place: Place, column: &str) -> Vec<u8> {
    format!("{}.{}|{}", place.table, column, place.row).into_bytes()
}

/// A fresh data key for a record of `org`, and the same key wrapped under the
/// organisation's current KEK (to store beside the record).
pub async fn new_data_key(db: &Db, keys: &Keys, org: OrgId, place: Place) -> Result<(DataKey, Vec<u8>)> {
    let (kek_id, kek) = orgs::current_org_key(db, keys, org).await?;
    new_data_key_under(kek_id, &kek, org, place)
}

/// As [`new_data_key`], with the organisation's current KEK (from
/// [`orgs::current_org_key`]) already in hand: bulk writers unwrap it once per
/// organisation instead of once per record.
pub fn new_data_key_under(kek_id: Uuid, kek: &SecretKey, org: OrgId, place: Place) -> Result<(DataKey, Vec<u8>)> {
    let key = SecretKey::generate()?;
    let wrapped = crypto::seal(kek, kek_id, &wrap_aad(place, org), &key.0)?;
    Ok((DataKey { key, place }, wrapped))
}

/// Unwrap a record's data key with the organisation KEK that wrapped it.
pub async fn open_data_key(db: &Db, keys: &Keys, org: OrgId, place: Place, wrapped: &[u8]) -> Result<DataKey> {
    let kek = orgs::org_key(db, keys, org, crypto::key_id_of(wrapped)?).await?;
    let bytes = crypto::open(&kek, &wrap_aad(place, org), wrapped)?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Crypto("bad data key length".into()))?;
    Ok(DataKey { key: SecretKey(arr), place })
}

/// Wrap an opened data key under another organisation's current KEK (a case moving to
/// another organisation): its fields stay as they are, sealed under the same data key.
pub async fn rewrap(db: &Db, keys: &Keys, key: &DataKey, to: OrgId) -> Result<Vec<u8>> {
    let (kek_id, kek) = orgs::current_org_key(db, keys, to).await?;
    crypto::seal(&kek, kek_id, &wrap_aad(key.place, to), &key.key.0)
}

/// A fresh data key for a record, not yet wrapped (a field node wraps it under its device
/// key and the hub's escrow key instead of an organisation's key).
pub fn fresh_data_key(place: Place) -> Result<DataKey> {
    Ok(DataKey { key: SecretKey::generate()?, place })
}

fn wrap_with_aad(place: Place, label: &str) -> Vec<u8> {
    format!("{}.data_key|{}|{label}", place.table, place.row).into_bytes()
}

/// Wrap a data key under another key (known as `key_id`); `label` names the wrap's
/// purpose (e.g. `device`, `escrow`) and is bound into it.
pub fn wrap_with(key: &DataKey, key_id: Uuid, kek: &SecretKey, label: &str) -> Result<Vec<u8>> {
    crypto::seal(kek, key_id, &wrap_with_aad(key.place, label), &key.key.0)
}

/// Open what [`wrap_with`] wrapped.
pub fn open_with(kek: &SecretKey, label: &str, place: Place, wrapped: &[u8]) -> Result<DataKey> {
    let bytes = crypto::open(kek, &wrap_with_aad(place, label), wrapped)?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Crypto("bad data key length".into()))?;
    Ok(DataKey { key: SecretKey(arr), place })
}

impl DataKey {
    /// Seal one field of this key's record.
    pub fn seal(&self, column: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        crypto::seal(&self.key, self.place.row, &field_aad(self.place, column), plaintext)
    }

    /// Open one field of this key's record.
    pub fn open(&self, column: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        crypto::open(&self.key, &field_aad(self.place, column), sealed)
    }

    /// Seal a value as JSON.
    pub fn seal_json<T: serde::Serialize>(&self, column: &str, value: &T) -> Result<Vec<u8>> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Crypto(format!("cannot encode: {e}")))?;
        self.seal(column, &bytes)
    }

    /// Open a value sealed as JSON.
    pub fn open_json<T: serde::de::DeserializeOwned>(&self, column: &str, sealed: &[u8]) -> Result<T> {
        let bytes = self.open(column, sealed)?;
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Crypto(format!("cannot decode: {e}")))
    }

    /// The record this key belongs to.
    pub fn place(&self) -> Place {
        self.place
    }

    /// A key for a child record (a message of a signal) sealed under the same data key:
    /// its ciphertexts are bound to the child's own table and row.
    pub fn for_child(&self, table: &'static str, row: Uuid) -> DataKey {
        DataKey { key: self.key.clone(), place: Place { table, row } }
    }
}

/// A keyed hash (HMAC-SHA256 under the key file's hash key) for values that must be
/// found by hash without the database alone allowing a guess to be checked: receipt
/// lookups, stateless form tokens. `label` separates the uses.
pub fn keyed_hash(keys: &Keys, label: &str, data: &[u8]) -> [u8; 32] {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&keys.hash.0) else {
        return [0; 32];
    };
    mac.update(label.as_bytes());
    mac.update(&[0]);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_open_only_in_their_own_row_and_column() -> Result<()> {
        let place = Place { table: "signals", row: Uuid::new_v4() };
        let dk = DataKey { key: SecretKey::generate()?, place };
        let sealed = dk.seal("content", b"what happened")?;
        assert_eq!(dk.open("content", &sealed)?, b"what happened");
        assert!(!sealed.windows(4).any(|w| w == b"what"), "no plaintext at rest");
        assert!(dk.open("other", &sealed).is_err());
        let elsewhere = DataKey { key: dk.key.clone(), place: Place { table: "signals", row: Uuid::new_v4() } };
        assert!(elsewhere.open("content", &sealed).is_err(), "a wrong row id does not open");
        let child = dk.for_child("signal_messages", Uuid::new_v4());
        assert!(child.open("content", &sealed).is_err());
        Ok(())
    }
}
