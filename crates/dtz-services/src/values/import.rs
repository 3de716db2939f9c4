//! Importing indicator values from a file (CSV or XLSX, read by `dtz_formats`): every row
//! checked like an entry in the pages, then all written in one transaction, or none.
//!
//! Rows that change nothing (the value stored already, or an empty row where nothing is
//! stored) are not written, so a downloaded spreadsheet uploaded back unchanged changes
//! nothing — not even on a report that is submitted or approved. Every other row goes
//! through `prepare_values`, report by report, and every problem comes back as
//! `line N: column` with its message.

use super::{FROZEN, PreparedValues, ProgrammeFacts, ReportKey, ValueInput, may_enter, readable};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::results::ReportStatus;
use dtz_domain::results::report::check_part;
use dtz_domain::results::{Entry, Measure, Source};
use dtz_domain::validate::{Invalid, Violations};
use dtz_formats::values_csv::{COLUMNS, MAX_PROBLEMS, ValueRow};
use dtz_store::audit::NewEvent;
use dtz_store::values::{self, ReportRow, ReportValues};
use dtz_store::{StoreError, Tx};
use std::collections::BTreeMap;
use std::collections::HashMap;
use uuid::Uuid;

/// What an import changes in one report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportChange {
    /// Which report.
    pub key: ReportKey,
    /// The organisation's name.
    pub organisation: String,
    /// The report's status now (`draft` when it does not exist yet).
    pub status: String,
    /// Values not stored before.
    pub new: usize,
    /// Values stored before and different now.
    pub changed: usize,
    /// Values emptied.
    pub cleared: usize,
    /// Rows that change nothing.
    pub unchanged: usize,
}

impl ReportChange {
    /// Whether anything in this report changes.
    pub fn changes(&self) -> bool {
        self.new + self.changed + self.cleared > 0
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// Per report, in the order of the file.
    pub reports: Vec<ReportChange>,
    /// Rows in the file.
    pub values: usize,
    /// Nothing was written (dry run).
    pub dry_run: bool,
}

impl Imported {
    /// Reports that change.
    pub fn changed_reports(&self) -> usize {
        self.reports.iter().filter(|r| r.changes()).count()
    }

    /// Totals: new, changed, cleared, unchanged.
    pub fn totals(&self) -> (usize, usize, usize, usize) {
        self.reports
            .iter()
            .fold((0, 0, 0, 0), |t, r| (t.0 + r.new, t.1 + r.changed, t.2 + r.cleared, t.3 + r.unchanged))
    }
}

/// Where a long import has got to, for a progress bar.
pub trait ImportProgress: Send + Sync {
    /// `rows` more rows were checked.
    fn checked(&self, _rows: usize) {}
    /// `rows` more rows were written.
    fn written(&self, _rows: usize) {}
}

/// No progress shown.
pub struct Quiet;
impl ImportProgress for Quiet {}

/// Most reports one file may touch: each costs a few queries to check.
pub const MAX_REPORTS: usize = 1000;

/// One report's rows: the lines and the inputs, in file order.
struct Group {
    key: ReportKey,
    organisation: String,
    lines: Vec<usize>,
    inputs: Vec<ValueInput>,
}

fn at(line: usize, column: &str, message: impl Into<String>) -> Invalid {
    Invalid::new(format!("line {line}: {column}"), message)
}

/// The line and the column of a problem made by [`at`] (`line 7: value`).
pub fn line_and_column(field: &str) -> (usize, &str) {
    let rest = field.strip_prefix("line ").unwrap_or(field);
    let (n, column) = rest.split_once(": ").unwrap_or((rest, ""));
    (n.parse().unwrap_or(0), column)
}

impl Services {
    /// Import values from file rows into one programme: all rows or none. Every problem is
    /// listed as `line N: column`; a dry run checks everything and writes nothing.
    pub async fn import_values(
        &self,
        caller: &Caller,
        code: &str,
        rows: &[ValueRow],
        dry_run: bool,
    ) -> Result<Imported> {
        self.import_values_with(caller, code, rows, dry_run, &Quiet).await
    }

    /// [`Services::import_values`], telling `progress` how far it got.
    pub async fn import_values_with(
        &self,
        caller: &Caller,
        code: &str,
        rows: &[ValueRow],
        dry_run: bool,
        progress: &dyn ImportProgress,
    ) -> Result<Imported> {
        let facts = self.programme_facts(code).await?;
        let (groups, mut problems) = self.group(caller, code, rows).await?;
        // The programme's reports, read once (not one query per report of the file).
        let known: HashMap<(Uuid, String, String), ReportRow> =
            values::list(&self.db, &dtz_domain::access::Scope::all(), facts.row.id, None)
                .await?
                .into_iter()
                .map(|r| ((r.org_id, r.country.clone(), r.period.clone()), r))
                .collect();
        let mut reports = Vec::new();
        let mut prepared = Vec::new();
        for g in &groups {
            if let Some((change, p)) = self.check_group(caller, &facts, &known, g, &mut problems).await? {
                prepared.extend(p);
                reports.push(change);
            }
            progress.checked(g.lines.len());
        }
        if !problems.is_empty() {
            problems.sort_by_key(|i| {
                let (line, column) = line_and_column(&i.field);
                (line, COLUMNS.iter().position(|c| *c == column).unwrap_or(COLUMNS.len()))
            });
            if problems.len() > MAX_PROBLEMS {
                problems.truncate(MAX_PROBLEMS);
                let line = problems.last().map_or(0, |i| line_and_column(&i.field).0);
                problems.push(at(line, "file", format!("Stopped after {MAX_PROBLEMS} problems: fix these first.")));
            }
            return Err(ServiceError::Invalid(Violations(problems)));
        }
        let summary = Imported { reports, values: rows.len(), dry_run };
        if dry_run || prepared.is_empty() {
            return Ok(summary);
        }
        self.db.bulk_writes(true).await?;
        let written = async {
            let mut tx = self.db.begin().await?;
            let events = self.write_imported(&mut tx, caller, &facts, &prepared).await?;
            progress.written(prepared.iter().map(|p| p.rows.len()).sum());
            self.finish(tx, &events).await
        }
        .await;
        self.db.bulk_writes(false).await?;
        written?;
        Ok(summary)
    }

    /// One report's rows: scope and permission, what they change, and every check of
    /// `prepare_values` on the rows that change something. `None` when the caller may not
    /// enter values there (a problem is pushed).
    async fn check_group(
        &self,
        caller: &Caller,
        facts: &ProgrammeFacts,
        known: &HashMap<(Uuid, String, String), ReportRow>,
        g: &Group,
        problems: &mut Vec<Invalid>,
    ) -> Result<Option<(ReportChange, Option<PreparedValues>)>> {
        let first = g.lines.first().copied().unwrap_or(0);
        let out_of_scope = || {
            at(
                first,
                "organisation",
                format!("You may not enter values for “{}” in “{}”.", g.organisation, g.key.country),
            )
        };
        let report = match readable(caller, facts, &g.key) {
            Ok((country, period, _)) if may_enter(caller, g.key.org, &g.key.country) => {
                known.get(&(g.key.org.0, country.as_str().to_owned(), period.to_string()))
            }
            Ok(_) | Err(ServiceError::NotFound | ServiceError::Forbidden) => {
                problems.push(out_of_scope());
                return Ok(None);
            }
            Err(ServiceError::Invalid(v)) => {
                problems.extend(v.0.into_iter().map(|i| at(first, &i.field, i.message)));
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let stored = match report {
            Some(r) => values::values(&self.db, r.id).await?,
            None => Vec::new(),
        };
        let view = Stored { facts, report, values: &stored };
        let (change, todo) = diff(g, &view, problems);
        if todo.is_empty() {
            return Ok(Some((change, None)));
        }
        let inputs: Vec<ValueInput> = todo.iter().map(|n| g.inputs[*n].clone()).collect();
        match super::prepare_in(caller, facts, &g.key, report, &stored, &inputs) {
            Ok(p) => return Ok(Some((change, Some(p)))),
            Err(ServiceError::Invalid(v)) => {
                for i in v.0 {
                    let n = i
                        .field
                        .strip_prefix("values[")
                        .and_then(|x| x.strip_suffix(']'))
                        .and_then(|n| n.parse::<usize>().ok())
                        .and_then(|n| todo.get(n).copied());
                    problems.push(match n {
                        Some(n) => at(g.lines[n], column_of(&view, &g.inputs[n], &i.message), i.message),
                        None => at(g.lines[todo[0]], "period", i.message),
                    });
                }
            }
            Err(ServiceError::NotFound | ServiceError::Forbidden) => problems.push(out_of_scope()),
            Err(e) => return Err(e),
        }
        Ok(Some((change, None)))
    }

    /// Rows grouped by report, with the problems of rows that name no organisation we know
    /// or another programme.
    async fn group(&self, caller: &Caller, code: &str, rows: &[ValueRow]) -> Result<(Vec<Group>, Vec<Invalid>)> {
        let orgs = self.orgs(caller).await?;
        let ids: Vec<String> = orgs.iter().map(|o| o.id.to_string()).collect();
        let mut by_ref: BTreeMap<&str, &dtz_store::orgs::OrgRow> = BTreeMap::new();
        for (o, id) in orgs.iter().zip(&ids) {
            by_ref.insert(id, o);
            if let Some(iati) = &o.iati_id {
                by_ref.insert(iati, o);
            }
        }
        // Names win over identifiers, as the first match did before.
        for o in &orgs {
            by_ref.insert(&o.name, o);
        }
        let mut problems = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut index: BTreeMap<(uuid::Uuid, String, String), usize> = BTreeMap::new();
        for r in rows {
            if let Some(p) = r.programme.as_deref().filter(|p| !p.eq_ignore_ascii_case(code)) {
                problems.push(at(r.line, "programme", format!("This row is for the programme “{p}”, not “{code}”.")));
                continue;
            }
            let Some(org) = by_ref.get(r.organisation.as_str()) else {
                problems.push(at(r.line, "organisation", format!("There is no organisation “{}”.", r.organisation)));
                continue;
            };
            let key = ReportKey {
                programme: code.to_owned(),
                org: OrgId(org.id),
                country: r.country.to_ascii_uppercase(),
                period: r.period.clone(),
            };
            let input = ValueInput {
                indicator: r.indicator.clone(),
                part: r.part.clone(),
                entry: Entry {
                    value: r.value,
                    numerator: r.numerator,
                    denominator: r.denominator,
                    text: r.text.clone(),
                    comment: r.comment.clone(),
                },
            };
            let slot = (org.id, key.country.clone(), key.period.clone());
            let full = groups.len() >= MAX_REPORTS;
            match index.get(&slot).and_then(|n| groups.get_mut(*n)) {
                Some(g) => {
                    g.lines.push(r.line);
                    g.inputs.push(input);
                }
                None if full => {
                    problems.push(at(
                        r.line,
                        "period",
                        format!("At most {MAX_REPORTS} reports (organisation, country and period) per file."),
                    ));
                    break;
                }
                None => {
                    index.insert(slot, groups.len());
                    groups.push(Group { key, organisation: org.name.clone(), lines: vec![r.line], inputs: vec![input] })
                }
            }
        }
        Ok((groups, problems))
    }
}

/// A report of the file as stored: the programme's facts, the report if it was started,
/// its values.
struct Stored<'a> {
    facts: &'a ProgrammeFacts,
    report: Option<&'a ReportRow>,
    values: &'a [values::ValueRow],
}

impl Services {
    /// Write an import's checked reports inside `tx`: the programme's reports read once,
    /// the new ones inserted together, every value of every report with the same multi-row
    /// inserts (`values::put_reports`). Returns one audit event per report, as
    /// `write_values` makes them.
    async fn write_imported(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        facts: &ProgrammeFacts,
        prepared: &[PreparedValues],
    ) -> Result<Vec<NewEvent>> {
        let now = self.clock.now();
        // Each report: id, version, open for values.
        let mut reports: HashMap<(Uuid, String, String), (Uuid, i64, bool)> = values::list_in(tx, facts.row.id)
            .await?
            .into_iter()
            .map(|r| {
                let open = ReportStatus::parse(&r.status).is_some_and(ReportStatus::editable);
                ((r.org_id, r.country, r.period), (r.id, r.version, open))
            })
            .collect();
        let mut new = Vec::new();
        let mut made = std::collections::HashSet::new();
        // Per prepared batch: its report and version, and whether the report is new.
        let mut targets = Vec::with_capacity(prepared.len());
        for p in prepared {
            let key = (p.org.0, p.country.clone(), p.period.clone());
            let (id, version, open) = *reports.entry(key).or_insert_with(|| {
                let id = Uuid::new_v4();
                new.push((id, p.programme, p.org, p.country.as_str(), p.period.as_str()));
                made.insert(id);
                (id, 1, true)
            });
            if !open {
                return Err(Invalid::new("status", FROZEN).into());
            }
            targets.push((id, version, made.contains(&id)));
        }
        values::insert_many(tx, &new, now).await.map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Busy,
            other => other.into(),
        })?;
        // One entry per report (a report met twice gets the items of both, in order).
        let items: Vec<Vec<Item<'_>>> = prepared
            .iter()
            .map(|p| p.rows.iter().map(|(ind, i)| (*ind, i.part.as_str(), &i.entry)).collect())
            .collect();
        let mut merged: Vec<(Uuid, bool, Vec<Item<'_>>)> = Vec::new();
        let mut at_report: HashMap<Uuid, usize> = HashMap::new();
        for ((id, _, is_new), it) in targets.iter().zip(&items) {
            let n = *at_report.entry(*id).or_insert_with(|| {
                merged.push((*id, *is_new, Vec::new()));
                merged.len() - 1
            });
            if let Some(m) = merged.get_mut(n) {
                m.2.extend(it.iter().copied());
            }
        }
        let batches: Vec<ReportValues<'_>> =
            merged.iter().map(|(report, new, items)| ReportValues { report: *report, new: *new, items }).collect();
        let by = caller.user().unwrap_or(UserId(Uuid::nil()));
        let mut written =
            values::put_reports(tx, &batches, by, now).await?.into_iter().map(Vec::into_iter).collect::<Vec<_>>();
        let mut events = Vec::with_capacity(prepared.len());
        for (p, (id, version, _)) in prepared.iter().zip(&targets) {
            // This batch's flags: the next ones of its report's (a report met twice).
            let flags = at_report.get(id).and_then(|n| written.get_mut(*n));
            events.push(super::saved_event(caller, p, *id, *version, flags.into_iter().flatten()));
        }
        Ok(events)
    }
}

/// Compare a report's rows with what is stored: the counts, and the positions of the
/// rows that must be checked and written (anything that is not plainly unchanged).
fn diff(g: &Group, view: &Stored<'_>, problems: &mut Vec<Invalid>) -> (ReportChange, Vec<usize>) {
    let mut change = ReportChange {
        key: g.key.clone(),
        organisation: g.organisation.clone(),
        status: view.report.as_ref().map_or_else(|| "draft".to_owned(), |r| r.status.clone()),
        new: 0,
        changed: 0,
        cleared: 0,
        unchanged: 0,
    };
    let mut todo = Vec::new();
    // Maps, not scans: a file may hold 200,000 rows for one report.
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let indicators: BTreeMap<&str, &dtz_store::programmes::IndicatorRow> =
        view.facts.indicators.iter().map(|x| (x.code.as_str(), x)).collect();
    let values: BTreeMap<(uuid::Uuid, &str), &dtz_store::values::ValueRow> =
        view.values.iter().map(|v| ((v.indicator_id, v.part.as_str()), v)).collect();
    for (n, i) in g.inputs.iter().enumerate() {
        let line = g.lines[n];
        if let Some(first) = seen.get(&(i.indicator.as_str(), i.part.as_str())) {
            problems.push(at(line, "part", format!("This value is also on line {first}.")));
            continue;
        }
        seen.insert((&i.indicator, &i.part), line);
        let ind = indicators.get(i.indicator.as_str()).copied();
        let sound = ind.is_some_and(|x| {
            let def = x.indicator();
            def.source == Source::Manual
                && check_part("part", &i.part, &def, &view.facts.framework.disaggregations).is_ok()
        });
        let stored = ind.and_then(|x| values.get(&(x.id, i.part.as_str())).copied());
        let before = stored.map(|v| v.entry()).unwrap_or_default();
        let (had, has) = (!before.is_empty(), !i.entry.is_empty());
        if !sound {
            todo.push(n);
            continue;
        }
        // A comment alone is not stored where there is no value (see `values::put`).
        if before == i.entry || (stored.is_none() && !has) {
            change.unchanged += 1;
            continue;
        }
        match (had, has) {
            (false, true) => change.new += 1,
            (true, false) => change.cleared += 1,
            _ => change.changed += 1,
        }
        todo.push(n);
    }
    (change, todo)
}

/// The column a problem of one row belongs to, found by running the row's own checks
/// again (the batch checks — breakdowns adding up, deviations — come last).
fn column_of(view: &Stored<'_>, input: &ValueInput, message: &str) -> &'static str {
    let Some(ind) = view.facts.indicators.iter().find(|x| x.code == input.indicator) else { return "indicator" };
    let def = ind.indicator();
    if check_part("part", &input.part, &def, &view.facts.framework.disaggregations).is_err_and(|e| e.message == message)
    {
        return "part";
    }
    if input.entry.check("value", &def).is_err_and(|e| e.message == message) {
        return match def.measure {
            Measure::Percentage => "numerator",
            Measure::Text => "text",
            _ => "value",
        };
    }
    if def.source == Source::Computed {
        return "indicator";
    }
    if message.ends_with("explain in a comment why.") { "comment" } else { "value" }
}

/// One value to write: indicator, part, entry.
type Item<'a> = (Uuid, &'a str, &'a dtz_domain::results::Entry);

#[cfg(test)]
mod tests {
    #[test]
    fn problem_fields_split_into_line_and_column() {
        assert_eq!(super::line_and_column("line 7: value"), (7, "value"));
        assert_eq!(super::line_and_column("line 0: file"), (0, "file"));
        assert_eq!(super::line_and_column("status"), (0, ""));
    }
}
