//! Accounts: e-mail addresses, names, languages and the password rule.

use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};

/// A normalised e-mail address (trimmed, lower-case), the login name of a user.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Longest e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;

impl Email {
    /// Parse and normalise. Only the shape is checked: one `@`, something on both sides,
    /// a dot in the domain; delivery proves the rest.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        let e = s.trim().to_lowercase();
        let bad = || Invalid::new(field, "Enter an e-mail address such as name@example.org.");
        if e.is_empty() || e.len() > EMAIL_MAX || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        match e.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@') =>
            {
                Ok(Self(e))
            }
            _ => Err(bad()),
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse("email", &s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest display name of a person.
pub const PERSON_NAME_MAX: usize = 120;

/// A person's display name.
pub fn person_name(field: &str, s: &str) -> Result<String, Invalid> {
    validate::text(field, s, PERSON_NAME_MAX)
}

/// Languages the staff pages can be shown in; adding one is adding a Fluent file and a
/// line here.
pub const STAFF_LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("es", "Español")];

/// A language tag for the staff pages (`en`, `es`, …).
pub fn staff_language(field: &str, s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    STAFF_LANGUAGES
        .iter()
        .find(|(code, _)| *code == s)
        .map(|(code, _)| (*code).to_owned())
        .ok_or_else(|| Invalid::new(field, "Choose one of the languages offered."))
}

/// Shortest password accepted.
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted (bounds the hashing work one request can cause).
pub const PASSWORD_MAX: usize = 256;

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// The password rule of NIST SP 800-63B: long enough, not a known common password, no
/// composition rules.
pub fn check_password(field: &str, pw: &str) -> Result<(), Invalid> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN {
        return Err(Invalid::new(field, format!("Use at least {PASSWORD_MIN} characters.")));
    }
    if n > PASSWORD_MAX {
        return Err(Invalid::new(field, format!("Use at most {PASSWORD_MAX} characters.")));
    }
    let lower = pw.to_lowercase();
    if COMMON_PASSWORDS.lines().any(|l| l == lower) {
        return Err(Invalid::new(field, "This password is on a list of common passwords. Choose another one."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("e", "  Ana@Example.ORG ").map(|e| e.0), Ok("ana@example.org".into()));
        for bad in ["", "ana", "ana@", "@x.org", "ana@org", "a b@x.org", "ana@x.org."] {
            assert!(Email::parse("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert!(check_password("p", "short").is_err());
        assert!(check_password("p", "1234567890").is_err());
        assert!(check_password("p", "QWERTYUIOP").is_err());
        assert!(check_password("p", "correct horse battery").is_ok());
    }

    #[test]
    fn the_common_password_list_is_sorted_lowercase_and_long_enough() {
        let lines: Vec<&str> = COMMON_PASSWORDS.lines().collect();
        assert!(lines.len() > 100);
        assert!(lines.iter().all(|l| l.len() >= PASSWORD_MIN && l.to_lowercase() == *l));
    }
}
