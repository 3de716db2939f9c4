//! Ed25519 keys of sync: the hub's grant-signing key (derived from the key file's signing
//! key, so a hub keeps no key of its own beside the key file) and a device's own key
//! (random, created on the node). ring is already in the tree through rustls.

use crate::{Result, ServiceError};
use dtz_store::Keys;
use dtz_store::crypto::SecretKey;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

/// An Ed25519 key pair from its 32-byte seed.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    seed: [u8; 32],
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("public", &hex::encode(self.public())).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key pair of a seed.
    pub fn from_seed(seed: [u8; 32]) -> Result<Self> {
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|_| ServiceError::Store(dtz_store::StoreError::Config("bad Ed25519 seed".into())))?;
        Ok(Self { pair, seed })
    }

    /// A new random key (a device's).
    pub fn generate() -> Result<Self> {
        let mut seed = [0u8; 32];
        dtz_store::crypto::random(&mut seed)?;
        Self::from_seed(seed)
    }

    /// The hub's grant-signing key.
    pub fn hub(keys: &Keys) -> Result<Self> {
        Self::from_seed(derive(&keys.sign, b"dtz hub device-grant key v1"))
    }

    /// The public key (32 bytes).
    pub fn public(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    /// The seed, to be sealed by whoever keeps it.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// Sign a message.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.pair.sign(msg).as_ref().to_vec()
    }
}

/// Whether `sig` is a valid Ed25519 signature of `msg` by `public_key`.
pub fn verify(public_key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    public_key.len() == 32 && UnparsedPublicKey::new(&ED25519, public_key).verify(msg, sig).is_ok()
}

/// A 32-byte key for one purpose, derived from a key-file key (uniformly random, so a
/// labelled SHA-256 is a sound derivation here).
pub fn derive(key: &SecretKey, label: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update(key.0);
    h.finalize().into()
}

/// SHA-256 of bytes.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_message_and_key() -> Result<()> {
        let k = SigningKey::generate()?;
        let other = SigningKey::generate()?;
        let sig = k.sign(b"grant");
        assert!(verify(&k.public(), b"grant", &sig));
        assert!(!verify(&k.public(), b"grant!", &sig));
        assert!(!verify(&other.public(), b"grant", &sig));
        assert_eq!(SigningKey::from_seed(*k.seed())?.public(), k.public());
        Ok(())
    }
}
