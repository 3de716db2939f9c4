//! Progress monitoring: fixed, coarse tables of counts drawn from signals and cases, and
//! how they leave the case pages (DESIGN §5 "Disclosure control").
//!
//! A case supervisor sees exact counts within their own scope; everyone else allowed to
//! see aggregates sees every count as a [`Disclosed`]: 1–4 as "<5", others rounded to
//! base 5, and — where a table has a total — *complementary suppression*: when only one
//! cell of a table is suppressed, the next smallest non-zero cell is suppressed too, so
//! the total minus the shown cells cannot give the hidden one back.

use crate::access::{Actor, Area, Role, Scope};
use crate::disclosure::Disclosed;

/// How a reader sees the figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    /// A case supervisor: exact counts of the cases and signals in their scope.
    Exact {
        /// Cases they may see.
        cases: Scope,
        /// Signals they may see.
        signals: Scope,
    },
    /// Everyone else allowed to see aggregates: disclosed counts over their results scope.
    Disclosed {
        /// The results scope (organisation, country or all).
        scope: Scope,
    },
}

impl View {
    /// The view of `actor`, or `None` when monitoring is not for them (caseworkers without
    /// a supervisor role, providers, administrators: 404).
    pub fn of(actor: &Actor) -> Option<View> {
        if actor.has_role(Role::CaseSupervisor) {
            let only = Actor {
                user: actor.user,
                org: actor.org,
                roles: actor.roles.iter().filter(|r| r.role == Role::CaseSupervisor).cloned().collect(),
            };
            return Some(View::Exact { cases: only.scope(Area::Cases), signals: only.scope(Area::Signals) });
        }
        let aggregate = [Role::MeOfficer, Role::CountryCoordinator, Role::AllianceManager, Role::Donor];
        if !aggregate.iter().any(|r| actor.has_role(*r)) {
            return None;
        }
        let scope = actor.scope(Area::Results);
        (!scope.grants().is_empty()).then_some(View::Disclosed { scope })
    }

    /// Whether figures are exact.
    pub fn is_exact(&self) -> bool {
        matches!(self, View::Exact { .. })
    }

    /// Scope for case figures.
    pub fn cases(&self) -> &Scope {
        match self {
            View::Exact { cases, .. } => cases,
            View::Disclosed { scope } => scope,
        }
    }

    /// Scope for signal figures.
    pub fn signals(&self) -> &Scope {
        match self {
            View::Exact { signals, .. } => signals,
            View::Disclosed { scope } => scope,
        }
    }
}

/// One counted row: a label (a translation key) and its exact count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Translation key of the label.
    pub label: String,
    /// Exact count.
    pub count: u64,
}

/// A table of exact counts as the service computed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Translation key of the title.
    pub title: &'static str,
    /// Rows in display order (every category, zeros included, so the shape never
    /// depends on the data).
    pub rows: Vec<Row>,
    /// Whether a total row is shown.
    pub total: bool,
}

/// A table as the reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownTable {
    /// Translation key of the title.
    pub title: &'static str,
    /// Rows: label key and value.
    pub rows: Vec<(String, Disclosed)>,
    /// Total, when the table has one.
    pub total: Option<Disclosed>,
}

impl Table {
    /// The table for a reader: exact, or through disclosure control with complementary
    /// suppression.
    pub fn show(&self, exact: bool) -> ShownTable {
        let sum: u64 = self.rows.iter().map(|r| r.count).sum();
        if exact {
            return ShownTable {
                title: self.title,
                rows: self.rows.iter().map(|r| (r.label.clone(), Disclosed::Shown(r.count))).collect(),
                total: self.total.then_some(Disclosed::Shown(sum)),
            };
        }
        let mut cells: Vec<Disclosed> = self.rows.iter().map(|r| Disclosed::from_count(r.count, true)).collect();
        let total = self.total.then(|| Disclosed::from_count(sum, true));
        let suppressed = cells.iter().filter(|c| **c == Disclosed::Suppressed).count();
        if suppressed == 1 && total.is_some_and(|t| t != Disclosed::Suppressed) {
            // The smallest other non-zero cell hides with it.
            let other = self
                .rows
                .iter()
                .enumerate()
                .filter(|(i, r)| r.count > 0 && cells[*i] != Disclosed::Suppressed)
                .min_by_key(|(_, r)| r.count)
                .map(|(i, _)| i);
            if let Some(i) = other {
                cells[i] = Disclosed::Suppressed;
            }
        }
        ShownTable {
            title: self.title,
            rows: self.rows.iter().zip(cells).map(|(r, c)| (r.label.clone(), c)).collect(),
            total,
        }
    }
}

/// How long something took, over a number of cases.
#[derive(Clone, Debug, PartialEq)]
pub struct Durations {
    /// Translation key of what is measured.
    pub title: &'static str,
    /// Hours each took.
    pub hours: Vec<f64>,
}

/// Durations as the reader sees them.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownDurations {
    /// Translation key.
    pub title: &'static str,
    /// How many were measured (disclosed).
    pub count: Disclosed,
    /// Median and 90th percentile in hours, when they may be shown.
    pub median_p90: Option<(f64, f64)>,
}

/// The value at quantile `q` (0–1) of sorted values, nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

impl Durations {
    /// For a reader: statistics over fewer than five cases are not shown unless exact.
    pub fn show(&self, exact: bool) -> ShownDurations {
        let mut v = self.hours.clone();
        v.sort_by(f64::total_cmp);
        let n = v.len() as u64;
        let count = if exact { Disclosed::Shown(n) } else { Disclosed::from_count(n, true) };
        let may = exact || n >= crate::disclosure::SUPPRESS_BELOW;
        let median_p90 = match (may, quantile(&v, 0.5), quantile(&v, 0.9)) {
            (true, Some(m), Some(p)) => Some((m, p)),
            _ => None,
        };
        ShownDurations { title: self.title, count, median_p90 }
    }
}

/// A share, such as referrals completed of those that came to an end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Translation key of what is measured.
    pub title: &'static str,
    /// How many of the whole.
    pub part: u64,
    /// The whole.
    pub whole: u64,
}

/// A share as the reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownRate {
    /// Translation key.
    pub title: &'static str,
    /// Percent, when it may be shown.
    pub percent: Option<u64>,
    /// The whole (disclosed).
    pub whole: Disclosed,
}

impl Rate {
    /// For a reader: unless exact, a share is shown only when neither its part, nor the
    /// rest, nor the whole is a small count (any of them would give the others away).
    pub fn show(&self, exact: bool) -> ShownRate {
        let small = |n: u64| n > 0 && n < crate::disclosure::SUPPRESS_BELOW;
        let rest = self.whole.saturating_sub(self.part);
        let may = self.whole > 0 && (exact || !(small(self.part) || small(rest) || small(self.whole)));
        ShownRate {
            title: self.title,
            percent: may.then(|| self.part * 100 / self.whole),
            whole: if exact { Disclosed::Shown(self.whole) } else { Disclosed::from_count(self.whole, true) },
        }
    }
}

/// One section of the monitoring page: a heading, tables, durations and shares.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Translation key of the heading.
    pub title: &'static str,
    /// Tables.
    pub tables: Vec<Table>,
    /// Durations.
    pub durations: Vec<Durations>,
    /// Shares.
    pub rates: Vec<Rate>,
}

/// A section as the reader sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownSection {
    /// Translation key of the heading.
    pub title: &'static str,
    /// Tables.
    pub tables: Vec<ShownTable>,
    /// Durations.
    pub durations: Vec<ShownDurations>,
    /// Shares.
    pub rates: Vec<ShownRate>,
}

impl Section {
    /// The section for a reader.
    pub fn show(&self, exact: bool) -> ShownSection {
        ShownSection {
            title: self.title,
            tables: self.tables.iter().map(|t| t.show(exact)).collect(),
            durations: self.durations.iter().map(|d| d.show(exact)).collect(),
            rates: self.rates.iter().map(|r| r.show(exact)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(counts: &[u64]) -> Table {
        Table {
            title: "t",
            rows: counts.iter().enumerate().map(|(i, c)| Row { label: format!("r{i}"), count: *c }).collect(),
            total: true,
        }
    }

    #[test]
    fn a_share_is_withheld_when_its_part_or_rest_is_small_unless_exact() {
        let r = |part, whole| Rate { title: "r", part, whole };
        assert_eq!(r(9, 12).show(false).percent, None, "3 not completed would show");
        assert_eq!(r(9, 12).show(true).percent, Some(75));
        assert_eq!(r(10, 20).show(false).percent, Some(50));
        assert_eq!(r(0, 20).show(false).percent, Some(0));
        assert_eq!(r(0, 0).show(true).percent, None);
    }

    #[test]
    fn a_lone_small_cell_takes_the_next_smallest_with_it() {
        let s = table(&[3, 40, 12, 0]).show(false);
        assert_eq!(s.rows[0].1, Disclosed::Suppressed);
        assert_eq!(s.rows[2].1, Disclosed::Suppressed, "12 is hidden too");
        assert_eq!(s.rows[1].1, Disclosed::Shown(40));
        assert_eq!(s.rows[3].1, Disclosed::Shown(0));
        assert_eq!(s.total, Some(Disclosed::Shown(55)));
    }

    #[test]
    fn supervisors_see_exact_counts() {
        let s = table(&[3, 40]).show(true);
        assert_eq!(s.rows[0].1, Disclosed::Shown(3));
        assert_eq!(s.total, Some(Disclosed::Shown(43)));
    }

    #[test]
    fn durations_over_few_cases_are_not_shown() {
        let d = Durations { title: "d", hours: vec![1.0, 2.0, 3.0] };
        assert_eq!(d.show(false).median_p90, None);
        assert_eq!(d.show(true).median_p90, Some((2.0, 3.0)));
        let d = Durations { title: "d", hours: (1..=10).map(f64::from).collect() };
        assert_eq!(d.show(false).median_p90, Some((5.0, 9.0)));
    }

    proptest! {
        /// No table shows exactly one suppressed cell beside a shown total, and no
        /// count of 1–4 is ever shown.
        #[test]
        fn no_single_hidden_cell_can_be_recovered(counts in proptest::collection::vec(0u64..30, 1..8)) {
            let s = table(&counts).show(false);
            let hidden = s.rows.iter().filter(|r| r.1 == Disclosed::Suppressed).count();
            let total_shown = s.total.is_some_and(|t| t != Disclosed::Suppressed);
            prop_assert!(!(hidden == 1 && total_shown && counts.iter().filter(|c| **c > 0).count() > 1));
            for ((_, shown), n) in s.rows.iter().zip(&counts) {
                if (1..5).contains(n) {
                    prop_assert_eq!(*shown, Disclosed::Suppressed);
                }
            }
        }
    }
}
