//! Envelope encryption (DESIGN §5): XChaCha20-Poly1305 with a random 24-byte nonce. The
//! ciphertext carries a format version and the id of the key that sealed it, so a key
//! rotation can tell what is done and resume after a crash. Associated data binds a
//! ciphertext to its place (table, column, row id): moved elsewhere, it no longer opens.

use crate::{Result, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use uuid::Uuid;

/// Current ciphertext format.
pub const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 1 + 16 + NONCE_LEN;

/// A 256-bit secret key.
#[derive(Clone)]
pub struct SecretKey(pub [u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; 32];
        random(&mut k)?;
        Ok(Self(k))
    }
}

/// Fill `buf` from the operating system's random source.
pub fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))
}

/// Seal `plaintext` under `key` (known as `key_id`), bound to `aad`.
pub fn seal(key: &SecretKey, key_id: Uuid, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(&key.0.into());
    let mut nonce = [0u8; NONCE_LEN];
    random(&mut nonce)?;
    let ct = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad })
        .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + ct.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(key_id.as_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// The id of the key that sealed `sealed`.
pub fn key_id_of(sealed: &[u8]) -> Result<Uuid> {
    if sealed.len() < HEADER_LEN || sealed[0] != FORMAT_V1 {
        return Err(StoreError::Crypto("unknown ciphertext format".into()));
    }
    Uuid::from_slice(&sealed[1..17]).map_err(|_| StoreError::Crypto("bad key id".into()))
}

/// Open what [`seal`] sealed; fails when the key, the place or a byte is wrong.
pub fn open(key: &SecretKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    key_id_of(sealed)?;
    let nonce: [u8; NONCE_LEN] =
        sealed[17..HEADER_LEN].try_into().map_err(|_| StoreError::Crypto("bad nonce".into()))?;
    XChaCha20Poly1305::new(&key.0.into())
        .decrypt(&XNonce::from(nonce), Payload { msg: &sealed[HEADER_LEN..], aad })
        .map_err(|_| StoreError::Crypto("ciphertext does not open with this key".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_place() -> Result<()> {
        let k = SecretKey::generate()?;
        let id = Uuid::new_v4();
        let s = seal(&k, id, b"cases.name.1", b"Ana")?;
        assert_eq!(open(&k, b"cases.name.1", &s)?, b"Ana");
        assert_eq!(key_id_of(&s)?, id);
        assert!(open(&k, b"cases.name.2", &s).is_err());
        assert!(open(&SecretKey::generate()?, b"cases.name.1", &s).is_err());
        let mut t = s.clone();
        if let Some(b) = t.last_mut() {
            *b ^= 1;
        }
        assert!(open(&k, b"cases.name.1", &t).is_err());
        Ok(())
    }
}
