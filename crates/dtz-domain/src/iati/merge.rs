//! One figure from the figures of several reporters: an IATI activity covers a set of
//! reporters (a member and the partners it funds, in its countries) that no rollup
//! grouping names, so the rollup is asked per reporter and the cells of an activity's
//! reporters are merged here. The rollup combines reporters by adding (counts,
//! numerators, denominators) and by counting values per level (distributions), so
//! merging per-reporter figures gives what the rollup gives over all of them at once — a
//! property test holds the two together.

use crate::results::rollup::Cell;
use crate::results::{Aggregation, Indicator, Measure};

fn sum(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.flatten().fold(None, |acc, v| Some(acc.unwrap_or(0).saturating_add(v)))
}

fn ratio(num: Option<i64>, den: Option<i64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d != 0 => Some(n as f64 / d as f64),
        _ => None,
    }
}

/// Merge the cells of several reporters for one period and part into one figure; `None`
/// when there is nothing to merge. Country and organisation are kept only when all cells
/// share them.
pub fn merge(indicator: &Indicator, cells: &[&Cell]) -> Option<Cell> {
    let first = cells.first()?;
    let common = |f: &dyn Fn(&Cell) -> Option<String>| cells.iter().all(|c| f(c) == f(first));
    let mut out = Cell {
        country: if common(&|c| c.country.map(|x| x.to_string())) { first.country } else { None },
        org: if common(&|c| c.org.map(|x| x.to_string())) { first.org } else { None },
        period: first.period,
        part: first.part.clone(),
        value: None,
        numerator: None,
        denominator: None,
        ratio: None,
        distribution: Default::default(),
        texts: Vec::new(),
        reporters: cells.iter().map(|c| c.reporters).sum(),
        includes_pending: cells.iter().any(|c| c.includes_pending),
        parts_mismatch: cells.iter().any(|c| c.parts_mismatch),
    };
    let adds = indicator.aggregation != Aggregation::None;
    match indicator.measure {
        Measure::Count if adds => out.value = sum(cells.iter().map(|c| c.value)),
        Measure::Percentage if adds => {
            out.numerator = sum(cells.iter().map(|c| c.numerator));
            out.denominator = sum(cells.iter().map(|c| c.denominator));
            out.ratio = ratio(out.numerator, out.denominator);
        }
        Measure::Text => out.texts = cells.iter().flat_map(|c| c.texts.iter().cloned()).collect(),
        _ => {
            for c in cells {
                for (k, n) in &c.distribution {
                    *out.distribution.entry(k.clone()).or_insert(0) += n;
                }
            }
            let counted = |c: &Cell| c.distribution.values().sum::<i64>();
            if out.distribution.values().sum::<i64>() == 1
                && let Some(one) = cells.iter().find(|c| counted(c) == 1)
            {
                out.value = one.value;
                out.numerator = one.numerator;
                out.denominator = one.denominator;
                out.ratio = one.ratio;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgId;
    use crate::org::CountryCode;
    use crate::results::rollup::{Grouping, Include, Part, ValuePoint, rollup};
    use crate::results::{Counts, Period, PeriodKind, Source};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn indicator(measure: Measure) -> Indicator {
        let aggregation = match measure {
            Measure::Count => Aggregation::Sum,
            Measure::Percentage => Aggregation::RatioOfSums,
            _ => Aggregation::None,
        };
        Indicator {
            code: "I".into(),
            title: "I".into(),
            definition: "d".into(),
            measure,
            aggregation,
            cumulative: false,
            counts: Counts::Persons,
            ascending: true,
            scale_max: (measure == Measure::Ordinal).then_some(4),
            disaggregations: vec!["sex".into()],
            verification: String::new(),
            references: Vec::new(),
            source: Source::Manual,
            computation: None,
        }
    }

    proptest! {
        #[test]
        fn merging_per_reporter_figures_gives_the_rollup_over_all_reporters(
            m in 0usize..4,
            values in proptest::collection::vec((0usize..3, 0usize..2, 0usize..3, 0i64..4, 1i64..50, 0i64..50), 1..30),
        ) {
            let measure = [Measure::Count, Measure::Percentage, Measure::YesNo, Measure::Ordinal][m];
            let ind = indicator(measure);
            let orgs = [OrgId::new(), OrgId::new(), OrgId::new()];
            let countries = ["BO", "PE"].map(|c| CountryCode::parse("c", c).unwrap_or_else(|_| unreachable!()));
            let parts = [Part::Total, Part::of("sex", "female"), Part::of("sex", "male")];
            let mut seen = std::collections::HashSet::new();
            let points: Vec<ValuePoint> = values
                .into_iter()
                .filter(|(o, c, p, ..)| seen.insert((*o, *c, *p)))
                .map(|(o, c, p, v, d, n)| ValuePoint {
                    country: countries[c],
                    org: orgs[o],
                    period: Period { year: 2016, part: 1, kind: PeriodKind::Year },
                    part: parts[p].clone(),
                    value: Some(match measure { Measure::YesNo => v % 2, Measure::Ordinal => 1 + v % 4, _ => v * 7 }),
                    numerator: Some(n.min(d)),
                    denominator: Some(d),
                    text: None,
                    approved: true,
                })
                .collect();
            let whole = rollup(&ind, &points, Include::ApprovedOnly, Grouping { period: true, part: true, ..Grouping::default() }, &[]);
            let each = rollup(&ind, &points, Include::ApprovedOnly, Grouping { country: true, org: true, period: true, part: true }, &[]);
            let mut groups: BTreeMap<(Option<Period>, Option<Part>), Vec<&Cell>> = BTreeMap::new();
            for c in &each {
                groups.entry((c.period, c.part.clone())).or_default().push(c);
            }
            prop_assert_eq!(whole.len(), groups.len());
            for w in &whole {
                let merged = merge(&ind, &groups[&(w.period, w.part.clone())]);
                let merged = merged.as_ref();
                prop_assert_eq!(merged.map(|x| (x.value, x.numerator, x.denominator, x.reporters)), Some((w.value, w.numerator, w.denominator, w.reporters)));
                prop_assert_eq!(merged.map(|x| &x.distribution), Some(&w.distribution));
                prop_assert_eq!(merged.and_then(|x| x.ratio), w.ratio);
            }
        }
    }
}
