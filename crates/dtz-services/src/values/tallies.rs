//! The services' answer to each [`Query`] of the computation registry: the records
//! counted per organisation × country × period (× sex × age group for cases), within a
//! scope, for the periods asked. Work records reuse `dtz_store::work::counts`; cases are
//! counted from their plaintext columns (sex, year of birth, date of opening) and never
//! opened. Counts are exact here: computations marked `disclosed` pass through
//! `Disclosed` before they are stored (`values::computed`).

use crate::{Caller, Result, Services};
use dtz_domain::access::Scope;
use dtz_domain::activity::{AgeGroup, Sex};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::Period;
use dtz_domain::results::computed::{At, Computation, Query, Rule, Tally, age_group};
use dtz_domain::work::company::{EngagementStage, MEETS_CODE};
use dtz_store::work::counts::{self as store, PlaceCount, Span};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

fn spans(periods: &[Period]) -> Vec<Span> {
    periods.iter().map(|p| Span { label: p.to_string(), start: p.start(), end: p.end() }).collect()
}

fn unsplit(rows: Vec<PlaceCount>) -> Vec<Tally> {
    rows.into_iter()
        .filter_map(|r| {
            let at = At {
                org: OrgId(r.org_id),
                country: CountryCode::parse("country", &r.country).ok()?,
                period: Period::parse("period", &r.period).ok()?,
            };
            Some(Tally { at, sex: Sex::Unknown, age: AgeGroup::Unknown, n: r.count })
        })
        .collect()
}

impl Services {
    /// The tallies of computation `c` (a [`Rule::Tally`]) in `periods` within `scope`.
    pub(crate) async fn tallies(&self, c: &Computation, scope: &Scope, periods: &[Period]) -> Result<Vec<Tally>> {
        let Rule::Tally(query) = c.def().rule else { return Ok(Vec::new()) };
        let (db, spans, param) = (&self.db, spans(periods), c.param().unwrap_or_default());
        let rows = match query {
            Query::PoliciesReaching => store::instruments_reaching(db, scope, param, &spans).await?,
            Query::CompaniesReaching => store::companies_reaching(db, scope, param, &spans).await?,
            Query::CompaniesAtStage => {
                store::companies_at_stage(db, scope, param, &EngagementStage::order(), &spans).await?
            }
            Query::CompaniesMeetingCode => self.meeting_code(scope, periods).await?,
            Query::ProsecutionsReaching => store::prosecutions_reaching(db, scope, param, &spans).await?,
            Query::ProsecutionsSupported => store::prosecutions_supported(db, scope, &spans).await?,
            Query::OutcomesHarvested => store::outcomes_observed(db, scope, false, &spans).await?,
            Query::OutcomesSubstantiated => store::outcomes_observed(db, scope, true, &spans).await?,
            Query::CasesOpened => return self.cases_opened(scope, periods).await,
            Query::ChildrenServed => return self.children_served(scope, periods, c.param()).await,
        };
        Ok(unsplit(rows))
    }

    /// Companies meeting at least four of The Code's criteria: The Code is reported per
    /// calendar year, so a period counts the year it ends in.
    pub(crate) async fn meeting_code(&self, scope: &Scope, periods: &[Period]) -> Result<Vec<PlaceCount>> {
        let years: Vec<i64> = periods.iter().map(|p| i64::from(p.end().year())).collect();
        let by_year = store::companies_meeting(&self.db, scope, MEETS_CODE as i64, &years).await?;
        Ok(periods
            .iter()
            .flat_map(|p| {
                let y = p.end().year().to_string();
                by_year
                    .iter()
                    .filter(move |r| r.period == y)
                    .map(move |r| PlaceCount { period: p.to_string(), ..r.clone() })
            })
            .collect())
    }

    /// Cases opened per period, by the child's sex and age group when the case opened.
    async fn cases_opened(&self, scope: &Scope, periods: &[Period]) -> Result<Vec<Tally>> {
        let (Some(from), Some(to)) = (periods.iter().map(|p| p.start()).min(), periods.iter().map(|p| p.end()).max())
        else {
            return Ok(Vec::new());
        };
        let rows = dtz_store::cases::opened::opened(&self.db, scope, from, to).await?;
        let mut out = Vec::new();
        for r in rows {
            let Ok(country) = CountryCode::parse("country", &r.country) else { continue };
            let sex = r.sex.as_deref().and_then(|s| Sex::parse("sex", s).ok()).unwrap_or(Sex::Unknown);
            let age = age_group(r.birth_year.and_then(|y| i32::try_from(y).ok()).map(|y| r.day.year() - y));
            for p in periods.iter().filter(|p| p.start() <= r.day && r.day <= p.end()) {
                let at = At { org: OrgId(r.org_id), country, period: *p };
                out.push(Tally { at, sex, age, n: r.n });
            }
        }
        Ok(out)
    }
}

impl Services {
    /// Children in a provider's care through a referral (to a service of type `service`,
    /// when given) during each period: each child once per period, however many
    /// referrals, by sex and age group at the period's end.
    async fn children_served(&self, scope: &Scope, periods: &[Period], service: Option<&str>) -> Result<Vec<Tally>> {
        let (Some(from), Some(to)) = (periods.iter().map(|p| p.start()).min(), periods.iter().map(|p| p.end()).max())
        else {
            return Ok(Vec::new());
        };
        let rows = dtz_store::referrals::served::served(&self.db, scope, from, to, service).await?;
        let mut children: BTreeMap<(OrgId, CountryCode, Period, Sex, AgeGroup), BTreeSet<uuid::Uuid>> = BTreeMap::new();
        for r in rows {
            let Ok(country) = CountryCode::parse("country", &r.country) else { continue };
            let sex = r.sex.as_deref().and_then(|s| Sex::parse("sex", s).ok()).unwrap_or(Sex::Unknown);
            let (began, ended) = (r.first_service_at.date(), r.ended_at.map(|e| e.date()));
            for p in periods.iter().filter(|p| began <= p.end() && ended.is_none_or(|e| e >= p.start())) {
                let age = age_group(r.birth_year.and_then(|y| i32::try_from(y).ok()).map(|y| p.end().year() - y));
                children.entry((OrgId(r.org_id), country, *p, sex, age)).or_default().insert(r.case_id);
            }
        }
        Ok(children
            .into_iter()
            .map(|((org, country, period, sex, age), cases)| Tally {
                at: At { org, country, period },
                sex,
                age,
                n: cases.len() as i64,
            })
            .collect())
    }
}

impl Services {
    /// After a change to work records or cases of `org` in `country` (committed), refresh
    /// the computed figures over them in the open reports of the periods holding `dates`,
    /// in every programme with such computations that has the country. The tally queries
    /// read through the pool, so this runs after the change's own transaction; a failure
    /// is logged and the submission's refresh still brings the figure.
    pub(crate) async fn refresh_after_records(&self, caller: &Caller, org: OrgId, country: &str, dates: &[Date]) {
        if let Err(e) = self.try_refresh_after_records(caller, org, country, dates).await {
            tracing::warn!(error = %e, "computed figures not refreshed after a change to records");
        }
    }

    async fn try_refresh_after_records(
        &self,
        caller: &Caller,
        org: OrgId,
        country: &str,
        dates: &[Date],
    ) -> Result<()> {
        for p in dtz_store::programmes::list(&self.db).await? {
            let mut ctx = self.compute_context(p.id).await?;
            ctx.indicators.retain(|(_, c)| matches!(c.def().rule, Rule::Tally(_)));
            let f = &ctx.framework;
            if ctx.indicators.is_empty() || !f.countries.iter().any(|c| c.country.as_str() == country) {
                continue;
            }
            let periods: BTreeSet<Period> = dates
                .iter()
                .filter(|d| f.start <= **d && **d <= f.end)
                .map(|d| Period::containing(f.periods, *d))
                .collect();
            let mut tx = self.db.begin().await?;
            let mut events = Vec::new();
            for period in periods {
                events.extend(self.refresh_computed(&mut tx, caller, &ctx, org, country, &period.to_string()).await?);
            }
            self.finish(tx, &events).await?;
        }
        Ok(())
    }
}

/// Days whose periods hold a calendar year's figures (The Code is per calendar year):
/// the first of every month, so quarters and half-years are all found.
pub(crate) fn days_of_year(year: i64) -> Vec<Date> {
    let Ok(y) = i32::try_from(year) else { return Vec::new() };
    (1u8..=12)
        .filter_map(|m| time::Month::try_from(m).ok())
        .filter_map(|m| Date::from_calendar_date(y, m, 1).ok())
        .collect()
}
