//! Results of an IATI activity from approved figures, baselines and targets: pure
//! functions, so the mapping is tested without a database.
//!
//! - Counts are IATI unit measures (1); percentages (2) are the ratio of summed
//!   numerators and denominators; yes/no answers are units counting the "yes" answers
//!   (one reporter: 1 or 0); ordinal levels (4) are the median level of the reporters
//!   with the spread in a comment; descriptions are qualitative (5), their texts in the
//!   actual's comment.
//! - Baselines and targets of several countries add up the same way (counts and yes
//!   answers summed, percentages from summed parts, ordinal levels by their median).
//! - One period per reporting period that has a target or an actual; the total first,
//!   then one figure per option of every breakdown as a `dimension`.
//! - Case-derived counts (computed from cases, signals, referrals or prosecutions) pass
//!   through `Disclosed`: a suppressed count is omitted and explained in a comment, and
//!   every other option of its breakdown is withheld with it, so the total cannot give
//!   it away by subtraction.

use dtz_domain::disclosure::Disclosed;
use dtz_domain::iati::merge::merge;
use dtz_domain::results::rollup::{Cell, Part};
use dtz_domain::results::{Aggregation, Indicator, Level, Measure, Period, ResultNode, Source};
use dtz_formats::iati::model::{Baseline, Figure, IndicatorEl, Reference, ResultEl, ResultPeriod};
use dtz_store::values::GoalRow;
use std::collections::BTreeMap;
use time::Date;

/// Why a value is missing from an IATI file.
pub const SUPPRESSED: &str =
    "Fewer than 5: withheld to protect the children concerned (disclosure control); counted in the total.";
/// The same, for the options withheld with it.
pub const WITHHELD_WITH: &str =
    "Withheld with another option of this breakdown that has fewer than 5 (disclosure control).";

/// Whether an indicator's values are counted from case data and must pass disclosure
/// control before they leave dtz.
pub fn case_derived(i: &Indicator) -> bool {
    i.source == Source::Computed
        && i.computation
            .as_deref()
            .is_some_and(|c| ["cases", "signals", "referrals", "prosecutions"].iter().any(|p| c.starts_with(p)))
}

/// IATI IndicatorMeasure code of a measure.
pub fn measure_code(m: Measure) -> &'static str {
    match m {
        Measure::Count | Measure::YesNo => "1",
        Measure::Percentage => "2",
        Measure::Ordinal => "4",
        Measure::Text => "5",
    }
}

fn percent(num: i64, den: i64) -> Option<String> {
    (den != 0).then(|| {
        let p = num as f64 * 100.0 / den as f64;
        let s = format!("{p:.1}");
        s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
    })
}

fn median(levels: &mut [i64]) -> Option<i64> {
    levels.sort_unstable();
    levels.get(levels.len().saturating_sub(1) / 2).copied()
}

/// A figure's value and comment (for several non-additive values).
fn cell_figure(i: &Indicator, c: &Cell) -> Figure {
    let mut f = Figure::default();
    match i.measure {
        Measure::Count if i.aggregation != Aggregation::None => f.value = c.value.map(|v| v.to_string()),
        Measure::Percentage if i.aggregation != Aggregation::None => {
            f.value = c.numerator.zip(c.denominator).and_then(|(n, d)| percent(n, d));
        }
        Measure::Text => f.comment = Some(c.texts.join(" · ")).filter(|t| !t.is_empty()),
        Measure::YesNo => {
            f.value = Some(c.distribution.get("yes").copied().unwrap_or(c.value.unwrap_or(0)).to_string());
            let no = c.distribution.get("no").copied().unwrap_or(0);
            let yes = c.distribution.get("yes").copied().unwrap_or(0);
            if yes + no > 1 {
                f.comment = Some(format!("{yes} of {} reporting organisations answered yes.", yes + no));
            }
        }
        _ => {
            let mut levels: Vec<i64> = c
                .distribution
                .iter()
                .flat_map(|(k, n)| std::iter::repeat_n(k.parse::<i64>().ok(), usize::try_from(*n).unwrap_or(0)))
                .flatten()
                .collect();
            let several = levels.len() > 1;
            f.value = c.value.or_else(|| median(&mut levels)).map(|v| v.to_string());
            if i.measure == Measure::Percentage {
                f.value = c.numerator.zip(c.denominator).and_then(|(n, d)| percent(n, d));
            }
            if several {
                let spread: Vec<String> =
                    c.distribution.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k}: {n}")).collect();
                f.comment =
                    Some(format!("Median of {} reporting organisations ({}).", levels.len(), spread.join(", ")));
            }
        }
    }
    f
}

/// Baselines or targets of several countries as one value.
pub fn goal_value(i: &Indicator, rows: &[&GoalRow]) -> Option<String> {
    if rows.is_empty() || i.measure == Measure::Text {
        return None;
    }
    let sum = |f: &dyn Fn(&GoalRow) -> Option<i64>| rows.iter().filter_map(|r| f(r)).reduce(|a, b| a.saturating_add(b));
    match i.measure {
        Measure::Count | Measure::YesNo => sum(&|r| r.value).map(|v| v.to_string()),
        Measure::Percentage => sum(&|r| r.numerator).zip(sum(&|r| r.denominator)).and_then(|(n, d)| percent(n, d)),
        _ => median(&mut rows.iter().filter_map(|r| r.value).collect::<Vec<_>>()).map(|v| v.to_string()),
    }
}

fn dimension(part: &Part) -> Vec<(String, String)> {
    match part {
        Part::Total => Vec::new(),
        Part::Of { set, option } => vec![(set.clone(), option.clone())],
    }
}

/// Disclosure control over one period's actuals of a case-derived count (see the module
/// comment).
fn disclose(actuals: &mut [(Part, Figure)]) {
    let mut withheld_sets = Vec::new();
    for (part, f) in actuals.iter_mut() {
        let Some(n) = f.value.as_deref().and_then(|v| v.parse::<u64>().ok()) else { continue };
        match Disclosed::from_count(n, false) {
            Disclosed::Shown(v) => f.value = Some(v.to_string()),
            Disclosed::Suppressed => {
                f.value = None;
                f.comment = Some(SUPPRESSED.into());
                if let Part::Of { set, .. } = part {
                    withheld_sets.push(set.clone());
                }
            }
        }
    }
    for (part, f) in actuals.iter_mut() {
        if let Part::Of { set, .. } = part
            && withheld_sets.contains(set)
            && f.value.is_some()
        {
            f.value = None;
            f.comment = Some(WITHHELD_WITH.into());
        }
    }
}

/// What one indicator of one activity is made of.
pub struct IndicatorSources<'a> {
    /// Per-reporter cells of the activity (grouped by period and part).
    pub cells: Vec<&'a Cell>,
    /// Targets that count for the activity.
    pub targets: Vec<&'a GoalRow>,
    /// Baselines that count for the activity.
    pub baselines: Vec<&'a GoalRow>,
}

fn part_of(s: &str) -> Part {
    match s.split_once('=') {
        Some((set, option)) => Part::of(set, option),
        None => Part::Total,
    }
}

/// One indicator of an activity; `None` when it has nothing to say there.
pub fn indicator(i: &Indicator, src: &IndicatorSources, periods: &[Period], span: (Date, Date)) -> Option<IndicatorEl> {
    let mut by: BTreeMap<(Period, Part), Vec<&Cell>> = BTreeMap::new();
    for c in &src.cells {
        if let (Some(p), Some(part)) = (c.period, c.part.clone()) {
            by.entry((p, part)).or_default().push(c);
        }
    }
    let mut out_periods = Vec::new();
    for p in periods {
        let mut actuals: Vec<(Part, Figure)> = by
            .range((*p, Part::Total)..)
            .take_while(|((q, _), _)| q == p)
            .filter_map(|((_, part), cells)| merge(i, cells).map(|m| (part.clone(), cell_figure(i, &m))))
            .filter(|(_, f)| f.value.is_some() || f.comment.is_some())
            .collect();
        if case_derived(i) {
            disclose(&mut actuals);
        }
        let name = p.to_string();
        let mut target_parts: BTreeMap<Part, Vec<&GoalRow>> = BTreeMap::new();
        for t in src.targets.iter().filter(|t| t.period == name) {
            target_parts.entry(part_of(&t.part)).or_default().push(t);
        }
        let targets: Vec<Figure> = target_parts
            .iter()
            .filter_map(|(part, rows)| {
                goal_value(i, rows).map(|v| Figure { value: Some(v), dimensions: dimension(part), comment: None })
            })
            .collect();
        if actuals.is_empty() && targets.is_empty() {
            continue;
        }
        let actuals =
            actuals.into_iter().map(|(part, f)| Figure { dimensions: dimension(&part), ..f }).collect::<Vec<_>>();
        out_periods.push(ResultPeriod { start: p.start().max(span.0), end: p.end().min(span.1), targets, actuals });
    }
    let baseline = src.baselines.iter().filter_map(|b| b.period.parse::<i32>().ok()).min().map(|year| Baseline {
        year,
        value: goal_value(i, &src.baselines),
        comment: (src.baselines.len() > 1).then(|| format!("Sum of {} countries' baselines.", src.baselines.len())),
    });
    if out_periods.is_empty() && baseline.is_none() {
        return None;
    }
    let mut references = vec![Reference { vocabulary: "99".into(), code: i.code.clone() }];
    for r in &i.references {
        if let Some(sdg) = r.trim().strip_prefix("SDG ") {
            references.push(Reference { vocabulary: "9".into(), code: sdg.trim().to_owned() });
        }
    }
    Some(IndicatorEl {
        measure: measure_code(i.measure).into(),
        ascending: i.ascending,
        aggregation: matches!(i.measure, Measure::Count | Measure::YesNo) && i.aggregation != Aggregation::None,
        title: format!("{} {}", i.code, i.title),
        description: Some(i.definition.clone()).filter(|d| !d.trim().is_empty()),
        references,
        baseline,
        periods: out_periods,
    })
}

/// IATI ResultType of a framework level.
pub fn result_type(l: Level) -> &'static str {
    match l {
        Level::Goal => "3",
        Level::Outcome => "2",
        Level::Output => "1",
    }
}

/// One result per node with indicators that have something to say.
pub fn results(
    nodes: &[&ResultNode],
    mut indicator_of: impl FnMut(&Indicator) -> Option<IndicatorEl>,
) -> Vec<ResultEl> {
    nodes
        .iter()
        .filter_map(|n| {
            let indicators: Vec<IndicatorEl> = n.indicators.iter().filter_map(&mut indicator_of).collect();
            (!indicators.is_empty()).then(|| ResultEl {
                kind: result_type(n.level).into(),
                aggregation: indicators.iter().all(|i| i.aggregation),
                title: format!("{} {}", n.code, n.title),
                description: Some(n.description.clone()).filter(|d| !d.trim().is_empty()),
                indicators,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dtz_domain::results::{Counts, PeriodKind};

    fn ind(measure: Measure, source: Source, computation: Option<&str>) -> Indicator {
        Indicator {
            code: "G1.O2.1".into(),
            title: "Children who received care".into(),
            definition: "d".into(),
            measure,
            aggregation: if measure == Measure::Count { Aggregation::Sum } else { Aggregation::None },
            cumulative: false,
            counts: Counts::Persons,
            ascending: true,
            scale_max: (measure == Measure::Ordinal).then_some(4),
            disaggregations: vec!["sex".into()],
            verification: String::new(),
            references: vec!["SDG 16.2".into()],
            source,
            computation: computation.map(String::from),
        }
    }

    fn cell(period: Period, part: Part, value: i64) -> Cell {
        Cell {
            country: None,
            org: None,
            period: Some(period),
            part: Some(part),
            value: Some(value),
            numerator: None,
            denominator: None,
            ratio: None,
            distribution: BTreeMap::new(),
            texts: Vec::new(),
            reporters: 1,
            includes_pending: false,
            parts_mismatch: false,
        }
    }

    const Y: Period = Period { year: 2016, part: 1, kind: PeriodKind::Year };

    fn span() -> (Date, Date) {
        (time::macros::date!(2016 - 01 - 01), time::macros::date!(2020 - 12 - 31))
    }

    #[test]
    fn a_case_derived_count_below_five_is_omitted_and_explained_with_its_breakdown() {
        let i = ind(Measure::Count, Source::Computed, Some("cases.children_in_care"));
        assert!(case_derived(&i));
        let cells = [
            cell(Y, Part::Total, 45),
            cell(Y, Part::of("sex", "female"), 3),
            cell(Y, Part::of("sex", "male"), 40),
            cell(Y, Part::of("sex", "unknown"), 2),
        ];
        let src = IndicatorSources { cells: cells.iter().collect(), targets: Vec::new(), baselines: Vec::new() };
        let el = indicator(&i, &src, &[Y], span()).expect("has figures");
        let actuals = &el.periods[0].actuals;
        assert_eq!(actuals[0].value.as_deref(), Some("45"), "the total is shown");
        assert!(actuals[1..].iter().all(|f| f.value.is_none()), "{actuals:?}");
        assert_eq!(actuals[1].comment.as_deref(), Some(SUPPRESSED));
        assert_eq!(actuals[2].comment.as_deref(), Some(WITHHELD_WITH), "male would follow by subtraction");
        let manual = ind(Measure::Count, Source::Manual, None);
        let el = indicator(&manual, &src, &[Y], span()).expect("has figures");
        assert_eq!(el.periods[0].actuals[1].value.as_deref(), Some("3"), "entered counts are reported as entered");
        assert_eq!(el.references[1], Reference { vocabulary: "9".into(), code: "16.2".into() });
    }

    #[test]
    fn percentages_and_levels_become_iati_values() {
        assert_eq!(percent(1, 3).as_deref(), Some("33.3"));
        assert_eq!(percent(1, 2).as_deref(), Some("50"));
        assert_eq!(percent(1, 0), None);
        let ordinal = ind(Measure::Ordinal, Source::Manual, None);
        let mut c = cell(Y, Part::Total, 0);
        c.value = None;
        c.distribution = [("1".to_owned(), 1), ("2".to_owned(), 0), ("3".to_owned(), 2), ("4".to_owned(), 0)].into();
        let f = cell_figure(&ordinal, &c);
        assert_eq!(f.value.as_deref(), Some("3"));
        assert!(f.comment.is_some_and(|x| x.contains("Median of 3")));
    }
}
