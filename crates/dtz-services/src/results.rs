//! Figures: approved (and, for staff who ask, pending) values rolled up by the one
//! rollup function of `dtz_domain::results::rollup`, within the caller's scope.

use crate::{Caller, Result, Services};
use dtz_domain::access::{Area, Role};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::{Cell, Grouping, Part, ValuePoint};
use dtz_domain::results::{Period, Programme, ReportStatus};
use dtz_store::programmes::{IndicatorRow, ProgrammeRow};
use dtz_store::values::{self, PointRow};

mod country;
mod filter;
pub mod memo;
pub mod warm;
pub use country::{CountryFigures, ExpectedReports};
pub use filter::ResultsFilter;

/// One indicator's cells.
#[derive(Clone, Debug)]
pub struct IndicatorFigures {
    /// The indicator.
    pub indicator: IndicatorRow,
    /// Its cells.
    pub cells: Cells,
}

/// One indicator's cells of an answer, shared with the memo and every other reader of the
/// same answer rather than copied: 64 readers of a remembered rollup hold it once (issue 8,
/// memory under load). Reads as a slice of cells.
#[derive(Clone, Debug)]
pub struct Cells {
    answer: memo::Answer,
    at: usize,
}

impl Cells {
    /// The cells of indicator number `at` (framework order) of `answer`.
    pub fn of(answer: &memo::Answer, at: usize) -> Self {
        Self { answer: answer.clone(), at }
    }
}

impl std::ops::Deref for Cells {
    type Target = [Cell];
    fn deref(&self) -> &[Cell] {
        self.answer.get(self.at).map_or(&[], Vec::as_slice)
    }
}

impl<'a> IntoIterator for &'a Cells {
    type Item = &'a Cell;
    type IntoIter = std::slice::Iter<'a, Cell>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
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
        let mut all = self.figures_by(caller, code, &[grouping], pending, country).await?;
        all.pop().ok_or(crate::ServiceError::NotFound)
    }

    /// The same values rolled up once per grouping (a page showing countries and the
    /// alliance total), read from the database once.
    pub async fn figures_by(
        &self,
        caller: &Caller,
        code: &str,
        groupings: &[Grouping],
        pending: bool,
        country: Option<CountryCode>,
    ) -> Result<Vec<Figures>> {
        let filter = ResultsFilter { country, ..ResultsFilter::default() };
        self.figures_filtered(caller, code, groupings, pending, &filter).await
    }
}

/// One expected report of a period and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Country.
    pub country: CountryCode,
    /// Reporting organisation (the programme's implementer in that country).
    pub org: OrgId,
    /// Organisation name.
    pub org_name: String,
    /// Status, or `None` when nothing was started.
    pub status: Option<ReportStatus>,
    /// The report, when started.
    pub report: Option<uuid::Uuid>,
}

impl Services {
    /// Who has reported what for a period: every implementer of every country of the
    /// programme, within the caller's scope.
    pub async fn completeness(&self, caller: &Caller, code: &str, period: &Period) -> Result<Vec<Expected>> {
        let (row, p) = self.programme(code).await?;
        let orgs = self.orgs(&Caller::System).await?;
        let scope = caller.scope(Area::Results);
        let reports = values::list(&self.db, &scope, row.id, Some(&period.to_string())).await?;
        let mut out = Vec::new();
        for pc in &p.countries {
            for r in &pc.implementers {
                let Some(o) = orgs.iter().find(|o| &o.name == r || o.iati_id.as_deref() == Some(r.as_str())) else {
                    continue;
                };
                let at = dtz_domain::access::ScopeRow {
                    org: Some(OrgId(o.id)),
                    country: Some(pc.country),
                    ..Default::default()
                };
                if !scope.admits(&at) {
                    continue;
                }
                let rep = reports.iter().find(|x| x.org_id == o.id && x.country == pc.country.as_str());
                out.push(Expected {
                    country: pc.country,
                    org: OrgId(o.id),
                    org_name: o.name.clone(),
                    status: rep.and_then(|x| ReportStatus::parse(&x.status)),
                    report: rep.map(|x| x.id),
                });
            }
        }
        Ok(out)
    }
}
