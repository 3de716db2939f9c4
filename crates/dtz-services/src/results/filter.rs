//! Filters of the results pages and their downloads: a goal, a country, an organisation,
//! a period. They narrow the query (`dtz_store::filtered`) and the rollup (the periods
//! asked for, the indicators rolled up), never the rows of a finished table, so a page
//! and its download show the same figures.

use super::{Cells, Figures, IndicatorFigures, memo, point};
use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::{Grouping, Include, ValuePoint, rollup};
use dtz_domain::results::{Period, Programme, ResultNode};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::filtered::{self, PointFilter};
use dtz_store::programmes;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// What a results view is narrowed to; `None` keeps everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultsFilter {
    /// One strategic goal (by code): its indicators only.
    pub goal: Option<String>,
    /// One country.
    pub country: Option<CountryCode>,
    /// One reporting organisation.
    pub org: Option<OrgId>,
    /// One reporting period (a running total is taken at its end).
    pub period: Option<Period>,
}

impl ResultsFilter {
    /// Check the filter against the programme: a goal, a country and a period of its own.
    pub fn check(&self, p: &Programme) -> Result<(), Violations> {
        let mut v = Violations::default();
        if let Some(g) = &self.goal
            && !p.goals.iter().any(|n| &n.code == g)
        {
            v.push(Invalid::new("goal", format!("There is no goal “{g}” in this programme.")));
        }
        if let Some(c) = self.country
            && !p.countries.iter().any(|pc| pc.country == c)
        {
            v.push(Invalid::new("country", "The programme does not work in this country."));
        }
        if let Some(per) = self.period
            && !(per.kind == p.periods && per.end() >= p.start && per.start() <= p.end)
        {
            v.push(Invalid::new("period", "Choose a reporting period of the programme."));
        }
        v.into_result()
    }
}

/// Codes of the indicators of a node and everything under it.
fn indicator_codes<'a>(n: &'a ResultNode, out: &mut Vec<&'a str>) {
    out.extend(n.indicators.iter().map(|i| i.code.as_str()));
    for c in &n.children {
        indicator_codes(c, out);
    }
}

impl Services {
    /// The values of a programme narrowed by `filter` (in the query), rolled up once per
    /// grouping. With a goal, the framework and the indicators are that goal's only; with
    /// a period, the figures are that period's only.
    pub async fn figures_filtered(
        &self,
        caller: &Caller,
        code: &str,
        groupings: &[Grouping],
        pending: bool,
        filter: &ResultsFilter,
    ) -> Result<Vec<Figures>> {
        let (programme, mut framework) = self.programme(code).await?;
        filter.check(&framework)?;
        let with_pending = pending && Self::may_see_pending(caller);
        let include = if with_pending { Include::WithPending } else { Include::ApprovedOnly };
        let mut indicators = programmes::indicators(&self.db, programme.id).await?;
        let mut only = None;
        if let Some(g) = &filter.goal {
            framework.goals.retain(|n| &n.code == g);
            let mut codes = Vec::new();
            framework.goals.iter().for_each(|n| indicator_codes(n, &mut codes));
            indicators.retain(|i| codes.contains(&i.code.as_str()));
            only = Some(indicators.iter().map(|i| i.id).collect::<Vec<Uuid>>());
        }
        let periods = match filter.period {
            Some(p) => vec![p],
            None => Period::between(framework.periods, framework.start, framework.end),
        };
        let scope = caller.scope(Area::Results);
        // Every scope that admits everything gets the same answers (the alliance, donors,
        // the system): one key for all of them.
        let scope_key =
            if scope.is_all() { "all".to_owned() } else { serde_json::to_string(&scope).unwrap_or_default() };
        let key = |g: &Grouping| {
            (!with_pending).then(|| memo::Key {
                programme: programme.id,
                version: programme.version,
                generation: programme.approved_generation,
                scope: scope_key.clone(),
                question: format!("{g:?} {filter:?}"),
            })
        };
        let mut answers: Vec<Option<memo::Answer>> =
            groupings.iter().map(|g| key(g).and_then(|k| self.rollups.get(&k))).collect();
        if answers.iter().any(Option::is_none) {
            let narrowed = PointFilter {
                country: filter.country.map(|c| c.as_str().to_owned()),
                org: filter.org,
                up_to_period: filter.period.map(|p| p.to_string()),
                indicators: only,
            };
            let mut by_indicator: HashMap<Uuid, Vec<ValuePoint>> = HashMap::new();
            filtered::each_point(&self.db, &scope, programme.id, &narrowed, |r| {
                if let Some(p) = point(&r) {
                    by_indicator.entry(r.indicator_id).or_default().push(p);
                }
            })
            .await?;
            let empty = Vec::new();
            for (g, slot) in groupings.iter().zip(answers.iter_mut()).filter(|(_, a)| a.is_none()) {
                let a: memo::Answer = Arc::new(
                    indicators
                        .iter()
                        .map(|ind| {
                            let points = by_indicator.get(&ind.id).unwrap_or(&empty);
                            rollup(&ind.indicator(), points, include, *g, &periods)
                        })
                        .collect(),
                );
                if let Some(k) = key(g) {
                    self.rollups.put(k, a.clone());
                }
                *slot = Some(a);
            }
        }
        Ok(answers
            .into_iter()
            .flatten()
            .map(|cells| Figures {
                programme: programme.clone(),
                framework: framework.clone(),
                periods: periods.clone(),
                with_pending,
                indicators: indicators
                    .iter()
                    .take(cells.len())
                    .enumerate()
                    .map(|(n, ind)| IndicatorFigures { indicator: ind.clone(), cells: Cells::of(&cells, n) })
                    .collect(),
            })
            .collect())
    }
}
