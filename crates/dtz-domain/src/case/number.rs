//! Case numbers that any site can allocate offline (DESIGN §3):
//! `<country>-<year>-<allocator>-<sequence>`, such as `BO-2026-H-0042`.
//!
//! The allocator is the code of the site that numbers the case: the hub is `H` unless
//! configured otherwise, and each field node gets a code of its own when it is enrolled.
//! Each allocator counts on its own per country and year, so two sites never hand out
//! the same number even when neither can reach the other, and nothing needs to be
//! reserved in advance. A random short id would need about 60 bits to keep offline
//! collisions negligible at alliance scale (which nothing could check before a sync),
//! and people read, say and type these numbers on the phone: a short count does that
//! better. The number tells only what the plaintext columns tell anyway (country, year)
//! and never changes, also not when the case moves to another organisation.

use crate::org::CountryCode;
use crate::validate::Invalid;
use serde::Serialize;
use std::fmt;

/// The code of the site allocating case numbers: 1–8 capital letters and digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Allocator(String);

impl Allocator {
    /// The hub's code when none is configured.
    pub const HUB: &'static str = "H";

    /// Check a code.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_ascii_uppercase();
        if (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            Ok(Self(s))
        } else {
            Err(Invalid::new(field, "Use 1 to 8 capital letters and digits."))
        }
    }

    /// The hub.
    pub fn hub() -> Self {
        Self(Self::HUB.to_owned())
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A case number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CaseNumber(String);

impl CaseNumber {
    /// The number `sequence` of `allocator` in `country` and `year`.
    pub fn new(country: CountryCode, year: i32, allocator: &Allocator, sequence: i64) -> Self {
        Self(format!("{}-{year:04}-{}-{sequence:04}", country.as_str(), allocator.as_str()))
    }

    /// Read a typed number: case and surrounding spaces do not matter.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = s.split('-').collect();
        let ok = match parts.as_slice() {
            [cc, year, alloc, seq] => {
                cc.len() == 2
                    && cc.chars().all(|c| c.is_ascii_uppercase())
                    && year.len() == 4
                    && year.chars().all(|c| c.is_ascii_digit())
                    && Allocator::parse(field, alloc).is_ok()
                    && (4..=12).contains(&seq.len())
                    && seq.chars().all(|c| c.is_ascii_digit())
            }
            _ => false,
        };
        if ok { Ok(Self(s)) } else { Err(Invalid::new(field, "Enter a case number such as BO-2026-H-0042.")) }
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_and_read_back() {
        let bo = CountryCode::parse("c", "BO").unwrap_or_else(|_| unreachable!());
        let n = CaseNumber::new(bo, 2026, &Allocator::hub(), 42);
        assert_eq!(n.as_str(), "BO-2026-H-0042");
        assert_eq!(CaseNumber::parse("n", " bo-2026-h-0042 "), Ok(n));
        let node = Allocator::parse("a", "n7").unwrap_or_else(|_| unreachable!());
        assert_eq!(CaseNumber::new(bo, 2026, &node, 123_456).as_str(), "BO-2026-N7-123456");
        for bad in ["", "BO-26-H-0042", "BO-2026-H-42", "B0-2026-H-0042", "BO-2026--0042", "BO-2026-H-0042-1"] {
            assert!(CaseNumber::parse("n", bad).is_err(), "{bad}");
        }
        assert!(Allocator::parse("a", "TOOLONGXX").is_err());
    }
}
