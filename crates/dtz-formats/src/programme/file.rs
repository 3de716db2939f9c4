//! The TOML shape of the programme file, and its conversion to and from domain values.

use super::{FORMAT, FileProblem, FileProblems, line_at};
use dtz_domain::iati::{DocumentLink, IatiSettings, Layout, PublisherSettings, SectorShare};
use dtz_domain::org::CountryCode;
use dtz_domain::results::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    format: String,
    programme: Spanned<ProgrammeFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iati: Option<Spanned<IatiFile>>,
    #[serde(default)]
    countries: Vec<Spanned<CountryFile>>,
    #[serde(default)]
    disaggregations: Vec<Spanned<SetFile>>,
    #[serde(default)]
    goals: Vec<Spanned<NodeFile>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ProgrammeFile {
    code: String,
    name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
    start: toml::value::Datetime,
    end: toml::value::Datetime,
    periods: PeriodKind,
    currency: Spanned<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iati_identifier: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    donor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lead: Option<String>,
}

/// The `[iati]` table: every field optional, so older files load unchanged.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct IatiFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    activities: Option<Layout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    donor_activity: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sectors: Vec<Spanned<SectorShare>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    documents: Vec<Spanned<DocumentLink>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    publishers: Vec<Spanned<PublisherSettings>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CountryFile {
    country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lead: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    implementers: Vec<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SetFile {
    code: String,
    title: String,
    options: Vec<CategoryOption>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NodeFile {
    code: String,
    title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    indicators: Vec<Spanned<IndicatorFile>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    outcomes: Vec<Spanned<NodeFile>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    outputs: Vec<Spanned<NodeFile>>,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_true(b: &bool) -> bool {
    *b
}
fn yes() -> bool {
    true
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct IndicatorFile {
    code: String,
    title: String,
    definition: String,
    measure: Measure,
    #[serde(skip_serializing_if = "Option::is_none")]
    aggregation: Option<Aggregation>,
    #[serde(default, skip_serializing_if = "is_false")]
    cumulative: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    counts: Option<Counts>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    ascending: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_max: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    disaggregations: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    verification: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    computation: Option<String>,
}

/// The aggregation an indicator gets when the file does not say.
pub fn default_aggregation(m: Measure) -> Aggregation {
    match m {
        Measure::Count => Aggregation::Sum,
        Measure::Percentage => Aggregation::RatioOfSums,
        Measure::YesNo | Measure::Ordinal | Measure::Text => Aggregation::None,
    }
}

struct Reader<'t> {
    text: &'t str,
    lines: BTreeMap<String, usize>,
    problems: Vec<FileProblem>,
}

impl Reader<'_> {
    fn mark<T>(&mut self, path: &str, s: &Spanned<T>) {
        self.lines.insert(path.to_owned(), line_at(self.text, s.span().start));
    }

    fn problem(&mut self, path: &str, reason: impl Into<String>) {
        let line = self.lines.get(path).copied().unwrap_or(0);
        self.problems.push(FileProblem { line, field: path.to_owned(), reason: reason.into() });
    }

    fn date(&mut self, path: &str, d: &toml::value::Datetime) -> time::Date {
        let parsed = d.date.filter(|_| d.time.is_none() && d.offset.is_none()).and_then(|x| {
            let month = time::Month::try_from(x.month).ok()?;
            time::Date::from_calendar_date(i32::from(x.year), month, x.day).ok()
        });
        parsed.unwrap_or_else(|| {
            self.problem(path, "Use a date such as 2016-01-01 (no time).");
            time::Date::MIN
        })
    }

    fn node(&mut self, path: &str, s: Spanned<NodeFile>, level: Level) -> ResultNode {
        self.mark(path, &s);
        let n = s.into_inner();
        let (children, wrong, name) = match level {
            Level::Goal => (n.outcomes, n.outputs, "outputs"),
            Level::Outcome => (n.outputs, n.outcomes, "outcomes"),
            Level::Output => {
                let mut all = n.outcomes;
                all.extend(n.outputs);
                (Vec::new(), all, "outputs")
            }
        };
        if !wrong.is_empty() {
            let here = format!("{path}.{name}");
            let reason = match level {
                Level::Goal => "A goal holds outcomes; outputs go under an outcome.",
                Level::Outcome => "An outcome holds outputs, not outcomes.",
                Level::Output => "An output holds only indicators.",
            };
            self.problem(&here, reason);
        }
        let (child_level, child_name) =
            if level == Level::Goal { (Level::Outcome, "outcomes") } else { (Level::Output, "outputs") };
        let indicators = n
            .indicators
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let p = format!("{path}.indicators[{i}]");
                self.mark(&p, &s);
                indicator(s.into_inner())
            })
            .collect();
        let children = children
            .into_iter()
            .enumerate()
            .map(|(i, c)| self.node(&format!("{path}.{child_name}[{i}]"), c, child_level))
            .collect();
        ResultNode { level, code: n.code, title: n.title, description: n.description, indicators, children }
    }
}

impl Reader<'_> {
    fn iati(&mut self, t: Spanned<IatiFile>) -> IatiSettings {
        self.mark("iati", &t);
        let f = t.into_inner();
        let mut list = |name: &str, n: usize, span: &dyn Fn(usize) -> std::ops::Range<usize>| {
            for i in 0..n {
                let line = line_at(self.text, span(i).start);
                self.lines.insert(format!("iati.{name}[{i}]"), line);
            }
        };
        list("sectors", f.sectors.len(), &|i| f.sectors[i].span());
        list("documents", f.documents.len(), &|i| f.documents[i].span());
        list("publishers", f.publishers.len(), &|i| f.publishers[i].span());
        let d = IatiSettings::default();
        IatiSettings {
            language: f.language.unwrap_or(d.language),
            activities: f.activities.unwrap_or(d.activities),
            donor_activity: f.donor_activity,
            sectors: f.sectors.into_iter().map(Spanned::into_inner).collect(),
            documents: f.documents.into_iter().map(Spanned::into_inner).collect(),
            publishers: f.publishers.into_iter().map(Spanned::into_inner).collect(),
        }
    }
}

fn iati_file(s: &IatiSettings) -> Option<Spanned<IatiFile>> {
    if s.is_default() {
        return None;
    }
    let d = IatiSettings::default();
    Some(spanned(IatiFile {
        language: (s.language != d.language).then(|| s.language.clone()),
        activities: (s.activities != d.activities).then_some(s.activities),
        donor_activity: s.donor_activity.clone(),
        sectors: s.sectors.iter().cloned().map(spanned).collect(),
        documents: s.documents.iter().cloned().map(spanned).collect(),
        publishers: s.publishers.iter().cloned().map(spanned).collect(),
    }))
}

fn indicator(f: IndicatorFile) -> Indicator {
    Indicator {
        aggregation: f.aggregation.unwrap_or(default_aggregation(f.measure)),
        code: f.code,
        title: f.title,
        definition: f.definition,
        measure: f.measure,
        cumulative: f.cumulative,
        counts: f.counts.unwrap_or(Counts::Persons),
        ascending: f.ascending,
        scale_max: f.scale_max,
        disaggregations: f.disaggregations,
        verification: f.verification,
        references: f.references,
        source: f.source.unwrap_or(Source::Manual),
        computation: f.computation,
    }
}

/// Parse the TOML and convert; returns the programme and the line of every path.
pub fn read(text: &str) -> Result<(Programme, BTreeMap<String, usize>), FileProblems> {
    let f: FileV1 = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_at(text, s.start));
        FileProblems(vec![FileProblem { line, field: "file".into(), reason: e.message().to_owned() }])
    })?;
    let mut r = Reader { text, lines: BTreeMap::new(), problems: Vec::new() };
    if f.format != FORMAT {
        r.problems.push(FileProblem {
            line: 1,
            field: "format".into(),
            reason: format!("Expected format = \"{FORMAT}\"."),
        });
    }
    r.mark("programme", &f.programme);
    let pf = f.programme.into_inner();
    r.mark("programme.currency", &pf.currency);
    if let Some(id) = &pf.iati_identifier {
        r.mark("programme.iati_identifier", id);
    }
    let (start, end) = (r.date("programme.start", &pf.start), r.date("programme.end", &pf.end));
    let mut countries = Vec::new();
    for (i, c) in f.countries.into_iter().enumerate() {
        let p = format!("countries[{i}]");
        r.mark(&p, &c);
        let c = c.into_inner();
        match CountryCode::parse("country", &c.country) {
            Ok(country) => countries.push(ProgrammeCountry { country, lead: c.lead, implementers: c.implementers }),
            Err(e) => r.problem(&format!("{p}.country"), e.message),
        }
    }
    let mut disaggregations = Vec::new();
    for (i, d) in f.disaggregations.into_iter().enumerate() {
        r.mark(&format!("disaggregations[{i}]"), &d);
        let d = d.into_inner();
        disaggregations.push(CategorySet { code: d.code, title: d.title, options: d.options });
    }
    let goals = f.goals.into_iter().enumerate().map(|(i, g)| r.node(&format!("goals[{i}]"), g, Level::Goal)).collect();
    let iati = f.iati.map(|t| r.iati(t)).unwrap_or_default();
    let programme = Programme {
        code: pf.code,
        name: pf.name,
        description: pf.description,
        start,
        end,
        periods: pf.periods,
        currency: pf.currency.into_inner(),
        iati_identifier: pf.iati_identifier.map(Spanned::into_inner),
        donor: pf.donor,
        lead: pf.lead,
        countries,
        disaggregations,
        goals,
        iati,
    };
    if r.problems.is_empty() { Ok((programme, r.lines)) } else { Err(FileProblems(r.problems)) }
}

fn datetime(d: time::Date) -> toml::value::Datetime {
    toml::value::Datetime {
        date: Some(toml::value::Date { year: d.year() as u16, month: u8::from(d.month()), day: d.day() }),
        time: None,
        offset: None,
    }
}

fn spanned<T>(v: T) -> Spanned<T> {
    Spanned::new(0..0, v)
}

fn node_file(n: &ResultNode) -> NodeFile {
    let children: Vec<Spanned<NodeFile>> = n.children.iter().map(|c| spanned(node_file(c))).collect();
    let (outcomes, outputs) = if n.level == Level::Goal { (children, Vec::new()) } else { (Vec::new(), children) };
    NodeFile {
        code: n.code.clone(),
        title: n.title.clone(),
        description: n.description.clone(),
        indicators: n.indicators.iter().map(|i| spanned(indicator_file(i))).collect(),
        outcomes,
        outputs,
    }
}

fn indicator_file(i: &Indicator) -> IndicatorFile {
    IndicatorFile {
        code: i.code.clone(),
        title: i.title.clone(),
        definition: i.definition.clone(),
        measure: i.measure,
        aggregation: (i.aggregation != default_aggregation(i.measure)).then_some(i.aggregation),
        cumulative: i.cumulative,
        counts: (i.counts != Counts::Persons).then_some(i.counts),
        ascending: i.ascending,
        scale_max: i.scale_max,
        disaggregations: i.disaggregations.clone(),
        verification: i.verification.clone(),
        references: i.references.clone(),
        source: (i.source != Source::Manual).then_some(i.source),
        computation: i.computation.clone(),
    }
}

/// Write the TOML.
pub fn write(p: &Programme) -> String {
    let f = FileV1 {
        format: FORMAT.to_owned(),
        programme: spanned(ProgrammeFile {
            code: p.code.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            start: datetime(p.start),
            end: datetime(p.end),
            periods: p.periods,
            currency: spanned(p.currency.clone()),
            iati_identifier: p.iati_identifier.clone().map(spanned),
            donor: p.donor.clone(),
            lead: p.lead.clone(),
        }),
        iati: iati_file(&p.iati),
        countries: p
            .countries
            .iter()
            .map(|c| {
                spanned(CountryFile {
                    country: c.country.to_string(),
                    lead: c.lead.clone(),
                    implementers: c.implementers.clone(),
                })
            })
            .collect(),
        disaggregations: p
            .disaggregations
            .iter()
            .map(|d| spanned(SetFile { code: d.code.clone(), title: d.title.clone(), options: d.options.clone() }))
            .collect(),
        goals: p.goals.iter().map(|g| spanned(node_file(g))).collect(),
    };
    let body = toml::to_string_pretty(&f).unwrap_or_default();
    format!("# A dtz programme file: `dtz programme load FILE` reads it.\n{body}")
}
