//! One country of a programme: its figures per period and per organisation, its
//! baselines and targets, and (for staff) which of its reports are in. A handful of
//! queries, whatever the number of indicators, periods and partners.

use super::{Figures, ResultsFilter};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Grant, Scope};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::Grouping;
use dtz_domain::results::{Period, ReportStatus};
use dtz_store::filtered::{self, PointFilter};
use dtz_store::values::{self, GoalRow};
use uuid::Uuid;

/// One organisation's reports in the country, period by period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedReports {
    /// The organisation.
    pub org: OrgId,
    /// Its name.
    pub name: String,
    /// Whether the programme names it as an implementer in the country (else it reported
    /// without being expected).
    pub expected: bool,
    /// Per period of the programme: the report's status and id, when started.
    pub periods: Vec<(Period, Option<(ReportStatus, Uuid)>)>,
}

/// A country's page.
#[derive(Clone, Debug)]
pub struct CountryFigures {
    /// The country.
    pub country: CountryCode,
    /// The country's figures per period.
    pub totals: Figures,
    /// The same per organisation and period.
    pub by_org: Figures,
    /// Baselines in the country.
    pub baselines: Vec<GoalRow>,
    /// Targets in the country (for the whole country and per organisation).
    pub targets: Vec<GoalRow>,
    /// Names of organisations, by id.
    pub org_names: Vec<(OrgId, String)>,
    /// Reports of the country's organisations (staff only; empty for donors).
    pub completeness: Vec<ExpectedReports>,
}

/// Whether a scope can admit any row of the country at all (else the page is a 404,
/// like a country that does not exist).
fn reaches(scope: &Scope, country: CountryCode) -> bool {
    scope.grants().iter().any(|g| match g {
        Grant::All => true,
        Grant::Country(c) => *c == country,
        Grant::Org { country: limit, .. } => limit.is_none_or(|c| c == country),
        _ => false,
    })
}

impl Services {
    /// The figures, goals and reports of one country of a programme, within scope.
    pub async fn country_figures(
        &self,
        caller: &Caller,
        code: &str,
        country: &str,
        pending: bool,
    ) -> Result<CountryFigures> {
        let country = CountryCode::parse("country", country).map_err(|_| ServiceError::NotFound)?;
        let scope = caller.scope(Area::Results);
        if !reaches(&scope, country) {
            return Err(ServiceError::NotFound);
        }
        let by_period = Grouping { period: true, ..Grouping::default() };
        let by_org = Grouping { org: true, period: true, ..Grouping::default() };
        let filter = ResultsFilter { country: Some(country), ..ResultsFilter::default() };
        let mut figs = match self.figures_filtered(caller, code, &[by_period, by_org], pending, &filter).await {
            Err(ServiceError::Invalid(_)) => return Err(ServiceError::NotFound),
            other => other?,
        };
        let (by_org, totals) = (figs.pop().ok_or(ServiceError::NotFound)?, figs.pop().ok_or(ServiceError::NotFound)?);
        let id = totals.programme.id;
        let mine = |g: &GoalRow| g.country == country.as_str();
        let baselines = values::baselines(&self.db, id).await?.into_iter().filter(mine).collect();
        let targets = values::targets(&self.db, id).await?.into_iter().filter(mine).collect();
        let orgs = self.orgs(&Caller::System).await?;
        let org_names = orgs.iter().map(|o| (OrgId(o.id), o.name.clone())).collect();
        let completeness = if Self::may_see_pending(caller) {
            let narrowed = PointFilter { country: Some(country.as_str().to_owned()), ..PointFilter::default() };
            let reports = filtered::reports(&self.db, &scope, id, &narrowed).await?;
            let implementers: Vec<OrgId> = totals
                .framework
                .countries
                .iter()
                .filter(|pc| pc.country == country)
                .flat_map(|pc| pc.implementers.iter())
                .filter_map(|r| orgs.iter().find(|o| &o.name == r || o.iati_id.as_deref() == Some(r.as_str())))
                .map(|o| OrgId(o.id))
                .filter(|o| {
                    scope.admits(&dtz_domain::access::ScopeRow {
                        org: Some(*o),
                        country: Some(country),
                        ..Default::default()
                    })
                })
                .collect();
            let mut ids = implementers.clone();
            for r in &reports {
                if !ids.contains(&OrgId(r.org_id)) {
                    ids.push(OrgId(r.org_id));
                }
            }
            ids.into_iter()
                .map(|org| ExpectedReports {
                    org,
                    name: orgs.iter().find(|o| o.id == org.0).map(|o| o.name.clone()).unwrap_or_default(),
                    expected: implementers.contains(&org),
                    periods: totals
                        .periods
                        .iter()
                        .map(|p| {
                            let r = reports.iter().find(|r| r.org_id == org.0 && r.period == p.to_string());
                            (*p, r.and_then(|r| Some((ReportStatus::parse(&r.status)?, r.id))))
                        })
                        .collect(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(CountryFigures { country, totals, by_org, baselines, targets, org_names, completeness })
    }
}
