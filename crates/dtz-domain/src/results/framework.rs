//! The programme and its results framework as domain values: what the alliance promised
//! and how each indicator is measured and added up (DESIGN §4).

use crate::org::CountryCode;
use crate::results::period::PeriodKind;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use time::Date;

/// How an indicator is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A number of persons, events, …
    Count,
    /// A percentage, reported as numerator and denominator.
    Percentage,
    /// Yes or no (a policy adopted, a criterion met).
    YesNo,
    /// A position on an ordinal scale 1..=max.
    Ordinal,
    /// A qualitative description.
    Text,
}

/// How values are combined across countries, organisations and parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Add the values.
    Sum,
    /// Add numerators and denominators, then divide (never average percentages).
    RatioOfSums,
    /// The latest value in time (a stock, a state).
    Latest,
    /// Not combined; shown per reporter (yes/no, ordinal, text show distributions).
    None,
}

/// Whether an indicator counts each person once or each attendance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    /// Unique persons: first-time participants only.
    Persons,
    /// Every attendance or event.
    Attendances,
}

/// Where values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Entered or imported by people.
    Manual,
    /// Computed from operational records (activities, cases, …); not editable by hand.
    Computed,
}

/// Level of a node of the results framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A strategic goal.
    Goal,
    /// An outcome under a goal.
    Outcome,
    /// An output under an outcome.
    Output,
}

macro_rules! str_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? } $msg:literal) => {
        impl $t {
            /// Stored and file name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            /// Parse the stored or file name.
            pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
                match s.trim() { $($s => Ok(Self::$v),)* _ => Err(Invalid::new(field, $msg)) }
            }
        }
    };
}
str_enum!(Measure { Count => "count", Percentage => "percentage", YesNo => "yes_no", Ordinal => "ordinal", Text => "text" } "Use count, percentage, yes_no, ordinal or text.");
str_enum!(Aggregation { Sum => "sum", RatioOfSums => "ratio_of_sums", Latest => "latest", None => "none" } "Use sum, ratio_of_sums, latest or none.");
str_enum!(Counts { Persons => "persons", Attendances => "attendances" } "Use persons or attendances.");
str_enum!(Source { Manual => "manual", Computed => "computed" } "Use manual or computed.");
str_enum!(Level { Goal => "goal", Outcome => "outcome", Output => "output" } "Use goal, outcome or output.");

/// Code of the option every disaggregation has for what a partner cannot split.
pub const UNKNOWN: &str = "unknown";

/// A disaggregation category set, such as sex or age group. Every set has the
/// [`UNKNOWN`] option besides its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySet {
    /// Code, e.g. `sex`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Options (code, label), without `unknown`.
    pub options: Vec<CategoryOption>,
}

/// One option of a category set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryOption {
    /// Code, e.g. `female`.
    pub code: String,
    /// Label.
    pub label: String,
}

impl CategorySet {
    /// Option codes including `unknown`, in order.
    pub fn codes(&self) -> Vec<&str> {
        self.options.iter().map(|o| o.code.as_str()).chain(std::iter::once(UNKNOWN)).collect()
    }
}

/// An indicator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Code, unique in the programme, e.g. `G1.O1.1`.
    pub code: String,
    /// Title.
    pub title: String,
    /// What exactly is counted, and how.
    pub definition: String,
    /// Measure.
    pub measure: Measure,
    /// Aggregation.
    pub aggregation: Aggregation,
    /// Cumulative (a running total over the programme) rather than per period.
    pub cumulative: bool,
    /// Unique persons or attendances.
    pub counts: Counts,
    /// Higher is better.
    pub ascending: bool,
    /// Largest value of an ordinal scale.
    pub scale_max: Option<i64>,
    /// Codes of the category sets the values are broken down by.
    pub disaggregations: Vec<String>,
    /// Means of verification.
    pub verification: String,
    /// References: SDG targets (e.g. `SDG 16.2`) and own codes.
    pub references: Vec<String>,
    /// Manual or computed.
    pub source: Source,
    /// For computed indicators: the computation's name.
    pub computation: Option<String>,
}

/// A node of the results framework: a goal, outcome or output, with its indicators and
/// children.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultNode {
    /// Level.
    pub level: Level,
    /// Code, unique in the programme.
    pub code: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Indicators measuring this node.
    pub indicators: Vec<Indicator>,
    /// Outcomes of a goal, outputs of an outcome.
    pub children: Vec<ResultNode>,
}

/// A country of the programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeCountry {
    /// Country.
    pub country: CountryCode,
    /// Lead member (an organisation reference: IATI id or name).
    pub lead: Option<String>,
    /// Implementing organisations (references).
    pub implementers: Vec<String>,
}

/// A programme with its framework: what `dtz programme dump` writes and `load` reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    /// Code, e.g. `DTZ`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Reporting periods.
    pub periods: PeriodKind,
    /// ISO 4217 currency.
    pub currency: String,
    /// IATI activity identifier of the programme (the lead's parent activity).
    pub iati_identifier: Option<String>,
    /// Donor (organisation reference).
    pub donor: Option<String>,
    /// Lead member (organisation reference).
    pub lead: Option<String>,
    /// Countries.
    pub countries: Vec<ProgrammeCountry>,
    /// Disaggregation category sets.
    pub disaggregations: Vec<CategorySet>,
    /// Strategic goals, each with outcomes (and outputs) and indicators.
    pub goals: Vec<ResultNode>,
    /// How the programme is published in IATI (defaults when a file says nothing).
    #[serde(default)]
    pub iati: crate::iati::IatiSettings,
}

impl ResultNode {
    /// This node and every node below it, depth first.
    pub fn walk(&self) -> Vec<&ResultNode> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }
}

impl Programme {
    /// Every node, depth first.
    pub fn nodes(&self) -> Vec<&ResultNode> {
        self.goals.iter().flat_map(ResultNode::walk).collect()
    }

    /// Every indicator with the node it belongs to.
    pub fn indicators(&self) -> Vec<(&ResultNode, &Indicator)> {
        self.nodes().into_iter().flat_map(|n| n.indicators.iter().map(move |i| (n, i))).collect()
    }

    /// Check the rules a file or an edit must keep; each problem names where it is
    /// (a path such as `goals[0].outcomes[1].indicators[2].measure`).
    pub fn check(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        let mut codes = std::collections::HashSet::new();
        if self.end < self.start {
            out.push(Invalid::new("programme.end", "The end date is before the start date."));
        }
        if !is_programme_code(&self.code) {
            out.push(Invalid::new("programme.code", PROGRAMME_CODE_RULE));
        }
        let sets: Vec<&str> = self.disaggregations.iter().map(|d| d.code.as_str()).collect();
        for (i, d) in self.disaggregations.iter().enumerate() {
            if d.options.iter().any(|o| o.code == UNKNOWN) {
                out.push(Invalid::new(
                    format!("disaggregations[{i}].options"),
                    "Leave out \"unknown\": every set has it already.",
                ));
            }
        }
        for (gi, g) in self.goals.iter().enumerate() {
            check_node(g, &format!("goals[{gi}]"), Level::Goal, &sets, &mut codes, &mut out);
        }
        out.extend(self.iati.check(self.iati_identifier.as_deref(), self.lead.as_deref()));
        out
    }
}

const CODE_RULE: &str = "Use letters, digits, dots, hyphens and underscores (1–40), such as G1.O2.3.";

/// Whether `s` is a valid code of a node or indicator.
pub fn is_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && code_chars(s)
}

fn code_chars(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
}

/// Longest programme code: longer than a node's, since a programme imported from IATI
/// takes its parent activity's identifier as its code (DESIGN §6).
pub const PROGRAMME_CODE_MAX: usize = 100;

const PROGRAMME_CODE_RULE: &str = "Use letters, digits, dots, hyphens and underscores (1–100), such as DTZ.";

/// Whether `s` is a valid programme code.
pub fn is_programme_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= PROGRAMME_CODE_MAX && code_chars(s)
}

/// Longest title of a node or indicator.
pub const TITLE_MAX: usize = 500;
/// Longest description, definition or means of verification.
pub const TEXT_MAX: usize = 4000;
const CODE_MAX: usize = 100;

fn too_long(at: &str, field: &str, value: &str, max: usize, out: &mut Vec<Invalid>) {
    if value.chars().count() > max {
        out.push(Invalid::new(format!("{at}.{field}"), format!("Use at most {max} characters.")));
    }
}

fn check_node<'a>(
    n: &'a ResultNode,
    at: &str,
    level: Level,
    sets: &[&str],
    codes: &mut std::collections::HashSet<&'a str>,
    out: &mut Vec<Invalid>,
) {
    if n.level != level {
        out.push(Invalid::new(format!("{at}.level"), format!("Expected a {} here.", level.as_str())));
    }
    if n.title.trim().is_empty() {
        out.push(Invalid::new(format!("{at}.title"), "Give every goal, outcome and output a title."));
    }
    too_long(at, "title", &n.title, TITLE_MAX, out);
    too_long(at, "description", &n.description, TEXT_MAX, out);
    if !is_code(&n.code) {
        out.push(Invalid::new(format!("{at}.code"), CODE_RULE));
    } else if !codes.insert(&n.code) {
        out.push(Invalid::new(format!("{at}.code"), format!("The code “{}” is used twice.", n.code)));
    }
    for (ii, i) in n.indicators.iter().enumerate() {
        let here = format!("{at}.indicators[{ii}]");
        if !is_code(&i.code) {
            out.push(Invalid::new(format!("{here}.code"), CODE_RULE));
        } else if !codes.insert(&i.code) {
            out.push(Invalid::new(format!("{here}.code"), format!("The code “{}” is used twice.", i.code)));
        }
        check_indicator(i, &here, sets, out);
    }
    let child_level = match level {
        Level::Goal => Level::Outcome,
        Level::Outcome | Level::Output => Level::Output,
    };
    let child_name = if level == Level::Goal { "outcomes" } else { "outputs" };
    if level == Level::Output && !n.children.is_empty() {
        out.push(Invalid::new(format!("{at}.outputs"), "Outputs have no children."));
    }
    for (ci, c) in n.children.iter().enumerate() {
        check_node(c, &format!("{at}.{child_name}[{ci}]"), child_level, sets, codes, out);
    }
}

fn check_indicator(i: &Indicator, at: &str, sets: &[&str], out: &mut Vec<Invalid>) {
    if i.title.trim().is_empty() {
        out.push(Invalid::new(format!("{at}.title"), "Give the indicator a title."));
    }
    if i.definition.trim().is_empty() {
        out.push(Invalid::new(format!("{at}.definition"), "Say what exactly is counted and how."));
    }
    too_long(at, "title", &i.title, TITLE_MAX, out);
    too_long(at, "definition", &i.definition, TEXT_MAX, out);
    too_long(at, "verification", &i.verification, TEXT_MAX, out);
    for r in &i.references {
        too_long(at, "references", r, CODE_MAX, out);
    }
    let fits = match i.measure {
        Measure::Count => matches!(i.aggregation, Aggregation::Sum | Aggregation::Latest | Aggregation::None),
        Measure::Percentage => {
            matches!(i.aggregation, Aggregation::RatioOfSums | Aggregation::Latest | Aggregation::None)
        }
        Measure::YesNo | Measure::Ordinal | Measure::Text => {
            matches!(i.aggregation, Aggregation::None | Aggregation::Latest)
        }
    };
    if !fits {
        let msg = match i.measure {
            Measure::Percentage => {
                "A percentage adds up as ratio_of_sums (never an average of percentages), latest or none."
            }
            Measure::Count => "A count adds up as sum, latest or none.",
            _ => "Yes/no, ordinal and text values add up as none (shown as a distribution) or latest.",
        };
        out.push(Invalid::new(format!("{at}.aggregation"), msg));
    }
    match (i.measure, i.scale_max) {
        (Measure::Ordinal, None) => {
            out.push(Invalid::new(format!("{at}.scale_max"), "An ordinal indicator needs scale_max."))
        }
        (Measure::Ordinal, Some(m)) if !(2..=100).contains(&m) => {
            out.push(Invalid::new(format!("{at}.scale_max"), "Use a scale from 2 to 100."))
        }
        (Measure::Ordinal, Some(_)) | (_, None) => {}
        (_, Some(_)) => out.push(Invalid::new(format!("{at}.scale_max"), "Only ordinal indicators have a scale.")),
    }
    for (di, d) in i.disaggregations.iter().enumerate() {
        if !sets.contains(&d.as_str()) {
            out.push(Invalid::new(
                format!("{at}.disaggregations[{di}]"),
                format!("There is no disaggregation “{d}” in this programme."),
            ));
        }
    }
    if i.source == Source::Computed {
        match i.computation.as_deref().map(super::computed::Computation::check) {
            None => out.push(Invalid::new(format!("{at}.computation"), "A computed indicator names its computation.")),
            Some(Err(why)) => out.push(Invalid::new(format!("{at}.computation"), why)),
            Some(Ok(_)) if i.measure != Measure::Count => {
                out.push(Invalid::new(format!("{at}.measure"), "A computed indicator is a count."))
            }
            Some(Ok(_)) => {}
        }
    }
}
