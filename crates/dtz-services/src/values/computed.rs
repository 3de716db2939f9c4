//! Computed indicators in reports. A computed indicator's figures are *materialised*
//! into its report's values: refreshed in the transaction of every change to the records
//! they are computed from (while the report is a draft or returned), refreshed once more
//! in the transaction that submits the report, and on an explicit "recompute". From the
//! submission on, the report is frozen like any other: approval freezes exactly the
//! figures that were approved, a later change to an activity does not move them, and the
//! pages show "recomputed now" beside them until the report is reopened.
//!
//! The report row is locked (`FOR UPDATE` on PostgreSQL; SQLite writes are serial)
//! before its status is read, both here and in the submission, so a refresh and a
//! submission never interleave. The approved figures' memo is untouched: a refresh
//! writes only into open reports, which are never in the approved set.

use super::ReportView;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Scope;
use dtz_domain::activity::{AgeGroup, ReachBasis, ReachGroup, Sex};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::org::CountryCode;
use dtz_domain::results::computed::{self, ActivityCount, At, Basis, Computation, ReachSum, Records};
use dtz_domain::results::{Entry, Period, Programme, ReportStatus};
use dtz_domain::validate::Invalid;
use dtz_store::activities::{self as store, CountFact, FactsOf, ReachFact};
use dtz_store::audit::NewEvent;
use dtz_store::programmes::IndicatorRow;
use dtz_store::{Tx, values};
use uuid::Uuid;

const FROZEN: &str =
    "This report is submitted or approved; its computed figures are frozen until it is returned or reopened.";

/// A programme's computed indicators with what computing them needs.
#[derive(Clone, Debug)]
pub struct ComputeContext {
    /// Programme id.
    pub programme: Uuid,
    /// Its framework (category sets, period kind).
    pub framework: Programme,
    /// Its computed indicators with their computations.
    pub indicators: Vec<(IndicatorRow, Computation)>,
}

impl ComputeContext {
    /// The computed indicators among `indicators` (unknown computations are left out:
    /// `Programme::check` refuses them when a framework is saved).
    pub fn new(programme: Uuid, framework: Programme, indicators: &[IndicatorRow]) -> Self {
        let indicators = indicators
            .iter()
            .filter(|i| i.source == "computed")
            .filter_map(|i| Some((i.clone(), Computation::parse(i.computation.as_deref()?)?)))
            .collect();
        Self { programme, framework, indicators }
    }

    fn bases(&self) -> std::collections::BTreeSet<Basis> {
        self.indicators.iter().map(|(_, c)| c.basis()).collect()
    }
}

/// A computed figure whose stored value is not what the records give now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    /// Indicator.
    pub indicator: Uuid,
    /// Indicator code.
    pub code: String,
    /// Part (`""` for the total).
    pub part: String,
    /// The figure stored in the report (submitted, approved or as last refreshed).
    pub stored: Option<i64>,
    /// The figure the records give now.
    pub now: i64,
}

/// A place whose computed total differs from what its report holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceDrift {
    /// Organisation.
    pub org: OrgId,
    /// Country.
    pub country: String,
    /// Period.
    pub period: String,
    /// The report's status (`None`: no report yet).
    pub status: Option<String>,
    /// The stored total.
    pub stored: Option<i64>,
    /// The total the records give now.
    pub now: i64,
}

fn at_of(org: Uuid, country: &str, period: &str) -> Option<At> {
    Some(At {
        org: OrgId(org),
        country: CountryCode::parse("country", country).ok()?,
        period: Period::parse("period", period).ok()?,
    })
}

/// Stored facts as the domain's records (rows that do not parse are left out).
fn records(counts: Vec<CountFact>, reach: Vec<ReachFact>) -> Records {
    Records {
        activities: counts
            .into_iter()
            .filter_map(|c| {
                Some(ActivityCount {
                    at: at_of(c.org_id, &c.country, &c.period)?,
                    basis: ReachBasis::parse("basis", &c.basis).ok()?,
                    activity_type: c.activity_type,
                    activities: c.activities,
                })
            })
            .collect(),
        reach: reach
            .into_iter()
            .filter_map(|r| {
                Some(ReachSum {
                    at: at_of(r.org_id, &r.country, &r.period)?,
                    basis: ReachBasis::parse("basis", &r.basis).ok()?,
                    group: ReachGroup::parse("group", &r.reach_group).ok()?,
                    sex: Sex::parse("sex", &r.sex).ok()?,
                    age: AgeGroup::parse("age", &r.age).ok()?,
                    activity_type: r.activity_type,
                    first_time: r.first_time,
                    repeat: r.repeat_count,
                })
            })
            .collect(),
        tallies: Default::default(),
    }
}

impl Services {
    /// What computing a programme's indicators needs.
    pub async fn compute_context(&self, programme: Uuid) -> Result<ComputeContext> {
        let row = dtz_store::programmes::list(&self.db)
            .await?
            .into_iter()
            .find(|p| p.id == programme)
            .ok_or(ServiceError::NotFound)?;
        let framework = dtz_store::programmes::programme(&self.db, &row).await?;
        let indicators = dtz_store::programmes::indicators(&self.db, programme).await?;
        Ok(ComputeContext::new(programme, framework, &indicators))
    }

    /// The records of every basis the context's computations read, within `scope`,
    /// optionally of one place; read in `tx` when given (so they include what it wrote).
    async fn records_of(
        &self,
        tx: Option<&mut Tx>,
        ctx: &ComputeContext,
        scope: &Scope,
        at: Option<(OrgId, &str, &str)>,
    ) -> Result<Records> {
        let mut out = Records::default();
        let mut tx = tx;
        for basis in ctx.bases() {
            match basis {
                Basis::Activities => {
                    let of = FactsOf { programme: ctx.programme, scope, at };
                    let (c, r) = match tx.as_deref_mut() {
                        Some(t) => store::facts_in(t, &of).await?,
                        None => store::facts(&self.db, &of).await?,
                    };
                    let more = records(c, r);
                    out.activities.extend(more.activities);
                    out.reach.extend(more.reach);
                }
                Basis::Tally(c) => {
                    let periods = match at.and_then(|(o, c, p)| at_of(o.0, c, p)) {
                        Some(place) => vec![place.period],
                        None => Period::between(ctx.framework.periods, ctx.framework.start, ctx.framework.end),
                    };
                    let mut tallies = self.tallies(&c, scope, &periods).await?;
                    if let Some((org, country, _)) = at {
                        tallies.retain(|t| t.at.org == org && t.at.country.as_str() == country);
                    }
                    out.tallies.insert(c, tallies);
                }
            }
        }
        Ok(out)
    }

    /// Refresh the computed figures of the report at (organisation, country, period)
    /// inside `tx`, creating a draft report when there is none. Nothing happens when the
    /// programme has no computed indicators or the report is frozen. Returns the audit
    /// event when a figure changed.
    pub(crate) async fn refresh_computed(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        ctx: &ComputeContext,
        org: OrgId,
        country: &str,
        period: &str,
    ) -> Result<Option<NewEvent>> {
        if ctx.indicators.is_empty() {
            return Ok(None);
        }
        let report = match store::report_locked(tx, ctx.programme, org, country, period).await? {
            Some(r) => r,
            None => {
                let id = Uuid::new_v4();
                values::insert(tx, id, ctx.programme, org, country, period, self.clock.now()).await?;
                (id, ReportStatus::Draft.as_str().to_owned())
            }
        };
        if !ReportStatus::parse(&report.1).is_some_and(ReportStatus::editable) {
            return Ok(None);
        }
        let changed = self.write_computed(tx, caller, ctx, report.0, org, country, period).await?;
        Ok((!changed.is_empty()).then(|| NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "values.compute".into(),
            entity: "report".into(),
            entity_id: Some(report.0),
            entity_version: None,
            fields: changed,
            org: Some(org),
        }))
    }

    /// Write the figures the records give now into an open report; returns what changed.
    #[expect(clippy::too_many_arguments, reason = "a report's key and what writes into it")]
    async fn write_computed(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        ctx: &ComputeContext,
        report: Uuid,
        org: OrgId,
        country: &str,
        period: &str,
    ) -> Result<Vec<String>> {
        let records = self.records_of(Some(tx), ctx, &Scope::all(), Some((org, country, period))).await?;
        let Some(at) = at_of(org.0, country, period) else { return Ok(Vec::new()) };
        let stored = store::values_in(tx, report).await?;
        let (by, now) = (caller.user().unwrap_or(UserId(Uuid::nil())), self.clock.now());
        let mut changed = Vec::new();
        for (ind, c) in &ctx.indicators {
            let figures = computed::compute(c, &records, &ind.indicator(), &ctx.framework.disaggregations).at(&at);
            let figures: Vec<(String, Option<i64>)> = if c.disclosed() {
                computed::disclose(&figures)
            } else {
                figures.into_iter().map(|(p, v)| (p, Some(v))).collect()
            };
            // Parts stored before that the breakdowns no longer have are emptied.
            let gone = stored
                .iter()
                .filter(|(i, p, _)| *i == ind.id && !figures.iter().any(|(f, _)| f == p))
                .map(|(_, p, _)| (p.clone(), None));
            let entries: Vec<(String, Entry)> = figures
                .iter()
                .cloned()
                .chain(gone.collect::<Vec<_>>())
                .map(|(part, value)| (part, Entry { value, ..Entry::default() }))
                .collect();
            let items: Vec<(Uuid, &str, &Entry)> = entries.iter().map(|(p, e)| (ind.id, p.as_str(), e)).collect();
            let written = values::put_many(tx, report, &items, by, now).await?;
            for ((part, _), w) in entries.iter().zip(written) {
                if w {
                    changed.push(if part.is_empty() { ind.code.clone() } else { format!("{}[{part}]", ind.code) });
                }
            }
        }
        Ok(changed)
    }

    /// Refresh the computed figures of a report in the transaction that submits it (the
    /// report row is locked first). Called by the submission only.
    pub(super) async fn refresh_for_submit(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        r: &values::ReportRow,
    ) -> Result<Option<NewEvent>> {
        let ctx = self.compute_context(r.programme_id).await?;
        self.refresh_computed(tx, caller, &ctx, OrgId(r.org_id), &r.country, &r.period).await
    }

    /// Compute a report's figures again now (its M&E officer, while it is a draft or
    /// returned): returns how many figures changed.
    pub async fn recompute_report(&self, caller: &Caller, report: Uuid) -> Result<usize> {
        let r = values::get(&self.db, &caller.scope(dtz_domain::access::Area::Results), report).await?;
        if !super::may_enter(caller, OrgId(r.org_id), &r.country) {
            return Err(ServiceError::Forbidden);
        }
        if !ReportStatus::parse(&r.status).is_some_and(ReportStatus::editable) {
            return Err(Invalid::new("status", FROZEN).into());
        }
        let ctx = self.compute_context(r.programme_id).await?;
        let mut tx = self.db.begin().await?;
        let locked = store::report_locked(&mut tx, r.programme_id, OrgId(r.org_id), &r.country, &r.period).await?;
        if !locked.is_some_and(|(_, s)| ReportStatus::parse(&s).is_some_and(ReportStatus::editable)) {
            return Err(Invalid::new("status", FROZEN).into());
        }
        let event = self.refresh_computed(&mut tx, caller, &ctx, OrgId(r.org_id), &r.country, &r.period).await?;
        let n = event.as_ref().map_or(0, |e| e.fields.len());
        self.finish(tx, &event.into_iter().collect::<Vec<_>>()).await?;
        Ok(n)
    }

    /// The computed figures of a report (read with [`Services::report`] or
    /// [`Services::report_by_id`], which checked the caller may see it) that differ from
    /// what the records give now: after a change to an activity of a submitted or
    /// approved report, what the next reopening will bring.
    pub async fn computed_drift(&self, view: &ReportView) -> Result<Vec<Drift>> {
        let Some(r) = &view.report else { return Ok(Vec::new()) };
        let ctx = ComputeContext::new(view.programme.id, view.framework.clone(), &view.indicators);
        if ctx.indicators.is_empty() {
            return Ok(Vec::new());
        }
        let at = (OrgId(r.org_id), r.country.as_str(), r.period.as_str());
        let records = self.records_of(None, &ctx, &Scope::all(), Some(at)).await?;
        let Some(place) = at_of(r.org_id, &r.country, &r.period) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (ind, c) in &ctx.indicators {
            let figures = computed::compute(c, &records, &ind.indicator(), &ctx.framework.disaggregations).at(&place);
            for (part, now) in figures {
                let stored =
                    view.values.iter().find(|v| v.indicator_id == ind.id && v.part == part).and_then(|v| v.value);
                if stored != Some(now) && !(stored.is_none() && now == 0 && !part.is_empty()) {
                    out.push(Drift { indicator: ind.id, code: ind.code.clone(), part, stored, now });
                }
            }
        }
        Ok(out)
    }

    /// For staff: the places of a computed indicator whose report holds another total
    /// than the records give now (within the caller's scope).
    pub async fn indicator_drift(&self, caller: &Caller, code: &str, indicator: &str) -> Result<Vec<PlaceDrift>> {
        if !Self::may_see_pending(caller) {
            return Ok(Vec::new());
        }
        let (programme, framework) = self.programme(code).await?;
        let indicators = dtz_store::programmes::indicators(&self.db, programme.id).await?;
        let mut ctx = ComputeContext::new(programme.id, framework, &indicators);
        ctx.indicators.retain(|(i, _)| i.code == indicator);
        let Some((ind, c)) = ctx.indicators.first().cloned() else { return Ok(Vec::new()) };
        let scope = caller.scope(dtz_domain::access::Area::Results);
        let records = self.records_of(None, &ctx, &scope, None).await?;
        let now = computed::compute(&c, &records, &ind.indicator(), &ctx.framework.disaggregations);
        let filter = dtz_store::filtered::PointFilter { indicators: Some(vec![ind.id]), ..Default::default() };
        let points = dtz_store::filtered::points(&self.db, &scope, programme.id, &filter).await?;
        let reports = dtz_store::filtered::reports(&self.db, &scope, programme.id, &Default::default()).await?;
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for r in &reports {
            let Some(at) = at_of(r.org_id, &r.country, &r.period) else { continue };
            seen.insert(at);
            let stored = points
                .iter()
                .find(|p| p.org_id == r.org_id && p.country == r.country && p.period == r.period && p.part.is_empty())
                .and_then(|p| p.value);
            let total = now.total(&at);
            if stored != Some(total) && !(stored.is_none() && total == 0) {
                let (org, country, period) = (OrgId(r.org_id), r.country.clone(), r.period.clone());
                out.push(PlaceDrift { org, country, period, status: Some(r.status.clone()), stored, now: total });
            }
        }
        for (at, figures) in &now.figures {
            let total = figures.first().map_or(0, |(_, v)| *v);
            if !seen.contains(at) && total != 0 {
                let (country, period) = (at.country.as_str().to_owned(), at.period.to_string());
                out.push(PlaceDrift { org: at.org, country, period, status: None, stored: None, now: total });
            }
        }
        out.sort_by(|a, b| (&a.period, &a.country).cmp(&(&b.period, &b.country)));
        Ok(out)
    }
}
