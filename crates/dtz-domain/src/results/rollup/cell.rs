//! Cells: the values that went into one figure, and how they combine.

use super::report::{Fig, Reporter};
use super::{Cell, Part};
use crate::ids::OrgId;
use crate::org::CountryCode;
use crate::results::framework::{Aggregation, Indicator, Measure};
use crate::results::period::Period;
use std::collections::{BTreeMap, BTreeSet};

/// What a cell keeps apart (country, organisation, period, part).
pub(super) type Key = (Option<CountryCode>, Option<OrgId>, Option<Period>, Option<Part>);

/// Highest ordinal level listed with a zero count when nobody chose it.
const MAX_LEVELS: i64 = 100;

/// The values that went into one cell.
#[derive(Debug, Default)]
pub(super) struct Acc {
    reporters: BTreeSet<Reporter>,
    figs: Vec<Fig>,
    mismatch: bool,
}

impl Acc {
    /// Add the values of one reporter's report (or one part of it).
    pub(super) fn add(&mut self, reporter: Reporter, mismatch: bool, figs: &[Fig]) {
        self.reporters.insert(reporter);
        self.mismatch |= mismatch;
        self.figs.extend_from_slice(figs);
    }

    /// The figure.
    pub(super) fn finish(self, key: Key, indicator: &Indicator) -> Cell {
        let (country, org, period, part) = key;
        let mut cell = Cell {
            country,
            org,
            period,
            part,
            value: None,
            numerator: None,
            denominator: None,
            ratio: None,
            distribution: BTreeMap::new(),
            texts: Vec::new(),
            reporters: self.reporters.len(),
            includes_pending: self.figs.iter().any(|f| f.pending),
            parts_mismatch: self.mismatch,
        };
        let adds = indicator.aggregation != Aggregation::None;
        match indicator.measure {
            Measure::Count if adds => cell.value = sum(self.figs.iter().map(|f| f.value)),
            Measure::Percentage if adds => {
                cell.numerator = sum(self.figs.iter().map(|f| f.num));
                cell.denominator = sum(self.figs.iter().map(|f| f.den));
                cell.ratio = ratio(cell.numerator, cell.denominator);
            }
            Measure::Text => cell.texts = self.figs.iter().filter_map(|f| f.text.clone()).collect(),
            _ => {
                cell.distribution = distribution(indicator, &self.figs);
                if let [one] = self.figs.as_slice() {
                    cell.value = one.value;
                    cell.numerator = one.num;
                    cell.denominator = one.den;
                    cell.ratio = ratio(one.num, one.den);
                }
            }
        }
        cell
    }
}

/// The sum of the values present; `None` when none is.
fn sum(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.flatten().fold(None, |acc, v| Some(acc.unwrap_or(0).saturating_add(v)))
}

/// Numerator divided by denominator; `None` without a denominator or when it is zero.
fn ratio(num: Option<i64>, den: Option<i64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d != 0 => Some(n as f64 / d as f64),
        _ => None,
    }
}

/// How many values were at each level: `yes` and `no` (both always listed), every
/// ordinal level 1..=scale_max (listed even when nobody chose it), each count, or each
/// `numerator/denominator`.
fn distribution(indicator: &Indicator, figs: &[Fig]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    match indicator.measure {
        Measure::YesNo => {
            out.insert("yes".to_owned(), 0);
            out.insert("no".to_owned(), 0);
        }
        Measure::Ordinal => {
            for level in 1..=indicator.scale_max.unwrap_or(0).min(MAX_LEVELS) {
                out.insert(level.to_string(), 0);
            }
        }
        Measure::Count | Measure::Percentage | Measure::Text => {}
    }
    for f in figs {
        let key = match (indicator.measure, f.value, f.num, f.den) {
            (Measure::YesNo, Some(v), _, _) => (if v == 0 { "no" } else { "yes" }).to_owned(),
            (Measure::Percentage, _, Some(n), Some(d)) => format!("{n}/{d}"),
            (_, Some(v), _, _) => v.to_string(),
            _ => continue,
        };
        *out.entry(key).or_insert(0) += 1;
    }
    out
}
