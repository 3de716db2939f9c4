//! The computation picker of the indicator form: every registered computation with
//! every value of its parameter (court stages: those configured in any country), as one
//! list that works without JavaScript. The value is what the framework file holds
//! (`policies.reaching:adopted`), so the page and `dtz programme load` save the same.

use crate::error::AppError;
use crate::pages::Page;
use crate::pages::admin::SelectOption;
use crate::state::AppState;
use dtz_domain::results::computed::{Computation, Param};

/// The label of a computation: its own, then its parameter's.
pub(crate) fn label(page: &Page, c: &Computation, court: &[(String, String)], services: &[(String, String)]) -> String {
    let own = page.tr.t(&format!("computation-{}", c.base().replace(['.', '_'], "-")));
    let Some(p) = c.param() else { return own };
    let param = match c.def().param {
        Param::None => p.to_owned(),
        Param::ReachGroup => page.tr.t(&format!("group-{p}")),
        Param::PolicyStage => page.tr.t(&format!("policy-stage-{p}")),
        Param::EngagementStage => page.tr.t(&format!("company-stage-{p}")),
        Param::CourtStage => court.iter().find(|(k, _)| k == p).map_or_else(|| p.to_owned(), |(_, l)| l.clone()),
        Param::ServiceType => services.iter().find(|(k, _)| k == p).map_or_else(|| p.to_owned(), |(_, l)| l.clone()),
    };
    format!("{own}: {param}")
}

/// The options of the picker, `current` selected (kept even when its parameter is no
/// longer offered, so saving the form does not change it unasked).
pub(crate) async fn options(state: &AppState, page: &Page, current: &str) -> Result<Vec<SelectOption>, AppError> {
    let court = terms(state, page, "court_stage").await?;
    let services = terms(state, page, "service_type").await?;
    let codes = |t: &[(String, String)]| t.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>();
    let mut choices = Computation::choices(&codes(&court), &codes(&services));
    if let Some(c) = Computation::parse(current).filter(|c| !choices.contains(c)) {
        choices.push(c);
    }
    let mut out = vec![SelectOption::new("", page.tr.t("computation-none"), current.trim())];
    let current = Computation::parse(current).map(|c| c.name()).unwrap_or_default();
    out.extend(choices.iter().map(|c| SelectOption::new(c.name(), label(page, c, &court, &services), &current)));
    Ok(out)
}

/// The active terms of a vocabulary as (code, label in the page's language), sorted.
async fn terms(state: &AppState, page: &Page, vocabulary: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut out: Vec<(String, String)> = state
        .services
        .terms(vocabulary)
        .await?
        .into_iter()
        .filter(|t| t.row.active)
        .map(|t| (t.row.code.clone(), t.label(page.tr.code()).to_owned()))
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}
