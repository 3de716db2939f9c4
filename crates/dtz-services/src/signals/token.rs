//! Stateless form tokens for the public pages, which set no cookie (DESIGN §5): the time
//! the form was served and a keyed hash of it under the key file's hash key. Any `dtz
//! serve` sharing the key file accepts it; it expires after two hours. A token can be
//! used more than once within that time; the per-source rate limits bound what that
//! allows, and the cross-site check (`Sec-Fetch-Site`/`Origin`) still applies.

use crate::Services;
use dtz_store::sealed;

const LABEL: &str = "public-form-token";
/// How long a served form may be sent.
pub const TOKEN_LIFETIME_SECS: i64 = 2 * 3600;
/// Clock difference tolerated between `dtz serve` processes.
const SKEW_SECS: i64 = 300;

fn mac(services: &Services, at: i64) -> String {
    hex::encode(&sealed::keyed_hash(&services.keys, LABEL, at.to_string().as_bytes())[..16])
}

impl Services {
    /// A token for a public form served now.
    pub fn public_form_token(&self) -> String {
        let at = self.clock.now().unix_timestamp();
        format!("{at}.{}", mac(self, at))
    }

    /// Whether a token sent with a public form is ours and fresh.
    pub fn check_public_form_token(&self, token: &str) -> bool {
        let Some((at, sent)) = token.split_once('.') else { return false };
        let Ok(at) = at.parse::<i64>() else { return false };
        let age = self.clock.now().unix_timestamp() - at;
        if !(-SKEW_SECS..=TOKEN_LIFETIME_SECS).contains(&age) {
            return false;
        }
        let want = mac(self, at);
        want.len() == sent.len() && want.bytes().zip(sent.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}
