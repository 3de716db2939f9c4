//! The arithmetic of codes, apart from any I/O: which time step a code is for, whether
//! a user is locked out, recovery codes and their hashes.

use crate::Result;
use dtz_domain::ids::UserId;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use totp_rs::{Algorithm, Builder, Totp};

/// Seconds per time step (RFC 6238's recommendation, what every authenticator app uses).
pub const STEP_SECONDS: u64 = 30;
/// Wrong codes allowed per window before the user must wait.
pub const MAX_FAILURES: i64 = 5;
/// The window of wrong codes.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Recovery codes issued at once.
pub const RECOVERY_CODES: usize = 10;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;
/// Issuer shown in authenticator apps.
pub const ISSUER: &str = "dtz";

const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A TOTP over `secret` that accepts its own step only (the window is walked here, so
/// each step can be compared with the last one accepted).
pub fn totp(secret: &[u8], account: &str) -> std::result::Result<Totp, totp_rs::TotpError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(0)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec())
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
}

/// What a six-digit code matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMatch {
    /// A step later than the last accepted one.
    Fresh(i64),
    /// Only a step already used (a replay).
    Used,
    /// Nothing in the window.
    None,
}

/// The step `code` belongs to, looking one step back and one ahead of `now` for clock
/// drift, preferring steps after `last_step`.
pub fn match_step(t: &Totp, code: &str, now: OffsetDateTime, last_step: Option<i64>) -> StepMatch {
    let origin = now.unix_timestamp().max(0) / STEP_SECONDS as i64;
    let mut used = false;
    for step in (origin - 1).max(0)..=origin + 1 {
        let secs = u64::try_from(step).unwrap_or(0) * STEP_SECONDS;
        if t.check(code, secs).is_some() {
            if last_step.is_some_and(|l| step <= l) {
                used = true;
            } else {
                return StepMatch::Fresh(step);
            }
        }
    }
    if used { StepMatch::Used } else { StepMatch::None }
}

/// Whether wrong codes have used up the window.
pub fn locked(failures: i64, since: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    failures >= MAX_FAILURES && since.is_some_and(|s| now - s < FAILURE_WINDOW)
}

/// What people type, without spaces and dashes, lower case.
pub fn normalise(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect()
}

/// Whether a normalised code looks like a six-digit TOTP code.
pub fn is_totp_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// A recovery code: 16 characters in groups of four (80 random bits).
pub fn new_recovery_code() -> Result<String> {
    let mut bytes = [0u8; 16];
    dtz_store::crypto::random(&mut bytes)?;
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// The stored hash of a recovery code: SHA-256 over the user id and the normalised code.
/// The codes carry 80 random bits, so a fast hash suffices; the user id keeps one
/// user's hashes from matching another's.
pub fn recovery_hash(user: UserId, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"dtz recovery code|");
    h.update(user.0.as_bytes());
    h.update(normalise(code).as_bytes());
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn a_code_matches_its_step_and_neighbours_once() -> std::result::Result<(), totp_rs::TotpError> {
        let t = totp(&[7u8; 20], "ana@example.org")?;
        let now = at(1_700_000_000);
        let step = now.unix_timestamp() / 30;
        let code = t.generate(u64::try_from(now.unix_timestamp()).unwrap_or(0)).to_string();
        assert_eq!(match_step(&t, &code, now, None), StepMatch::Fresh(step));
        assert_eq!(match_step(&t, &code, now, Some(step)), StepMatch::Used);
        assert_eq!(match_step(&t, &code, now + Duration::seconds(30), None), StepMatch::Fresh(step));
        assert_eq!(match_step(&t, &code, now + Duration::seconds(90), None), StepMatch::None);
        assert_eq!(match_step(&t, "12345", now, None), StepMatch::None);
        Ok(())
    }

    #[test]
    fn five_wrong_codes_lock_for_the_window() {
        let now = at(1_700_000_000);
        assert!(!locked(4, Some(now), now));
        assert!(locked(5, Some(now), now + Duration::minutes(14)));
        assert!(!locked(5, Some(now), now + Duration::minutes(15)));
    }

    #[test]
    fn recovery_codes_are_random_and_hash_as_typed_loosely() -> Result<()> {
        let a = new_recovery_code()?;
        assert_eq!(a.len(), 19);
        assert_ne!(a, new_recovery_code()?);
        let u = UserId::new();
        assert_eq!(recovery_hash(u, &a), recovery_hash(u, &a.replace('-', " ").to_uppercase()));
        assert_ne!(recovery_hash(u, &a), recovery_hash(UserId::new(), &a));
        assert!(is_totp_code(&normalise("123 456")) && !is_totp_code(&normalise(&a)));
        Ok(())
    }
}
