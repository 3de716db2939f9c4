//! Reading the baselines and targets grid back: only the cells this person changed
//! (what a cell holds now differs from what it showed), each with the version it showed.

use super::{View, whats};
use crate::pages::{Errors, FieldError};
use dtz_domain::ids::OrgId;
use dtz_domain::results::{Entry, Indicator, Measure, Programme};
use dtz_services::goals::GoalInput;
use std::collections::BTreeMap;

/// A cell as posted: what it showed, what it holds now.
fn posted(
    f: &BTreeMap<String, String>,
    name: &str,
    m: Measure,
    errors: &mut Vec<FieldError>,
) -> (String, String, Entry) {
    let seen = f.get(&format!("{name}|seen")).cloned().unwrap_or_default();
    let (version, _) = seen.split_once(':').unwrap_or(("0", ""));
    let mut e = Entry::default();
    let mut now = Vec::new();
    for w in whats(m) {
        let raw = f.get(&format!("{name}|{w}")).map(|s| s.trim().to_owned()).unwrap_or_default();
        now.push(raw.clone());
        if raw.is_empty() {
            continue;
        }
        let code = name.split('|').nth(1).unwrap_or_default();
        match raw.replace([',', '.', ' '], "").parse::<i64>() {
            Ok(n) if *w == "num" => e.numerator = Some(n),
            Ok(n) if *w == "den" => e.denominator = Some(n),
            Ok(n) => e.value = Some(n),
            Err(_) => errors.push(FieldError {
                field: name.to_owned(),
                message: format!("“{code}”: “{raw}” is not a whole number."),
            }),
        }
    }
    (version.to_owned(), format!("{version}:{}", now.join("/")), e)
}

/// The cells this person changed, as baselines and targets to save, with the cell each
/// came from (to put a problem beside it).
pub(super) type Changes = (Vec<GoalInput>, Vec<String>, Vec<GoalInput>, Vec<String>);

pub(super) fn changes(p: &Programme, view: &View, f: &BTreeMap<String, String>) -> Result<Changes, Errors> {
    let (mut b, mut bn, mut t, mut tn) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut errors = Vec::new();
    let indicators: Vec<&Indicator> = p.indicators().into_iter().map(|(_, i)| i).collect();
    let base = |version: &str| version.parse::<i64>().ok();
    for key in f.keys().filter(|k| k.ends_with("|seen")) {
        let name = key.trim_end_matches("|seen");
        let mut it = name.splitn(3, '|');
        let (Some(kind), Some(code)) = (it.next(), it.next()) else { continue };
        let Some(ind) = indicators.iter().find(|i| i.code == code) else { continue };
        let (version, now, entry) = posted(f, name, ind.measure, &mut errors);
        let year = f.get(&format!("b|{code}|year")).map(|y| y.trim().to_owned()).unwrap_or_default();
        let was = f.get(key).map(String::as_str).unwrap_or_default();
        let input = GoalInput {
            indicator: code.to_owned(),
            country: view.country.as_str().to_owned(),
            entry,
            base_version: base(&version),
            ..GoalInput::default()
        };
        match (kind, it.next()) {
            ("b", None) => {
                let year_was = f.get(&format!("b|{code}|year-seen")).map(|y| y.trim()).unwrap_or_default();
                if now != was || year != year_was {
                    b.push(GoalInput { period: year, ..input });
                    bn.push(name.to_owned());
                }
            }
            ("t", Some(rest)) if now != was => {
                let Some((part, period)) = rest.rsplit_once('|') else { continue };
                t.push(GoalInput {
                    period: period.to_owned(),
                    part: part.to_owned(),
                    org: view.org.map(OrgId),
                    ..input
                });
                tn.push(name.to_owned());
            }
            _ => {}
        }
    }
    if errors.is_empty() { Ok((b, bn, t, tn)) } else { Err(Errors(errors)) }
}

/// A failed save's problems beside the cells they concern.
pub(super) fn errors_of(v: dtz_domain::validate::Violations, bn: &[String], tn: &[String]) -> Errors {
    let cell = |field: &str| {
        let at = |prefix: &str, names: &[String]| {
            field
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| names.get(n).cloned())
        };
        at("baselines[", bn).or_else(|| at("targets[", tn)).unwrap_or_else(|| field.to_owned())
    };
    Errors(v.0.into_iter().map(|i| FieldError { field: cell(&i.field), message: i.message }).collect())
}
