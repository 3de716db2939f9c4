//! `dtz import iati`: any publisher's IATI 2.03 activities into the imported-activities
//! tables (`dtz_store::iati_imports`), kept as reported — figures stay at the level the
//! file gives them (totals, dimensions), never spread over organisations × countries.
//! All or nothing: a file with any error (not well-formed, unknown codes, missing parts)
//! writes nothing and every error comes back with its line; warnings (parts dtz does not
//! keep) come back with a successful import. An activity imported again replaces the
//! stored one whole (same `iati-identifier`). Activities group into the programme of their
//! parent activity (DESIGN §6), and the export reads them back as that programme.

use super::{IatiAccess, internal};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Role;
use dtz_domain::validate::{Invalid, Violations};
use dtz_formats::iati::model::*;
use dtz_formats::iati::read::{self, Finding, Level};
use dtz_store::audit::NewEvent;
use dtz_store::iati_imports::{self as store, ActivityRow, FigureRow, IndicatorRow, PeriodRow, ResultRow, Tree};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq)]
pub struct IatiImported {
    /// Nothing was written.
    pub dry_run: bool,
    /// The activities, in file order.
    pub activities: Vec<ImportedSummary>,
    /// What was left out, with line and path.
    pub warnings: Vec<Finding>,
    /// The programmes made (false) or replaced (true), by code.
    pub programmes: Vec<(String, bool)>,
}

/// One activity of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedSummary {
    /// `iati-identifier`.
    pub identifier: String,
    /// The programme it belongs to.
    pub programme: String,
    /// Reporting organisation (reference, else name).
    pub reporting: String,
    /// Results, indicators, periods, targets and actuals (figures).
    pub counts: [usize; 5],
    /// Budgets and transactions.
    pub money: [usize; 2],
    /// It replaces a stored activity with the same identifier.
    pub replaced: bool,
}

/// The parts of an activity kept as one JSON document.
#[derive(Serialize, Deserialize)]
pub(super) struct Header {
    reporting_type: Option<String>,
    descriptions: Vec<(String, String)>,
    pub(super) participants: Vec<Participant>,
    status: String,
    dates: Vec<(String, time::Date)>,
    pub(super) countries: Vec<(String, Option<u32>)>,
    sectors: Vec<(String, u32)>,
    budgets: Vec<Budget>,
    transactions: Vec<Transaction>,
    documents: Vec<Document>,
    related: Vec<(String, String)>,
}

fn summary(r: &read::Read) -> ImportedSummary {
    let a = &r.activity;
    let indicators = a.results.iter().flat_map(|r| &r.indicators);
    let periods = indicators.clone().flat_map(|i| &i.periods);
    ImportedSummary {
        identifier: a.identifier.clone(),
        programme: r.programme.clone(),
        reporting: a.reporting_org.reference.clone().or_else(|| a.reporting_org.name.clone()).unwrap_or_default(),
        counts: [
            a.results.len(),
            indicators.count(),
            periods.clone().count(),
            periods.clone().map(|p| p.targets.len()).sum(),
            periods.map(|p| p.actuals.len()).sum(),
        ],
        money: [a.budgets.len(), a.transactions.len()],
        replaced: false,
    }
}

impl Services {
    /// Import an IATI activities file (operator, system administrators and the alliance
    /// M&E lead; anyone else 404).
    pub async fn import_iati(&self, caller: &Caller, bytes: &[u8], dry_run: bool) -> Result<IatiImported> {
        let allowed = match caller {
            Caller::System => true,
            Caller::User(a) => a.is_system_admin() || a.has_role(Role::AllianceManager),
        };
        if !allowed {
            return Err(ServiceError::NotFound);
        }
        let file = read::read(bytes).map_err(|e| Invalid::new("file", format!("The file cannot be read: “{e}”.")))?;
        if file.has_errors() {
            return Err(ServiceError::Invalid(Violations(
                file.findings
                    .iter()
                    .filter(|f| f.level == Level::Error)
                    .map(|f| {
                        Invalid::new(
                            format!("line {}: {} {}", f.line, f.activity, f.path).trim_end(),
                            f.message.clone(),
                        )
                    })
                    .collect(),
            )));
        }
        let mut activities: Vec<ImportedSummary> = file.activities.iter().map(summary).collect();
        let warnings = file.findings.clone();
        let now = self.clock.now();
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
        let mut tree = Tree::default();
        for (n, r) in file.activities.iter().enumerate() {
            add(&mut tree, r, n as i64, &sha, now)?;
        }
        let mut tx = self.db.begin().await?;
        let (made, problems) = super::programmes::plan(&mut tx, &file.activities, now.date()).await?;
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(Violations(problems)));
        }
        let programmes = made.iter().map(|m| (m.programme.code.clone(), m.stored.is_some())).collect();
        let ids: Vec<String> = activities.iter().map(|a| a.identifier.clone()).collect();
        let existing = store::existing(&mut tx, &ids).await?;
        for a in &mut activities {
            a.replaced = existing.contains(&a.identifier);
        }
        if dry_run || activities.is_empty() {
            return Ok(IatiImported { dry_run, activities, warnings, programmes });
        }
        for id in &existing {
            store::remove(&mut tx, id).await?;
        }
        store::insert(&mut tx, &tree, caller.user().map(|u| u.0)).await?;
        let mut events = super::programmes::write(&self.db, &mut tx, caller, &made, now).await?;
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "iati.import".into(),
            entity: "iati_import".into(),
            entity_id: None,
            entity_version: None,
            fields: ids,
            org: None,
        };
        events.push(ev);
        self.finish(tx, &events).await?;
        Ok(IatiImported { dry_run, activities, warnings, programmes })
    }

    /// The imported activities (of one programme, or all), for summaries.
    pub async fn imported_iati(&self, caller: &Caller, programme: Option<&str>) -> Result<Vec<ActivityRow>> {
        if self.iati_access(caller).await? != IatiAccess::All {
            return Err(ServiceError::NotFound);
        }
        Ok(store::activities(&self.db, programme).await?)
    }

    /// An imported programme's activities as the model (of one publisher: its reference
    /// or name); 404 when nothing was imported under that code.
    pub async fn imported_iati_activities(
        &self,
        caller: &Caller,
        programme: &str,
        publisher: Option<&str>,
    ) -> Result<Activities> {
        if self.iati_access(caller).await? != IatiAccess::All {
            return Err(ServiceError::NotFound);
        }
        let t = store::tree(&self.db, programme.trim()).await?;
        if t.activities.is_empty() {
            return Err(ServiceError::NotFound);
        }
        let mut activities = Vec::new();
        for a in &t.activities {
            let by = |p: &str| a.reporting_ref.as_deref() == Some(p) || a.reporting_name.as_deref() == Some(p);
            if publisher.map(str::trim).filter(|p| !p.is_empty()).is_none_or(by) {
                activities.push(rebuild(&t, a)?);
            }
        }
        if activities.is_empty() && publisher.is_some() {
            let p = publisher.unwrap_or_default();
            return Err(Invalid::new("publisher", format!("There is no organisation “{p}”.")).into());
        }
        Ok(Activities { generated: super::rfc3339(self.clock.now()), activities })
    }
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| internal(&e))
}

/// Rows of one activity, added to `t`.
fn add(t: &mut Tree, r: &read::Read, position: i64, sha: &str, now: time::OffsetDateTime) -> Result<()> {
    let a = &r.activity;
    let header = Header {
        reporting_type: a.reporting_org.org_type.clone(),
        descriptions: a.descriptions.clone(),
        participants: a.participants.clone(),
        status: a.status.clone(),
        dates: a.dates.clone(),
        countries: a.countries.clone(),
        sectors: a.sectors.clone(),
        budgets: a.budgets.clone(),
        transactions: a.transactions.clone(),
        documents: a.documents.clone(),
        related: a.related.clone(),
    };
    let id = Uuid::new_v4();
    t.activities.push(ActivityRow {
        id,
        programme: r.programme.clone(),
        identifier: a.identifier.clone(),
        position,
        hierarchy: i64::from(a.hierarchy),
        reporting_ref: a.reporting_org.reference.clone(),
        reporting_name: a.reporting_org.name.clone(),
        title: a.title.clone(),
        language: a.language.clone(),
        currency: a.currency.clone(),
        last_updated: a.last_updated.clone(),
        body: json(&header)?,
        file_sha256: sha.to_owned(),
        imported_at: now,
    });
    for (rn, res) in a.results.iter().enumerate() {
        let rid = Uuid::new_v4();
        t.results.push(ResultRow {
            id: rid,
            activity_id: id,
            position: rn as i64,
            kind: res.kind.clone(),
            aggregation: res.aggregation,
            title: res.title.clone(),
            description: res.description.clone(),
        });
        for (n, i) in res.indicators.iter().enumerate() {
            indicator(t, rid, n as i64, i)?;
        }
    }
    Ok(())
}

fn indicator(t: &mut Tree, result: Uuid, position: i64, i: &IndicatorEl) -> Result<()> {
    let id = Uuid::new_v4();
    let refs: Vec<(&str, &str)> = i.references.iter().map(|r| (r.vocabulary.as_str(), r.code.as_str())).collect();
    t.indicators.push(IndicatorRow {
        id,
        result_id: result,
        position,
        measure: i.measure.clone(),
        ascending: i.ascending,
        aggregation: i.aggregation,
        title: i.title.clone(),
        description: i.description.clone(),
        refs: json(&refs)?,
        baseline_year: i.baseline.as_ref().map(|b| i64::from(b.year)),
        baseline_value: i.baseline.as_ref().and_then(|b| b.value.clone()),
        baseline_comment: i.baseline.as_ref().and_then(|b| b.comment.clone()),
    });
    for (n, p) in i.periods.iter().enumerate() {
        let pid = Uuid::new_v4();
        t.periods.push(PeriodRow {
            id: pid,
            indicator_id: id,
            position: n as i64,
            start_date: p.start,
            end_date: p.end,
        });
        for (kind, list) in [("target", &p.targets), ("actual", &p.actuals)] {
            for (k, f) in list.iter().enumerate() {
                t.figures.push(FigureRow {
                    period_id: pid,
                    kind: kind.into(),
                    position: k as i64,
                    dimensions: json(&f.dimensions)?,
                    value: f.value.clone(),
                    comment: f.comment.clone(),
                });
            }
        }
    }
    Ok(())
}

fn parse<'a, T: Deserialize<'a>>(s: &'a str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| internal(&e))
}

/// An activity of the model from its rows.
fn rebuild(t: &Tree, a: &ActivityRow) -> Result<Activity> {
    let h: Header = parse(&a.body)?;
    let mut results = Vec::new();
    for r in t.results.iter().filter(|r| r.activity_id == a.id) {
        let mut indicators = Vec::new();
        for i in t.indicators.iter().filter(|i| i.result_id == r.id) {
            let refs: Vec<(String, String)> = parse(&i.refs)?;
            let mut periods = Vec::new();
            for p in t.periods.iter().filter(|p| p.indicator_id == i.id) {
                let of = |kind: &str| -> Result<Vec<Figure>> {
                    let rows = t.figures.iter().filter(|f| f.period_id == p.id && f.kind == kind);
                    rows.map(|f| {
                        Ok(Figure {
                            value: f.value.clone(),
                            dimensions: parse(&f.dimensions)?,
                            comment: f.comment.clone(),
                        })
                    })
                    .collect()
                };
                periods.push(ResultPeriod {
                    start: p.start_date,
                    end: p.end_date,
                    targets: of("target")?,
                    actuals: of("actual")?,
                });
            }
            indicators.push(IndicatorEl {
                measure: i.measure.clone(),
                ascending: i.ascending,
                aggregation: i.aggregation,
                title: i.title.clone(),
                description: i.description.clone(),
                references: refs.into_iter().map(|(vocabulary, code)| Reference { vocabulary, code }).collect(),
                baseline: i.baseline_year.map(|y| Baseline {
                    year: i32::try_from(y).unwrap_or_default(),
                    value: i.baseline_value.clone(),
                    comment: i.baseline_comment.clone(),
                }),
                periods,
            });
        }
        results.push(ResultEl {
            kind: r.kind.clone(),
            aggregation: r.aggregation,
            title: r.title.clone(),
            description: r.description.clone(),
            indicators,
        });
    }
    Ok(Activity {
        identifier: a.identifier.clone(),
        last_updated: a.last_updated.clone(),
        language: a.language.clone(),
        currency: a.currency.clone(),
        hierarchy: u8::try_from(a.hierarchy).unwrap_or(1),
        reporting_org: OrgRef {
            reference: a.reporting_ref.clone(),
            org_type: h.reporting_type,
            name: a.reporting_name.clone(),
        },
        title: a.title.clone(),
        descriptions: h.descriptions,
        participants: h.participants,
        status: h.status,
        dates: h.dates,
        countries: h.countries,
        sectors: h.sectors,
        budgets: h.budgets,
        transactions: h.transactions,
        documents: h.documents,
        related: h.related,
        results,
    })
}
