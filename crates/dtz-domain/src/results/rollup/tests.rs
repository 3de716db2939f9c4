//! Hand-worked examples of every rule.

use super::*;
use crate::results::framework::{Counts, Measure, Source, UNKNOWN};
use crate::results::period::PeriodKind;
use uuid::Uuid;

pub(super) fn country(code: &str) -> CountryCode {
    CountryCode::parse("country", code).unwrap()
}

pub(super) fn org(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(n + 1))
}

pub(super) fn year(y: i32) -> Period {
    Period { year: y, part: 1, kind: PeriodKind::Year }
}

pub(super) fn indicator(measure: Measure, aggregation: Aggregation, cumulative: bool) -> Indicator {
    Indicator {
        code: "G1.O1.1".into(),
        title: "Children who know what sexual exploitation is and how to report it".into(),
        definition: "Children reached who can say what it is and where to report it.".into(),
        measure,
        aggregation,
        cumulative,
        counts: Counts::Persons,
        ascending: true,
        scale_max: (measure == Measure::Ordinal).then_some(5),
        disaggregations: vec!["sex".into()],
        verification: "Surveys".into(),
        references: vec![],
        source: Source::Manual,
        computation: None,
    }
}

/// An approved total count.
pub(super) fn count(c: &str, o: u128, y: i32, value: i64) -> ValuePoint {
    ValuePoint {
        country: country(c),
        org: org(o),
        period: year(y),
        part: Part::Total,
        value: Some(value),
        numerator: None,
        denominator: None,
        text: None,
        approved: true,
    }
}

fn part(c: &str, o: u128, y: i32, set: &str, option: &str, value: i64) -> ValuePoint {
    ValuePoint { part: Part::of(set, option), ..count(c, o, y, value) }
}

fn pct(c: &str, o: u128, y: i32, num: i64, den: i64) -> ValuePoint {
    ValuePoint { value: None, numerator: Some(num), denominator: Some(den), ..count(c, o, y, 0) }
}

fn by(country: bool, org: bool, period: bool, part: bool) -> Grouping {
    Grouping { country, org, period, part }
}

fn sum_count() -> Indicator {
    indicator(Measure::Count, Aggregation::Sum, false)
}

#[test]
fn down_to_zero_2016_children_who_know_how_to_report_add_up_to_3667() {
    // The public 2016 figure, split over the programme countries (the split is made up).
    let split = [("BO", 612), ("BR", 480), ("CO", 395), ("DO", 310), ("IN", 720)];
    let more = [("ID", 405), ("NL", 95), ("PH", 350), ("TH", 300)];
    let mut points: Vec<ValuePoint> =
        split.iter().chain(&more).enumerate().map(|(i, (c, v))| count(c, i as u128, 2016, *v)).collect();
    points.push(ValuePoint { approved: false, ..count("IN", 20, 2016, 1_000) });
    let alliance = rollup(&sum_count(), &points, Include::ApprovedOnly, Grouping::default(), &[year(2016)]);
    assert_eq!(alliance.len(), 1);
    assert_eq!(alliance[0].value, Some(3_667));
    assert_eq!(alliance[0].reporters, 9);
    assert!(!alliance[0].includes_pending);
    let countries = rollup(&sum_count(), &points, Include::ApprovedOnly, by(true, false, false, false), &[]);
    assert_eq!(countries.len(), 9);
    assert_eq!(countries.iter().filter_map(|c| c.value).sum::<i64>(), 3_667);
    assert_eq!(countries[0].country, Some(country("BO")));
    let staff = rollup(&sum_count(), &points, Include::WithPending, Grouping::default(), &[]);
    assert_eq!((staff[0].value, staff[0].includes_pending), (Some(4_667), true));
}

#[test]
fn per_period_sums_use_only_the_period_itself_or_all_periods_asked_for() {
    let points = [count("BO", 0, 2016, 10), count("BO", 0, 2017, 5), count("IN", 1, 2017, 7)];
    let cells = rollup(&sum_count(), &points, Include::ApprovedOnly, by(false, false, true, false), &[]);
    let values: Vec<_> = cells.iter().map(|c| (c.period, c.value, c.reporters)).collect();
    assert_eq!(values, [(Some(year(2016)), Some(10), 1), (Some(year(2017)), Some(12), 2)]);
    let all = rollup(&sum_count(), &points, Include::ApprovedOnly, Grouping::default(), &[year(2016), year(2017)]);
    assert_eq!(all[0].value, Some(22));
    let one = rollup(&sum_count(), &points, Include::ApprovedOnly, Grouping::default(), &[year(2017)]);
    assert_eq!(one[0].value, Some(12));
}

#[test]
fn a_percentage_is_the_ratio_of_sums_never_the_mean_of_percentages() {
    let ind = indicator(Measure::Percentage, Aggregation::RatioOfSums, false);
    // Bolivia 30 of 40 (75 %), India 10 of 160 (6.25 %): the mean would be 40.6 %.
    let points = [pct("BO", 0, 2016, 30, 40), pct("IN", 1, 2016, 10, 160)];
    let all = rollup(&ind, &points, Include::ApprovedOnly, Grouping::default(), &[]);
    assert_eq!((all[0].numerator, all[0].denominator), (Some(40), Some(200)));
    assert_eq!(all[0].ratio, Some(0.2));
    assert_ne!(all[0].ratio, Some((0.75 + 0.0625) / 2.0));
    assert_eq!(all[0].value, None);
    let zero = rollup(&ind, &[pct("BO", 0, 2016, 0, 0)], Include::ApprovedOnly, Grouping::default(), &[]);
    assert_eq!((zero[0].denominator, zero[0].ratio), (Some(0), None));
    let half = ValuePoint { denominator: None, ..pct("TH", 2, 2016, 5, 9) };
    let cells = rollup(&ind, &[half], Include::ApprovedOnly, Grouping::default(), &[]);
    assert!(cells.is_empty(), "a numerator without a denominator is not a percentage");
}

#[test]
fn cumulative_values_carry_forward_per_reporter() {
    let ind = indicator(Measure::Count, Aggregation::Sum, true);
    // Running totals: BO reports 2016 and 2018, IN only 2016.
    let points = [count("BO", 0, 2016, 100), count("IN", 1, 2016, 40), count("BO", 0, 2018, 150)];
    let years = [year(2016), year(2017), year(2018)];
    let cells = rollup(&ind, &points, Include::ApprovedOnly, by(false, false, true, false), &years);
    let values: Vec<_> = cells.iter().map(|c| (c.value, c.reporters)).collect();
    assert_eq!(values, [(Some(140), 2), (Some(140), 2), (Some(190), 2)]);
    let end = rollup(&ind, &points, Include::ApprovedOnly, Grouping::default(), &years);
    assert_eq!((end[0].period, end[0].value), (None, Some(190)));
    let before = rollup(&ind, &points, Include::ApprovedOnly, Grouping::default(), &[year(2015)]);
    assert!(before.is_empty());
}

#[test]
fn latest_takes_each_reporters_latest_value_and_adds_them() {
    let ind = indicator(Measure::Count, Aggregation::Latest, false);
    let points = [count("BO", 0, 2016, 5), count("BO", 0, 2017, 7), count("IN", 1, 2016, 3)];
    let cells = rollup(&ind, &points, Include::ApprovedOnly, by(false, false, true, false), &[year(2017)]);
    assert_eq!((cells[0].value, cells[0].reporters), (Some(10), 2));
    let pind = indicator(Measure::Percentage, Aggregation::Latest, false);
    let points = [pct("BO", 0, 2016, 1, 4), pct("BO", 0, 2017, 3, 4), pct("IN", 1, 2016, 1, 4)];
    let cells = rollup(&pind, &points, Include::ApprovedOnly, Grouping::default(), &[year(2017)]);
    assert_eq!(cells[0].ratio, Some(0.5));
}

#[test]
fn yes_no_ordinal_and_text_show_distributions() {
    let yn = indicator(Measure::YesNo, Aggregation::None, false);
    let points = [count("BO", 0, 2016, 1), count("IN", 1, 2016, 1), count("PH", 2, 2016, 0)];
    let cells = rollup(&yn, &points, Include::ApprovedOnly, Grouping::default(), &[]);
    let want: BTreeMap<String, i64> = [("yes".to_owned(), 2), ("no".to_owned(), 1)].into();
    assert_eq!((&cells[0].distribution, cells[0].value), (&want, None));
    let per_country = rollup(&yn, &points, Include::ApprovedOnly, by(true, false, false, false), &[]);
    assert_eq!(per_country[2].value, Some(0), "one value, not combined, is shown as it is");

    let ord = indicator(Measure::Ordinal, Aggregation::None, false);
    let points = [count("BO", 0, 2016, 4), count("IN", 1, 2016, 2), count("PH", 2, 2016, 4)];
    let cells = rollup(&ord, &points, Include::ApprovedOnly, Grouping::default(), &[]);
    let want: BTreeMap<String, i64> =
        [("1", 0), ("2", 1), ("3", 0), ("4", 2), ("5", 0)].map(|(k, v)| (k.to_owned(), v)).into();
    assert_eq!(cells[0].distribution, want);

    let text = indicator(Measure::Text, Aggregation::None, false);
    let say = |c: &str, o: u128, t: &str| ValuePoint { value: None, text: Some(t.into()), ..count(c, o, 2016, 0) };
    let points = [say("IN", 1, "Police unit set up"), say("BO", 0, "Law adopted")];
    let cells = rollup(&text, &points, Include::ApprovedOnly, Grouping::default(), &[]);
    assert_eq!(cells[0].texts, ["Law adopted", "Police unit set up"]);
    assert!(cells[0].distribution.is_empty());
}

#[test]
fn a_yes_no_state_carries_forward_as_latest() {
    let ind = indicator(Measure::YesNo, Aggregation::Latest, false);
    let points = [count("BO", 0, 2016, 0), count("BO", 0, 2017, 1), count("IN", 1, 2016, 1)];
    let cells = rollup(&ind, &points, Include::ApprovedOnly, Grouping::default(), &[year(2016), year(2018)]);
    assert_eq!(cells[0].distribution.get("yes"), Some(&2));
    assert_eq!(cells[0].distribution.get("no"), Some(&0));
}

#[test]
fn totals_derive_from_the_parts_of_one_set_including_unknown() {
    let d = derive_total(None, &[("sex", 4), ("sex", 5), ("sex", 1)]);
    assert_eq!(d, DerivedTotal { value: Some(10), derived: true, mismatch: false });
    let d = derive_total(Some(10), &[("sex", 4), ("sex", 6), ("age", 7), ("age", 3)]);
    assert_eq!(d, DerivedTotal { value: Some(10), derived: false, mismatch: false });
    let d = derive_total(Some(12), &[("sex", 4), ("sex", 6)]);
    assert_eq!(d, DerivedTotal { value: Some(12), derived: false, mismatch: true });
    let d = derive_total(None, &[("age", 3), ("sex", 4)]);
    assert_eq!(d, DerivedTotal { value: Some(3), derived: true, mismatch: true });
    assert_eq!(derive_total(None, &[]), DerivedTotal { value: None, derived: false, mismatch: false });
}

#[test]
fn parts_and_totals_in_a_rollup() {
    let points = [
        part("BO", 0, 2016, "sex", "female", 4),
        part("BO", 0, 2016, "sex", "male", 5),
        part("BO", 0, 2016, "sex", UNKNOWN, 1),
        count("IN", 1, 2016, 7),
        count("PH", 2, 2016, 9),
        part("PH", 2, 2016, "sex", "female", 3),
    ];
    let cells = rollup(&sum_count(), &points, Include::ApprovedOnly, by(false, false, false, true), &[]);
    let got: Vec<_> = cells.iter().map(|c| (c.part.clone(), c.value, c.parts_mismatch)).collect();
    assert_eq!(
        got,
        [
            (Some(Part::Total), Some(26), true),
            (Some(Part::of("sex", "female")), Some(7), true),
            (Some(Part::of("sex", "male")), Some(5), false),
            (Some(Part::of("sex", UNKNOWN)), Some(8), false),
        ]
    );
    let countries = rollup(&sum_count(), &points, Include::ApprovedOnly, by(true, false, false, false), &[]);
    let flags: Vec<_> = countries.iter().map(|c| (c.value, c.parts_mismatch)).collect();
    assert_eq!(flags, [(Some(10), false), (Some(7), false), (Some(9), true)]);
}

#[test]
fn pending_values_count_only_when_asked_and_are_marked() {
    let points = [count("BO", 0, 2016, 10), ValuePoint { approved: false, ..count("IN", 1, 2016, 5) }];
    let g = by(true, false, false, false);
    let approved = rollup(&sum_count(), &points, Include::ApprovedOnly, g, &[]);
    assert_eq!(approved.len(), 1);
    let staff = rollup(&sum_count(), &points, Include::WithPending, g, &[]);
    let marks: Vec<_> = staff.iter().map(|c| (c.value, c.includes_pending)).collect();
    assert_eq!(marks, [(Some(10), false), (Some(5), true)]);
}

#[test]
fn progress_respects_the_direction() {
    assert_eq!(progress(None, 100.0, 50.0, true), Some(0.5));
    assert_eq!(progress(Some(20.0), 60.0, 70.0, true), Some(1.25));
    assert_eq!(progress(Some(20.0), 60.0, 10.0, true), Some(0.0));
    // Fewer children in exploitation is better: from 40 towards 20, now at 30.
    assert_eq!(progress(Some(40.0), 20.0, 30.0, false), Some(0.5));
    assert_eq!(progress(Some(40.0), 20.0, 45.0, false), Some(0.0));
    assert_eq!(progress(Some(40.0), 40.0, 30.0, false), None);
    assert_eq!(progress(None, 20.0, 10.0, false), None);
    assert_eq!(progress(Some(50.0), 40.0, 45.0, true), None);
    assert_eq!(progress(None, f64::NAN, 1.0, true), None);
}
