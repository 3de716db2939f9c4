//! Reading an IATI 2.03 `iati-activities` file from any publisher into the model, one
//! activity at a time ([`super::tree::stream_children`]: bounded memory, no DTD, no
//! entities beyond XML's five). What the model holds is read; every code is checked
//! against the vendored codelists; what dtz does not keep (locations, policy markers,
//! `crs-add`, other currencies, narratives in further languages, …) is listed as a
//! warning with its line and element path, and a file with any error is not imported at
//! all (the caller writes everything or nothing).

mod money;
mod results;

use super::codelists::{List, has};
use super::model::*;
use super::tree::{El, stream_children};
use std::collections::{BTreeSet, HashSet};
use time::Date;

/// How bad a finding is: an error stops the import; a warning names what is left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The file cannot be imported.
    Error,
    /// Imported without this part.
    Warning,
}

/// One finding, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub level: Level,
    /// Line of the element (1-based).
    pub line: u32,
    /// The activity's identifier (empty for the file itself).
    pub activity: String,
    /// Path of the element in its activity, such as `result[1]/indicator[2]/period[1]`.
    pub path: String,
    /// What is wrong or left out.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let place: Vec<&str> =
            [self.activity.as_str(), self.path.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
        write!(f, "line {}: {level}: {}: {}", self.line, place.join(" "), self.message)
    }
}

/// An activity as read, with the programme it belongs to: its parent's identifier
/// (`related-activity type="1"`), or its own when it is a parent (hierarchy 1) or names
/// none (DESIGN §6).
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    /// The activity.
    pub activity: Activity,
    /// The programme: an `iati-identifier`.
    pub programme: String,
    /// Line of its `iati-activity`.
    pub line: u32,
}

/// What a file holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    /// Activities in file order.
    pub activities: Vec<Read>,
    /// Errors and warnings in file order.
    pub findings: Vec<Finding>,
}

impl File {
    /// Whether there is any error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Error)
    }
}

/// Read a file. `Err` only when it is not well-formed XML (or too large, or has a DTD);
/// everything else is a finding.
pub fn read(bytes: &[u8]) -> Result<File, String> {
    let mut file = File::default();
    let mut seen = HashSet::new();
    let mut generated = String::new();
    let mut root: Option<El> = None;
    let mut count = 0;
    stream_children(bytes, &mut |el| {
        if root.is_none() {
            generated = el.attr("generated-datetime").unwrap_or_default().to_owned();
            root = Some(el);
            return Ok(());
        }
        if el.name != "iati-activity" {
            file.findings.push(finding(Level::Warning, &el, "", &el.name, "not imported (only iati-activity is)"));
            return Ok(());
        }
        let mut cx = Cx { activity: String::new(), lang: String::new(), out: Vec::new(), langs: BTreeSet::new() };
        count += 1;
        if let Some(a) = activity(&mut cx, &el, &generated, count) {
            if !seen.insert(a.identifier.clone()) {
                cx.error(&el, "iati-identifier", "another activity in the file has this identifier");
            }
            let programme = programme_of(&a);
            file.activities.push(Read { activity: a, programme, line: el.line });
        }
        file.findings.append(&mut cx.out);
        Ok(())
    })?;
    let root = root.unwrap_or_default();
    if root.name != "iati-activities" {
        let msg = format!("the file is not an IATI activities file (its root is “<{}>”)", root.name);
        file.findings.insert(0, finding(Level::Error, &root, "", "", &msg));
    } else if !root.attr("version").is_some_and(|v| v.starts_with("2.")) {
        let v = root.attr("version").unwrap_or("none");
        let msg = format!("version “{v}”: only IATI 2.0x files are read (2.03 is the one dtz writes)");
        file.findings.insert(0, finding(Level::Error, &root, "", "iati-activities/@version", &msg));
    }
    Ok(file)
}

fn programme_of(a: &Activity) -> String {
    let parent = a.related.iter().find(|(kind, _)| kind == "1").map(|(_, id)| id.clone());
    match parent {
        Some(p) if a.hierarchy != 1 => p,
        _ => a.identifier.clone(),
    }
}

fn finding(level: Level, el: &El, activity: &str, path: &str, message: &str) -> Finding {
    Finding { level, line: el.line, activity: activity.into(), path: path.into(), message: message.into() }
}

/// One activity's reading.
struct Cx {
    activity: String,
    /// The activity's language: narratives in it (or without one) are kept.
    lang: String,
    out: Vec<Finding>,
    /// Other languages met in narratives.
    langs: BTreeSet<String>,
}

impl Cx {
    fn error(&mut self, el: &El, path: &str, msg: impl AsRef<str>) {
        let f = finding(Level::Error, el, &self.activity, path, msg.as_ref());
        self.out.push(f);
    }

    fn warn(&mut self, el: &El, path: &str, msg: impl AsRef<str>) {
        let f = finding(Level::Warning, el, &self.activity, path, msg.as_ref());
        self.out.push(f);
    }

    /// A required attribute's code, checked against its codelist.
    fn code(&mut self, el: &El, path: &str, attr: &str, list: List) -> Option<String> {
        let Some(v) = el.attr(attr).map(str::trim) else {
            self.error(el, path, format!("“@{attr}” is missing"));
            return None;
        };
        if !has(list, v) {
            self.error(el, path, format!("“{v}” is not a code of the “{}” codelist", list.name()));
            return None;
        }
        Some(v.to_owned())
    }

    fn date(&mut self, el: &El, path: &str) -> Option<Date> {
        self.date_in(el, path, "iso-date")
    }

    /// A required date attribute.
    fn date_in(&mut self, el: &El, path: &str, attr: &str) -> Option<Date> {
        let v = el.attr(attr).map(str::trim).unwrap_or_default();
        let d =
            v.get(..10).and_then(|s| Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok());
        if d.is_none() {
            self.error(el, path, format!("“@{attr}” “{v}” is not a date (YYYY-MM-DD)"));
        }
        d
    }

    /// A child's date (`<name iso-date="…"/>`), required.
    fn child_date(&mut self, parent: &El, path: &str, name: &str) -> Option<Date> {
        match parent.first(name) {
            Some(e) => self.date(e, &format!("{path}/{name}")),
            None => {
                self.error(parent, path, format!("“<{name}>” is missing"));
                None
            }
        }
    }

    /// The narrative of `el` in the activity's language (or without one), else the first;
    /// other languages are remembered for one warning per activity.
    fn text(&mut self, el: &El) -> Option<String> {
        let mut chosen = None;
        for n in el.all("narrative") {
            let t = n.text.trim();
            match n.attr("xml:lang") {
                Some(l) if l != self.lang => {
                    self.langs.insert(l.to_owned());
                }
                _ if chosen.is_none() && !t.is_empty() => chosen = Some(t.to_owned()),
                _ => {}
            }
        }
        chosen.or_else(|| el.narrative().map(str::to_owned))
    }

    /// A child's narrative.
    fn child_text(&mut self, parent: &El, name: &str) -> Option<String> {
        parent.first(name).and_then(|e| self.text(e))
    }

    /// Warn about the children of `el` that are not in `known`.
    fn ignored(&mut self, el: &El, path: &str, known: &[&str]) {
        for c in &el.children {
            if !known.contains(&c.name.as_str()) {
                let p = if path.is_empty() { c.name.clone() } else { format!("{path}/{}", c.name) };
                self.warn(c, &p, "not imported (dtz does not keep this element)");
            }
        }
    }
}

/// Children named `name` with their 1-based index, as `path/name[i]`.
fn each<'a>(parent: &'a El, name: &'a str, path: &str) -> Vec<(String, &'a El)> {
    parent
        .all(name)
        .enumerate()
        .map(|(i, e)| {
            (if path.is_empty() { format!("{name}[{}]", i + 1) } else { format!("{path}/{name}[{}]", i + 1) }, e)
        })
        .collect()
}

fn flag(v: Option<&str>, default: bool) -> bool {
    match v.map(str::trim) {
        Some("1" | "true") => true,
        Some("0" | "false") => false,
        _ => default,
    }
}

const ACTIVITY_PARTS: [&str; 14] = [
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "activity-status",
    "activity-date",
    "recipient-country",
    "sector",
    "budget",
    "transaction",
    "document-link",
    "related-activity",
    "result",
];

fn activity(cx: &mut Cx, el: &El, generated: &str, n: usize) -> Option<Activity> {
    let identifier = el.first("iati-identifier").map(|e| e.text.trim().to_owned()).unwrap_or_default();
    cx.activity = if identifier.is_empty() { format!("iati-activity[{n}]") } else { identifier.clone() };
    if identifier.is_empty() {
        cx.error(el, "iati-identifier", "the activity has no “iati-identifier” (the 2.03 schema requires one)");
    }
    for part in ["description", "participating-org", "activity-date"] {
        if el.first(part).is_none() {
            cx.error(el, part, format!("the activity has no “{part}” (the 2.03 schema requires one)"));
        }
    }
    cx.lang = el.attr("xml:lang").unwrap_or("en").trim().to_owned();
    if !has(List::Language, &cx.lang) {
        cx.error(el, "@xml:lang", format!("“{}” is not a code of the “Language” codelist", cx.lang));
    }
    let currency = el.attr("default-currency").unwrap_or_default().trim().to_owned();
    if !has(List::Currency, &currency) {
        cx.error(el, "@default-currency", format!("“{currency}” is not a code of the “Currency” codelist"));
    }
    let hierarchy = match el.attr("hierarchy").map(str::trim) {
        None => 1,
        Some(h) => h.parse::<u8>().unwrap_or_else(|_| {
            cx.error(el, "@hierarchy", format!("“{h}” is not a hierarchy level"));
            1
        }),
    };
    let last_updated = el.attr("last-updated-datetime").unwrap_or(generated).trim().to_owned();
    cx.ignored(el, "", &ACTIVITY_PARTS);
    let reporting_org = match el.first("reporting-org") {
        Some(r) => org(cx, r, "reporting-org"),
        None => {
            cx.error(el, "reporting-org", "the activity has no “reporting-org” (the 2.03 schema requires one)");
            OrgRef::default()
        }
    };
    let title = cx.child_text(el, "title").unwrap_or_else(|| {
        cx.error(el, "title", "the activity has no “title” (the 2.03 schema requires one)");
        String::new()
    });
    let mut a = Activity {
        identifier,
        last_updated,
        language: cx.lang.clone(),
        currency,
        hierarchy,
        reporting_org,
        title,
        descriptions: Vec::new(),
        participants: Vec::new(),
        status: String::new(),
        dates: Vec::new(),
        countries: Vec::new(),
        sectors: Vec::new(),
        budgets: Vec::new(),
        transactions: Vec::new(),
        documents: Vec::new(),
        related: Vec::new(),
        results: Vec::new(),
    };
    header(cx, el, &mut a);
    money::money(cx, el, &mut a);
    a.results = results::results(cx, el);
    if !cx.langs.is_empty() {
        let others: Vec<&str> = cx.langs.iter().map(String::as_str).collect();
        let msg = format!("narratives in “{}” not imported (the “{}” ones are)", others.join(", "), cx.lang);
        cx.warn(el, "narrative", msg);
    }
    Some(a)
}

fn org(cx: &mut Cx, el: &El, path: &str) -> OrgRef {
    let org_type = el.attr("type").and_then(|_| cx.code(el, path, "type", List::OrganisationType));
    let reference = el.attr("ref").map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    let name = cx.text(el);
    if reference.is_none() && name.is_none() {
        cx.warn(el, path, "the organisation has neither a reference nor a name");
    }
    OrgRef { reference, org_type, name }
}

/// Descriptions, participants, status, dates, countries, sectors, documents, related.
fn header(cx: &mut Cx, el: &El, a: &mut Activity) {
    for (path, d) in each(el, "description", "") {
        let kind = match d.attr("type") {
            Some(_) => cx.code(d, &path, "type", List::DescriptionType),
            None => Some("1".to_owned()),
        };
        if let (Some(k), Some(t)) = (kind, cx.text(d)) {
            a.descriptions.push((k, t));
        }
    }
    for (path, p) in each(el, "participating-org", "") {
        let role = cx.code(p, &path, "role", List::OrganisationRole);
        let o = org(cx, p, &path);
        let activity_id = p.attr("activity-id").map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if let Some(role) = role {
            a.participants.push(Participant { role, org: o, activity_id });
        }
    }
    match el.first("activity-status") {
        Some(s) => a.status = cx.code(s, "activity-status", "code", List::ActivityStatus).unwrap_or_default(),
        None => cx.error(el, "activity-status", "the activity has no “activity-status” (the 2.03 schema requires one)"),
    }
    for (path, d) in each(el, "activity-date", "") {
        if let (Some(k), Some(date)) = (cx.code(d, &path, "type", List::ActivityDateType), cx.date(d, &path)) {
            a.dates.push((k, date));
        }
    }
    for (path, c) in each(el, "recipient-country", "") {
        let code = cx.code(c, &path, "code", List::Country);
        let pct = c.attr("percentage").and_then(|v| whole(cx, c, &path, v));
        if let Some(code) = code {
            a.countries.push((code, pct));
        }
    }
    for (path, s) in each(el, "sector", "") {
        if s.attr("vocabulary").is_some_and(|v| v.trim() != "1") {
            cx.warn(s, &path, "not imported: only sectors of vocabulary 1 (DAC 5-digit) are kept");
            continue;
        }
        let code = cx.code(s, &path, "code", List::Sector);
        let pct = s.attr("percentage").map_or(Some(100), |v| whole(cx, s, &path, v));
        if let (Some(code), Some(pct)) = (code, pct) {
            a.sectors.push((code, pct));
        }
    }
    for (path, d) in each(el, "document-link", "") {
        if let Some(doc) = document(cx, d, &path) {
            a.documents.push(doc);
        }
    }
    for (path, r) in each(el, "related-activity", "") {
        let id = r.attr("ref").map(str::trim).unwrap_or_default().to_owned();
        if id.is_empty() {
            cx.error(r, &path, "“@ref” is missing");
        } else if let Some(k) = cx.code(r, &path, "type", List::RelatedActivityType) {
            a.related.push((k, id));
        }
    }
}

/// A percentage as a whole number (rounded with a warning when it has decimals).
fn whole(cx: &mut Cx, el: &El, path: &str, v: &str) -> Option<u32> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=100.0).contains(&x) => {
            if x.fract() != 0.0 {
                cx.warn(el, path, format!("the percentage “{v}” is kept rounded to “{}”", x.round()));
            }
            Some(x.round() as u32)
        }
        _ => {
            cx.error(el, path, format!("“@percentage” “{v}” is not a percentage"));
            None
        }
    }
}

fn document(cx: &mut Cx, d: &El, path: &str) -> Option<Document> {
    let url = d.attr("url").map(str::trim).unwrap_or_default().to_owned();
    let format = d.attr("format").map(str::trim).unwrap_or_default().to_owned();
    if url.is_empty() || format.is_empty() {
        cx.error(d, path, "a document-link needs @url and @format");
    }
    cx.ignored(d, path, &["title", "category", "language", "description", "document-date"]);
    let title = cx.child_text(d, "title").unwrap_or_default();
    let category = match d.first("category") {
        Some(c) => cx.code(c, &format!("{path}/category"), "code", List::DocumentCategory),
        None => {
            cx.error(d, path, "“<category>” is missing");
            None
        }
    }?;
    let language = match d.first("language") {
        Some(l) => cx.code(l, &format!("{path}/language"), "code", List::Language)?,
        None => cx.lang.clone(),
    };
    Some(Document { url, format, title, category, language })
}

#[cfg(test)]
mod tests;
