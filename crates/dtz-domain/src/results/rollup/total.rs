//! Totals from parts: the rule data entry and the rollup share.

use std::collections::BTreeMap;

/// The total of one reporter for one period: as reported, or added up from its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DerivedTotal {
    /// The reported total when there is one; else the sum of the parts of the first
    /// category set (by code); `None` when there is neither.
    pub value: Option<i64>,
    /// Whether `value` was added up from parts because no total was reported.
    pub derived: bool,
    /// Whether the parts of some category set do not add up to `value` (a reported
    /// total that disagrees with its parts, or sets that disagree with each other).
    pub mismatch: bool,
}

/// The total of one reporter × period (× numerator or denominator) from its reported
/// total, if any, and its parts as (category set code, value) pairs. All options of a
/// set, `unknown` included, add up to the total; an option left out counts as nothing.
/// When the reported total and the parts disagree, the reported total wins and the
/// result says `mismatch`.
pub fn derive_total(reported: Option<i64>, parts: &[(&str, i64)]) -> DerivedTotal {
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for &(set, v) in parts {
        let s = sums.entry(set).or_insert(0);
        *s = s.saturating_add(v);
    }
    let first = sums.values().next().copied();
    let value = reported.or(first);
    let mismatch = value.is_some_and(|t| sums.values().any(|&s| s != t));
    DerivedTotal { value, derived: reported.is_none() && first.is_some(), mismatch }
}
