//! Indicator values: entering them per organisation × country × period, and the two
//! approval levels. An M&E officer writes only for its organisation (and country); a
//! country coordinator approves only its country, and not its own organisation's values
//! alone; the alliance M&E lead gives the second approval; approval freezes the values.

use crate::sync::outbox::{self, Via};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Actor, Area, Role};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::org::CountryCode;
use dtz_domain::results::report::check_part;
use dtz_domain::results::{Entry, Period, Programme, ReportAction, ReportStatus, Source};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::programmes::{self, IndicatorRow, ProgrammeRow};
use dtz_store::values::{self, ReportRow, ValueRow};
use dtz_store::{StoreError, Tx, users};
use uuid::Uuid;

mod computed;
mod evidence;
mod import;
mod tallies;
mod uploads;
pub use computed::{ComputeContext, Drift, PlaceDrift};
pub use evidence::Evidence;
pub use import::{ImportProgress, Imported, Quiet, ReportChange, line_and_column};
pub(crate) use tallies::days_of_year;
pub use uploads::UPLOAD_TTL;

/// Which report: programme, organisation, country, period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportKey {
    /// Programme code.
    pub programme: String,
    /// Reporting organisation.
    pub org: OrgId,
    /// Country.
    pub country: String,
    /// Period, e.g. `2016`.
    pub period: String,
}

/// One value to write: indicator code, part (`""` or `set=option`), entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueInput {
    /// Indicator code.
    pub indicator: String,
    /// Part.
    pub part: String,
    /// What was entered.
    pub entry: Entry,
}

/// A batch that passed every check, ready to write.
#[derive(Clone, Debug)]
pub struct PreparedValues {
    /// Programme.
    pub programme: Uuid,
    /// Organisation.
    pub org: OrgId,
    /// Country code.
    pub country: String,
    /// Period.
    pub period: String,
    /// (indicator id, value) in input order.
    pub rows: Vec<(Uuid, ValueInput)>,
}

const FROZEN: &str = "This report is submitted or approved; values can change only after it is returned or reopened.";

/// A report with its values, as read.
#[derive(Clone, Debug)]
pub struct ReportView {
    /// The programme.
    pub programme: ProgrammeRow,
    /// Its framework.
    pub framework: Programme,
    /// Indicators with their ids.
    pub indicators: Vec<IndicatorRow>,
    /// The report, if one was started.
    pub report: Option<ReportRow>,
    /// Its values.
    pub values: Vec<ValueRow>,
}

fn actor(caller: &Caller) -> Option<&Actor> {
    match caller {
        Caller::User(a) => Some(a),
        Caller::System => None,
    }
}

/// Whether the caller enters values for this organisation and country.
fn may_enter(caller: &Caller, org: OrgId, country: &str) -> bool {
    actor(caller).is_none_or(|a| {
        a.roles
            .iter()
            .any(|r| r.role == Role::MeOfficer && r.org == Some(org) && r.country.is_none_or(|c| c.as_str() == country))
    })
}

/// A programme as every report of it is checked: see [`Services::programme_facts`].
pub(crate) struct ProgrammeFacts {
    row: ProgrammeRow,
    framework: Programme,
    indicators: Vec<IndicatorRow>,
    targets: Vec<values::GoalRow>,
}

/// A report key's country and period, checked against its programme.
fn key_in(row: &ProgrammeRow, p: &Programme, key: &ReportKey) -> Result<(CountryCode, Period)> {
    if row.imported() {
        return Err(crate::iati::imported_read_only().into());
    }
    let mut v = Violations::default();
    let country = v.check(CountryCode::parse("country", &key.country).and_then(|c| {
        if p.countries.iter().any(|pc| pc.country == c) {
            Ok(c)
        } else {
            Err(Invalid::new("country", "The programme does not work in this country."))
        }
    }));
    let period = v.check(Period::parse("period", &key.period).and_then(|per| {
        let ok = per.kind == p.periods && per.end() >= p.start && per.start() <= p.end;
        if ok { Ok(per) } else { Err(Invalid::new("period", "Choose a reporting period of the programme.")) }
    }));
    match (country, period) {
        (Some(c), Some(per)) => Ok((c, per)),
        _ => Err(v.into()),
    }
}

/// The checks of reading a report: its key in the programme, not a donor, within the
/// caller's scope. Returns the country, the period and the scope to read with.
pub(crate) fn readable(
    caller: &Caller,
    facts: &ProgrammeFacts,
    key: &ReportKey,
) -> Result<(CountryCode, Period, dtz_domain::access::Scope)> {
    let (country, period) = key_in(&facts.row, &facts.framework, key)?;
    let scope = caller.scope(Area::Results);
    let donor_only =
        actor(caller).is_some_and(|a| a.roles.iter().all(|r| matches!(r.role, Role::Donor | Role::Administrator)));
    if donor_only {
        // Donors read approved, aggregated results only, never a partner's report.
        return Err(ServiceError::NotFound);
    }
    if !scope.admits(&dtz_domain::access::ScopeRow { org: Some(key.org), country: Some(country), ..Default::default() })
    {
        return Err(ServiceError::NotFound);
    }
    Ok((country, period, scope))
}

/// Every check of [`Services::prepare_values`] given the report as stored (`existing`,
/// `stored`), which the caller read: no query.
pub(crate) fn prepare_in(
    caller: &Caller,
    facts: &ProgrammeFacts,
    key: &ReportKey,
    existing: Option<&ReportRow>,
    stored: &[ValueRow],
    input: &[ValueInput],
) -> Result<PreparedValues> {
    let (programme, framework) = (&facts.row, &facts.framework);
    let (country, period) = key_in(programme, framework, key)?;
    let row = dtz_domain::access::ScopeRow { org: Some(key.org), country: Some(country), ..Default::default() };
    if !caller.scope(Area::Results).admits(&row) {
        return Err(ServiceError::NotFound);
    }
    if !may_enter(caller, key.org, country.as_str()) {
        return Err(ServiceError::Forbidden);
    }
    let indicators = &facts.indicators;
    let by_code: std::collections::HashMap<&str, &IndicatorRow> =
        indicators.iter().map(|x| (x.code.as_str(), x)).collect();
    let mut v = Violations::default();
    let mut rows = Vec::new();
    for (n, i) in input.iter().enumerate() {
        let field = format!("values[{n}]");
        let Some(ind) = by_code.get(i.indicator.as_str()) else {
            v.push(Invalid::new(&field, format!("There is no indicator “{}” in this programme.", i.indicator)));
            continue;
        };
        let def = ind.indicator();
        if def.source == Source::Computed {
            v.push(Invalid::new(&field, format!("“{}” is computed from records; it cannot be entered.", def.code)));
        }
        v.check(check_part(&field, &i.part, &def, &framework.disaggregations));
        v.check(i.entry.check(&field, &def));
        rows.push((ind.id, i));
    }
    v.clone().into_result()?;
    if existing.is_some_and(|r| !ReportStatus::parse(&r.status).is_some_and(ReportStatus::editable)) {
        return Err(Invalid::new("status", FROZEN).into());
    }
    check_parts_add_up(&rows, stored, indicators, &mut v);
    let period_text = period.to_string();
    let targets: std::collections::HashMap<Uuid, i64> = facts
        .targets
        .iter()
        .filter(|t| {
            t.part.is_empty() && t.org_id == Some(key.org.0) && t.country == country.as_str() && t.period == period_text
        })
        .filter_map(|t| t.value.map(|x| (t.indicator_id, x)))
        .collect();
    for (n, (indicator, i)) in rows.iter().enumerate() {
        if let (Some(&t), Some(actual), true) = (targets.get(indicator), i.entry.value, i.part.is_empty()) {
            let far = t > 0 && (actual - t).abs() * 2 > t;
            if far && i.entry.comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
                let n = input.iter().position(|x| std::ptr::eq(x, *i)).unwrap_or(n);
                v.push(Invalid::new(
                    format!("values[{n}]"),
                    format!("{actual} is far from the target of {t}: explain in a comment why."),
                ));
            }
        }
    }
    v.into_result()?;
    Ok(PreparedValues {
        programme: programme.id,
        org: key.org,
        country: country.as_str().to_owned(),
        period: period_text,
        rows: rows.into_iter().map(|(id, i)| (id, i.clone())).collect(),
    })
}

impl Services {
    async fn key_parts(&self, key: &ReportKey) -> Result<(ProgrammeRow, Programme, CountryCode, Period)> {
        let (row, p) = self.programme(&key.programme).await?;
        let (country, period) = key_in(&row, &p, key)?;
        Ok((row, p, country, period))
    }

    /// What every report of a programme is checked against, read once: an import checks
    /// hundreds of reports against the same framework, indicators and targets.
    pub(crate) async fn programme_facts(&self, code: &str) -> Result<ProgrammeFacts> {
        let (row, framework) = self.programme(code).await?;
        let indicators = programmes::indicators(&self.db, row.id).await?;
        let targets = values::targets(&self.db, row.id).await?;
        Ok(ProgrammeFacts { row, framework, indicators, targets })
    }

    /// The report of an organisation for a country and period, with its values.
    pub async fn report(&self, caller: &Caller, key: &ReportKey) -> Result<ReportView> {
        let facts = self.programme_facts(&key.programme).await?;
        self.report_in(caller, &facts, key).await
    }

    /// [`Services::report`] against facts read before.
    pub(crate) async fn report_in(
        &self,
        caller: &Caller,
        facts: &ProgrammeFacts,
        key: &ReportKey,
    ) -> Result<ReportView> {
        let (country, period, scope) = readable(caller, facts, key)?;
        let report =
            values::find(&self.db, &scope, facts.row.id, key.org, country.as_str(), &period.to_string()).await?;
        let vals = match &report {
            Some(r) => values::values(&self.db, r.id).await?,
            None => Vec::new(),
        };
        Ok(ReportView {
            programme: facts.row.clone(),
            framework: facts.framework.clone(),
            indicators: facts.indicators.clone(),
            report,
            values: vals,
        })
    }

    /// A report by id with its values, within the caller's scope (donors: never).
    pub async fn report_by_id(&self, caller: &Caller, id: Uuid) -> Result<ReportView> {
        let r = values::get(&self.db, &caller.scope(Area::Results), id).await?;
        let rows = programmes::list(&self.db).await?;
        let programme = rows.into_iter().find(|p| p.id == r.programme_id).ok_or(ServiceError::NotFound)?;
        let key = ReportKey {
            programme: programme.code.clone(),
            org: OrgId(r.org_id),
            country: r.country.clone(),
            period: r.period.clone(),
        };
        self.report(caller, &key).await
    }

    /// The organisations and countries the caller enters values for.
    pub fn entry_scopes(caller: &Caller) -> Vec<(Option<OrgId>, Option<CountryCode>)> {
        match actor(caller) {
            None => vec![(None, None)],
            Some(a) => a.roles.iter().filter(|r| r.role == Role::MeOfficer).map(|r| (r.org, r.country)).collect(),
        }
    }

    /// Write values into the report (created as a draft when new). All or nothing: every
    /// problem is listed by cell, and nothing is written when there is one.
    pub async fn save_values(&self, caller: &Caller, key: &ReportKey, input: &[ValueInput]) -> Result<ReportRow> {
        self.save_values_via(caller, key, input, Via::Local).await
    }

    /// [`Services::save_values`], made here or pushed by a node.
    pub(crate) async fn save_values_via(
        &self,
        caller: &Caller,
        key: &ReportKey,
        input: &[ValueInput],
        via: Via<'_>,
    ) -> Result<ReportRow> {
        let prepared = self.prepare_values(caller, key, input).await?;
        let mut tx = self.db.begin().await?;
        let (report, event) = self.write_values(&mut tx, caller, &prepared).await?;
        let op = outbox::report_values(key, input);
        self.finish_synced(tx, &[event], &[op], via, None).await?;
        Ok(values::get(&self.db, &dtz_domain::access::Scope::all(), report).await?)
    }

    /// Every check of a batch for one report, without writing: scope, permission, each
    /// cell against its indicator, breakdowns adding up, comments on large deviations,
    /// and that the report is still open for changes.
    pub async fn prepare_values(
        &self,
        caller: &Caller,
        key: &ReportKey,
        input: &[ValueInput],
    ) -> Result<PreparedValues> {
        let facts = self.programme_facts(&key.programme).await?;
        let (country, period) = key_in(&facts.row, &facts.framework, key)?;
        let row = dtz_domain::access::ScopeRow { org: Some(key.org), country: Some(country), ..Default::default() };
        if !caller.scope(Area::Results).admits(&row) {
            return Err(ServiceError::NotFound);
        }
        let all = dtz_domain::access::Scope::all();
        let existing =
            values::find(&self.db, &all, facts.row.id, key.org, country.as_str(), &period.to_string()).await?;
        let stored = match &existing {
            Some(r) => values::values(&self.db, r.id).await?,
            None => Vec::new(),
        };
        prepare_in(caller, &facts, key, existing.as_ref(), &stored, input)
    }

    /// Write a prepared batch inside `tx`; returns the report and its audit event.
    pub async fn write_values(&self, tx: &mut Tx, caller: &Caller, p: &PreparedValues) -> Result<(Uuid, NewEvent)> {
        let now = self.clock.now();
        let report = self.open_report(tx, p.programme, p.org, &p.country, &p.period).await?;
        if !ReportStatus::parse(&report.status).is_some_and(ReportStatus::editable) {
            return Err(Invalid::new("status", FROZEN).into());
        }
        let by = caller.user().unwrap_or(UserId(Uuid::nil()));
        let items: Vec<(Uuid, &str, &Entry)> =
            p.rows.iter().map(|(ind, i)| (*ind, i.part.as_str(), &i.entry)).collect();
        let written = values::put_many(tx, report.id, &items, by, now).await?;
        Ok((report.id, saved_event(caller, p, report.id, report.version, written)))
    }

    async fn open_report(
        &self,
        tx: &mut Tx,
        programme: Uuid,
        org: OrgId,
        country: &str,
        period: &str,
    ) -> Result<ReportRow> {
        let all = dtz_domain::access::Scope::all();
        if let Some(r) = values::find(&self.db, &all, programme, org, country, period).await? {
            return Ok(r);
        }
        let id = Uuid::new_v4();
        values::insert(tx, id, programme, org, country, period, self.clock.now()).await.map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Busy,
            other => other.into(),
        })?;
        Ok(values::get_in(tx, id).await?)
    }

    /// Move a report along the approval path. Submitting is for the organisation's M&E
    /// officer; the country level for the country's coordinator (not for its own
    /// organisation's values: then the alliance M&E lead approves that level too); the
    /// alliance level, returns of country-approved reports and reopening for the
    /// alliance M&E lead, who cannot give both approvals alone.
    pub async fn act_on_report(
        &self,
        caller: &Caller,
        report: Uuid,
        base: i64,
        action: ReportAction,
        reason: Option<&str>,
    ) -> Result<ReportRow> {
        let r = values::get(&self.db, &caller.scope(Area::Results), report).await?;
        let status = ReportStatus::parse(&r.status).ok_or(ServiceError::NotFound)?;
        allowed(caller, &r, action)?;
        let reason = reason.map(str::trim).filter(|s| !s.is_empty());
        if action.needs_reason() && reason.is_none() {
            return Err(Invalid::new("reason", "Say why, so the organisation knows what to correct.").into());
        }
        let Some(next) = status.after(action) else {
            return Err(Invalid::new(
                "status",
                format!("A “{}” report cannot be “{}”.", status.as_str(), action.as_str()),
            )
            .into());
        };
        let mut tx = self.db.begin().await?;
        // Computed figures are refreshed once more in the submission itself, so what is
        // submitted (and later approved) is exactly what the records gave at that moment.
        let computed = match action {
            ReportAction::Submit => self.refresh_for_submit(&mut tx, caller, &r).await?,
            _ => None,
        };
        let kept_reason = if matches!(next, ReportStatus::Returned) { reason } else { None };
        let moved =
            values::set_status(&mut tx, r.id, base, next.as_str(), kept_reason, caller.user(), self.clock.now()).await;
        self.written(moved, r.id).await?;
        let mut events: Vec<NewEvent> = computed.into_iter().collect();
        events.push(NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: format!("report.{}", action.as_str()),
            entity: "report".into(),
            entity_id: Some(r.id),
            entity_version: Some(base + 1),
            fields: if kept_reason.is_some() {
                vec!["status".into(), "returned_reason".into()]
            } else {
                vec!["status".into()]
            },
            org: Some(OrgId(r.org_id)),
        });
        events.extend(self.tell(&mut tx, &r, next).await?);
        self.finish(tx, &events).await?;
        // Into or possibly out of the approved set (as `values::set_status` counts it).
        if !matches!(next, ReportStatus::Submitted | ReportStatus::CountryApproved) {
            self.rollups.changed();
        }
        Ok(values::get(&self.db, &dtz_domain::access::Scope::all(), r.id).await?)
    }

    /// Notify whoever acts next.
    async fn tell(&self, tx: &mut Tx, r: &ReportRow, next: ReportStatus) -> Result<Vec<NewEvent>> {
        let (role, org, kind) = match next {
            ReportStatus::Submitted => (Role::CountryCoordinator, None, NotificationKind::ApprovalPending),
            ReportStatus::CountryApproved => (Role::AllianceManager, None, NotificationKind::ApprovalPending),
            ReportStatus::Returned => (Role::MeOfficer, Some(OrgId(r.org_id)), NotificationKind::ValueReturned),
            ReportStatus::Draft | ReportStatus::Approved => return Ok(Vec::new()),
        };
        let country = (role != Role::AllianceManager).then_some(r.country.as_str());
        let people = users::holders(tx, role, org, country).await?;
        let link = format!("/results/reports/{}", r.id);
        let params = Params::new().id("report", r.id).code("period", &r.period).code("country", &r.country);
        let mut events = Vec::new();
        for u in people {
            events.push(self.notify(tx, u, kind, &link, &params).await?.event);
        }
        Ok(events)
    }
}

fn allowed(caller: &Caller, r: &ReportRow, action: ReportAction) -> Result<()> {
    let Some(a) = actor(caller) else { return Ok(()) };
    let org = OrgId(r.org_id);
    let coordinator = a
        .roles
        .iter()
        .any(|x| x.role == Role::CountryCoordinator && x.country.is_some_and(|c| c.as_str() == r.country));
    let manager = a.has_role(Role::AllianceManager);
    let ok = match action {
        ReportAction::Submit => may_enter(caller, org, &r.country),
        ReportAction::ApproveCountry => (coordinator && a.org != org) || manager,
        ReportAction::ApproveAlliance => manager && r.country_approved_by != Some(a.user.0),
        ReportAction::Return => coordinator || manager,
        ReportAction::Reopen => manager,
    };
    if ok { Ok(()) } else { Err(ServiceError::Forbidden) }
}

/// Where a report has a total and the parts of a breakdown, the parts (with "unknown")
/// must add up to the total: checked on the report as it will be after this batch.
fn check_parts_add_up(
    rows: &[(Uuid, &ValueInput)],
    stored: &[ValueRow],
    indicators: &[IndicatorRow],
    v: &mut Violations,
) {
    use dtz_domain::results::Measure;
    let mut state: std::collections::BTreeMap<(Uuid, String), Option<i64>> =
        stored.iter().map(|x| ((x.indicator_id, x.part.clone()), x.value)).collect();
    for (id, i) in rows {
        state.insert((*id, i.part.clone()), i.entry.value);
    }
    for ind in indicators.iter().filter(|i| i.indicator().measure == Measure::Count) {
        let Some(Some(total)) = state.get(&(ind.id, String::new())).copied() else { continue };
        let parts: Vec<(&str, i64)> = state
            .iter()
            .filter(|((id, part), _)| *id == ind.id && !part.is_empty())
            .filter_map(|((_, part), val)| Some((part.split('=').next()?, (*val)?)))
            .collect();
        let d = dtz_domain::results::rollup::derive_total(Some(total), &parts);
        if d.mismatch {
            let mut sums: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
            for (set, n) in &parts {
                *sums.entry(set).or_insert(0) += n;
            }
            let detail = sums
                .iter()
                .filter(|(_, n)| **n != total)
                .map(|(set, n)| format!("“{set}” {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let n = rows.iter().position(|(id, _)| *id == ind.id).unwrap_or(0);
            v.push(Invalid::new(
                format!("values[{n}]"),
                format!("“{}”: the breakdown adds up to {detail}, not the total {total}. Put what you cannot split under unknown.", ind.code),
            ));
        }
    }
}

impl Services {
    /// Every version of a value, oldest first, with who changed it (within scope).
    pub async fn value_history(
        &self,
        caller: &Caller,
        value: Uuid,
    ) -> Result<(ReportView, Vec<(values::HistoryRow, String)>)> {
        let report = values::report_of(&self.db, value).await?;
        let view = self.report_by_id(caller, report).await?;
        if !view.values.iter().any(|x| x.id == value) {
            return Err(ServiceError::NotFound);
        }
        let rows = values::history(&self.db, value).await?;
        let people = users::list(&self.db, &dtz_domain::access::Scope::all(), None).await?;
        Ok((
            view,
            rows.into_iter()
                .map(|h| {
                    let who = h
                        .changed_by
                        .and_then(|u| people.iter().find(|p| p.id == u))
                        .map(|p| p.name.clone())
                        .unwrap_or_default();
                    (h, who)
                })
                .collect(),
        ))
    }
}

/// The audit event of a batch written to `report` (at `version`): the indicator, with its
/// part, of each row `written` says changed.
fn saved_event(
    caller: &Caller,
    p: &PreparedValues,
    report: Uuid,
    version: i64,
    written: impl IntoIterator<Item = bool>,
) -> NewEvent {
    let changed = p
        .rows
        .iter()
        .zip(written)
        .filter(|(_, w)| *w)
        .map(|((_, i), _)| if i.part.is_empty() { i.indicator.clone() } else { format!("{}[{}]", i.indicator, i.part) })
        .collect();
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: "values.save".into(),
        entity: "report".into(),
        entity_id: Some(report),
        entity_version: Some(version),
        fields: changed,
        org: Some(p.org),
    }
}
