//! Filters of the results pages and their downloads: a goal, a country, an organisation,
//! a period. They narrow the query (`dtz_store::filtered`) and the rollup (the periods
//! asked for, the indicators rolled up), never the rows of a finished table, so a page
//! and its download show the same figures.

use super::{Cells, Figures, IndicatorFigures, memo};
use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::{Cell, Grouping, Include, Part, ValuePoint, rollup};
use dtz_domain::results::{Period, Programme, ReportStatus, ResultNode};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::filtered::{self, PointFilter};
use dtz_store::programmes;
use dtz_store::values::PointRow;
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

/// The parts and organisations met in one read of values, each once: a value keeps their
/// numbers.
#[derive(Default)]
struct Parts {
    numbers: HashMap<String, u32>,
    parts: Vec<Part>,
    org_numbers: HashMap<Uuid, u32>,
    orgs: Vec<Uuid>,
}

impl Parts {
    /// The number of a stored part (`""` or `set=option`); `None` for one of unknown shape.
    fn number(&mut self, stored: &str) -> Option<u32> {
        if let Some(&n) = self.numbers.get(stored) {
            return Some(n);
        }
        let part = match stored.split_once('=') {
            None if stored.is_empty() => Part::Total,
            Some((set, option)) => Part::of(set, option),
            None => return None,
        };
        let n = u32::try_from(self.parts.len()).ok()?;
        self.parts.push(part);
        self.numbers.insert(stored.to_owned(), n);
        Some(n)
    }

    /// The number of an organisation.
    fn org(&mut self, id: Uuid) -> Option<u32> {
        if let Some(&n) = self.org_numbers.get(&id) {
            return Some(n);
        }
        let n = u32::try_from(self.orgs.len()).ok()?;
        self.orgs.push(id);
        self.org_numbers.insert(id, n);
        Some(n)
    }
}

/// A value between the query and its indicator's rollup: the [`ValuePoint`] that
/// `results::point` makes of its row, packed (64 bytes, no string of its own but for a
/// text; its part and organisation are numbers in [`Parts`]), so that holding every value
/// of a programme at scale 100 costs a fraction of holding their points (issue 8, memory).
struct Compact {
    /// Value, numerator, denominator (0 when absent, see `present`).
    figures: [i64; 3],
    text: Option<Box<str>>,
    period: Period,
    part: u32,
    org: u32,
    country: CountryCode,
    /// Which of `figures` are present (bits 0, 1, 2).
    present: u8,
    approved: bool,
}

impl Compact {
    /// As `results::point` (values of unknown shape are skipped).
    fn of(r: &PointRow, parts: &mut Parts) -> Option<Self> {
        let country = CountryCode::parse("country", &r.country).ok()?;
        let period = Period::parse("period", &r.period).ok()?;
        let part = parts.number(&r.part)?;
        let org = parts.org(r.org_id)?;
        let all = [r.value, r.numerator, r.denominator];
        let present = all.iter().enumerate().fold(0u8, |bits, (n, f)| if f.is_some() { bits | 1 << n } else { bits });
        Some(Self {
            figures: all.map(|f| f.unwrap_or(0)),
            text: r.text_value.as_deref().map(Box::from),
            period,
            part,
            org,
            country,
            present,
            approved: r.status == ReportStatus::Approved.as_str(),
        })
    }

    fn point(self, parts: &Parts) -> ValuePoint {
        let figure = |n: usize| (self.present & 1 << n != 0).then_some(self.figures[n]);
        ValuePoint {
            country: self.country,
            org: OrgId(parts.orgs.get(self.org as usize).copied().unwrap_or_default()),
            period: self.period,
            part: parts.parts.get(self.part as usize).cloned().unwrap_or(Part::Total),
            value: figure(0),
            numerator: figure(1),
            denominator: figure(2),
            text: self.text.map(String::from),
            approved: self.approved,
        }
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
        // A miss of remembered figures waits for its turn and looks again: what another
        // reader computed meanwhile is not computed twice (`RollupMemo::turn`).
        let _turn = if !with_pending && answers.iter().any(Option::is_none) {
            let turn = self.rollups.turn(programme.id, &scope_key).await;
            answers = groupings.iter().map(|g| key(g).and_then(|k| self.rollups.get(&k))).collect();
            Some(turn)
        } else {
            None
        };
        if answers.iter().any(Option::is_none) {
            let narrowed = PointFilter {
                country: filter.country.map(|c| c.as_str().to_owned()),
                org: filter.org,
                up_to_period: filter.period.map(|p| p.to_string()),
                indicators: only,
            };
            // Kept compact until their indicator is rolled up (`Compact`): at scale 100 a
            // million values, read in the database's order, which the rollup keeps.
            let mut by_indicator: HashMap<Uuid, Vec<Compact>> = HashMap::new();
            let mut parts = Parts::default();
            filtered::each_point(&self.db, &scope, programme.id, &narrowed, |r| {
                if let Some(p) = Compact::of(&r, &mut parts) {
                    by_indicator.entry(r.indicator_id).or_default().push(p);
                }
            })
            .await?;
            // Indicator by indicator, every missing grouping at once, each indicator's
            // points dropped as soon as they are rolled up: the points (a million at scale
            // 100) and the answers are never both whole in memory (issue 8).
            let missing: Vec<usize> = (0..groupings.len()).filter(|&n| answers[n].is_none()).collect();
            let mut built: Vec<Vec<Vec<Cell>>> = missing.iter().map(|_| Vec::with_capacity(indicators.len())).collect();
            for ind in &indicators {
                let points: Vec<ValuePoint> =
                    by_indicator.remove(&ind.id).unwrap_or_default().into_iter().map(|c| c.point(&parts)).collect();
                let indicator = ind.indicator();
                for (n, cells) in missing.iter().zip(built.iter_mut()) {
                    cells.push(rollup(&indicator, &points, include, groupings[*n], &periods));
                }
            }
            drop(by_indicator);
            for (n, cells) in missing.into_iter().zip(built) {
                let a: memo::Answer = Arc::new(cells);
                if let Some(k) = key(&groupings[n]) {
                    self.rollups.put(k, a.clone());
                }
                answers[n] = Some(a);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(part: &str, country: &str, period: &str, text: Option<&str>, status: &str) -> PointRow {
        PointRow {
            indicator_id: Uuid::nil(),
            org_id: Uuid::from_u128(country.len() as u128 + period.len() as u128),
            country: country.into(),
            period: period.into(),
            status: status.into(),
            part: part.into(),
            value: (country != "IN").then_some(3),
            numerator: text.map(|_| -5),
            denominator: Some(4),
            text_value: text.map(str::to_owned),
        }
    }

    #[test]
    fn a_compact_value_gives_back_the_point_of_its_row() {
        let rows = [
            row("", "BO", "2020", None, "approved"),
            row("sex=female", "bo", "2021", Some("a text"), "submitted"),
            row("sex=female", "IN", "2020", None, "approved"),
            row("age=unknown", "IN", "2020", Some(""), "approved"),
            row("nonsense", "IN", "2020", None, "approved"),
            row("", "XX1", "2020", None, "approved"),
            row("", "BO", "twenty", None, "approved"),
        ];
        let mut parts = Parts::default();
        for r in &rows {
            let compact = Compact::of(r, &mut parts).map(|c| c.point(&parts));
            assert_eq!(compact, super::super::point(r), "{r:?}");
        }
        assert_eq!(parts.parts.len(), 3, "each part once");
        assert!(std::mem::size_of::<Compact>() <= 64, "{} bytes", std::mem::size_of::<Compact>());
    }
}
