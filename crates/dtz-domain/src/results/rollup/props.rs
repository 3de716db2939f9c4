//! Property tests of the rollup rules.

use super::tests::{count, indicator, org, year};
use super::*;
use crate::results::framework::{Measure, UNKNOWN};
use proptest::prelude::*;

const COUNTRIES: [&str; 4] = ["BO", "IN", "PH", "TH"];
const YEARS: [i32; 3] = [2016, 2017, 2018];

fn years() -> Vec<Period> {
    YEARS.map(year).to_vec()
}

fn by_country(period: bool) -> Grouping {
    Grouping { country: true, period, ..Grouping::default() }
}

fn per_period() -> Grouping {
    Grouping { period: true, ..Grouping::default() }
}

fn arb_part() -> impl Strategy<Value = Part> {
    prop_oneof![
        3 => Just(Part::Total),
        1 => Just(Part::of("sex", "female")),
        1 => Just(Part::of("sex", "male")),
        1 => Just(Part::of("sex", UNKNOWN)),
        1 => Just(Part::of("age", "0-11")),
        1 => Just(Part::of("age", UNKNOWN)),
    ]
}

/// Any values: totals and parts, consistent or not, approved or pending, duplicates.
fn arb_points() -> impl Strategy<Value = Vec<ValuePoint>> {
    let point = (0..COUNTRIES.len(), 0u128..3, 0..YEARS.len(), arb_part(), 0i64..1000, 0i64..500, any::<bool>());
    let point = point.prop_map(|(c, o, y, part, value, extra, approved)| ValuePoint {
        part,
        numerator: Some(value),
        denominator: Some(value + extra),
        text: Some(format!("t{value}")),
        approved,
        ..count(COUNTRIES[c], o, YEARS[y], value % 6)
    });
    prop::collection::vec(point, 0..40)
}

/// Approved totals only (one point per reporter and period, at most).
fn arb_totals() -> impl Strategy<Value = Vec<ValuePoint>> {
    let point = (0..COUNTRIES.len(), 0u128..3, 0..YEARS.len(), 0i64..1000, 0i64..1000);
    let point = point.prop_map(|(c, o, y, num, extra)| ValuePoint {
        numerator: Some(num),
        denominator: Some(num + extra),
        ..count(COUNTRIES[c], o, YEARS[y], num)
    });
    prop::collection::vec(point, 1..30).prop_map(|mut v| {
        v.sort_by_key(|p| (p.country, p.org, p.period));
        v.dedup_by_key(|p| (p.country, p.org, p.period));
        v
    })
}

/// Every kind of indicator the rollup knows.
fn kinds() -> Vec<Indicator> {
    use Aggregation as A;
    let mut out = Vec::new();
    for (m, a) in [
        (Measure::Count, A::Sum),
        (Measure::Count, A::Latest),
        (Measure::Count, A::None),
        (Measure::Percentage, A::RatioOfSums),
        (Measure::Percentage, A::Latest),
        (Measure::YesNo, A::None),
        (Measure::Ordinal, A::Latest),
        (Measure::Text, A::None),
    ] {
        out.push(indicator(m, a, false));
        out.push(indicator(m, a, true));
    }
    out
}

fn groupings() -> Vec<Grouping> {
    (0..16u8).map(|b| Grouping { country: b & 1 != 0, org: b & 2 != 0, period: b & 4 != 0, part: b & 8 != 0 }).collect()
}

type Checked = Result<(), TestCaseError>;

/// (1) With grouping by country, the alliance figure of a count is the sum of the
/// country figures, period by period, for per-period, cumulative and latest counts.
fn alliance_is_sum_of_countries(points: &[ValuePoint], cumulative: bool) -> Checked {
    let sum = indicator(Measure::Count, Aggregation::Sum, cumulative);
    for ind in [sum, indicator(Measure::Count, Aggregation::Latest, false)] {
        for include in [Include::ApprovedOnly, Include::WithPending] {
            let alliance = rollup(&ind, points, include, per_period(), &years());
            let countries = rollup(&ind, points, include, by_country(true), &years());
            for cell in &alliance {
                let parts = countries.iter().filter(|c| c.period == cell.period);
                prop_assert_eq!(cell.value, parts.filter_map(|c| c.value).reduce(|a, b| a + b));
            }
        }
    }
    Ok(())
}

/// A per-period count adds exactly the values of the period.
fn per_period_adds_the_period(points: &[ValuePoint]) -> Checked {
    let ind = indicator(Measure::Count, Aggregation::Sum, false);
    for cell in rollup(&ind, points, Include::ApprovedOnly, per_period(), &years()) {
        let want: i64 = points.iter().filter(|p| Some(p.period) == cell.period).filter_map(|p| p.value).sum();
        prop_assert_eq!(cell.value, Some(want));
    }
    Ok(())
}

/// (2) The alliance percentage is sum(numerators) / sum(denominators), from the values
/// and from the country figures alike (and so not the mean of the country ratios).
fn ratio_of_sums(points: &[ValuePoint]) -> Checked {
    let ind = indicator(Measure::Percentage, Aggregation::RatioOfSums, false);
    let alliance = rollup(&ind, points, Include::ApprovedOnly, Grouping::default(), &years());
    let countries = rollup(&ind, points, Include::ApprovedOnly, by_country(false), &years());
    let num: i64 = countries.iter().filter_map(|c| c.numerator).sum();
    let den: i64 = countries.iter().filter_map(|c| c.denominator).sum();
    prop_assert_eq!(num, points.iter().filter_map(|p| p.numerator).sum::<i64>());
    prop_assert_eq!(den, points.iter().filter_map(|p| p.denominator).sum::<i64>());
    prop_assert_eq!((alliance[0].numerator, alliance[0].denominator), (Some(num), Some(den)));
    prop_assert_eq!(alliance[0].ratio, (den != 0).then(|| num as f64 / den as f64));
    Ok(())
}

/// (3) Parts with `unknown` add up to the derived total; a consistent reported total is
/// kept; a reported total that disagrees wins and is flagged.
fn parts_add_up(female: i64, male: i64, unknown: i64, x: i64, given: bool) -> Checked {
    let total = female + male + unknown;
    let young = x % (total + 1);
    let parts = [("sex", female), ("sex", male), ("sex", unknown), ("age", young), ("age", total - young)];
    let d = derive_total(given.then_some(total), &parts);
    prop_assert_eq!(d, DerivedTotal { value: Some(total), derived: !given, mismatch: false });
    let off = derive_total(Some(total + 1 + x), &parts);
    prop_assert_eq!((off.value, off.mismatch), (Some(total + 1 + x), true));
    Ok(())
}

/// (3) In a rollup by part, the parts of every set (with `unknown`) add up to the total,
/// whatever mix of totals, sex parts and age parts the reporters gave.
fn sets_add_up_in_rollup(reports: &[(i64, i64, i64, i64, u8)]) -> Checked {
    let mut points = Vec::new();
    let mut want = 0;
    for (i, &(f, m, u, x, shape)) in reports.iter().enumerate() {
        let (c, o, total) = (COUNTRIES[i % COUNTRIES.len()], i as u128, f + m + u);
        want += total;
        let young = x % (total + 1);
        let mut at = |part: Part, v: i64| points.push(ValuePoint { part, ..count(c, o, 2016, v) });
        if shape & 1 != 0 || shape & 6 == 0 {
            at(Part::Total, total)
        }
        if shape & 2 != 0 {
            at(Part::of("sex", "female"), f);
            at(Part::of("sex", "male"), m);
            at(Part::of("sex", UNKNOWN), u);
        }
        if shape & 4 != 0 {
            at(Part::of("age", "0-11"), young);
            at(Part::of("age", UNKNOWN), total - young);
        }
    }
    let sets = vec!["sex".into(), "age".into()];
    let ind = Indicator { disaggregations: sets, ..indicator(Measure::Count, Aggregation::Sum, false) };
    let cells = rollup(&ind, &points, Include::ApprovedOnly, Grouping { part: true, ..Grouping::default() }, &[]);
    let in_set = |c: &&Cell, set: &str| matches!(&c.part, Some(Part::Of { set: s, .. }) if s == set);
    let sum_of = |set: &str| cells.iter().filter(|c| in_set(c, set)).filter_map(|c| c.value).sum::<i64>();
    prop_assert_eq!(cells[0].part.clone(), Some(Part::Total));
    prop_assert_eq!(cells[0].value, Some(want));
    prop_assert_eq!(sum_of("sex"), want);
    prop_assert_eq!(sum_of("age"), want);
    prop_assert!(cells.iter().all(|c| !c.parts_mismatch));
    Ok(())
}

/// (4) A cumulative count: each reporter counts in every period with its latest running
/// total so far (also in periods it did not report), so the alliance figure never falls.
fn carry_forward(reporters: &[([i64; 3], [bool; 3])]) -> Checked {
    let ind = indicator(Measure::Count, Aggregation::Sum, true);
    let mut points = Vec::new();
    for (r, (steps, reported)) in reporters.iter().enumerate() {
        let mut running = 0;
        for y in 0..YEARS.len() {
            running += steps[y];
            if reported[y] {
                points.push(count(COUNTRIES[r % COUNTRIES.len()], r as u128, YEARS[y], running));
            }
        }
    }
    let cells = rollup(&ind, &points, Include::ApprovedOnly, per_period(), &years());
    let mut last = 0;
    for period in years() {
        let so_far = |r: usize| points.iter().rfind(|p| p.org == org(r as u128) && p.period <= period);
        let want: Vec<i64> = (0..reporters.len()).filter_map(|r| so_far(r).and_then(|p| p.value)).collect();
        let cell = cells.iter().find(|c| c.period == Some(period));
        prop_assert_eq!(cell.and_then(|c| c.value).unwrap_or(0), want.iter().sum::<i64>(), "{}", period);
        prop_assert_eq!(cell.map_or(0, |c| c.reporters), want.len());
        let got = cell.and_then(|c| c.value).unwrap_or(0);
        prop_assert!(got >= last);
        last = got;
    }
    Ok(())
}

/// (5) Changing or moving values that are not approved never changes what
/// `ApprovedOnly` gives, and nothing it gives is marked pending.
fn approved_only_ignores_pending(points: &[ValuePoint], shift: i64) -> Checked {
    let changed: Vec<ValuePoint> = points
        .iter()
        .map(|p| match p.approved {
            true => p.clone(),
            false => ValuePoint {
                value: p.value.map(|v| v + shift),
                numerator: None,
                text: Some("changed".into()),
                part: Part::of("other", "x"),
                period: year(2019),
                ..p.clone()
            },
        })
        .collect();
    for ind in kinds() {
        for g in [Grouping::default(), Grouping { country: true, period: true, part: true, org: true }] {
            let before = rollup(&ind, points, Include::ApprovedOnly, g, &[]);
            prop_assert_eq!(&before, &rollup(&ind, &changed, Include::ApprovedOnly, g, &[]));
            prop_assert!(before.iter().all(|c| !c.includes_pending));
        }
    }
    Ok(())
}

/// (5) `WithPending` marks exactly the cells a pending value went into.
fn with_pending_marks(points: &[ValuePoint], pending: &[bool]) -> Checked {
    let points: Vec<ValuePoint> =
        points.iter().zip(pending).map(|(p, &pending)| ValuePoint { approved: !pending, ..p.clone() }).collect();
    let ind = indicator(Measure::Count, Aggregation::Sum, false);
    let all = Grouping { country: true, org: true, period: true, part: false };
    for cell in rollup(&ind, &points, Include::WithPending, all, &[]) {
        let here =
            |p: &&ValuePoint| (Some(p.country), Some(p.org), Some(p.period)) == (cell.country, cell.org, cell.period);
        prop_assert_eq!(cell.includes_pending, points.iter().filter(here).any(|p| !p.approved));
    }
    let alliance = rollup(&ind, &points, Include::WithPending, Grouping::default(), &[]);
    prop_assert_eq!(alliance[0].includes_pending, points.iter().any(|p| !p.approved));
    Ok(())
}

/// (6) The order of the values does not matter, for any indicator and grouping.
fn order_free(points: &[ValuePoint], shuffled: &[ValuePoint], g: Grouping, include: Include) -> Checked {
    for ind in kinds() {
        prop_assert_eq!(rollup(&ind, points, include, g, &years()), rollup(&ind, shuffled, include, g, &years()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_alliance_total_of_a_count_is_the_sum_of_its_countries(p in arb_points(), cumulative: bool) {
        alliance_is_sum_of_countries(&p, cumulative)?;
    }

    #[test]
    fn a_per_period_count_adds_the_values_of_the_period(p in arb_totals()) {
        per_period_adds_the_period(&p)?;
    }

    #[test]
    fn a_percentage_is_the_ratio_of_summed_numerators_and_denominators(p in arb_totals()) {
        ratio_of_sums(&p)?;
    }

    #[test]
    fn parts_with_unknown_add_up_to_the_derived_total(
        f in 0i64..1000, m in 0i64..1000, u in 0i64..1000, x in 0i64..10_000, given: bool,
    ) {
        parts_add_up(f, m, u, x, given)?;
    }

    #[test]
    fn in_a_rollup_every_set_adds_up_to_the_total(
        r in prop::collection::vec((0i64..100, 0i64..100, 0i64..100, 0i64..1000, 0u8..8), 1..12),
    ) {
        sets_add_up_in_rollup(&r)?;
    }

    #[test]
    fn cumulative_figures_carry_forward_and_never_fall(
        r in prop::collection::vec((prop::array::uniform3(0i64..100), prop::array::uniform3(any::<bool>())), 1..8),
    ) {
        carry_forward(&r)?;
    }

    #[test]
    fn approved_only_never_uses_a_pending_value(p in arb_points(), shift in 1i64..50) {
        approved_only_ignores_pending(&p, shift)?;
    }

    #[test]
    fn with_pending_marks_the_cells_that_used_a_pending_value(
        p in arb_totals(), pending in prop::collection::vec(any::<bool>(), 30),
    ) {
        with_pending_marks(&p, &pending)?;
    }

    #[test]
    fn the_order_of_the_values_does_not_matter(
        (p, shuffled) in arb_points().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        g in 0..16usize,
        pending: bool,
    ) {
        let include = if pending { Include::WithPending } else { Include::ApprovedOnly };
        order_free(&p, &shuffled, groupings()[g], include)?;
    }
}
