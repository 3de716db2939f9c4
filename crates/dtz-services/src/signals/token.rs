//! Stateless form tokens for the public pages, which set no cookie (DESIGN §5): the time
//! the form was served, a random nonce and a keyed hash of both under the key file's hash
//! key. Any `dtz serve` sharing the key file accepts it; it expires after two hours.
//!
//! A report form's token is *used once*: the report is stored together with the keyed
//! hash of its token (`public_form_uses`), so the browser sending the same form again
//! (a reload of the receipt page) stores nothing and gets a neutral "already sent"
//! answer. The receipt check and "add information" forms do not consume their token;
//! the per-source limits bound those.

use crate::Services;
use dtz_store::sealed;
use time::{Duration, OffsetDateTime};

const LABEL: &str = "public-form-token";
const USED_LABEL: &str = "public-form-used";
/// How long a served form may be sent.
pub const TOKEN_LIFETIME_SECS: i64 = 2 * 3600;
/// Clock difference tolerated between `dtz serve` processes.
const SKEW_SECS: i64 = 300;

fn mac(services: &Services, payload: &str) -> String {
    hex::encode(&sealed::keyed_hash(&services.keys, LABEL, payload.as_bytes())[..16])
}

/// A checked token: when it was served and its keyed hash for one-time use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormToken {
    /// Keyed hash of the whole token (what `public_form_uses` keeps).
    pub hash: Vec<u8>,
    /// When it stops being accepted anyway.
    pub expires_at: OffsetDateTime,
}

impl Services {
    /// A token for a public form served now.
    pub fn public_form_token(&self) -> String {
        let at = self.clock.now().unix_timestamp();
        let mut nonce = [0u8; 12];
        // Without randomness the token still works; only its one-time use would then be
        // per second instead of per form.
        if dtz_store::crypto::random(&mut nonce).is_err() {
            nonce = [0u8; 12];
        }
        let payload = format!("{at}.{}", hex::encode(nonce));
        let m = mac(self, &payload);
        format!("{payload}.{m}")
    }

    /// The token sent with a public form, if it is ours and fresh.
    pub fn public_form_token_checked(&self, token: &str) -> Option<FormToken> {
        let (payload, sent) = token.rsplit_once('.')?;
        let (at, nonce) = payload.split_once('.')?;
        let at = at.parse::<i64>().ok()?;
        if nonce.len() != 24 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let age = self.clock.now().unix_timestamp() - at;
        if !(-SKEW_SECS..=TOKEN_LIFETIME_SECS).contains(&age) {
            return None;
        }
        let want = mac(self, payload);
        let same =
            want.len() == sent.len() && want.bytes().zip(sent.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return None;
        }
        let expires_at =
            OffsetDateTime::from_unix_timestamp(at).ok()? + Duration::seconds(TOKEN_LIFETIME_SECS + SKEW_SECS);
        Some(FormToken { hash: sealed::keyed_hash(&self.keys, USED_LABEL, token.as_bytes()).to_vec(), expires_at })
    }

    /// Whether a token sent with a public form is ours and fresh.
    pub fn check_public_form_token(&self, token: &str) -> bool {
        self.public_form_token_checked(token).is_some()
    }

    /// Whether a report was already sent with this form token.
    pub async fn public_form_used(&self, token: &FormToken) -> crate::Result<bool> {
        Ok(dtz_store::signals::once::used(&self.db, &token.hash).await?)
    }
}
