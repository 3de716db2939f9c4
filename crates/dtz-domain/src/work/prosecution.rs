//! Prosecutions: proceedings against offenders, by stage (the court stages of the
//! country's legal system, a vocabulary), offence type, dates, and the support the
//! alliance gave. No field holds anything about the victim; a proceeding is linked to a
//! child's case only by a case reference that only the organisation's case staff see.
//! Counts of prosecutions that leave the prosecution pages pass through [`Disclosed`].

use super::past_date;
use crate::access::{Actor, Role};
use crate::disclosure::Disclosed;
use crate::ids::OrgId;
use crate::org::CountryCode;
use crate::validate::{Invalid, Violations};
use crate::vocab::term_code;
use std::collections::BTreeMap;
use time::Date;

/// Longest reference.
const REFERENCE: usize = 40;

/// A proceeding as typed.
#[derive(Clone, Debug, Default)]
pub struct ProsecutionInput {
    /// The organisation's file number for it.
    pub reference: String,
    /// Term code of `offence_type`.
    pub offence: String,
    /// When the proceeding started (complaint filed) as `YYYY-MM-DD`.
    pub opened_on: String,
    /// The alliance gave legal aid.
    pub legal_aid: bool,
    /// The alliance accompanied the child.
    pub accompaniment: bool,
}

/// The fields of a prosecution, checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProsecutionFields {
    /// File number.
    pub reference: String,
    /// Offence type code.
    pub offence: String,
    /// When it started.
    pub opened_on: Date,
    /// Legal aid given.
    pub legal_aid: bool,
    /// Accompaniment given.
    pub accompaniment: bool,
}

/// A file number or case number: letters, digits and `- / .`, with at least one digit,
/// so that it reads as a number and not as a name.
pub fn reference(field: &str, s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.chars().count() <= REFERENCE
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'))
        && s.chars().any(|c| c.is_ascii_digit());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Invalid::new(
            field,
            "Use a file number: letters, digits, - / . only, with at least one digit, at most 40 (never a name).",
        ))
    }
}

impl ProsecutionFields {
    /// Check every field; all problems at once.
    pub fn parse(i: &ProsecutionInput, today: Date) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let reference = v.check(reference("reference", &i.reference));
        let offence = v.check(term_code("offence", &i.offence));
        let opened_on = v.check(past_date("opened_on", &i.opened_on, today));
        match (reference, offence, opened_on) {
            (Some(reference), Some(offence), Some(opened_on)) => {
                Ok(Self { reference, offence, opened_on, legal_aid: i.legal_aid, accompaniment: i.accompaniment })
            }
            _ => Err(v),
        }
    }
}

/// Check an optional case reference (empty: none).
pub fn case_reference(s: &str) -> Result<Option<String>, Invalid> {
    if s.trim().is_empty() { Ok(None) } else { reference("case_ref", s).map(Some) }
}

fn works_on(actor: &Actor, org: OrgId, country: CountryCode, roles: &[Role]) -> bool {
    actor.roles.iter().any(|r| roles.contains(&r.role) && r.org == Some(org) && r.country.is_none_or(|c| c == country))
}

/// Whether `actor` records prosecutions of `org` in `country`: its M&E officers and its
/// case staff (within their country when the role names one).
pub fn may_record(actor: &Actor, org: OrgId, country: CountryCode) -> bool {
    works_on(actor, org, country, &[Role::MeOfficer, Role::CaseSupervisor, Role::Caseworker])
}

/// Whether `actor` may see and set the case reference: the organisation's case staff
/// only (who can follow it to the case, where the case's own access rules apply).
pub fn follows_cases(actor: &Actor, org: OrgId, country: CountryCode) -> bool {
    works_on(actor, org, country, &[Role::CaseSupervisor, Role::Caseworker])
}

/// One line of the disclosed summary: how many prosecutions of a country are at a stage.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SummaryLine {
    /// Country code.
    pub country: String,
    /// Stage code; `None` for proceedings with no stage recorded yet.
    pub stage: Option<String>,
    /// The count, disclosure-controlled.
    pub count: Disclosed,
}

/// The summary table: for every country with prosecutions, one line per stage of its
/// legal system (`stages`: country → stage codes in order) and one for "no stage yet",
/// each count through [`Disclosed`]. The lines are fixed by the configuration, not by the
/// data, so a zero is shown as 0 and no filter can difference a small count out.
pub fn summary(
    current: &[(String, Option<String>)],
    stages: &BTreeMap<String, Vec<String>>,
    round_to_5: bool,
) -> Vec<SummaryLine> {
    lines(current, stages, |n| Disclosed::from_count(n, round_to_5))
}

/// The same table with exact counts, for those who follow the prosecutions counted
/// (their own organisation's, within their prosecution scope): they see every record
/// anyway, so nothing is withheld from them. Never for anyone else.
pub fn exact_summary(current: &[(String, Option<String>)], stages: &BTreeMap<String, Vec<String>>) -> Vec<SummaryLine> {
    lines(current, stages, Disclosed::Shown)
}

fn lines(
    current: &[(String, Option<String>)],
    stages: &BTreeMap<String, Vec<String>>,
    count: impl Fn(u64) -> Disclosed,
) -> Vec<SummaryLine> {
    let mut counts: BTreeMap<(&str, Option<&str>), u64> = BTreeMap::new();
    for (country, stage) in current {
        *counts.entry((country.as_str(), stage.as_deref())).or_default() += 1;
    }
    let mut countries: Vec<&str> = current.iter().map(|(c, _)| c.as_str()).collect();
    countries.sort_unstable();
    countries.dedup();
    let mut out = Vec::new();
    for c in countries {
        let mut line = |stage: Option<&str>| {
            let n = counts.get(&(c, stage)).copied().unwrap_or(0);
            out.push(SummaryLine { country: c.to_owned(), stage: stage.map(str::to_owned), count: count(n) });
        };
        line(None);
        for s in stages.get(c).into_iter().flatten() {
            line(Some(s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn a_reference_is_a_number_never_a_name() {
        assert_eq!(reference("r", " BO-2019/003 ").unwrap(), "BO-2019/003");
        for bad in ["", "Maria", "María 1", "a b 1", &"1".repeat(41)] {
            assert!(reference("r", bad).is_err(), "{bad}");
        }
        assert_eq!(case_reference("  "), Ok(None));
        let i = ProsecutionInput {
            reference: "X1".into(),
            offence: "trafficking".into(),
            opened_on: "2019-01-02".into(),
            ..Default::default()
        };
        assert!(ProsecutionFields::parse(&i, date!(2020 - 01 - 01)).is_ok());
    }

    type World = (Vec<(String, Option<String>)>, BTreeMap<String, Vec<String>>);

    fn world() -> World {
        let stages = BTreeMap::from([("BO".to_owned(), vec!["investigation".to_owned(), "trial".to_owned()])]);
        let mut rows = vec![("BO".to_owned(), Some("investigation".to_owned())); 7];
        rows.extend(vec![("BO".to_owned(), Some("trial".to_owned())); 2]);
        rows.push(("BO".to_owned(), None));
        (rows, stages)
    }

    #[test]
    fn the_exact_summary_shows_every_count() {
        let (rows, stages) = world();
        let s: Vec<String> = exact_summary(&rows, &stages).iter().map(|l| l.count.to_string()).collect();
        assert_eq!(s, ["1", "7", "2"]);
    }

    #[test]
    fn the_summary_has_a_fixed_line_per_stage_and_hides_small_counts() {
        let (rows, stages) = world();
        let s = summary(&rows, &stages, false);
        let shown: Vec<(Option<&str>, String)> = s.iter().map(|l| (l.stage.as_deref(), l.count.to_string())).collect();
        assert_eq!(
            shown,
            [(None, "<5".to_owned()), (Some("investigation"), "7".to_owned()), (Some("trial"), "<5".to_owned())]
        );
    }

    proptest! {
        #[test]
        fn no_line_of_the_summary_shows_a_count_from_1_to_4(n in prop::collection::vec((0usize..3, 0usize..4), 0..40)) {
            let codes = ["a", "b", "c"];
            let stages: BTreeMap<String, Vec<String>> = ["BO", "PE", "IN"]
                .iter()
                .map(|c| (c.to_string(), codes.iter().map(|s| s.to_string()).collect()))
                .collect();
            let rows: Vec<(String, Option<String>)> = n
                .iter()
                .map(|(c, s)| (["BO", "PE", "IN"][*c].to_owned(), codes.get(*s).map(|x| x.to_string())))
                .collect();
            for line in summary(&rows, &stages, false) {
                prop_assert!(!matches!(line.count.value(), Some(1..=4)));
            }
        }
    }
}
