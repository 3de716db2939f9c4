//! Baselines and targets: per indicator × country (baselines), optionally × organisation
//! and × period (targets). The alliance M&E lead and system administrators set them for
//! every country; a country coordinator for its own country.

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Role;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::{Entry, Period};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::programmes;
use dtz_store::values::{self, GoalRow};

/// A baseline or target to set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalInput {
    /// Indicator code.
    pub indicator: String,
    /// Country code.
    pub country: String,
    /// Organisation (targets only).
    pub org: Option<OrgId>,
    /// Period of a target (`2016`), or year of a baseline.
    pub period: String,
    /// The figure.
    pub entry: Entry,
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

impl Services {
    /// Set baselines and targets, all or none.
    pub async fn save_goals(
        &self,
        caller: &Caller,
        code: &str,
        baselines: &[GoalInput],
        targets: &[GoalInput],
    ) -> Result<()> {
        let (row, p) = self.programme(code).await?;
        let indicators = programmes::indicators(&self.db, row.id).await?;
        let mut v = Violations::default();
        let mut rows = Vec::new();
        for (kind, list) in [("baselines", baselines), ("targets", targets)] {
            for (n, g) in list.iter().enumerate() {
                let field = format!("{kind}[{n}]");
                let Some(ind) = indicators.iter().find(|i| i.code == g.indicator) else {
                    v.push(Invalid::new(&field, format!("There is no indicator “{}” in this programme.", g.indicator)));
                    continue;
                };
                let country = match CountryCode::parse(&field, &g.country) {
                    Ok(c) if p.countries.iter().any(|pc| pc.country == c) => c,
                    _ => {
                        v.push(Invalid::new(&field, "Choose a country of the programme."));
                        continue;
                    }
                };
                if !may_set(caller, country) {
                    return Err(ServiceError::Forbidden);
                }
                v.check(g.entry.check(&field, &ind.indicator()));
                let period_ok = if kind == "targets" {
                    Period::parse(&field, &g.period)
                        .is_ok_and(|per| per.kind == p.periods && per.start() <= p.end && per.end() >= p.start)
                } else {
                    g.period.parse::<i32>().is_ok_and(|y| (1990..=p.end.year()).contains(&y))
                };
                if !period_ok {
                    v.push(Invalid::new(
                        &field,
                        if kind == "targets" {
                            "Choose a reporting period of the programme."
                        } else {
                            "Give the baseline's year."
                        },
                    ));
                }
                let goal = GoalRow {
                    indicator_id: ind.id,
                    country: country.as_str().to_owned(),
                    org_id: g.org.map(|o| o.0),
                    period: g.period.trim().to_owned(),
                    value: g.entry.value,
                    numerator: g.entry.numerator,
                    denominator: g.entry.denominator,
                };
                rows.push((kind, goal, format!("{}@{}/{}", g.indicator, country, g.period.trim())));
            }
        }
        v.into_result()?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for (kind, g, _) in &rows {
            if *kind == "targets" {
                values::put_target(&mut tx, g, now).await?;
            } else {
                values::put_baseline(&mut tx, g, g.period.parse().unwrap_or(0), now).await?;
            }
        }
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "goals.save".into(),
            entity: "programme".into(),
            entity_id: Some(row.id),
            entity_version: None,
            fields: rows.into_iter().map(|(k, _, f)| format!("{k}:{f}")).collect(),
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

    /// Baselines and targets of a programme.
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
