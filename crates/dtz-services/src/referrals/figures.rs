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

/// Exact counts over referral rows, before any disclosure: what the API's figures and
/// the monitoring page's referral section are both made of.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Counted {
    /// Referrals by status code.
    pub by_status: BTreeMap<String, u64>,
    /// Referrals that came to an end other than being cancelled.
    pub ended: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Children (distinct cases) in care now, by service type.
    pub in_care: BTreeMap<String, u64>,
    /// Per child: hours from the signal (or the case's opening) to its first service.
    pub first_service_hours: Vec<f64>,
}

impl Counted {
    pub(crate) fn of(rows: &[figures::FigureRow]) -> Self {
        let mut c = Counted::default();
        let mut in_care: BTreeMap<&str, BTreeSet<Uuid>> = BTreeMap::new();
        let mut first: BTreeMap<Uuid, f64> = BTreeMap::new();
        for r in rows {
            *c.by_status.entry(r.status.clone()).or_default() += 1;
            let status = ReferralStatus::from_code(&r.status).unwrap_or(ReferralStatus::Pending);
            if status.is_final() && status != ReferralStatus::Cancelled {
                c.ended += 1;
                c.completed += u64::from(status == ReferralStatus::Completed);
            }
            if status.in_care() {
                in_care.entry(r.service_type.as_str()).or_default().insert(r.case_id);
            }
            if let Some(f) = r.first_service_at {
                let hours = (f - r.started_at).whole_minutes().max(0) as f64 / 60.0;
                let e = first.entry(r.case_id).or_insert(hours);
                *e = e.min(hours);
            }
        }
        c.in_care = in_care.into_iter().map(|(t, cases)| (t.to_owned(), cases.len() as u64)).collect();
        c.first_service_hours = first.into_values().collect();
        c
    }
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
        let counted = Counted::of(&rows);
        let fig = |n: u64| if exact { Figure::Exact(n) } else { Figure::Disclosed(Disclosed::from_count(n, false)) };
        let enough = |n: u64| exact || n >= SUPPRESS_BELOW;
        let by_status = ReferralStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), fig(counted.by_status.get(s.as_str()).copied().unwrap_or(0))))
            .collect();
        let (ended, completed) = (counted.ended, counted.completed);
        // Neither the completed nor the other ended referrals may be a small count that
        // the rate would give away.
        let small = |n: u64| n > 0 && !enough(n);
        let completion_rate_percent = (ended > 0 && !small(ended) && !small(completed) && !small(ended - completed))
            .then(|| completed * 100 / ended);
        let mut hours = counted.first_service_hours.clone();
        hours.sort_by(f64::total_cmp);
        let median_hours_to_first_service =
            (!hours.is_empty() && enough(hours.len() as u64)).then(|| hours[hours.len() / 2].floor() as u64);
        let children_by_service =
            counted.in_care.iter().map(|(t, n)| ServiceCount { service_type: t.clone(), children: fig(*n) }).collect();
        Ok(ReferralFigures {
            exact,
            by_status,
            completion_rate_percent,
            median_hours_to_first_service,
            overdue_follow_ups: fig(u64::try_from(overdue).unwrap_or(0)),
            children_by_service,
        })
    }
}
