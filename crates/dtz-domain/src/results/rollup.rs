//! Rollups: the one function, [`rollup`], that turns reported values of an indicator
//! into the figures every page, export and API answer shows (DESIGN §4). Nothing keeps
//! rollups in sync by hand; they are always derived again from the values.
//!
//! # The rules, in plain words
//!
//! **Which values.** Only approved values count, unless staff ask to see pending ones as
//! well ([`Include::WithPending`]). Then every figure that used a value not yet approved
//! says so (`includes_pending`), and pages mark it. Donors, exports and IATI only ever
//! get [`Include::ApprovedOnly`].
//!
//! **Reporters and reports.** A reporter is one organisation in one country. Its report
//! for a period is a total and/or parts; a part is one option of one category set, such
//! as `sex: female`, and every set has the option `unknown` for what a partner cannot
//! split. A percentage counts only when it has both numerator and denominator.
//!
//! **Totals from parts.** When a report has no total, its total is the sum of the parts
//! of one category set (every option, `unknown` included; an option left out counts as
//! nothing; with several sets, the first set by code). When a report has both a total
//! and parts and they do not add up, the reported total counts and the figure is
//! flagged (`parts_mismatch`). A report without parts of a set counts wholly as
//! `unknown` of that set, so the parts of every set add up to the total. Numerators and
//! denominators are added up from their parts the same way. ([`derive_total`])
//!
//! **Which period's values.** A per-period indicator uses the values of that period
//! only. A cumulative indicator (values are running totals since the programme started)
//! and a "latest" indicator use, for each reporter, its latest report at or before the
//! period: a reporter that did not report in a period still counts, with the figure it
//! reported before (carry-forward).
//!
//! **How values combine** (the measure decides the kind of figure):
//! - counts (aggregation sum or latest): the values are added.
//! - percentages (ratio of sums or latest): numerators are added, denominators are
//!   added, and the percentage is one sum divided by the other, never the average of
//!   percentages. Without a denominator above zero there is no percentage.
//! - yes/no, ordinal and text values, and any indicator with aggregation "none": not
//!   added. A figure shows how many values were yes and no, how many were at each level
//!   (or each count, or each numerator/denominator), or the list of texts. A figure made
//!   of exactly one value also shows that value.
//!
//! **What is kept apart.** A [`Grouping`] says which of country, organisation, period
//! and part are kept apart; everything else is combined. Without the period, a
//! per-period indicator adds up all the periods asked for, and a cumulative or latest
//! one gives its figure at the last of them (the running total at the end). Without
//! the part, only totals are used. A figure exists only where at least one value went
//! in; `reporters` says how many reporters did.
//!
//! **Duplicates.** The store gives one value per reporter, period and part. Should it
//! give more, they are added (counts, percentages) or each counted (distributions), so
//! that nothing is dropped silently.
//!
//! Progress against a target, in the indicator's direction: [`progress`].

mod cell;
mod progress;
mod report;
mod total;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

pub use progress::progress;
pub use total::{DerivedTotal, derive_total};

use crate::ids::OrgId;
use crate::org::CountryCode;
use crate::results::framework::{Aggregation, Indicator};
use crate::results::period::Period;
use cell::{Acc, Key};
use std::collections::BTreeMap;

/// What a value is about: the total, or one option of one category set.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The total over every option.
    Total,
    /// One option of one category set.
    Of {
        /// Category set code, e.g. `sex`.
        set: String,
        /// Option code, e.g. `female`, or [`UNKNOWN`](crate::results::UNKNOWN).
        option: String,
    },
}

impl Part {
    /// One option of one category set.
    pub fn of(set: &str, option: &str) -> Self {
        Part::Of { set: set.to_owned(), option: option.to_owned() }
    }
}

/// One reported value of one indicator, as the rollup reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuePoint {
    /// Country reported on.
    pub country: CountryCode,
    /// Reporting organisation.
    pub org: OrgId,
    /// Reporting period.
    pub period: Period,
    /// Total or one part.
    pub part: Part,
    /// A count, yes/no as 1/0, or an ordinal level 1..=scale_max.
    pub value: Option<i64>,
    /// Numerator of a percentage.
    pub numerator: Option<i64>,
    /// Denominator of a percentage.
    pub denominator: Option<i64>,
    /// A qualitative value.
    pub text: Option<String>,
    /// Approved by the alliance (only approved values reach donors, exports and IATI).
    pub approved: bool,
}

/// Which values a rollup uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Include {
    /// Approved values only: for donors, exports, IATI and public pages.
    ApprovedOnly,
    /// Pending values too, for staff; figures that used one say so.
    WithPending,
}

/// What a rollup keeps apart; everything else is combined. The default keeps nothing
/// apart: the alliance-wide figure over every period asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Grouping {
    /// One figure per country.
    pub country: bool,
    /// One figure per organisation.
    pub org: bool,
    /// One figure per period.
    pub period: bool,
    /// One figure per part (the total and every option of every category set).
    pub part: bool,
}

/// One figure of a rollup.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The country, when grouped by country.
    pub country: Option<CountryCode>,
    /// The organisation, when grouped by organisation.
    pub org: Option<OrgId>,
    /// The period, when grouped by period.
    pub period: Option<Period>,
    /// The part, when grouped by part.
    pub part: Option<Part>,
    /// The sum of counts; or the one value a non-additive figure was made of.
    pub value: Option<i64>,
    /// Sum of the numerators of a percentage.
    pub numerator: Option<i64>,
    /// Sum of the denominators of a percentage.
    pub denominator: Option<i64>,
    /// `numerator / denominator` as a fraction (0..=1 for a percentage); `None` when the
    /// denominator is zero.
    pub ratio: Option<f64>,
    /// How many values were at each level (`yes`/`no`, ordinal levels, counts or
    /// `numerator/denominator`) for figures that are not added up.
    pub distribution: BTreeMap<String, i64>,
    /// The texts of a text indicator.
    pub texts: Vec<String>,
    /// How many reporters (organisation × country) contributed.
    pub reporters: usize,
    /// Whether a value not yet approved went in (only with [`Include::WithPending`]).
    pub includes_pending: bool,
    /// Whether a report that went in has parts that do not add up to its total.
    pub parts_mismatch: bool,
}

/// Roll the values of one indicator up into figures, keeping apart what `grouping`
/// says, for the `periods` asked for (empty: every period with a value). The cells come
/// in a stable order: by country, organisation, period and part, `None` first.
pub fn rollup(
    indicator: &Indicator,
    points: &[ValuePoint],
    include: Include,
    grouping: Grouping,
    periods: &[Period],
) -> Vec<Cell> {
    let history = report::histories(indicator, points, include);
    let carry = indicator.cumulative || indicator.aggregation == Aggregation::Latest;
    let mut cells: BTreeMap<Key, Acc> = BTreeMap::new();
    for at in targets(periods, &history, carry, grouping.period) {
        for (&(country, org), reports) in &history {
            let Some(report) = report::select(reports, at, carry) else { continue };
            for (part, figs) in &report.parts {
                if !grouping.part && *part != Part::Total {
                    continue;
                }
                let key = (
                    grouping.country.then_some(country),
                    grouping.org.then_some(org),
                    grouping.period.then_some(at),
                    grouping.part.then(|| part.clone()),
                );
                cells.entry(key).or_default().add((country, org), report.mismatch, figs);
            }
        }
    }
    cells.into_iter().map(|(key, acc)| acc.finish(key, indicator)).collect()
}

/// The periods to compute figures for: each asked for (or each with a value), in time
/// order; only the last when a carried-forward figure is not kept apart by period.
fn targets(periods: &[Period], history: &report::Histories, carry: bool, by_period: bool) -> Vec<Period> {
    let mut list: Vec<Period> = if periods.is_empty() {
        history.values().flat_map(|reports| reports.keys().copied()).collect()
    } else {
        periods.to_vec()
    };
    list.sort_by_key(|p| (p.end(), p.start()));
    list.dedup();
    if carry && !by_period { list.split_off(list.len().saturating_sub(1)) } else { list }
}
