//! Reports: the values of one reporter for one period, with the total derived from the
//! parts where it is missing and `unknown` filled in for sets without parts.

use super::{Include, Part, ValuePoint, derive_total};
use crate::ids::OrgId;
use crate::org::CountryCode;
use crate::results::framework::{Indicator, Measure, UNKNOWN};
use crate::results::period::Period;
use std::collections::{BTreeMap, BTreeSet};

/// One organisation in one country.
pub(super) type Reporter = (CountryCode, OrgId);

/// Every report of every reporter, by period.
pub(super) type Histories = BTreeMap<Reporter, BTreeMap<Period, Report>>;

/// One value as the rollup uses it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Fig {
    /// Count, yes/no or level.
    pub value: Option<i64>,
    /// Numerator.
    pub num: Option<i64>,
    /// Denominator.
    pub den: Option<i64>,
    /// Text.
    pub text: Option<String>,
    /// Not yet approved.
    pub pending: bool,
}

/// The values of one reporter for one period.
#[derive(Clone, Debug, Default)]
pub(super) struct Report {
    /// Values by part: one each for counts and percentages (total always present),
    /// every reported one for distributions.
    pub parts: BTreeMap<Part, Vec<Fig>>,
    /// Parts that do not add up to the total.
    pub mismatch: bool,
}

/// Whether values of this measure add up (and so totals derive from parts).
fn additive(measure: Measure) -> bool {
    matches!(measure, Measure::Count | Measure::Percentage)
}

/// The value of a point the measure reads, if the point has it.
fn fig(measure: Measure, p: &ValuePoint) -> Option<Fig> {
    let pending = !p.approved;
    match measure {
        Measure::Count | Measure::YesNo | Measure::Ordinal => {
            p.value.map(|v| Fig { value: Some(v), pending, ..Fig::default() })
        }
        Measure::Percentage => match (p.numerator, p.denominator) {
            (Some(n), Some(d)) => Some(Fig { num: Some(n), den: Some(d), pending, ..Fig::default() }),
            _ => None,
        },
        Measure::Text => p.text.clone().map(|t| Fig { text: Some(t), pending, ..Fig::default() }),
    }
}

/// The reports of every reporter, from the values `include` lets in.
pub(super) fn histories(indicator: &Indicator, points: &[ValuePoint], include: Include) -> Histories {
    let mut out = Histories::new();
    for p in points {
        if include == Include::ApprovedOnly && !p.approved {
            continue;
        }
        let Some(f) = fig(indicator.measure, p) else { continue };
        let report = out.entry((p.country, p.org)).or_default().entry(p.period).or_default();
        report.parts.entry(p.part.clone()).or_default().push(f);
    }
    let mut sets: BTreeSet<String> = indicator.disaggregations.iter().cloned().collect();
    for report in out.values().flat_map(BTreeMap::values) {
        for part in report.parts.keys() {
            if let Part::Of { set, .. } = part {
                sets.insert(set.clone());
            }
        }
    }
    for report in out.values_mut().flat_map(BTreeMap::values_mut) {
        if additive(indicator.measure) {
            resolve(report, &sets);
        } else {
            report.parts.values_mut().for_each(|figs| figs.sort());
        }
    }
    out
}

/// Several values of one part added into one.
fn fold(figs: &[Fig]) -> Fig {
    let add = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, b) => a.or(b),
    };
    figs.iter().fold(Fig::default(), |acc, f| Fig {
        value: add(acc.value, f.value),
        num: add(acc.num, f.num),
        den: add(acc.den, f.den),
        text: None,
        pending: acc.pending || f.pending,
    })
}

/// Give a report of counts or percentages its total (reported or derived from parts),
/// flag parts that do not add up, and count it as `unknown` in every set it has no
/// parts of.
fn resolve(report: &mut Report, sets: &BTreeSet<String>) {
    let mut parts: BTreeMap<Part, Fig> = report.parts.iter().map(|(k, figs)| (k.clone(), fold(figs))).collect();
    let reported = parts.remove(&Part::Total);
    let value = derive_total(reported.as_ref().and_then(|t| t.value), &of(&parts, |f| f.value));
    let num = derive_total(reported.as_ref().and_then(|t| t.num), &of(&parts, |f| f.num));
    let den = derive_total(reported.as_ref().and_then(|t| t.den), &of(&parts, |f| f.den));
    let pending = match &reported {
        Some(t) => t.pending,
        None => parts.values().any(|f| f.pending),
    };
    let total = Fig { value: value.value, num: num.value, den: den.value, text: None, pending };
    for set in sets {
        if !parts.keys().any(|k| matches!(k, Part::Of { set: s, .. } if s == set)) {
            parts.insert(Part::of(set, UNKNOWN), total.clone());
        }
    }
    parts.insert(Part::Total, total);
    report.mismatch = value.mismatch || num.mismatch || den.mismatch;
    report.parts = parts.into_iter().map(|(k, f)| (k, vec![f])).collect();
}

/// One field of every part, with the code of the part's category set.
fn of(parts: &BTreeMap<Part, Fig>, field: fn(&Fig) -> Option<i64>) -> Vec<(&str, i64)> {
    let mut out = Vec::new();
    for (k, f) in parts {
        if let (Part::Of { set, .. }, Some(v)) = (k, field(f)) {
            out.push((set.as_str(), v));
        }
    }
    out
}

/// The report that counts for period `at`: that of `at` itself, or, carrying forward,
/// the latest one ending at or before `at` ends.
pub(super) fn select(reports: &BTreeMap<Period, Report>, at: Period, carry: bool) -> Option<&Report> {
    if carry {
        let before = reports.iter().filter(|(q, _)| q.end() <= at.end());
        before.max_by_key(|(q, _)| (q.end(), q.start())).map(|(_, r)| r)
    } else {
        reports.get(&at)
    }
}
