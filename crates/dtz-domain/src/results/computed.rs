//! Computed indicators (DESIGN §4: source = computed): an indicator names one of the
//! computations registered here, and its values are computed from operational records
//! instead of being entered. Each computation declares the records it reads (its
//! [`Basis`]); the services run one aggregating query per basis and hand the facts to
//! [`compute`], which turns them into figures per organisation × country × period ×
//! part — the shape of a report's values, so computed figures are materialised into
//! reports, submitted, approved and frozen like any value, and rolled up by the one
//! rollup function.
//!
//! The computations are a registry ([`registry::REGISTRY`]): rules over activities and
//! their reach, and tallies of other records (policy instruments, companies, outcomes,
//! prosecutions, cases), each answered by one query of the services. Figures drawn
//! from case or prosecution data go through disclosure control
//! ([`Computation::disclosed`], [`disclose`]).

mod registry;

pub use registry::{ActivityRule, Computation, Def, Groups, Param, Participants, Query, REGISTRY, Rule};

use super::framework::{CategorySet, Counts, Indicator, UNKNOWN};
use super::period::Period;
use crate::activity::{AgeGroup, ReachBasis, ReachGroup, Sex};
use crate::disclosure::Disclosed;
use crate::ids::OrgId;
use crate::org::CountryCode;
use std::collections::BTreeMap;

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
    /// Tallies of the other records, per computation that asked for them.
    pub tallies: BTreeMap<Computation, Vec<Tally>>,
}

/// Records of one kind counted at one place, for one sex and age group (unknown where
/// the records have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Where.
    pub at: At,
    /// Sex.
    pub sex: Sex,
    /// Age group.
    pub age: AgeGroup,
    /// How many.
    pub n: i64,
}

/// What records a computation reads: activities (one query for every activity rule),
/// or a tally of its own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Basis {
    /// Activities and their reach.
    Activities,
    /// The records of this computation's query.
    Tally(Computation),
}

impl Computation {
    /// The records it reads.
    pub fn basis(&self) -> Basis {
        match self.def().rule {
            Rule::Activities(_) => Basis::Activities,
            Rule::Tally(_) => Basis::Tally(self.clone()),
        }
    }
}

/// The age group of a child of `age` years (unknown without one).
pub fn age_group(age: Option<i32>) -> AgeGroup {
    match age {
        Some(a) if (0..12).contains(&a) => AgeGroup::Under12,
        Some(a) if (12..18).contains(&a) => AgeGroup::From12To17,
        Some(a) if a >= 18 => AgeGroup::Adult,
        _ => AgeGroup::Unknown,
    }
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
pub fn compute(c: &Computation, records: &Records, ind: &Indicator, sets: &[CategorySet]) -> Computed {
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
    match c.def().rule {
        Rule::Activities(rule) => {
            for (at, sex, age, n) in over_activities(&rule, c.param(), ind.counts, records) {
                add(at, sex, age, n);
            }
        }
        Rule::Tally(_) => {
            for t in records.tallies.get(c).into_iter().flatten() {
                add(t.at, t.sex, t.age, t.n);
            }
        }
    }
    let figures = sums
        .into_iter()
        .map(|(at, s)| (at, parts.iter().map(|p| (p.clone(), s.get(p).copied().unwrap_or(0))).collect()))
        .collect();
    Computed { figures, parts }
}

/// What an activity rule counts: (place, sex, age group, number).
fn over_activities(
    rule: &ActivityRule,
    param: Option<&str>,
    counts: Counts,
    records: &Records,
) -> Vec<(At, Sex, AgeGroup, i64)> {
    let wanted = |t: &str, b: ReachBasis| (rule.types.is_empty() || rule.types.contains(&t)) && b == rule.basis;
    if rule.participants == Participants::Activities {
        return records
            .activities
            .iter()
            .filter(|a| wanted(&a.activity_type, a.basis))
            .map(|a| (a.at, Sex::Unknown, AgeGroup::Unknown, a.activities))
            .collect();
    }
    let param_group = param.and_then(|p| ReachGroup::parse("group", p).ok());
    let in_groups = |g: ReachGroup| match rule.groups {
        Groups::Of(gs) => gs.contains(&g),
        Groups::Param => param_group == Some(g),
    };
    let first_only = match rule.participants {
        Participants::FirstTime => true,
        Participants::AsIndicator => counts == Counts::Persons,
        Participants::All | Participants::Activities => false,
    };
    records
        .reach
        .iter()
        .filter(|r| wanted(&r.activity_type, r.basis) && in_groups(r.group))
        .map(|r| (r.at, r.sex, r.age, if first_only { r.first_time } else { r.first_time + r.repeat }))
        .collect()
}

/// Figures of a computation over case data after disclosure control: counts of 1–4 are
/// withheld (`None`), the rest rounded to base 5. When the total is withheld every part is
/// withheld with it: the rollup would otherwise take the parts that are shown (zeros) for
/// the total.
pub fn disclose(figures: &[(String, i64)]) -> Vec<(String, Option<i64>)> {
    let shown = |n: i64| {
        u64::try_from(n)
            .ok()
            .map(|n| Disclosed::from_count(n, true))
            .and_then(Disclosed::value)
            .and_then(|v| i64::try_from(v).ok())
    };
    let total_withheld = figures.iter().any(|(p, n)| p.is_empty() && shown(*n).is_none());
    figures.iter().map(|(p, n)| (p.clone(), if total_withheld { None } else { shown(*n) })).collect()
}

#[cfg(test)]
mod tests;
