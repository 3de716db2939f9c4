//! IATI 2.03 export: the activities of a programme built from the database — the lead's
//! programme activity (hierarchy 1) with the alliance totals, and each member's own
//! activities (hierarchy 2, see `dtz_domain::iati::publishing`), linked both ways by
//! `related-activity` and by money: the programme's incoming funds name the donor's
//! activity; its disbursements name each member activity; each member activity's incoming
//! funds name the programme activity they come from.
//!
//! Figures are approved values only, rolled up by `Services::figures_by` (the one rollup
//! of the dashboards): the alliance totals directly, a member activity's figures from the
//! per-reporter figures of its reporters (the member and the partners it funds in its
//! countries), merged by `dtz_domain::iati::merge`. Who may download: the operator,
//! system administrators, the alliance M&E lead and donors, every activity; a member's
//! own staff, its own activities; anyone else gets a 404.

mod activity;
mod imports;
mod listing;
mod money;
mod programmes;
mod results;

pub use imports::{IatiImported, ImportedSummary};
pub use listing::ImportedActivity;
pub use programmes::imported_read_only;

pub use results::{SUPPRESSED, case_derived};

use crate::{Caller, Result, ServiceError, Services};
use activity::{member_activity, programme_activity};
use dtz_domain::access::Role;
use dtz_domain::iati::publishing::{self, Org, Planned, Publisher, resolve};
use dtz_domain::ids::OrgId;
use dtz_domain::org::{CountryCode, OrgKind};
use dtz_domain::results::rollup::{Cell, Grouping};
use dtz_domain::results::{Indicator, Period, Programme};
use dtz_domain::validate::Invalid;
use dtz_formats::iati::model::*;
use dtz_store::finance::FinanceRow;
use dtz_store::values::GoalRow;
use money::Record;
use results::IndicatorSources;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Who may download which activities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IatiAccess {
    /// Every activity.
    All,
    /// The activities this member publishes.
    Member(OrgId),
}

fn org_type(k: OrgKind) -> &'static str {
    match k {
        OrgKind::AllianceMember => "21",
        OrgKind::LocalPartner | OrgKind::ServiceProvider => "24",
        OrgKind::Donor | OrgKind::GovernmentBody => "10",
    }
}

/// An organisation as IATI names it; a withheld one by its type only, with a neutral
/// description instead of its name (IATI's rules want a reference or a narrative).
fn org_ref(o: &Org) -> OrgRef {
    if o.publishable {
        OrgRef { reference: o.iati_id.clone(), org_type: Some(org_type(o.kind).into()), name: Some(o.name.clone()) }
    } else {
        OrgRef { reference: None, org_type: Some(org_type(o.kind).into()), name: Some(WITHHELD.into()) }
    }
}

/// What a withheld partner is called in public data.
pub const WITHHELD: &str = "A local partner (name withheld for its safety)";

fn participant(role: &str, o: &Org, activity: Option<&str>) -> Participant {
    Participant { role: role.into(), org: org_ref(o), activity_id: activity.map(str::to_owned) }
}

/// Everything the activities are built from.
struct Inputs<'a> {
    p: &'a Programme,
    today: Date,
    now: String,
    lead: Option<&'a Org>,
    donor: Option<&'a Org>,
    periods: Vec<Period>,
    indicators: Vec<(Uuid, Indicator)>,
    reporters: &'a [IndicatorCells],
    alliance: &'a [IndicatorCells],
    baselines: &'a [GoalRow],
    targets: &'a [GoalRow],
    finance: Vec<Record<'a>>,
}

/// The cells of one indicator, from `Services::figures_by`.
struct IndicatorCells {
    id: Uuid,
    cells: crate::results::Cells,
}

impl Inputs<'_> {
    fn span(&self) -> (Date, Date) {
        (self.p.start, self.p.end)
    }

    fn status(&self) -> &'static str {
        let t = self.today;
        if t < self.p.start {
            "1"
        } else if t <= self.p.end {
            "2"
        } else if self.p.end.replace_year(self.p.end.year() + 1).is_ok_and(|d| t <= d) {
            "3"
        } else {
            "4"
        }
    }

    fn dates(&self) -> Vec<(String, Date)> {
        let mut d = vec![("1".into(), self.p.start), ("3".into(), self.p.end)];
        if self.p.start <= self.today {
            d.push(("2".into(), self.p.start));
        }
        if self.p.end < self.today {
            d.push(("4".into(), self.p.end));
        }
        d.sort();
        d
    }

    fn sectors(&self) -> Vec<(String, u32)> {
        self.p.iati.sectors_or_default().into_iter().map(|s| (s.code, s.percentage)).collect()
    }

    fn documents(&self) -> Vec<Document> {
        self.p
            .iati
            .documents
            .iter()
            .map(|d| Document {
                url: d.url.clone(),
                format: d.format.clone(),
                title: d.title.clone(),
                category: d.category.clone(),
                language: self.p.iati.language.clone(),
            })
            .collect()
    }

    fn shell(&self, identifier: String, hierarchy: u8, reporting: &Org, title: String) -> Activity {
        Activity {
            identifier,
            last_updated: self.now.clone(),
            language: self.p.iati.language.clone(),
            currency: self.p.currency.clone(),
            hierarchy,
            reporting_org: org_ref(reporting),
            title,
            descriptions: vec![("1".into(), self.p.description.clone())],
            participants: Vec::new(),
            status: self.status().into(),
            dates: self.dates(),
            countries: Vec::new(),
            sectors: self.sectors(),
            budgets: Vec::new(),
            transactions: Vec::new(),
            documents: self.documents(),
            related: Vec::new(),
            results: Vec::new(),
        }
    }

    /// Results of an activity: its reporters' cells and the goals that count for it.
    fn results<'c>(
        &'c self,
        cells: &dyn Fn(Uuid) -> Vec<&'c Cell>,
        targets: &dyn Fn(&GoalRow) -> bool,
        baselines: &dyn Fn(&GoalRow) -> bool,
    ) -> Vec<ResultEl> {
        let nodes = self.p.nodes();
        results::results(&nodes, |ind| {
            let (id, _) = self.indicators.iter().find(|(_, i)| i.code == ind.code)?;
            let src = IndicatorSources {
                cells: cells(*id),
                targets: self.targets.iter().filter(|t| t.indicator_id == *id && targets(t)).collect(),
                baselines: self.baselines.iter().filter(|b| b.indicator_id == *id && baselines(b)).collect(),
            };
            results::indicator(ind, &src, &self.periods, self.span())
        })
    }
}

/// The targets that count for a set of (organisation, country) reporters: per country, the
/// organisations' own targets, else the country's when `responsible` for it.
fn targets_for(all: &[GoalRow], reporters: &[(OrgId, CountryCode)], responsible: &[CountryCode]) -> Vec<String> {
    let own =
        |t: &GoalRow| t.org_id.is_some_and(|o| reporters.iter().any(|(r, c)| r.0 == o && c.as_str() == t.country));
    let mut keep = Vec::new();
    for t in all {
        let country_has_own = all
            .iter()
            .any(|x| x.indicator_id == t.indicator_id && x.country == t.country && x.period == t.period && own(x));
        let ok = match t.org_id {
            Some(_) => own(t),
            None => !country_has_own && responsible.iter().any(|c| c.as_str() == t.country),
        };
        if ok {
            keep.push(goal_key(t));
        }
    }
    keep
}

/// The key of a target row (they have no id of their own here).
fn goal_key(g: &GoalRow) -> String {
    format!("{}|{}|{:?}|{}|{}", g.indicator_id, g.country, g.org_id, g.period, g.part)
}

impl Services {
    /// Who may download the IATI files of a programme (404 for anyone else).
    pub async fn iati_access(&self, caller: &Caller) -> Result<IatiAccess> {
        match caller {
            Caller::System => Ok(IatiAccess::All),
            Caller::User(a) if a.is_system_admin() || a.has_role(Role::AllianceManager) || a.has_role(Role::Donor) => {
                Ok(IatiAccess::All)
            }
            Caller::User(a) => match self.finance_scope(caller).await? {
                Some(_) => Ok(IatiAccess::Member(a.org)),
                None => Err(ServiceError::NotFound),
            },
        }
    }

    /// The publishers of a programme the caller may download, in order.
    pub async fn iati_publishers(&self, caller: &Caller, code: &str) -> Result<Vec<Publisher>> {
        let access = self.iati_access(caller).await?;
        let (_, p) = self.programme(code).await?;
        let orgs = self.publishing_orgs().await?;
        let mut all = publishing::publishers(&p, &orgs);
        let lead = p.lead.as_deref().and_then(|l| resolve(&orgs, l)).map(|o| o.id);
        if let Some(l) = lead
            && !all.iter().any(|x| x.org.id == l)
            && let Some(o) = orgs.iter().find(|o| o.id == l)
        {
            all.insert(0, Publisher { org: o.clone(), layout: p.iati.activities, activities: Vec::new() });
        }
        Ok(match access {
            IatiAccess::All => all,
            IatiAccess::Member(m) => all.into_iter().filter(|x| x.org.id == m).collect(),
        })
    }

    /// The activities of a programme (or of one publisher: name, IATI identifier or id).
    pub async fn iati_activities(&self, caller: &Caller, code: &str, publisher: Option<&str>) -> Result<Activities> {
        match self.iati_plan(caller, code, publisher).await? {
            Plan::Imported(a) => Ok(a),
            Plan::Own(plan) => {
                let mut activities = Vec::new();
                plan.each(&mut |a| {
                    activities.push(a);
                    Ok(())
                })
                .map_err(|e| internal(&e))?;
                Ok(Activities { generated: plan.generated(), activities })
            }
        }
    }

    /// What the activities of a programme are made from, read from the database; the
    /// activities themselves are made one at a time from it ([`OwnPlan::each`]).
    async fn iati_plan(&self, caller: &Caller, code: &str, publisher: Option<&str>) -> Result<Plan> {
        let access = self.iati_access(caller).await?;
        let p = match self.programme(code).await {
            Err(ServiceError::NotFound) => {
                return Ok(Plan::Imported(self.imported_iati_activities(caller, code, publisher).await?));
            }
            Ok((row, _)) if row.imported() => {
                return Ok(Plan::Imported(self.imported_iati_activities(caller, code, publisher).await?));
            }
            other => other?.1,
        };
        let orgs = self.publishing_orgs().await?;
        let only = match publisher.map(str::trim).filter(|x| !x.is_empty()) {
            None => None,
            Some(r) => Some(
                resolve(&orgs, r)
                    .or_else(|| orgs.iter().find(|o| o.id.to_string() == r))
                    .map(|o| o.id)
                    .ok_or_else(|| Invalid::new("publisher", format!("There is no organisation “{r}”.")))?,
            ),
        };
        let only = match (access, only) {
            (IatiAccess::Member(m), Some(o)) if o != m => return Err(ServiceError::NotFound),
            (IatiAccess::Member(m), _) => Some(m),
            (IatiAccess::All, o) => o,
        };
        let figures = self
            .figures_by(
                &Caller::System,
                code,
                &[
                    Grouping { country: true, org: true, period: true, part: true },
                    Grouping { period: true, part: true, ..Grouping::default() },
                ],
                false,
                None,
            )
            .await?;
        let (mut per_reporter, mut alliance) = (Vec::new(), Vec::new());
        for (n, f) in figures.iter().enumerate() {
            let list: Vec<IndicatorCells> =
                f.indicators.iter().map(|i| IndicatorCells { id: i.indicator.id, cells: i.cells.clone() }).collect();
            if n == 0 { per_reporter = list } else { alliance = list }
        }
        let indicators = figures
            .first()
            .map(|f| f.indicators.iter().map(|i| (i.indicator.id, i.indicator.indicator())).collect())
            .unwrap_or_default();
        let periods = figures.first().map(|f| f.periods.clone()).unwrap_or_default();
        drop(figures);
        let (baselines, targets) = self.goals(code).await?;
        let row = self.programme(code).await?.0;
        let (records, paid) = dtz_store::finance::list(&self.db, &dtz_domain::access::Scope::all(), row.id).await?;
        Ok(Plan::Own(Box::new(OwnPlan {
            p,
            orgs,
            only,
            now: self.clock.now(),
            per_reporter,
            alliance,
            indicators,
            periods,
            baselines,
            targets,
            records,
            paid,
        })))
    }

    /// The activities as IATI XML.
    pub async fn iati_xml(&self, caller: &Caller, code: &str, publisher: Option<&str>) -> Result<Vec<u8>> {
        self.iati_write(caller, code, publisher, Vec::new()).await
    }

    /// The activities as IATI XML written to `out` one activity at a time, as each is made
    /// (a large programme's file is never whole in memory, nor are its activities): the
    /// bytes of [`Self::iati_xml`]. Nothing is written when there is no activity to
    /// publish (an error, as for `iati_xml`); `out` is given back at the end.
    pub async fn iati_write<W: std::io::Write>(
        &self,
        caller: &Caller,
        code: &str,
        publisher: Option<&str>,
        out: W,
    ) -> Result<W> {
        let none = || Invalid::new("publisher", "This organisation publishes no activity in the programme.").into();
        match self.iati_plan(caller, code, publisher).await? {
            Plan::Imported(a) => {
                if a.activities.is_empty() {
                    return Err(none());
                }
                let mut s = dtz_formats::iati::Stream::start(out, &a.generated).map_err(|e| internal(&e))?;
                for act in &a.activities {
                    s.activity(act).map_err(|e| internal(&e))?;
                }
                s.finish().map_err(|e| internal(&e))
            }
            Plan::Own(plan) => {
                // The file is opened at the first activity, so that none is no file at all.
                let generated = plan.generated();
                let mut out = Some(out);
                let mut stream = None;
                plan.each(&mut |a| {
                    if stream.is_none()
                        && let Some(o) = out.take()
                    {
                        stream = Some(dtz_formats::iati::Stream::start(o, &generated)?);
                    }
                    match stream.as_mut() {
                        Some(s) => s.activity(&a),
                        None => Ok(()),
                    }
                })
                .map_err(|e| internal(&e))?;
                match stream {
                    Some(s) => s.finish().map_err(|e| internal(&e)),
                    None => Err(none()),
                }
            }
        }
    }
}

/// What the activities of a programme are made from.
enum Plan {
    /// A programme imported from IATI: its activities as read.
    Imported(Activities),
    /// A programme of dtz.
    Own(Box<OwnPlan>),
}

/// What the activities of a dtz programme are made from (`Services::iati_plan`).
struct OwnPlan {
    p: Programme,
    orgs: Vec<Org>,
    /// Only this publisher's activities.
    only: Option<OrgId>,
    now: OffsetDateTime,
    per_reporter: Vec<IndicatorCells>,
    alliance: Vec<IndicatorCells>,
    indicators: Vec<(Uuid, Indicator)>,
    periods: Vec<Period>,
    baselines: Vec<GoalRow>,
    targets: Vec<GoalRow>,
    records: Vec<FinanceRow>,
    paid: Vec<dtz_store::finance::DisbursementRow>,
}

impl OwnPlan {
    fn generated(&self) -> String {
        rfc3339(self.now)
    }

    /// Make each activity in file order and hand it to `each`.
    fn each(&self, each: &mut dyn FnMut(Activity) -> std::io::Result<()>) -> std::io::Result<()> {
        let p = &self.p;
        let orgs = &self.orgs;
        let inputs = Inputs {
            p,
            today: self.now.date(),
            now: rfc3339(self.now),
            lead: p.lead.as_deref().and_then(|l| resolve(orgs, l)),
            donor: p.donor.as_deref().and_then(|d| resolve(orgs, d)),
            periods: self.periods.clone(),
            indicators: self.indicators.clone(),
            reporters: &self.per_reporter,
            alliance: &self.alliance,
            baselines: &self.baselines,
            targets: &self.targets,
            finance: self
                .records
                .iter()
                .map(|r| Record {
                    row: r,
                    paid: self.paid.iter().filter(|d| d.record_id == r.id).map(|d| (d.partner_id, d.amount)).collect(),
                })
                .collect(),
        };
        let publishers = publishing::publishers(p, orgs);
        if let Some(lead) = inputs.lead
            && self.only.is_none_or(|o| o == lead.id)
        {
            each(programme_activity(&inputs, lead, &publishers, orgs))?;
        }
        for pb in publishers.iter().filter(|pb| self.only.is_none_or(|o| o == pb.org.id)) {
            for a in &pb.activities {
                each(member_activity(&inputs, pb, a, orgs))?;
            }
        }
        Ok(())
    }
}

impl Services {
    /// The activities as XML and the problems `dtz_formats::iati::check` finds in them.
    pub async fn iati_check(
        &self,
        caller: &Caller,
        code: &str,
        publisher: Option<&str>,
    ) -> Result<(Vec<u8>, Vec<dtz_formats::iati::Problem>)> {
        let xml = self.iati_xml(caller, code, publisher).await?;
        let problems = dtz_formats::iati::check_bytes(&xml, self.clock.now().date()).map_err(|e| internal(&e))?;
        Ok((xml, problems))
    }

    /// The results of the activities in the flat form (CSV rows).
    pub async fn iati_flat(&self, caller: &Caller, code: &str, publisher: Option<&str>) -> Result<Vec<u8>> {
        let a = self.iati_activities(caller, code, publisher).await?;
        Ok(dtz_formats::table::to_csv(&dtz_formats::iati::flat_table(&a)))
    }
}

/// Writing to memory and reading back what dtz wrote do not fail; should they, it is a
/// fault of dtz (a 500), not of the caller's input.
fn internal(e: &dyn std::fmt::Display) -> ServiceError {
    ServiceError::Store(dtz_store::StoreError::Config(format!("the IATI file could not be made: {e}")))
}

fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
