//! Computed indicators (DESIGN §4: source = computed): an indicator names one of the
//! computations registered here, and its values are computed from operational records
//! instead of being entered. Each computation declares the records it reads (its
//! [`Basis`]); the services run one aggregating query per basis and hand the facts to
//! [`compute`], which turns them into figures per organisation × country × period ×
//! part — the shape of a report's values, so computed figures are materialised into
//! reports, submitted, approved and frozen like any value, and rolled up by the one
//! rollup function.
//!
//! Adding a computation over other records (policy instruments, prosecutions,
//! companies, cases) is: a [`Basis`] variant, its facts in [`Records`], a
//! [`Computation`] variant with its rule in [`compute`], and the services' query for
//! that basis. Figures drawn from case data go through disclosure control
//! ([`Computation::disclosed`], [`disclose`]).

use super::framework::{CategorySet, Indicator, UNKNOWN};
use super::period::Period;
use crate::activity::{AgeGroup, ReachBasis, ReachGroup, Sex};
use crate::disclosure::Disclosed;
use crate::ids::OrgId;
use crate::org::CountryCode;
use std::collections::BTreeMap;

/// What records a computation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Activities and their reach.
    Activities,
}

/// A computation an indicator can name (`computation = "activities.unique_children_trained"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Computation {
    /// First-time child participants of trainings of children and peer education: unique
    /// children trained.
    UniqueChildrenTrained,
    /// Everyone counted at awareness events and community meetings (attendances).
    PeopleReachedAwareness,
    /// First-time teachers, police and judiciary at trainings of professionals.
    ProfessionalsTrained,
    /// First-time company staff at business trainings.
    BusinessStaffTrained,
    /// The estimated audience of media campaigns.
    MediaAudience,
    /// Lobby meetings held (activities, not people).
    LobbyMeetings,
}

impl Computation {
    /// Every computation, in the order pages list them.
    pub const ALL: [Computation; 6] = [
        Computation::UniqueChildrenTrained,
        Computation::PeopleReachedAwareness,
        Computation::ProfessionalsTrained,
        Computation::BusinessStaffTrained,
        Computation::MediaAudience,
        Computation::LobbyMeetings,
    ];

    /// The name an indicator gives in `computation`.
    pub fn name(self) -> &'static str {
        match self {
            Computation::UniqueChildrenTrained => "activities.unique_children_trained",
            Computation::PeopleReachedAwareness => "activities.people_reached_awareness",
            Computation::ProfessionalsTrained => "activities.professionals_trained",
            Computation::BusinessStaffTrained => "activities.business_staff_trained",
            Computation::MediaAudience => "activities.media_audience",
            Computation::LobbyMeetings => "activities.lobby_meetings",
        }
    }

    /// The computation of a name, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name.trim())
    }

    /// The records it reads.
    pub fn basis(self) -> Basis {
        Basis::Activities
    }

    /// Whether its figures are drawn from case data and must pass disclosure control
    /// before they leave the case pages (none yet: cases arrive with their own issue).
    pub fn disclosed(self) -> bool {
        match self.basis() {
            Basis::Activities => false,
        }
    }

    /// The rule over activities: which types, groups, basis, and whether first-time
    /// participants only (unique persons) or everyone (attendances).
    fn activity_rule(self) -> ActivityRule {
        use ReachGroup as G;
        let (types, groups, basis, first_only): (&[&str], &[ReachGroup], ReachBasis, bool) = match self {
            Computation::UniqueChildrenTrained => {
                (&["training_children", "peer_education"], &[G::Children], ReachBasis::Counted, true)
            }
            Computation::PeopleReachedAwareness => {
                (&["awareness_event", "community_meeting"], G::ALL, ReachBasis::Counted, false)
            }
            Computation::ProfessionalsTrained => {
                (&["training_professionals"], &[G::Teachers, G::Police, G::Judiciary], ReachBasis::Counted, true)
            }
            Computation::BusinessStaffTrained => {
                (&["business_training"], &[G::BusinessStaff], ReachBasis::Counted, true)
            }
            Computation::MediaAudience => (&["media_campaign"], G::ALL, ReachBasis::Estimated, false),
            Computation::LobbyMeetings => (&["lobby_meeting"], &[], ReachBasis::Counted, false),
        };
        ActivityRule { types, groups, basis, first_only, count_activities: self == Computation::LobbyMeetings }
    }
}

struct ActivityRule {
    types: &'static [&'static str],
    groups: &'static [ReachGroup],
    basis: ReachBasis,
    first_only: bool,
    count_activities: bool,
}

/// Where a figure belongs: the key of a report (besides its programme).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct At {
    /// Organisation.
    pub org: OrgId,
    /// Country.
    pub country: CountryCode,
    /// Period.
    pub period: Period,
}

/// Activities of one kind counted at one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityCount {
    /// Where.
    pub at: At,
    /// Activity type code.
    pub activity_type: String,
    /// Counted or estimated.
    pub basis: ReachBasis,
    /// How many activities.
    pub activities: i64,
}

/// Reach of activities of one kind at one place, for one group, sex and age group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReachSum {
    /// Where.
    pub at: At,
    /// Activity type code.
    pub activity_type: String,
    /// Counted or estimated.
    pub basis: ReachBasis,
    /// Group.
    pub group: ReachGroup,
    /// Sex.
    pub sex: Sex,
    /// Age group.
    pub age: AgeGroup,
    /// First-time participants.
    pub first_time: i64,
    /// Repeat participants.
    pub repeat: i64,
}

/// The facts computations read, aggregated by the services' queries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    /// Activities per place, type and basis.
    pub activities: Vec<ActivityCount>,
    /// Reach per place, type, basis, group, sex and age group.
    pub reach: Vec<ReachSum>,
}

/// Computed figures of one indicator: per place, the total and every part of the
/// indicator's breakdowns (with "unknown"), zeros included, so a figure that drops to
/// nothing replaces what was there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Computed {
    /// Per place: (part, value), the total (`""`) first.
    pub figures: BTreeMap<At, Vec<(String, i64)>>,
    parts: Vec<String>,
}

impl Computed {
    /// The figures at a place: zeros where there were no records.
    pub fn at(&self, at: &At) -> Vec<(String, i64)> {
        self.figures.get(at).cloned().unwrap_or_else(|| self.parts.iter().map(|p| (p.clone(), 0)).collect())
    }

    /// The total at a place.
    pub fn total(&self, at: &At) -> i64 {
        self.figures.get(at).and_then(|f| f.first()).map_or(0, |(_, v)| *v)
    }
}

/// The parts of an indicator in order: the total, then each option of each of its
/// category sets, with "unknown".
pub fn parts(ind: &Indicator, sets: &[CategorySet]) -> Vec<String> {
    let mut out = vec![String::new()];
    for d in &ind.disaggregations {
        if let Some(set) = sets.iter().find(|s| &s.code == d) {
            out.extend(set.codes().into_iter().map(|o| format!("{}={o}", set.code)));
        }
    }
    out
}

/// The option of `set` a reach cell falls under: its sex or age group when the set is
/// `sex` or `age` and has that option, else "unknown".
fn option_of(set: &CategorySet, sex: Sex, age: AgeGroup) -> &str {
    let code = match set.code.as_str() {
        "sex" => sex.as_str(),
        "age" => age.as_str(),
        _ => UNKNOWN,
    };
    set.options.iter().find(|o| o.code == code).map_or(UNKNOWN, |o| o.code.as_str())
}

/// Compute an indicator's figures from the records.
pub fn compute(c: Computation, records: &Records, ind: &Indicator, sets: &[CategorySet]) -> Computed {
    let rule = c.activity_rule();
    let parts = parts(ind, sets);
    let own: Vec<&CategorySet> =
        ind.disaggregations.iter().filter_map(|d| sets.iter().find(|s| &s.code == d)).collect();
    let mut sums: BTreeMap<At, BTreeMap<String, i64>> = BTreeMap::new();
    let mut add = |at: At, sex: Sex, age: AgeGroup, n: i64| {
        let entry = sums.entry(at).or_default();
        *entry.entry(String::new()).or_default() += n;
        for set in &own {
            *entry.entry(format!("{}={}", set.code, option_of(set, sex, age))).or_default() += n;
        }
    };
    let wanted = |t: &str, b: ReachBasis| rule.types.contains(&t) && b == rule.basis;
    if rule.count_activities {
        for a in records.activities.iter().filter(|a| wanted(&a.activity_type, a.basis)) {
            add(a.at, Sex::Unknown, AgeGroup::Unknown, a.activities);
        }
    } else {
        for r in records.reach.iter().filter(|r| wanted(&r.activity_type, r.basis) && rule.groups.contains(&r.group)) {
            let n = if rule.first_only { r.first_time } else { r.first_time + r.repeat };
            add(r.at, r.sex, r.age, n);
        }
    }
    let figures = sums
        .into_iter()
        .map(|(at, s)| (at, parts.iter().map(|p| (p.clone(), s.get(p).copied().unwrap_or(0))).collect()))
        .collect();
    Computed { figures, parts }
}

/// Figures of a computation over case data after disclosure control: counts of 1–4 are
/// withheld (`None`), the rest rounded to base 5.
pub fn disclose(figures: &[(String, i64)]) -> Vec<(String, Option<i64>)> {
    figures
        .iter()
        .map(|(p, n)| {
            let shown = u64::try_from(*n).ok().map(|n| Disclosed::from_count(n, true)).and_then(Disclosed::value);
            (p.clone(), shown.and_then(|v| i64::try_from(v).ok()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
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
            computation: Some(c.name().into()),
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
            reach: vec![
                reach("training_children", ReachGroup::Children, Sex::Female, AgeGroup::From12To17, 20, 7),
                reach("peer_education", ReachGroup::Children, Sex::Male, AgeGroup::Adult, 5, 1),
                reach("training_children", ReachGroup::Parents, Sex::Female, AgeGroup::Adult, 9, 0),
                reach("awareness_event", ReachGroup::Children, Sex::Female, AgeGroup::Under12, 100, 0),
            ],
        };
        let c = compute(
            Computation::UniqueChildrenTrained,
            &r,
            &indicator(Computation::UniqueChildrenTrained, &["sex", "age"]),
            &sets(),
        );
        let f: BTreeMap<String, i64> = c.at(&at(2016)).into_iter().collect();
        assert_eq!(f[""], 25);
        assert_eq!((f["sex=female"], f["sex=male"], f["sex=unknown"]), (20, 5, 0));
        assert_eq!((f["age=12_17"], f["age=under_12"], f["age=unknown"]), (20, 0, 5), "18_plus is no option: unknown");
        assert_eq!(c.at(&at(2017)).iter().map(|(_, v)| v).sum::<i64>(), 0, "zeros where nothing happened");
        let aw = compute(
            Computation::PeopleReachedAwareness,
            &r,
            &indicator(Computation::PeopleReachedAwareness, &[]),
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
            reach: vec![
                media,
                reach("media_campaign", ReachGroup::GeneralPublic, Sex::Unknown, AgeGroup::Unknown, 40, 0),
            ],
        };
        let lobby = compute(Computation::LobbyMeetings, &r, &indicator(Computation::LobbyMeetings, &["sex"]), &sets());
        assert_eq!(
            lobby.at(&at(2016)),
            vec![("".into(), 3), ("sex=female".into(), 0), ("sex=male".into(), 0), ("sex=unknown".into(), 3)]
        );
        let m = compute(Computation::MediaAudience, &r, &indicator(Computation::MediaAudience, &[]), &sets());
        assert_eq!(m.total(&at(2016)), 50_000, "only the estimate counts as media audience");
    }

    #[test]
    fn names_round_trip_and_case_figures_are_disclosed() {
        for c in Computation::ALL {
            assert_eq!(Computation::parse(c.name()), Some(c));
            assert!(!c.disclosed());
        }
        assert_eq!(Computation::parse("nope"), None);
        assert_eq!(
            disclose(&[("".into(), 3), ("a".into(), 12), ("b".into(), 0)]),
            vec![("".into(), None), ("a".into(), Some(10)), ("b".into(), Some(0))]
        );
    }

    proptest! {
        #[test]
        fn every_breakdown_adds_up_to_the_total(cells in prop::collection::vec((0usize..8, 0usize..3, 0usize..4, 0i64..500, 0i64..500), 0..30)) {
            let r = Records {
                activities: Vec::new(),
                reach: cells.iter().map(|(g, s, a, f, rep)| reach("awareness_event", ReachGroup::ALL[*g], Sex::ALL[*s], AgeGroup::ALL[*a], *f, *rep)).collect(),
            };
            let c = compute(Computation::PeopleReachedAwareness, &r, &indicator(Computation::PeopleReachedAwareness, &["sex", "age"]), &sets());
            let f = c.at(&at(2016));
            let total = f[0].1;
            prop_assert_eq!(total, cells.iter().map(|(_, _, _, a, b)| a + b).sum::<i64>());
            for set in ["sex=", "age="] {
                prop_assert_eq!(f.iter().filter(|(p, _)| p.starts_with(set)).map(|(_, v)| v).sum::<i64>(), total);
            }
        }
    }
}
