//! Editing a results framework one step at a time (what the pages do), and the rules
//! every new version of a framework must keep towards what is already recorded against
//! it — values, baselines and targets — whether it comes from a page or a programme file.
//!
//! The rules, decided once for both ways in:
//! - an indicator with anything recorded keeps its code and cannot be removed (nor can
//!   a node above it);
//! - its measure cannot change;
//! - its breakdowns may grow (a new category set, a new option), but every breakdown a
//!   recorded value or target uses must stay;
//! - an ordinal scale cannot shrink below a recorded level.
//!
//! Title, definition, means of verification, direction, references, aggregation (within
//! what the measure allows), cumulative, persons/attendances and source stay editable:
//! they describe or add up the same recorded figures.

use super::framework::{Indicator, Level, Measure, Programme, ResultNode};
use super::report::check_part;
use crate::validate::Invalid;

/// One change to a framework, as the pages make them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameworkEdit {
    /// New title and description of a node.
    Node {
        /// The node's code.
        code: String,
        /// Title.
        title: String,
        /// Description.
        description: String,
    },
    /// A new node: a goal (no parent), an outcome under a goal, an output under an outcome.
    AddNode {
        /// Code of the parent node; none for a new goal.
        parent: Option<String>,
        /// Code of the new node.
        code: String,
        /// Title.
        title: String,
        /// Description.
        description: String,
    },
    /// Replace an indicator; its code may change while nothing is recorded against it.
    Indicator {
        /// The indicator's code now.
        code: String,
        /// The indicator as it should be.
        indicator: Indicator,
    },
    /// A new indicator measuring a node.
    AddIndicator {
        /// Code of the node.
        node: String,
        /// The indicator.
        indicator: Indicator,
    },
    /// Remove a node with everything below it.
    RemoveNode {
        /// The node's code.
        code: String,
    },
    /// Remove an indicator.
    RemoveIndicator {
        /// The indicator's code.
        code: String,
    },
}

/// The edit names a node or indicator the framework does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Missing;

fn node_mut<'a>(nodes: &'a mut [ResultNode], code: &str) -> Option<&'a mut ResultNode> {
    for n in nodes {
        if n.code == code {
            return Some(n);
        }
        if let Some(found) = node_mut(&mut n.children, code) {
            return Some(found);
        }
    }
    None
}

fn holder_mut<'a>(nodes: &'a mut [ResultNode], indicator: &str) -> Option<&'a mut ResultNode> {
    for n in nodes {
        if n.indicators.iter().any(|i| i.code == indicator) {
            return Some(n);
        }
        if let Some(found) = holder_mut(&mut n.children, indicator) {
            return Some(found);
        }
    }
    None
}

fn remove_node(nodes: &mut Vec<ResultNode>, code: &str) -> bool {
    if let Some(at) = nodes.iter().position(|n| n.code == code) {
        nodes.remove(at);
        return true;
    }
    nodes.iter_mut().any(|n| remove_node(&mut n.children, code))
}

impl FrameworkEdit {
    /// Apply the edit; the result still has to pass [`Programme::check`] and
    /// [`check_recorded`].
    pub fn apply(self, p: &mut Programme) -> Result<(), Missing> {
        match self {
            FrameworkEdit::Node { code, title, description } => {
                let n = node_mut(&mut p.goals, &code).ok_or(Missing)?;
                n.title = title;
                n.description = description;
            }
            FrameworkEdit::AddNode { parent, code, title, description } => {
                let (level, siblings) = match parent {
                    None => (Level::Goal, &mut p.goals),
                    Some(parent) => {
                        let n = node_mut(&mut p.goals, &parent).ok_or(Missing)?;
                        let level = if n.level == Level::Goal { Level::Outcome } else { Level::Output };
                        (level, &mut n.children)
                    }
                };
                siblings.push(ResultNode {
                    level,
                    code,
                    title,
                    description,
                    indicators: Vec::new(),
                    children: Vec::new(),
                });
            }
            FrameworkEdit::Indicator { code, indicator } => {
                let n = holder_mut(&mut p.goals, &code).ok_or(Missing)?;
                let slot = n.indicators.iter_mut().find(|i| i.code == code).ok_or(Missing)?;
                *slot = indicator;
            }
            FrameworkEdit::AddIndicator { node, indicator } => {
                node_mut(&mut p.goals, &node).ok_or(Missing)?.indicators.push(indicator);
            }
            FrameworkEdit::RemoveNode { code } => {
                if !remove_node(&mut p.goals, &code) {
                    return Err(Missing);
                }
            }
            FrameworkEdit::RemoveIndicator { code } => {
                let n = holder_mut(&mut p.goals, &code).ok_or(Missing)?;
                n.indicators.retain(|i| i.code != code);
            }
        }
        Ok(())
    }
}

/// Where a node or indicator is, as the path [`Programme::check`] and the programme file
/// use (`goals[0].outcomes[1].indicators[2]`).
pub fn path_of(p: &Programme, code: &str) -> Option<String> {
    fn walk(n: &ResultNode, at: String, code: &str) -> Option<String> {
        if n.code == code {
            return Some(at);
        }
        if let Some(i) = n.indicators.iter().position(|i| i.code == code) {
            return Some(format!("{at}.indicators[{i}]"));
        }
        let name = if n.level == Level::Goal { "outcomes" } else { "outputs" };
        n.children.iter().enumerate().find_map(|(ci, c)| walk(c, format!("{at}.{name}[{ci}]"), code))
    }
    p.goals.iter().enumerate().find_map(|(gi, g)| walk(g, format!("goals[{gi}]"), code))
}

/// What is recorded against one part of an indicator: values, baselines or targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Indicator code.
    pub indicator: String,
    /// `""` for the total, `set=option` for a breakdown.
    pub part: String,
    /// Highest number recorded (what an ordinal scale must keep).
    pub max_value: Option<i64>,
}

/// The problems of going from `before` to `after` with `recorded` data: each names the
/// place in `after` (or `file` when the indicator is gone) and what to keep.
pub fn check_recorded(before: &Programme, after: &Programme, recorded: &[Recorded]) -> Vec<Invalid> {
    let mut out: Vec<Invalid> = Vec::new();
    let mut push = |i: Invalid| {
        if !out.contains(&i) {
            out.push(i);
        }
    };
    let now: Vec<(&ResultNode, &Indicator)> = after.indicators();
    for r in recorded {
        let Some((_, was)) = before.indicators().into_iter().find(|(_, i)| i.code == r.indicator) else { continue };
        let Some((_, is)) = now.iter().find(|(_, i)| i.code == r.indicator) else {
            push(Invalid::new(
                "file",
                format!("“{}” has values or targets: it cannot be removed and its code cannot change.", was.code),
            ));
            continue;
        };
        let at = path_of(after, &is.code).unwrap_or_else(|| "file".into());
        if is.measure != was.measure {
            push(Invalid::new(
                format!("{at}.measure"),
                format!("“{}” has values or targets: its measure cannot change.", is.code),
            ));
        }
        if !r.part.is_empty() && check_part("part", &r.part, is, &after.disaggregations).is_err() {
            push(Invalid::new(
                format!("{at}.disaggregations"),
                format!("Values or targets of “{}” are broken down by “{}”: keep that breakdown.", is.code, r.part),
            ));
        }
        if let (Measure::Ordinal, Some(max), Some(top)) = (is.measure, is.scale_max, r.max_value)
            && top > max
        {
            push(Invalid::new(
                format!("{at}.scale_max"),
                format!("“{}” has values up to level {top}: keep a scale of at least {top}.", is.code),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::framework::{Aggregation, CategoryOption, CategorySet, Counts, Source};
    use crate::results::period::PeriodKind;

    fn indicator(code: &str, measure: Measure) -> Indicator {
        Indicator {
            code: code.into(),
            title: "Children trained".into(),
            definition: "Count of children trained.".into(),
            measure,
            aggregation: if measure == Measure::Count { Aggregation::Sum } else { Aggregation::None },
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

    fn programme() -> Programme {
        let output = ResultNode {
            level: Level::Output,
            code: "G1.O1.P1".into(),
            title: "Output".into(),
            description: String::new(),
            indicators: vec![indicator("I2", Measure::Ordinal)],
            children: Vec::new(),
        };
        let outcome = ResultNode {
            level: Level::Outcome,
            code: "G1.O1".into(),
            title: "Outcome".into(),
            description: String::new(),
            indicators: vec![indicator("I1", Measure::Count)],
            children: vec![output],
        };
        Programme {
            code: "P".into(),
            name: "Pilot".into(),
            description: String::new(),
            start: time::macros::date!(2016 - 01 - 01),
            end: time::macros::date!(2017 - 12 - 31),
            periods: PeriodKind::Year,
            currency: "EUR".into(),
            iati_identifier: None,
            donor: None,
            lead: None,
            countries: Vec::new(),
            disaggregations: vec![CategorySet {
                code: "sex".into(),
                title: "Sex".into(),
                options: vec![
                    CategoryOption { code: "female".into(), label: "Female".into() },
                    CategoryOption { code: "male".into(), label: "Male".into() },
                ],
            }],
            goals: vec![ResultNode {
                level: Level::Goal,
                code: "G1".into(),
                title: "Goal".into(),
                description: String::new(),
                indicators: Vec::new(),
                children: vec![outcome],
            }],
            iati: crate::iati::IatiSettings::default(),
        }
    }

    fn rec(indicator: &str, part: &str, max: Option<i64>) -> Recorded {
        Recorded { indicator: indicator.into(), part: part.into(), max_value: max }
    }

    #[test]
    fn edits_change_the_framework_in_place_and_unknown_codes_are_missing() {
        let mut p = programme();
        FrameworkEdit::Node { code: "G1.O1".into(), title: "New".into(), description: "D".into() }
            .apply(&mut p)
            .unwrap();
        assert_eq!(p.goals[0].children[0].title, "New");
        FrameworkEdit::AddNode {
            parent: Some("G1.O1".into()),
            code: "G1.O1.P2".into(),
            title: "T".into(),
            description: String::new(),
        }
        .apply(&mut p)
        .unwrap();
        assert_eq!(p.goals[0].children[0].children[1].level, Level::Output);
        FrameworkEdit::AddNode { parent: None, code: "G2".into(), title: "T".into(), description: String::new() }
            .apply(&mut p)
            .unwrap();
        assert_eq!(p.goals[1].level, Level::Goal);
        FrameworkEdit::AddIndicator { node: "G2".into(), indicator: indicator("I3", Measure::Count) }
            .apply(&mut p)
            .unwrap();
        assert_eq!(path_of(&p, "I3").as_deref(), Some("goals[1].indicators[0]"));
        assert_eq!(path_of(&p, "I2").as_deref(), Some("goals[0].outcomes[0].outputs[0].indicators[0]"));
        assert!(p.check().is_empty(), "{:?}", p.check());
        let mut renamed = indicator("I9", Measure::Count);
        renamed.title = "Renamed".into();
        FrameworkEdit::Indicator { code: "I1".into(), indicator: renamed }.apply(&mut p).unwrap();
        assert_eq!(p.goals[0].children[0].indicators[0].code, "I9");
        FrameworkEdit::RemoveIndicator { code: "I9".into() }.apply(&mut p).unwrap();
        FrameworkEdit::RemoveNode { code: "G1.O1.P1".into() }.apply(&mut p).unwrap();
        assert!(path_of(&p, "I2").is_none());
        assert_eq!(FrameworkEdit::RemoveNode { code: "NOPE".into() }.apply(&mut p), Err(Missing));
        assert_eq!(
            FrameworkEdit::Indicator { code: "NOPE".into(), indicator: indicator("X", Measure::Count) }.apply(&mut p),
            Err(Missing)
        );
        let mut bad = p.clone();
        FrameworkEdit::AddNode {
            parent: Some("G1.O1.P2".into()),
            code: "X".into(),
            title: "T".into(),
            description: String::new(),
        }
        .apply(&mut bad)
        .unwrap();
        assert!(bad.check().iter().any(|i| i.message == "Outputs have no children."));
    }

    #[test]
    fn recorded_data_keeps_codes_measures_breakdowns_and_scales() {
        let before = programme();
        let recorded = [rec("I1", "", Some(40)), rec("I1", "sex=female", Some(20)), rec("I2", "", Some(3))];
        // Anything descriptive may change.
        let mut after = before.clone();
        after.goals[0].children[0].indicators[0].title = "Children trained (all)".into();
        after.goals[0].children[0].indicators[0].aggregation = Aggregation::Latest;
        assert!(check_recorded(&before, &after, &recorded).is_empty());
        // Breakdowns may grow.
        after.disaggregations[0].options.push(CategoryOption { code: "other".into(), label: "Other".into() });
        assert!(check_recorded(&before, &after, &recorded).is_empty());

        let mut after = before.clone();
        after.goals[0].children[0].indicators[0].measure = Measure::Percentage;
        after.goals[0].children[0].indicators[0].disaggregations.clear();
        after.goals[0].children[0].children[0].indicators[0].scale_max = Some(2);
        let problems = check_recorded(&before, &after, &recorded);
        let fields: Vec<&str> = problems.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "goals[0].outcomes[0].indicators[0].measure",
                "goals[0].outcomes[0].indicators[0].disaggregations",
                "goals[0].outcomes[0].outputs[0].indicators[0].scale_max"
            ],
            "{problems:?}"
        );
        assert!(problems[2].message.contains("keep a scale of at least 3"));

        let mut after = before.clone();
        after.disaggregations[0].options.remove(0);
        assert_eq!(check_recorded(&before, &after, &recorded).len(), 1, "the option “female” is recorded");

        let mut after = before.clone();
        after.goals[0].children[0].indicators[0].code = "I1b".into();
        let problems = check_recorded(&before, &after, &recorded);
        assert_eq!(problems.len(), 1, "one message per indicator: {problems:?}");
        assert!(problems[0].message.contains("cannot be removed and its code cannot change"));
        let mut after = before.clone();
        FrameworkEdit::RemoveNode { code: "G1.O1".into() }.apply(&mut after).unwrap();
        assert_eq!(check_recorded(&before, &after, &recorded).len(), 2, "both indicators below the node");
        assert!(check_recorded(&before, &after, &[]).is_empty(), "nothing recorded: anything goes");
    }
}
