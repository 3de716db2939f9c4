//! Tests of the computations: hand-counted records.

use super::*;
use crate::results::{Aggregation, CategoryOption, Counts, Measure, PeriodKind, Source};
use proptest::prelude::*;

fn sets() -> Vec<CategorySet> {
    let opt = |c: &str| CategoryOption { code: c.into(), label: c.into() };
    vec![
        CategorySet { code: "sex".into(), title: "Sex".into(), options: vec![opt("female"), opt("male")] },
        CategorySet { code: "age".into(), title: "Age".into(), options: vec![opt("under_12"), opt("12_17")] },
    ]
}

fn c(name: &str) -> Computation {
    Computation::check(name).unwrap()
}

fn indicator(c: Computation, sets: &[&str]) -> Indicator {
    Indicator {
        code: "X".into(),
        title: "X".into(),
        definition: "X".into(),
        measure: Measure::Count,
        aggregation: Aggregation::Sum,
        cumulative: false,
        counts: Counts::Persons,
        ascending: true,
        scale_max: None,
        disaggregations: sets.iter().map(|s| (*s).to_owned()).collect(),
        verification: String::new(),
        references: Vec::new(),
        source: Source::Computed,
        computation: Some(c.name()),
    }
}

fn at(period: i32) -> At {
    At {
        org: OrgId(uuid::Uuid::nil()),
        country: CountryCode::parse("c", "BO").unwrap(),
        period: Period { year: period, part: 1, kind: PeriodKind::Year },
    }
}

fn reach(t: &str, g: ReachGroup, sex: Sex, age: AgeGroup, first: i64, repeat: i64) -> ReachSum {
    ReachSum {
        at: at(2016),
        activity_type: t.into(),
        basis: ReachBasis::Counted,
        group: g,
        sex,
        age,
        first_time: first,
        repeat,
    }
}

#[test]
fn unique_children_count_first_time_children_of_trainings_only() {
    let r = Records {
        activities: Vec::new(),
        tallies: BTreeMap::new(),
        reach: vec![
            reach("training_children", ReachGroup::Children, Sex::Female, AgeGroup::From12To17, 20, 7),
            reach("peer_education", ReachGroup::Children, Sex::Male, AgeGroup::Adult, 5, 1),
            reach("training_children", ReachGroup::Parents, Sex::Female, AgeGroup::Adult, 9, 0),
            reach("awareness_event", ReachGroup::Children, Sex::Female, AgeGroup::Under12, 100, 0),
        ],
    };
    let got = compute(
        &c("activities.unique_children_trained"),
        &r,
        &indicator(c("activities.unique_children_trained"), &["sex", "age"]),
        &sets(),
    );
    let f: BTreeMap<String, i64> = got.at(&at(2016)).into_iter().collect();
    assert_eq!(f[""], 25);
    assert_eq!((f["sex=female"], f["sex=male"], f["sex=unknown"]), (20, 5, 0));
    assert_eq!((f["age=12_17"], f["age=under_12"], f["age=unknown"]), (20, 0, 5), "18_plus is no option: unknown");
    assert_eq!(got.at(&at(2017)).iter().map(|(_, v)| v).sum::<i64>(), 0, "zeros where nothing happened");
    let aw = compute(
        &c("activities.people_reached_awareness"),
        &r,
        &indicator(c("activities.people_reached_awareness"), &[]),
        &sets(),
    );
    assert_eq!(aw.total(&at(2016)), 100);
}

#[test]
fn activities_are_counted_and_estimates_stay_apart() {
    let mut media = reach("media_campaign", ReachGroup::GeneralPublic, Sex::Unknown, AgeGroup::Unknown, 50_000, 0);
    media.basis = ReachBasis::Estimated;
    let r = Records {
        activities: vec![ActivityCount {
            at: at(2016),
            activity_type: "lobby_meeting".into(),
            basis: ReachBasis::Counted,
            activities: 3,
        }],
        tallies: BTreeMap::new(),
        reach: vec![media, reach("media_campaign", ReachGroup::GeneralPublic, Sex::Unknown, AgeGroup::Unknown, 40, 0)],
    };
    let lobby =
        compute(&c("activities.lobby_meetings"), &r, &indicator(c("activities.lobby_meetings"), &["sex"]), &sets());
    assert_eq!(
        lobby.at(&at(2016)),
        vec![("".into(), 3), ("sex=female".into(), 0), ("sex=male".into(), 0), ("sex=unknown".into(), 3)]
    );
    let m = compute(&c("activities.media_audience"), &r, &indicator(c("activities.media_audience"), &[]), &sets());
    assert_eq!(m.total(&at(2016)), 50_000, "only the estimate counts as media audience");
}

#[test]
fn names_round_trip_and_case_figures_are_disclosed() {
    for c in Computation::choices(&["verdict".to_owned()], &["shelter".to_owned()]) {
        assert_eq!(Computation::parse(&c.name()), Some(c.clone()));
        let from_cases = ["prosecutions.", "cases.", "referrals."].iter().any(|p| c.base().starts_with(p));
        assert_eq!(c.disclosed(), from_cases, "{}", c.name());
    }
    assert_eq!(Computation::parse("nope"), None);
    assert_eq!(
        disclose(&[("".into(), 13), ("a".into(), 12), ("b".into(), 1), ("c".into(), 0)]),
        vec![("".into(), Some(15)), ("a".into(), Some(10)), ("b".into(), None), ("c".into(), Some(0))]
    );
    assert_eq!(
        disclose(&[("".into(), 3), ("a".into(), 0)]),
        vec![("".into(), None), ("a".into(), None)],
        "a withheld total withholds every part"
    );
}

#[test]
fn people_reached_count_the_group_given_as_persons_or_attendances() {
    let r = Records {
        reach: vec![
            reach("awareness_event", ReachGroup::Parents, Sex::Female, AgeGroup::Adult, 10, 4),
            reach("training_children", ReachGroup::Parents, Sex::Male, AgeGroup::Adult, 3, 1),
            reach("training_children", ReachGroup::Children, Sex::Male, AgeGroup::Under12, 50, 0),
        ],
        ..Records::default()
    };
    let parents = c("activities.people_reached:parents");
    let mut ind = indicator(parents.clone(), &["sex"]);
    assert_eq!(compute(&parents, &r, &ind, &sets()).total(&at(2016)), 13, "persons: first-time only");
    ind.counts = Counts::Attendances;
    let f = compute(&parents, &r, &ind, &sets()).at(&at(2016));
    assert_eq!(f[..3], [("".into(), 18), ("sex=female".into(), 14), ("sex=male".into(), 4)]);
}

#[test]
fn tallies_count_for_their_own_computation_only_with_sex_and_age() {
    let opened = c("cases.opened");
    let adopted = c("policies.reaching:adopted");
    let tally = |sex, age, n| Tally { at: at(2016), sex, age, n };
    let mut r = Records::default();
    r.tallies.insert(
        opened.clone(),
        vec![tally(Sex::Female, AgeGroup::From12To17, 6), tally(Sex::Male, AgeGroup::Under12, 2)],
    );
    r.tallies.insert(adopted.clone(), vec![tally(Sex::Unknown, AgeGroup::Unknown, 3)]);
    let f: BTreeMap<String, i64> =
        compute(&opened, &r, &indicator(opened.clone(), &["sex", "age"]), &sets()).at(&at(2016)).into_iter().collect();
    assert_eq!((f[""], f["sex=female"], f["sex=male"], f["age=12_17"], f["age=under_12"]), (8, 6, 2, 6, 2));
    let f = compute(&adopted, &r, &indicator(adopted.clone(), &["sex"]), &sets()).at(&at(2016));
    assert_eq!(f[0], ("".into(), 3));
    let funded = c("policies.reaching:funded");
    assert_eq!(compute(&funded, &r, &indicator(funded.clone(), &[]), &sets()).total(&at(2016)), 0);
    let shown: Vec<_> = disclose(&compute(&opened, &r, &indicator(opened.clone(), &["sex"]), &sets()).at(&at(2016)));
    assert_eq!(shown[..3], [("".into(), Some(10)), ("sex=female".into(), Some(5)), ("sex=male".into(), None)]);
}

#[test]
fn parameters_are_checked_against_what_the_computation_takes() {
    assert_eq!(c("policies.reaching: adopted").name(), "policies.reaching:adopted");
    assert!(Computation::check("policies.reaching").unwrap_err().contains("adopted"));
    assert!(Computation::check("policies.reaching:signed").is_err());
    assert!(Computation::check("companies.meeting_code:x").unwrap_err().contains("no parameter"));
    assert!(Computation::check("prosecutions.reaching:first_hearing").is_ok(), "court stages are configured codes");
    assert_eq!(Computation::check("nope").unwrap_err(), "There is no computation “nope”.");
    assert_eq!(
        (age_group(Some(11)), age_group(Some(12)), age_group(Some(18))),
        (AgeGroup::Under12, AgeGroup::From12To17, AgeGroup::Adult)
    );
    assert_eq!(age_group(None), AgeGroup::Unknown);
    let names: Vec<String> = Computation::choices(&[], &[]).iter().map(Computation::name).collect();
    assert!(names.contains(&"companies.at_stage:implementing".to_owned()));
    assert!(!names.iter().any(|n| n.starts_with("prosecutions.reaching")), "no court stages configured");
}

proptest! {
    #[test]
    fn every_breakdown_adds_up_to_the_total(cells in prop::collection::vec((0usize..8, 0usize..3, 0usize..4, 0i64..500, 0i64..500), 0..30)) {
        let r = Records {
            activities: Vec::new(),
            tallies: BTreeMap::new(),
            reach: cells.iter().map(|(g, s, a, f, rep)| reach("awareness_event", ReachGroup::ALL[*g], Sex::ALL[*s], AgeGroup::ALL[*a], *f, *rep)).collect(),
        };
        let got = compute(&c("activities.people_reached_awareness"), &r, &indicator(c("activities.people_reached_awareness"), &["sex", "age"]), &sets());
        let f = got.at(&at(2016));
        let total = f[0].1;
        prop_assert_eq!(total, cells.iter().map(|(_, _, _, a, b)| a + b).sum::<i64>());
        for set in ["sex=", "age="] {
            prop_assert_eq!(f.iter().filter(|(p, _)| p.starts_with(set)).map(|(_, v)| v).sum::<i64>(), total);
        }
    }
}
