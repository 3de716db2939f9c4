//! Baselines and targets: per indicator × country (baselines), optionally × organisation,
//! × period and × part of a breakdown (targets). The alliance M&E lead and system
//! administrators set them for every country; a country coordinator for its own country.
//!
//! A save is all or nothing. Each figure may carry the version it was read at (0: "there
//! was none"); when one moved on since, nothing is written and the answer names it (409).
//! An empty figure clears a baseline or target; the row stays, without a figure, as its
//! tombstone.

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Role;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::report::check_part;
use dtz_domain::results::{Entry, Measure, Period, Programme};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::programmes::{self, IndicatorRow};
use dtz_store::values::{self, GoalRow};
use dtz_store::{StoreError, Tx};

/// A baseline or target to set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoalInput {
    /// Indicator code.
    pub indicator: String,
    /// Country code.
    pub country: String,
    /// Organisation (targets only).
    pub org: Option<OrgId>,
    /// Period of a target (`2016`), or year of a baseline.
    pub period: String,
    /// Part of a target: `""` for the total, `set=option` for one option of a breakdown.
    pub part: String,
    /// The figure; an empty one clears the baseline or target.
    pub entry: Entry,
    /// The version this figure was read at (0: none was stored); none: do not check.
    pub base_version: Option<i64>,
}

fn may_set(caller: &Caller, country: CountryCode) -> bool {
    match caller {
        Caller::System => true,
        Caller::User(a) => {
            a.is_system_admin()
                || a.has_role(Role::AllianceManager)
                || a.roles.iter().any(|r| r.role == Role::CountryCoordinator && r.country == Some(country))
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Baseline,
    Target,
}

/// One checked baseline or target, ready to write.
struct Checked {
    kind: Kind,
    row: GoalRow,
    base: Option<i64>,
    /// The name the audit and a 409 use: `targets:G1.O1.1@BO/2016`, with `/org` and
    /// `[sex=female]` when they apply.
    name: String,
}

fn check_one(
    kind: Kind,
    field: &str,
    g: &GoalInput,
    p: &Programme,
    ind: &IndicatorRow,
    orgs: &[dtz_store::orgs::OrgRow],
    v: &mut Violations,
) -> Option<GoalRow> {
    let def = ind.indicator();
    let country = match CountryCode::parse(field, &g.country) {
        Ok(c) if p.countries.iter().any(|pc| pc.country == c) => c,
        _ => {
            v.push(Invalid::new(field, "Choose a country of the programme."));
            return None;
        }
    };
    if def.measure == Measure::Text && !g.entry.is_empty() {
        v.push(Invalid::new(field, "A description has no baseline or target."));
    }
    v.check(g.entry.check(field, &def));
    let period = g.period.trim();
    match kind {
        Kind::Target => {
            let ok = Period::parse(field, period)
                .is_ok_and(|per| per.kind == p.periods && per.start() <= p.end && per.end() >= p.start);
            if !ok {
                v.push(Invalid::new(field, "Choose a reporting period of the programme."));
            }
            v.check(check_part(field, g.part.trim(), &def, &p.disaggregations));
            if let Some(o) = g.org
                && !orgs.iter().any(|x| x.id == o.0)
            {
                v.push(Invalid::new(field, "Choose an organisation from the list."));
            }
        }
        Kind::Baseline => {
            if !period.parse::<i32>().is_ok_and(|y| (1990..=p.end.year()).contains(&y)) {
                v.push(Invalid::new(field, "Give the baseline's year."));
            }
            if !g.part.trim().is_empty() || g.org.is_some() {
                v.push(Invalid::new(field, "A baseline is for a whole country and the total only."));
            }
        }
    }
    Some(GoalRow {
        indicator_id: ind.id,
        country: country.as_str().to_owned(),
        org_id: g.org.map(|o| o.0),
        period: period.to_owned(),
        part: g.part.trim().to_owned(),
        value: g.entry.value,
        numerator: g.entry.numerator,
        denominator: g.entry.denominator,
        version: 0,
    })
}

fn name_of(kind: Kind, code: &str, g: &GoalRow) -> String {
    let mut s =
        format!("{}:{code}@{}/{}", if kind == Kind::Target { "targets" } else { "baselines" }, g.country, g.period);
    if let Some(o) = g.org_id {
        s.push_str(&format!("/{o}"));
    }
    if !g.part.is_empty() {
        s.push_str(&format!("[{}]", g.part));
    }
    s
}

async fn stored(tx: &mut Tx, c: &Checked) -> Result<Option<GoalRow>> {
    Ok(match c.kind {
        Kind::Target => values::target_in(tx, &c.row).await?,
        Kind::Baseline => values::baseline_in(tx, &c.row).await?,
    })
}

/// What to write: every row that changes something, with the version stored now; a 409
/// naming every row someone else changed since its base version.
async fn plan<'a>(tx: &mut Tx, rows: &'a [Checked]) -> Result<Vec<(&'a Checked, i64)>> {
    let mut stale = Vec::new();
    let mut plan = Vec::new();
    for c in rows {
        let now_stored = stored(tx, c).await?;
        let version = now_stored.as_ref().map_or(0, |s| s.version);
        let is_set = now_stored.as_ref().is_some_and(GoalRow::is_set);
        let unchanged = match &now_stored {
            Some(s) => same(s, &c.row, c.kind),
            None => !c.row.is_set(),
        };
        if unchanged {
            continue;
        }
        if c.base.is_some_and(|b| !saw_current(b, version, is_set)) {
            stale.push(c.name.clone());
        } else {
            plan.push((c, version));
        }
    }
    if stale.is_empty() { Ok(plan) } else { Err(ServiceError::Stale { base: 0, current: 0, changed: stale }) }
}

/// Whether a figure read at version `base` is still what is stored: the same version,
/// or "there was none" while what is stored is cleared.
fn saw_current(base: i64, version: i64, is_set: bool) -> bool {
    base == version || (base == 0 && !is_set)
}

fn same(a: &GoalRow, b: &GoalRow, kind: Kind) -> bool {
    a.value == b.value
        && a.numerator == b.numerator
        && a.denominator == b.denominator
        && (kind == Kind::Target || a.period == b.period || !a.is_set())
}

impl Services {
    /// Whether the caller sets baselines and targets for a country.
    pub fn may_set_goals(caller: &Caller, country: CountryCode) -> bool {
        may_set(caller, country)
    }

    /// Set or clear baselines and targets, all or none: every problem is listed by
    /// position (`baselines[0]`, `targets[3]`); a figure changed by someone else since
    /// its `base_version` makes the whole save a 409 naming it.
    pub async fn save_goals(
        &self,
        caller: &Caller,
        code: &str,
        baselines: &[GoalInput],
        targets: &[GoalInput],
    ) -> Result<()> {
        let (row, p) = self.programme(code).await?;
        if row.imported() {
            return Err(crate::iati::imported_read_only().into());
        }
        let indicators = programmes::indicators(&self.db, row.id).await?;
        let orgs = self.orgs(&Caller::System).await?;
        let mut v = Violations::default();
        let mut rows = Vec::new();
        for (kind, list) in [(Kind::Baseline, baselines), (Kind::Target, targets)] {
            for (n, g) in list.iter().enumerate() {
                let field = format!("{}[{n}]", if kind == Kind::Target { "targets" } else { "baselines" });
                let Some(ind) = indicators.iter().find(|i| i.code == g.indicator) else {
                    v.push(Invalid::new(&field, format!("There is no indicator “{}” in this programme.", g.indicator)));
                    continue;
                };
                let Some(goal) = check_one(kind, &field, g, &p, ind, &orgs, &mut v) else { continue };
                let country = CountryCode::parse("country", &goal.country).map_err(ServiceError::from)?;
                if !may_set(caller, country) {
                    return Err(ServiceError::Forbidden);
                }
                rows.push(Checked { kind, name: name_of(kind, &ind.code, &goal), row: goal, base: g.base_version });
            }
        }
        v.into_result()?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let plan = plan(&mut tx, &rows).await?;
        if plan.is_empty() {
            return Ok(());
        }
        for (c, version) in &plan {
            let written = match c.kind {
                Kind::Target => values::put_target(&mut tx, &c.row, *version, now).await,
                Kind::Baseline => {
                    let year = c.row.period.parse().unwrap_or(0);
                    values::put_baseline(&mut tx, &c.row, year, *version, now).await
                }
            };
            match written {
                Ok(()) => {}
                Err(StoreError::Stale { .. } | StoreError::Duplicate(_)) => {
                    return Err(ServiceError::Stale { base: 0, current: 0, changed: vec![c.name.clone()] });
                }
                Err(e) => return Err(e.into()),
            }
        }
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "goals.save".into(),
            entity: "programme".into(),
            entity_id: Some(row.id),
            entity_version: None,
            fields: plan.iter().map(|(c, _)| c.name.clone()).collect(),
            org: None,
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }

    /// Indicator codes by id, for answers that name indicators.
    pub async fn indicator_codes(&self, code: &str) -> Result<std::collections::HashMap<uuid::Uuid, String>> {
        let (row, _) = self.programme(code).await?;
        Ok(programmes::indicators(&self.db, row.id).await?.into_iter().map(|i| (i.id, i.code)).collect())
    }

    /// Baselines and targets of a programme (every part; cleared ones left out).
    pub async fn goals(&self, code: &str) -> Result<(Vec<GoalRow>, Vec<GoalRow>)> {
        let (row, _) = self.programme(code).await?;
        Ok((values::baselines(&self.db, row.id).await?, values::targets(&self.db, row.id).await?))
    }
}

/// How long before a deadline the reminders go out.
pub const REMIND_DAYS_BEFORE: i64 = 7;

impl Services {
    /// Set the deadline of a reporting period (alliance M&E lead, administrators).
    pub async fn set_deadline(&self, caller: &Caller, code: &str, period: &str, due: time::Date) -> Result<()> {
        let allowed = match caller {
            Caller::System => true,
            Caller::User(a) => a.is_system_admin() || a.has_role(Role::AllianceManager),
        };
        if !allowed {
            return Err(ServiceError::Forbidden);
        }
        let (row, p) = self.programme(code).await?;
        let per = Period::parse("period", period)?;
        if per.kind != p.periods || per.start() > p.end || per.end() < p.start {
            return Err(Invalid::new("period", "Choose a reporting period of the programme.").into());
        }
        if due < per.end() {
            return Err(Invalid::new("due_date", "The deadline falls after the period ends.").into());
        }
        let mut tx = self.db.begin().await?;
        values::put_deadline(&mut tx, row.id, &per.to_string(), due, self.clock.now()).await?;
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "deadline.set".into(),
            entity: "programme".into(),
            entity_id: Some(row.id),
            entity_version: None,
            fields: vec![format!("deadline:{per}")],
            org: None,
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }

    /// Deadlines of a programme.
    pub async fn deadlines(&self, code: &str) -> Result<Vec<values::DeadlineRow>> {
        let (row, _) = self.programme(code).await?;
        Ok(values::deadlines(&self.db, Some(row.id)).await?)
    }

    /// Remind the M&E officers of every expected report not yet submitted, once per
    /// deadline, from `REMIND_DAYS_BEFORE` days before it. Returns how many were told.
    pub async fn send_deadline_reminders(&self) -> Result<usize> {
        let today = self.clock.now().date();
        let mut told = 0;
        let all_programmes = programmes::list(&self.db).await?;
        for d in values::deadlines(&self.db, None).await? {
            let due_soon = d.due_date - today <= time::Duration::days(REMIND_DAYS_BEFORE) && d.due_date >= today;
            if d.reminded_at.is_some() || !due_soon {
                continue;
            }
            let Some(prog) = all_programmes.iter().find(|p| p.id == d.programme_id) else { continue };
            let Ok(period) = Period::parse("period", &d.period) else { continue };
            let missing: Vec<_> = self
                .completeness(&Caller::System, &prog.code, &period)
                .await?
                .into_iter()
                .filter(|e| {
                    matches!(
                        e.status,
                        None | Some(
                            dtz_domain::results::ReportStatus::Draft | dtz_domain::results::ReportStatus::Returned
                        )
                    )
                })
                .collect();
            let mut tx = self.db.begin().await?;
            if !values::mark_reminded(&mut tx, d.id, self.clock.now()).await? {
                continue;
            }
            let mut events = Vec::new();
            for e in missing {
                for u in
                    dtz_store::users::holders(&mut tx, Role::MeOfficer, Some(e.org), Some(e.country.as_str())).await?
                {
                    let link =
                        format!("/results/{}/entry?org={}&country={}&period={}", prog.code, e.org, e.country, d.period);
                    let params =
                        dtz_domain::notify::Params::new().code("period", &d.period).code("country", e.country.as_str());
                    events.push(
                        self.notify(&mut tx, u, dtz_domain::notify::NotificationKind::DeadlineNear, &link, &params)
                            .await?
                            .event,
                    );
                    told += 1;
                }
            }
            self.finish(tx, &events).await?;
        }
        Ok(told)
    }
}
