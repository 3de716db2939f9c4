//! The programme `dtz import iati` makes of a parent activity (DESIGN §6): its code is the
//! activity's `iati-identifier`, its framework one goal (the activity) whose outcomes are
//! the activity's outcome, impact and other results and whose outputs are its output
//! results (each under the outcome before it, or under an outcome standing for the
//! activity when none comes before), with one indicator per IATI indicator. Measures,
//! direction and references come from the file; the figures (baselines, targets,
//! actuals) are not values of this framework: they stay as reported in the imported
//! activity and are shown beside it (see `docs/ARCHITECTURE.md`). Pure and deterministic,
//! so [`indicator_codes`] gives the same codes for the same activity every time.

use super::model::{Activity, IndicatorEl, ResultEl};
use dtz_domain::iati::{IatiSettings, Layout, SectorShare, check_activity_id};
use dtz_domain::org::CountryCode;
use dtz_domain::results::*;
use std::collections::{BTreeMap, HashSet};
use time::Date;

/// Whether an activity identifier can be a programme code here.
pub fn usable_code(identifier: &str) -> bool {
    is_programme_code(identifier)
}

/// A code made of `s`: letters, digits, dots, hyphens and underscores, at most 40.
fn code_of(s: &str) -> String {
    let c: String = s
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c.to_ascii_lowercase() } else { '_' })
        .take(40)
        .collect();
    if c.is_empty() { "_".into() } else { c }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.trim().to_owned();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

fn org_ref(reference: &Option<String>, name: &Option<String>) -> Option<String> {
    reference.clone().filter(|r| !r.trim().is_empty()).or_else(|| name.clone().filter(|n| !n.trim().is_empty()))
}

/// Where each result goes: (node code, level, parent node code).
fn nodes_of(results: &[ResultEl]) -> (Vec<(String, Level, Option<String>)>, bool) {
    let mut out = Vec::new();
    let mut outcome: Option<String> = None;
    let mut needs_own = false;
    for (n, r) in results.iter().enumerate() {
        let code = format!("R{}", n + 1);
        if r.kind == "1" {
            let parent = outcome.clone().unwrap_or_else(|| {
                needs_own = true;
                "R0".to_owned()
            });
            out.push((code, Level::Output, Some(parent)));
        } else {
            outcome = Some(code.clone());
            out.push((code, Level::Outcome, None));
        }
    }
    (out, needs_own)
}

/// The codes of an activity's indicators, per result then per indicator: the
/// publisher's own code (vocabulary 99) when it is a usable code not taken yet, else the
/// result's code and the indicator's place (`R2.1`).
pub fn indicator_codes(a: &Activity) -> Vec<Vec<String>> {
    let mut taken: HashSet<String> = (0..=a.results.len()).map(|n| format!("R{n}")).collect();
    taken.insert("G1".into());
    let mut out = Vec::new();
    for (rn, r) in a.results.iter().enumerate() {
        let mut codes = Vec::new();
        for (n, i) in r.indicators.iter().enumerate() {
            let own = i.references.iter().find(|x| x.vocabulary == "99").map(|x| x.code.clone());
            let code = match own.filter(|c| is_code(c) && !taken.contains(c)) {
                Some(c) => c,
                None => {
                    let mut c = format!("R{}.{}", rn + 1, n + 1);
                    while taken.contains(&c) {
                        c.push('_');
                    }
                    c
                }
            };
            taken.insert(code.clone());
            codes.push(code);
        }
        out.push(codes);
    }
    out
}

/// The highest whole number among an indicator's baseline, targets and actuals.
fn highest(i: &IndicatorEl) -> Option<i64> {
    let base = i.baseline.iter().filter_map(|b| b.value.as_deref());
    let figs = i.periods.iter().flat_map(|p| p.targets.iter().chain(&p.actuals)).filter_map(|f| f.value.as_deref());
    base.chain(figs).filter_map(|v| v.trim().parse::<f64>().ok()).map(|v| v.ceil() as i64).max()
}

fn indicator(i: &IndicatorEl, code: String, sets: &mut BTreeMap<String, CategorySet>) -> Indicator {
    let (measure, aggregation) = match i.measure.as_str() {
        "1" => (Measure::Count, Aggregation::Sum),
        "2" => (Measure::Percentage, Aggregation::RatioOfSums),
        "4" => (Measure::Ordinal, Aggregation::None),
        _ => (Measure::Text, Aggregation::None),
    };
    let mut disaggregations: Vec<String> = Vec::new();
    for f in i.periods.iter().flat_map(|p| p.targets.iter().chain(&p.actuals)) {
        for (name, value) in &f.dimensions {
            let set = code_of(name);
            let entry = sets.entry(set.clone()).or_insert_with(|| CategorySet {
                code: set.clone(),
                title: clip(name, TITLE_MAX),
                options: Vec::new(),
            });
            let option = code_of(value);
            if option != UNKNOWN && !entry.options.iter().any(|o| o.code == option) {
                entry.options.push(CategoryOption { code: option, label: clip(value, TITLE_MAX) });
            }
            if !disaggregations.contains(&set) {
                disaggregations.push(set);
            }
        }
    }
    let references = i
        .references
        .iter()
        .filter(|r| r.vocabulary != "99")
        .map(|r| if r.vocabulary == "9" { format!("SDG {}", r.code) } else { format!("{} {}", r.vocabulary, r.code) })
        .map(|r| clip(&r, 100))
        .collect();
    let title = if i.title.trim().is_empty() { code.clone() } else { clip(&i.title, TITLE_MAX) };
    let definition = i.description.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| title.clone());
    Indicator {
        code,
        title,
        definition: clip(&definition, TEXT_MAX),
        measure,
        aggregation,
        cumulative: false,
        counts: Counts::Persons,
        ascending: i.ascending,
        scale_max: (measure == Measure::Ordinal).then(|| highest(i).unwrap_or(5).clamp(2, 100)),
        disaggregations,
        verification: String::new(),
        references,
        source: Source::Manual,
        computation: None,
    }
}

fn date(a: &Activity, kinds: [&str; 2]) -> Option<Date> {
    kinds.iter().find_map(|k| a.dates.iter().find(|(t, _)| t == k).map(|(_, d)| *d))
}

fn periods_kind(a: &Activity) -> PeriodKind {
    let days =
        a.results.iter().flat_map(|r| &r.indicators).flat_map(|i| &i.periods).map(|p| (p.end - p.start).whole_days());
    match days.max() {
        Some(d) if d <= 100 => PeriodKind::Quarter,
        Some(d) if d <= 190 => PeriodKind::HalfYear,
        _ => PeriodKind::Year,
    }
}

/// The programme of a parent activity; `children` are the other activities of the file
/// that name it as their parent (their reporting organisations implement in their
/// countries). `today` dates a programme whose file gives no date at all.
pub fn programme(code: &str, a: &Activity, children: &[&Activity], today: Date) -> Programme {
    let all_periods = a.results.iter().flat_map(|r| &r.indicators).flat_map(|i| &i.periods);
    let start = date(a, ["2", "1"])
        .or_else(|| all_periods.clone().map(|p| p.start).min())
        .or_else(|| a.budgets.iter().map(|b| b.start).min())
        .unwrap_or(today);
    let end = date(a, ["4", "3"])
        .or_else(|| all_periods.map(|p| p.end).max())
        .or_else(|| a.budgets.iter().map(|b| b.end).max())
        .unwrap_or(start)
        .max(start);
    let mut lead = org_ref(&a.reporting_org.reference, &a.reporting_org.name);
    let mut identifier = Some(a.identifier.clone());
    if check_activity_id("id", &a.identifier, lead.as_deref().filter(|l| dtz_domain::iati::looks_like_org_id(l)))
        .is_err()
    {
        lead = a.reporting_org.name.clone().or(lead);
        if check_activity_id("id", &a.identifier, None).is_err() {
            identifier = None;
        }
    }
    let countries = countries_of(a, children, lead.as_ref());
    let donor = a.participants.iter().filter(|p| p.role == "1").find_map(|p| org_ref(&p.org.reference, &p.org.name));
    let description = a.descriptions.iter().find(|(t, _)| t == "1").or(a.descriptions.first()).map(|(_, d)| d.clone());
    let mut sets = BTreeMap::new();
    let goals = vec![framework(a, &mut sets)];
    let language = if a.language.len() == 2 && a.language.chars().all(|c| c.is_ascii_lowercase()) {
        a.language.clone()
    } else {
        "en".into()
    };
    let dac: Vec<SectorShare> = a
        .sectors
        .iter()
        .filter(|(c, p)| c.len() == 5 && c.chars().all(|x| x.is_ascii_digit()) && (1..=100).contains(p))
        .map(|(c, p)| SectorShare { code: c.clone(), percentage: *p })
        .collect();
    let whole = dac.iter().map(|s| s.percentage).sum::<u32>() == 100 && dac.len() == a.sectors.len();
    Programme {
        code: code.to_owned(),
        name: clip(&a.title, TITLE_MAX),
        description: clip(&description.unwrap_or_default(), TEXT_MAX),
        start,
        end,
        periods: periods_kind(a),
        currency: a.currency.clone(),
        iati_identifier: identifier,
        donor,
        lead,
        countries,
        disaggregations: sets.into_values().collect(),
        goals,
        iati: IatiSettings {
            language,
            sectors: if whole { dac } else { Vec::new() },
            activities: Layout::One,
            ..IatiSettings::default()
        },
    }
}

/// The programme's countries: the parent's recipient countries, then the children's.
fn countries_of(a: &Activity, children: &[&Activity], lead: Option<&String>) -> Vec<ProgrammeCountry> {
    // Implementers per country: the reporting organisations of the children working
    // there; in a country no child covers, the parent's implementing organisations named
    // by reference (a withheld partner has only a neutral narrative, never a name).
    let mut countries: Vec<ProgrammeCountry> = Vec::new();
    for (c, _) in &a.countries {
        if let Ok(country) = CountryCode::parse("country", c)
            && !countries.iter().any(|x| x.country == country)
        {
            countries.push(ProgrammeCountry { country, lead: lead.cloned(), implementers: Vec::new() });
        }
    }
    for child in children {
        let Some(who) = org_ref(&child.reporting_org.reference, &child.reporting_org.name) else { continue };
        for (c, _) in &child.countries {
            let Ok(country) = CountryCode::parse("country", c) else { continue };
            let at = match countries.iter().position(|x| x.country == country) {
                Some(n) => n,
                None => {
                    countries.push(ProgrammeCountry { country, lead: lead.cloned(), implementers: Vec::new() });
                    countries.len() - 1
                }
            };
            if !countries[at].implementers.contains(&who) {
                countries[at].implementers.push(who.clone());
            }
        }
    }
    let named: Vec<String> = a
        .participants
        .iter()
        .filter(|p| p.role == "4")
        .filter_map(|p| p.org.reference.clone().filter(|r| !r.trim().is_empty()))
        .collect();
    for c in countries.iter_mut().filter(|c| c.implementers.is_empty()) {
        c.implementers = named.clone();
    }
    countries
}

fn framework(a: &Activity, sets: &mut BTreeMap<String, CategorySet>) -> ResultNode {
    let codes = indicator_codes(a);
    let (placed, needs_own) = nodes_of(&a.results);
    let mut outcomes: Vec<ResultNode> = Vec::new();
    if needs_own {
        outcomes.push(node(Level::Outcome, "R0", &a.title, ""));
    }
    for ((r, (code, level, parent)), icodes) in a.results.iter().zip(placed).zip(codes) {
        let title = if r.title.trim().is_empty() { code.clone() } else { r.title.clone() };
        let mut n = node(level, &code, &title, r.description.as_deref().unwrap_or_default());
        n.indicators = r.indicators.iter().zip(icodes).map(|(i, c)| indicator(i, c, sets)).collect();
        match parent.and_then(|p| outcomes.iter_mut().find(|o| o.code == p)) {
            Some(o) => o.children.push(n),
            None => outcomes.push(n),
        }
    }
    let mut goal = node(Level::Goal, "G1", &a.title, "");
    goal.children = outcomes;
    goal
}

fn node(level: Level, code: &str, title: &str, description: &str) -> ResultNode {
    ResultNode {
        level,
        code: code.to_owned(),
        title: clip(title, TITLE_MAX),
        description: clip(description, TEXT_MAX),
        indicators: Vec::new(),
        children: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iati::model::*;
    use time::macros::date;

    fn indicator(own: Option<&str>, measure: &str, dims: &[(&str, &str)]) -> IndicatorEl {
        IndicatorEl {
            measure: measure.into(),
            ascending: true,
            aggregation: true,
            title: "Children reached".into(),
            description: None,
            references: own
                .map(|c| Reference { vocabulary: "99".into(), code: c.into() })
                .into_iter()
                .chain([Reference { vocabulary: "9".into(), code: "16.2".into() }])
                .collect(),
            baseline: None,
            periods: vec![ResultPeriod {
                start: date!(2021 - 01 - 01),
                end: date!(2021 - 12 - 31),
                targets: vec![Figure { value: Some("7".into()), ..Figure::default() }],
                actuals: vec![Figure {
                    value: Some("3".into()),
                    dimensions: dims.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect(),
                    comment: None,
                }],
            }],
        }
    }

    fn result(kind: &str, indicators: Vec<IndicatorEl>) -> ResultEl {
        ResultEl {
            kind: kind.into(),
            aggregation: true,
            title: format!("Result {kind}"),
            description: None,
            indicators,
        }
    }

    fn activity(results: Vec<ResultEl>) -> Activity {
        Activity {
            identifier: "XM-DAC-41122-P1".into(),
            last_updated: String::new(),
            language: "en".into(),
            currency: "USD".into(),
            hierarchy: 1,
            reporting_org: OrgRef {
                reference: Some("XM-DAC-41122".into()),
                org_type: None,
                name: Some("UNICEF".into()),
            },
            title: "A programme".into(),
            descriptions: vec![("1".into(), "What it does.".into())],
            participants: Vec::new(),
            status: "2".into(),
            dates: vec![("1".into(), date!(2021 - 01 - 01)), ("3".into(), date!(2023 - 12 - 31))],
            countries: vec![("KE".into(), None)],
            sectors: Vec::new(),
            budgets: Vec::new(),
            transactions: Vec::new(),
            documents: Vec::new(),
            related: Vec::new(),
            results,
        }
    }

    #[test]
    fn outcomes_carry_the_outputs_after_them_and_codes_are_the_publishers_where_usable() {
        let a = activity(vec![
            result("1", vec![indicator(None, "1", &[])]),
            result(
                "2",
                vec![indicator(Some("OUT-1"), "1", &[("Sex", "Female")]), indicator(Some("bad code!"), "2", &[])],
            ),
            result("1", vec![indicator(Some("OUT-1"), "5", &[])]),
        ]);
        let p = programme("XM-DAC-41122-P1", &a, &[], date!(2026 - 01 - 01));
        assert_eq!(p.check(), Vec::new());
        assert_eq!((p.start, p.end, p.currency.as_str()), (date!(2021 - 01 - 01), date!(2023 - 12 - 31), "USD"));
        let g = &p.goals[0];
        let outcomes: Vec<(&str, Vec<&str>)> = g
            .children
            .iter()
            .map(|o| (o.code.as_str(), o.children.iter().map(|c| c.code.as_str()).collect()))
            .collect();
        assert_eq!(outcomes, vec![("R0", vec!["R1"]), ("R2", vec!["R3"])]);
        let codes: Vec<&str> = p.indicators().iter().map(|(_, i)| i.code.as_str()).collect();
        assert_eq!(codes, ["R1.1", "OUT-1", "R2.2", "R3.1"]);
        assert_eq!(indicator_codes(&a), vec![vec!["R1.1"], vec!["OUT-1", "R2.2"], vec!["R3.1"]]);
        let (_, i) = p.indicators()[1];
        assert_eq!(
            (i.measure, i.references.clone(), i.disaggregations.clone()),
            (Measure::Count, vec!["SDG 16.2".to_owned()], vec!["sex".to_owned()])
        );
        assert_eq!(p.disaggregations[0].options[0].label, "Female");
        assert_eq!(p.indicators()[3].1.measure, Measure::Text);
    }
}
