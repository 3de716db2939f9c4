//! Figures over the work records for computed indicators: one named count per
//! question, per organisation × country × period, within the caller's results scope.
//! Every figure is a [`Disclosed`]: figures drawn from prosecutions pass through
//! disclosure control (1–4 shown as "<5", omitted from IATI), the others are shown as
//! counted. A computed-indicator mechanism names one of these in the framework
//! (`computation = "policies_adopted"`…) and materialises the figures into a report.

use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_domain::disclosure::Disclosed;
use dtz_domain::results::Period;
use dtz_domain::work::company::EngagementStage;
use dtz_domain::work::policy::PolicyStage;
use dtz_store::work::counts::{self as store, PlaceCount, Span};
use uuid::Uuid;

/// What to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkCount {
    /// Policy instruments that reached a stage in the period ("policies adopted").
    InstrumentsReaching(PolicyStage),
    /// Companies that reached an engagement stage in the period ("signed a code").
    CompaniesReaching(EngagementStage),
    /// Companies that met at least four of The Code's six criteria in the year.
    CompaniesMeetingCode,
    /// Outcomes harvested (observed) in the period; substantiated ones only when set.
    OutcomesObserved {
        /// Count substantiated outcomes only.
        substantiated_only: bool,
    },
    /// Prosecutions opened in the period with legal aid or accompaniment (disclosed).
    ProsecutionsSupported,
}

impl WorkCount {
    /// The named computations, for a framework's `computation = "…"`.
    pub const NAMED: &'static [(&'static str, WorkCount)] = &[
        ("policies_adopted", WorkCount::InstrumentsReaching(PolicyStage::Adopted)),
        ("policies_funded", WorkCount::InstrumentsReaching(PolicyStage::Funded)),
        ("companies_signed_code", WorkCount::CompaniesReaching(EngagementStage::SignedCode)),
        ("companies_meeting_code", WorkCount::CompaniesMeetingCode),
        ("outcomes_harvested", WorkCount::OutcomesObserved { substantiated_only: false }),
        ("outcomes_substantiated", WorkCount::OutcomesObserved { substantiated_only: true }),
        ("prosecutions_supported", WorkCount::ProsecutionsSupported),
    ];

    /// The count a computation name stands for.
    pub fn named(name: &str) -> Option<WorkCount> {
        Self::NAMED.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }
}

/// One figure: organisation, country, period and the count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkFigure {
    /// Organisation.
    pub org: Uuid,
    /// Country.
    pub country: String,
    /// Period name.
    pub period: String,
    /// The count, disclosure-controlled where it comes from prosecutions.
    pub count: Disclosed,
}

fn spans(periods: &[Period]) -> Vec<Span> {
    periods.iter().map(|p| Span { label: p.to_string(), start: p.start(), end: p.end() }).collect()
}

impl Services {
    /// The figures of `what` for `periods`, per organisation and country, within the
    /// caller's results scope. Places with nothing to count have no figure (0).
    pub async fn work_counts(&self, caller: &Caller, what: WorkCount, periods: &[Period]) -> Result<Vec<WorkFigure>> {
        let scope = caller.scope(Area::Results);
        let spans = spans(periods);
        let rows: Vec<PlaceCount> = match what {
            WorkCount::InstrumentsReaching(s) => {
                store::instruments_reaching(&self.db, &scope, s.as_str(), &spans).await?
            }
            WorkCount::CompaniesReaching(s) => store::companies_reaching(&self.db, &scope, s.as_str(), &spans).await?,
            WorkCount::OutcomesObserved { substantiated_only } => {
                store::outcomes_observed(&self.db, &scope, substantiated_only, &spans).await?
            }
            WorkCount::ProsecutionsSupported => store::prosecutions_supported(&self.db, &scope, &spans).await?,
            WorkCount::CompaniesMeetingCode => self.meeting_code(&scope, periods).await?,
        };
        let disclose = what == WorkCount::ProsecutionsSupported;
        Ok(rows
            .into_iter()
            .map(|r| {
                let n = u64::try_from(r.count).unwrap_or(0);
                let count = if disclose { Disclosed::from_count(n, false) } else { Disclosed::Shown(n) };
                WorkFigure { org: r.org_id, country: r.country, period: r.period, count }
            })
            .collect())
    }
}
