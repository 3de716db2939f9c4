//! Disclosure control (DESIGN §5): every count drawn from case data that leaves the case
//! pages is a [`Disclosed`] value, so small counts cannot leak by accident.

use serde::{Serialize, Serializer};

/// Counts from 1 up to this bound are shown only as "<5".
pub const SUPPRESS_BELOW: u64 = 5;

/// A count that has passed disclosure control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosed {
    /// Zero, or a count large enough to show (possibly rounded).
    Shown(u64),
    /// A count of 1–4, shown as "<5" and omitted from IATI.
    Suppressed,
}

impl Disclosed {
    /// Apply the rule to an exact count; `round_to_5` rounds shown counts to base 5.
    pub fn from_count(n: u64, round_to_5: bool) -> Self {
        match n {
            0 => Disclosed::Shown(0),
            n if n < SUPPRESS_BELOW => Disclosed::Suppressed,
            n if round_to_5 => Disclosed::Shown((n + 2) / 5 * 5),
            n => Disclosed::Shown(n),
        }
    }

    /// The value, if it may be shown.
    pub fn value(self) -> Option<u64> {
        match self {
            Disclosed::Shown(n) => Some(n),
            Disclosed::Suppressed => None,
        }
    }
}

impl std::fmt::Display for Disclosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Disclosed::Shown(n) => write!(f, "{n}"),
            Disclosed::Suppressed => f.write_str("<5"),
        }
    }
}

impl Serialize for Disclosed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn small_counts_never_show(n in 1u64..5, round in any::<bool>()) {
            prop_assert_eq!(Disclosed::from_count(n, round), Disclosed::Suppressed);
        }

        #[test]
        fn rounded_counts_are_multiples_of_five_within_two(n in 5u64..1_000_000) {
            let v = Disclosed::from_count(n, true).value().unwrap_or(0);
            prop_assert_eq!(v % 5, 0);
            prop_assert!(v.abs_diff(n) <= 2);
            prop_assert!(v >= 5);
        }

        #[test]
        fn unrounded_counts_are_exact(n in 5u64..1_000_000) {
            prop_assert_eq!(Disclosed::from_count(n, false).value(), Some(n));
        }
    }
}
