//! Figures: approved (and, for staff who ask, pending) values rolled up by the one
//! rollup function of `dtz_domain::results::rollup`, within the caller's scope.

use crate::{Caller, Result, Services};
use dtz_domain::access::{Area, Role};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::{Cell, Grouping, Include, Part, ValuePoint, rollup};
use dtz_domain::results::{Period, Programme, ReportStatus};
use dtz_store::programmes::{self, IndicatorRow, ProgrammeRow};
use dtz_store::values::{self, PointRow};

/// One indicator's cells.
#[derive(Clone, Debug)]
pub struct IndicatorFigures {
    /// The indicator.
    pub indicator: IndicatorRow,
    /// Its cells.
    pub cells: Vec<Cell>,
}

/// Figures of a programme.
#[derive(Clone, Debug)]
pub struct Figures {
    /// The programme.
    pub programme: ProgrammeRow,
    /// Its framework.
    pub framework: Programme,
    /// Its reporting periods.
    pub periods: Vec<Period>,
    /// Whether pending values were included (and are marked in cells).
    pub with_pending: bool,
    /// Per indicator, in framework order.
    pub indicators: Vec<IndicatorFigures>,
}

/// Turn a stored value into a rollup point (values of unknown shape are skipped).
pub fn point(p: &PointRow) -> Option<ValuePoint> {
    let part = match p.part.split_once('=') {
        None if p.part.is_empty() => Part::Total,
        Some((set, option)) => Part::of(set, option),
        None => return None,
    };
    Some(ValuePoint {
        country: CountryCode::parse("country", &p.country).ok()?,
        org: OrgId(p.org_id),
        period: Period::parse("period", &p.period).ok()?,
        part,
        value: p.value,
        numerator: p.numerator,
        denominator: p.denominator,
        text: p.text_value.clone(),
        approved: p.status == ReportStatus::Approved.as_str(),
    })
}

impl Services {
    /// Whether the caller may see values that are not approved yet (staff, not donors).
    pub fn may_see_pending(caller: &Caller) -> bool {
        match caller {
            Caller::System => true,
            Caller::User(a) => a
                .roles
                .iter()
                .any(|r| matches!(r.role, Role::AllianceManager | Role::CountryCoordinator | Role::MeOfficer)),
        }
    }

    /// Every indicator of a programme rolled up with `grouping`, from one query.
    pub async fn figures(
        &self,
        caller: &Caller,
        code: &str,
        grouping: Grouping,
        pending: bool,
        country: Option<CountryCode>,
    ) -> Result<Figures> {
        let (programme, framework) = self.programme(code).await?;
        let with_pending = pending && Self::may_see_pending(caller);
        let include = if with_pending { Include::WithPending } else { Include::ApprovedOnly };
        let rows = values::points(&self.db, &caller.scope(Area::Results), programme.id).await?;
        let periods = Period::between(framework.periods, framework.start, framework.end);
        let indicators = programmes::indicators(&self.db, programme.id).await?;
        let figures = indicators
            .into_iter()
            .map(|ind| {
                let points: Vec<ValuePoint> = rows
                    .iter()
                    .filter(|r| r.indicator_id == ind.id)
                    .filter_map(point)
                    .filter(|p| country.is_none_or(|c| p.country == c))
                    .collect();
                let cells = rollup(&ind.indicator(), &points, include, grouping, &periods);
                IndicatorFigures { indicator: ind, cells }
            })
            .collect();
        Ok(Figures { programme, framework, periods, with_pending, indicators: figures })
    }
}
