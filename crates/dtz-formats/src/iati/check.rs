//! Rule checks of an IATI 2.03 activities file beyond its schema: the rules of the IATI
//! Validator's ruleset (`iati/rulesets-2.03/standard.json`, each problem names the rule's
//! id) that a results-and-finance publisher can break, membership of the codelists, and
//! what the Dutch Ministry of Foreign Affairs expects of alliance partners (rules `M1`–
//! `M5`): a baseline year and value per quantitative indicator, a target in every
//! period, budgets, incoming funds that name the activity they come from, and a link to
//! the programme. Every problem names its activity and the element's path in it.
//!
//! Severity follows the ruleset, except that a non-numeric value of a quantitative
//! indicator is an error (the Ministry's systems read numbers only), and an actual
//! without a value but with a comment — a count withheld by disclosure control — is a
//! warning: DESIGN §5 wants a suppressed value omitted and explained.

use super::codelists::{List, has};
use super::tree::El;
use time::Date;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The file breaks a rule; `--check` exits non-zero.
    Error,
    /// Worth fixing.
    Warning,
}

/// One problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// Rule id: a ruleset id (`2.1.2`), `codelist`, `schema` or a Ministry rule (`M1`…).
    pub rule: String,
    /// The activity's identifier (empty for the file itself).
    pub activity: String,
    /// Path of the element in the activity, such as `result[2]/indicator[1]/period[3]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev} {}: {} {}: {}", self.rule, self.activity, self.path, self.message)
    }
}

struct Ctx<'a> {
    activity: &'a str,
    today: Date,
    out: Vec<Problem>,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, rule: &str, path: &str, message: impl Into<String>) {
        self.out.push(Problem {
            severity,
            rule: rule.to_owned(),
            activity: self.activity.to_owned(),
            path: path.to_owned(),
            message: message.into(),
        });
    }
    fn error(&mut self, rule: &str, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, rule, path, message);
    }
    fn warn(&mut self, rule: &str, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, rule, path, message);
    }
    fn code(&mut self, list: List, value: Option<&str>, path: &str) {
        if let Some(v) = value
            && !has(list, v)
        {
            self.error("codelist", path, format!("“{v}” is not a code of the “{}” codelist.", list.name()));
        }
    }
}

fn date(s: Option<&str>) -> Option<Date> {
    let s = s?.get(..10)?;
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Children named `name` with their 1-based index among their kind, as `path/name[i]`.
fn each<'a>(parent: &'a El, name: &'a str, path: &str) -> Vec<(String, &'a El)> {
    parent
        .all(name)
        .enumerate()
        .map(|(i, e)| {
            (if path.is_empty() { format!("{name}[{}]", i + 1) } else { format!("{path}/{name}[{}]", i + 1) }, e)
        })
        .collect()
}

fn bad_id(s: &str) -> bool {
    s.contains(['/', '&', '|', '?'])
}

fn number(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Check a parsed `iati-activities` document.
pub fn check(root: &El, today: Date) -> Vec<Problem> {
    let mut all = Vec::new();
    if root.name != "iati-activities" {
        all.push(Problem {
            severity: Severity::Error,
            rule: "schema".into(),
            activity: String::new(),
            path: root.name.clone(),
            message: "The file is not an iati-activities file.".into(),
        });
        return all;
    }
    if root.attr("version") != Some("2.03") {
        all.push(Problem {
            severity: Severity::Warning,
            rule: "version".into(),
            activity: String::new(),
            path: "iati-activities/@version".into(),
            message: format!("The file is version “{}”; dtz checks version 2.03.", root.attr("version").unwrap_or("?")),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for (i, a) in root.all("iati-activity").enumerate() {
        let id = a.first("iati-identifier").map(|e| e.text.trim().to_owned()).unwrap_or_default();
        let name = if id.is_empty() { format!("iati-activity[{}]", i + 1) } else { id.clone() };
        let mut c = Ctx { activity: &name, today, out: Vec::new() };
        if !id.is_empty() && !seen.insert(id.clone()) {
            c.error("unique", "iati-identifier", "Another activity in the file has this identifier.");
        }
        activity(&mut c, a);
        all.extend(c.out);
    }
    all
}

fn activity(c: &mut Ctx, a: &El) {
    let raw_id = a.first("iati-identifier").map_or("", |e| e.text.as_str());
    let id = raw_id.trim();
    let reporting = a.first("reporting-org");
    let rref = reporting.and_then(|r| r.attr("ref")).unwrap_or("");
    if id.is_empty() {
        c.error("schema", "iati-identifier", "The activity has no identifier.");
    }
    if raw_id != id {
        c.warn("1.3.1", "iati-identifier", "The identifier starts or ends with spaces or newlines.");
    }
    if bad_id(id) {
        c.warn("1.3.13", "iati-identifier", "The identifier must not contain / & | or ?.");
    }
    if !rref.is_empty() && id == rref.trim() {
        c.error(
            "1.1.3",
            "iati-identifier",
            "The activity identifier must differ from the reporting organisation's identifier.",
        );
    }
    if !rref.is_empty() && !id.starts_with(&format!("{}-", rref.trim())) {
        c.warn("1.1.21", "iati-identifier", format!("The activity identifier should begin with the reporting organisation's identifier “{rref}” and a hyphen."));
    }
    if rref.is_empty() {
        c.error("schema", "reporting-org", "The reporting organisation has no identifier.");
    } else if dtz_domain::iati::agency_of(rref.trim()).is_none() {
        c.warn(
            "1.14.8",
            "reporting-org/@ref",
            "The reporting organisation's identifier must start with an approved agency code.",
        );
    }
    if bad_id(rref) {
        c.warn("1.14.13", "reporting-org/@ref", "The identifier must not contain / & | or ?.");
    }
    c.code(List::OrganisationType, reporting.and_then(|r| r.attr("type")), "reporting-org/@type");
    if a.attr("xml:lang").is_none() {
        c.error("4.1.1", "@xml:lang", "The activity should give a default language.");
    }
    c.code(List::Language, a.attr("xml:lang"), "@xml:lang");
    if a.attr("default-currency").is_none() {
        c.error("7.8.1", "@default-currency", "The activity should give a default currency.");
    }
    c.code(List::Currency, a.attr("default-currency"), "@default-currency");
    if let Some(t) = date(a.attr("last-updated-datetime"))
        && t > c.today
    {
        c.error("11.1.1", "@last-updated-datetime", "The last updated date must not be in the future.");
    }
    narratives(c, a);
    status_and_dates(c, a);
    geography_and_sectors(c, a);
    participants(c, a);
    money(c, a);
    for (path, d) in each(a, "document-link", "") {
        c.code(List::DocumentCategory, d.first("category").and_then(|x| x.attr("code")), &format!("{path}/category"));
        c.code(List::Language, d.first("language").and_then(|x| x.attr("code")), &format!("{path}/language"));
    }
    for (path, r) in each(a, "related-activity", "") {
        c.code(List::RelatedActivityType, r.attr("type"), &format!("{path}/@type"));
        if r.attr("ref").is_some_and(|x| x.trim() != x) {
            c.warn("1.7.1", &path, "The related activity identifier starts or ends with spaces.");
        }
    }
    results(c, a);
    ministry(c, a);
}

fn narratives(c: &mut Ctx, a: &El) {
    if a.first("title").and_then(El::narrative).is_none() {
        c.error("4.3.1", "title", "The title must contain narrative content.");
    }
    for (path, d) in each(a, "description", "") {
        if d.narrative().is_none() {
            c.error("4.4.1", &path, "The description must contain narrative content.");
        }
        c.code(List::DescriptionType, d.attr("type"), &format!("{path}/@type"));
    }
}

fn status_and_dates(c: &mut Ctx, a: &El) {
    c.code(List::ActivityStatus, a.first("activity-status").and_then(|s| s.attr("code")), "activity-status/@code");
    let of =
        |t: &str| a.all("activity-date").find(|d| d.attr("type") == Some(t)).and_then(|d| date(d.attr("iso-date")));
    for (path, d) in each(a, "activity-date", "") {
        c.code(List::ActivityDateType, d.attr("type"), &format!("{path}/@type"));
    }
    if of("1").is_none() && of("2").is_none() {
        c.error("6.11.1", "activity-date", "The activity must have a planned or an actual start date.");
    }
    let order = [("1", "3", "11.1.2", "planned"), ("2", "4", "11.1.3", "actual")];
    for (s, e, rule, what) in order {
        if let (Some(s), Some(e)) = (of(s), of(e))
            && s > e
        {
            c.error(rule, "activity-date", format!("The {what} start date must be before the {what} end date."));
        }
    }
    for (t, rule, what) in [("2", "11.1.4", "start"), ("4", "11.1.5", "end")] {
        if of(t).is_some_and(|d| d > c.today) {
            c.error(
                rule,
                &format!("activity-date[@type='{t}']"),
                format!("The actual {what} date must not be in the future."),
            );
        }
    }
}

fn percentages(c: &mut Ctx, items: &[(String, &El)], what: &str, rules: [&str; 4]) {
    let [each_rule, sum_rule, single_rule, range_rule] = rules;
    let pcts: Vec<Option<f64>> = items.iter().map(|(_, e)| e.attr("percentage").and_then(|p| p.parse().ok())).collect();
    for ((path, _), p) in items.iter().zip(&pcts) {
        if p.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
            c.error(range_rule, path, format!("The {what} percentage must be between 0 and 100."));
        }
    }
    match items.len() {
        0 => {}
        1 => {
            if pcts[0].is_some_and(|p| (p - 100.0).abs() > 1e-9) {
                c.error(single_rule, &items[0].0, format!("A single {what} has no percentage or 100."));
            }
        }
        _ => {
            if pcts.iter().any(Option::is_none) {
                c.error(each_rule, &items[0].0, format!("When several {what}s are given, each needs a percentage."));
            }
            let sum: f64 = pcts.iter().flatten().sum();
            if (sum - 100.0).abs() > 0.01 {
                c.error(sum_rule, &items[0].0, format!("The {what} percentages add up to {sum}, not 100."));
            }
        }
    }
}

fn geography_and_sectors(c: &mut Ctx, a: &El) {
    let countries = each(a, "recipient-country", "");
    for (path, e) in &countries {
        c.code(List::Country, e.attr("code"), &format!("{path}/@code"));
    }
    if a.first("recipient-region").is_none() {
        percentages(c, &countries, "recipient country", ["3.1.1", "3.1.2", "3.1.4", "12.1.1"]);
    }
    if countries.is_empty() && a.first("recipient-region").is_none() {
        let every = a
            .all("transaction")
            .all(|t| t.first("recipient-country").is_some() || t.first("recipient-region").is_some());
        if a.first("transaction").is_none() || !every {
            c.error(
                "3.7.1",
                "recipient-country",
                "Give a recipient country or region for the activity or for every transaction.",
            );
        }
    }
    let dac: Vec<(String, &El)> = each(a, "sector", "")
        .into_iter()
        .filter(|(_, e)| matches!(e.attr("vocabulary"), None | Some("1") | Some("")))
        .collect();
    for (path, e) in &dac {
        c.code(List::Sector, e.attr("code"), &format!("{path}/@code"));
    }
    percentages(c, &dac, "sector", ["2.1.1", "2.1.2", "2.1.4", "12.3.1"]);
    let at_activity = a.first("sector").is_some();
    let on_transactions = a.all("transaction").filter(|t| t.first("sector").is_some()).count();
    if !at_activity && (on_transactions == 0 || on_transactions != a.all("transaction").count()) {
        c.error("6.2.2", "sector", "Each activity must have a sector, at activity level or on every transaction.");
    }
    if at_activity && on_transactions > 0 {
        c.error("6.6.2", "sector", "Give sectors at activity level or on transactions, not both.");
    }
}

fn org_ref(c: &mut Ctx, path: &str, e: &El, rule_name: &str, rule_chars: &str) {
    if e.attr("ref").is_none_or(|r| r.trim().is_empty()) && e.narrative().is_none() {
        c.error(rule_name, path, "The organisation must have an identifier or a name.");
    }
    if e.attr("ref").is_some_and(bad_id) {
        c.warn(rule_chars, &format!("{path}/@ref"), "The identifier must not contain / & | or ?.");
    }
    c.code(List::OrganisationType, e.attr("type"), &format!("{path}/@type"));
}

fn participants(c: &mut Ctx, a: &El) {
    for (path, p) in each(a, "participating-org", "") {
        org_ref(c, &path, p, "6.10.1", "1.8.13");
        c.code(List::OrganisationRole, p.attr("role"), &format!("{path}/@role"));
    }
}

fn money(c: &mut Ctx, a: &El) {
    for (path, b) in each(a, "budget", "") {
        c.code(List::BudgetType, b.attr("type"), &format!("{path}/@type"));
        let s = date(b.first("period-start").and_then(|x| x.attr("iso-date")));
        let e = date(b.first("period-end").and_then(|x| x.attr("iso-date")));
        if let (Some(s), Some(e)) = (s, e) {
            if s > e {
                c.error("8.6.3", &path, "The start of the budget period must be before its end.");
            }
            if s.replace_year(s.year() + 1).is_ok_and(|limit| e >= limit) {
                c.error("7.5.3", &path, "A budget period must not be longer than one year.");
            }
        }
        value(c, &path, b.first("value"));
    }
    for (path, t) in each(a, "transaction", "") {
        c.code(
            List::TransactionType,
            t.first("transaction-type").and_then(|x| x.attr("code")),
            &format!("{path}/transaction-type"),
        );
        if date(t.first("transaction-date").and_then(|x| x.attr("iso-date"))).is_some_and(|d| d > c.today) {
            c.error("11.2.1", &format!("{path}/transaction-date"), "The transaction date must not be in the future.");
        }
        if date(t.first("value").and_then(|x| x.attr("value-date"))).is_some_and(|d| d > c.today) {
            c.error("11.2.2", &format!("{path}/value"), "The transaction value date must not be in the future.");
        }
        value(c, &path, t.first("value"));
        if let Some(p) = t.first("provider-org") {
            org_ref(c, &format!("{path}/provider-org"), p, "6.9.1", "1.10.13");
        }
        if let Some(r) = t.first("receiver-org") {
            org_ref(c, &format!("{path}/receiver-org"), r, "6.9.2", "1.15.13");
        }
    }
}

fn value(c: &mut Ctx, path: &str, v: Option<&El>) {
    let Some(v) = v else { return };
    c.code(List::Currency, v.attr("currency"), &format!("{path}/value/@currency"));
    if !number(v.text.trim()) {
        c.error("schema", &format!("{path}/value"), format!("“{}” is not an amount.", v.text.trim()));
    }
}

fn results(c: &mut Ctx, a: &El) {
    for (rpath, r) in each(a, "result", "") {
        c.code(List::ResultType, r.attr("type"), &format!("{rpath}/@type"));
        if r.first("title").and_then(El::narrative).is_none() {
            c.error("4.3.1", &format!("{rpath}/title"), "The title must contain narrative content.");
        }
        for (ipath, i) in each(r, "indicator", &rpath) {
            let measure = i.attr("measure").unwrap_or("");
            c.code(List::IndicatorMeasure, Some(measure), &format!("{ipath}/@measure"));
            if r.first("reference").is_some() && i.first("reference").is_some() {
                c.error(
                    "8.11.1",
                    &format!("{ipath}/reference"),
                    "A reference code must be given at result or indicator level, not both.",
                );
            }
            for (fpath, f) in each(i, "reference", &ipath) {
                c.code(List::IndicatorVocabulary, f.attr("vocabulary"), &format!("{fpath}/@vocabulary"));
            }
            let quantitative = matches!(measure, "1" | "2" | "3" | "4");
            for (bpath, b) in each(i, "baseline", &ipath) {
                figure(c, &bpath, b, quantitative, ["8.8.1", "8.8.2", "8.8.3"]);
            }
            for (ppath, p) in each(i, "period", &ipath) {
                let s = date(p.first("period-start").and_then(|x| x.attr("iso-date")));
                let e = date(p.first("period-end").and_then(|x| x.attr("iso-date")));
                if let (Some(s), Some(e)) = (s, e)
                    && s > e
                {
                    c.error("8.6.1", &ppath, "The start of the period must be before its end.");
                }
                for (tpath, t) in each(p, "target", &ppath) {
                    figure(c, &tpath, t, quantitative, ["8.9.1", "8.9.2", "8.9.3"]);
                }
                for (apath, x) in each(p, "actual", &ppath) {
                    figure(c, &apath, x, quantitative, ["8.10.1", "8.10.2", "8.10.3"]);
                }
            }
        }
    }
}

fn figure(c: &mut Ctx, path: &str, e: &El, quantitative: bool, [needed, numeric, omitted]: [&str; 3]) {
    let v = e.attr("value");
    let explained = e.first("comment").and_then(El::narrative).is_some();
    match (quantitative, v) {
        (true, None) if explained && e.name == "actual" => {
            c.warn(needed, path, "No value: withheld and explained in a comment (disclosure control).")
        }
        (true, None) => c.error(needed, path, "A quantitative indicator needs a value here."),
        (true, Some(v)) if !number(v) => c.error(numeric, &format!("{path}/@value"), format!("“{v}” is not a number.")),
        (false, Some(_)) => c.warn(omitted, &format!("{path}/@value"), "A qualitative indicator has no value here."),
        _ => {}
    }
}

/// What the Ministry of Foreign Affairs expects of the alliance's activities.
fn ministry(c: &mut Ctx, a: &El) {
    if a.first("budget").is_none() {
        c.error("M3", "budget", "The Ministry expects budgets per year.");
    }
    let names_source = a.all("transaction").any(|t| {
        t.first("transaction-type").and_then(|x| x.attr("code")) == Some("1")
            && t.first("provider-org")
                .and_then(|p| p.attr("provider-activity-id"))
                .is_some_and(|x| !x.trim().is_empty())
    });
    if !names_source {
        c.error("M4", "transaction", "The Ministry expects incoming funds from the donor that name the activity they come from (provider-activity-id).");
    }
    if a.attr("hierarchy") == Some("2") && !a.all("related-activity").any(|r| r.attr("type") == Some("1")) {
        c.error(
            "M5",
            "related-activity",
            "An alliance member's activity names the programme as its parent (related-activity of type 1).",
        );
    }
    for (rpath, r) in each(a, "result", "") {
        for (ipath, i) in each(r, "indicator", &rpath) {
            if !matches!(i.attr("measure"), Some("1" | "2" | "3" | "4")) {
                continue;
            }
            let has_baseline = i.all("baseline").any(|b| b.attr("year").is_some() && b.attr("value").is_some());
            if !has_baseline {
                c.error(
                    "M1",
                    &format!("{ipath}/baseline"),
                    "The Ministry expects a baseline year and value for every quantitative indicator.",
                );
            }
            if i.first("period").is_none() {
                c.error(
                    "M2",
                    &format!("{ipath}/period"),
                    "The Ministry expects a period with a target for every reporting period.",
                );
            }
            for (ppath, p) in each(i, "period", &ipath) {
                if !p.all("target").any(|t| t.first("dimension").is_none() && t.attr("value").is_some()) {
                    c.error(
                        "M2",
                        &format!("{ppath}/target"),
                        "The Ministry expects a target (the total) in every period.",
                    );
                }
            }
        }
    }
}
