//! Referral figures for monitoring (issue 5.8): referrals by status, completion rate,
//! median time from signal to first service, overdue follow-ups, and children receiving
//! services by service type. Exact for a case supervisor of the organisation asked for
//! (over what their own scope admits); for anyone else every count is `Disclosed` and a
//! rate or median drawn from fewer than five children is left out.

use crate::{Caller, Result, Services};
use dtz_domain::access::{Area, Role, Scope};
use dtz_domain::disclosure::{Disclosed, SUPPRESS_BELOW};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::referral::ReferralStatus;
use dtz_store::referrals::figures;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// One count: exact (supervisors in scope) or disclosed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    /// The exact number.
    Exact(u64),
    /// After disclosure control (a number, or "<5").
    Disclosed(Disclosed),
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Figure::Exact(n) => write!(f, "{n}"),
            Figure::Disclosed(d) => d.fmt(f),
        }
    }
}

/// Children receiving one service type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceCount {
    /// Service type code.
    pub service_type: String,
    /// Children (distinct cases) accepted or in progress.
    pub children: Figure,
}

/// The figures for a country and/or organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReferralFigures {
    /// Counts are exact (the caller supervises the cases counted).
    pub exact: bool,
    /// Referrals by status (every status listed).
    pub by_status: BTreeMap<String, Figure>,
    /// Completed ÷ referrals that reached an end other than cancelled, in percent.
    pub completion_rate_percent: Option<u64>,
    /// Median hours from the signal (or the case's opening) to the first accepted referral.
    pub median_hours_to_first_service: Option<u64>,
    /// Planned follow-ups past their date.
    pub overdue_follow_ups: Figure,
    /// Children receiving services now, by service type.
    pub children_by_service: Vec<ServiceCount>,
}

/// Whether the caller gets exact figures for `org` (and `country`): a case supervisor of
/// that organisation (limited to that country when their role is).
fn exact_for(caller: &Caller, org: Option<Uuid>, country: Option<CountryCode>) -> bool {
    match caller {
        Caller::System => true,
        Caller::User(a) => a.roles.iter().any(|r| {
            r.role == Role::CaseSupervisor
                && org.is_some()
                && r.org.map(|o| o.0) == org
                && r.country.is_none_or(|c| Some(c) == country)
        }),
    }
}

impl Services {
    /// Referral figures for a country and/or an organisation.
    pub async fn referral_figures(
        &self,
        caller: &Caller,
        country: Option<CountryCode>,
        org: Option<OrgId>,
    ) -> Result<ReferralFigures> {
        let org = org.map(|o| o.0);
        let exact = exact_for(caller, org, country);
        let scope = if exact { caller.scope(Area::Cases) } else { Scope::all() };
        let code = country.map(|c| c.as_str().to_owned());
        let c = code.as_deref();
        let rows = figures::rows(&self.db, &scope, c, org).await?;
        let today = self.clock.now().date();
        let overdue = figures::overdue_follow_ups(&self.db, &scope, c, org, today).await?;
        let fig = |n: usize| {
            let n = n as u64;
            if exact { Figure::Exact(n) } else { Figure::Disclosed(Disclosed::from_count(n, false)) }
        };
        let enough = |n: usize| exact || n as u64 >= SUPPRESS_BELOW;
        let mut by_status = BTreeMap::new();
        for s in ReferralStatus::ALL {
            by_status.insert(s.as_str().to_owned(), fig(rows.iter().filter(|r| r.status == s.as_str()).count()));
        }
        let status = |r: &figures::FigureRow| ReferralStatus::from_code(&r.status).unwrap_or(ReferralStatus::Pending);
        let ended = rows.iter().filter(|r| status(r).is_final() && status(r) != ReferralStatus::Cancelled).count();
        let completed = rows.iter().filter(|r| status(r) == ReferralStatus::Completed).count();
        // Neither the completed nor the other ended referrals may be a small count that
        // the rate would give away.
        let small = |n: usize| n > 0 && !enough(n);
        let completion_rate_percent = (ended > 0 && !small(ended) && !small(completed) && !small(ended - completed))
            .then(|| (completed * 100 / ended) as u64);
        let mut first: BTreeMap<Uuid, (time::OffsetDateTime, time::OffsetDateTime)> = BTreeMap::new();
        for r in &rows {
            if let Some(f) = r.first_service_at {
                let e = first.entry(r.case_id).or_insert((f, r.started_at));
                e.0 = e.0.min(f);
            }
        }
        let mut hours: Vec<i64> = first.values().map(|(f, s)| (*f - *s).whole_hours().max(0)).collect();
        hours.sort_unstable();
        let median_hours_to_first_service =
            (!hours.is_empty() && enough(hours.len())).then(|| hours[hours.len() / 2] as u64);
        let mut by_type: BTreeMap<&str, BTreeSet<Uuid>> = BTreeMap::new();
        for r in rows.iter().filter(|r| status(r).in_care()) {
            by_type.entry(r.service_type.as_str()).or_default().insert(r.case_id);
        }
        let children_by_service = by_type
            .into_iter()
            .map(|(t, cases)| ServiceCount { service_type: t.to_owned(), children: fig(cases.len()) })
            .collect();
        Ok(ReferralFigures {
            exact,
            by_status,
            completion_rate_percent,
            median_hours_to_first_service,
            overdue_follow_ups: fig(usize::try_from(overdue).unwrap_or(0)),
            children_by_service,
        })
    }
}
