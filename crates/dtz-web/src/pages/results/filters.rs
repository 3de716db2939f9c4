//! The filters of the results pages: goal, country, organisation and period in the query
//! string (a view can be bookmarked), a plain GET form, and the same query on the
//! download links, so a download holds exactly the table on the screen.

use super::ResultsQuery;
use crate::error::AppError;
use crate::pages::Page;
use crate::pages::admin::SelectOption;
use crate::state::AppState;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::{Period, Programme};
use dtz_domain::validate::Invalid;
use dtz_services::Caller;
use dtz_services::results::ResultsFilter;

/// The filter a query string asks for; what cannot be read is a clear error.
pub fn filter_of(q: &ResultsQuery) -> Result<ResultsFilter, AppError> {
    let nonempty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let country = nonempty(&q.country).map(|c| CountryCode::parse("country", &c)).transpose()?;
    let org = nonempty(&q.org)
        .map(|o| o.parse().map(OrgId).map_err(|_| Invalid::new("org", "Choose an organisation from the list.")))
        .transpose()?;
    let period = nonempty(&q.period).map(|p| Period::parse("period", &p)).transpose()?;
    Ok(ResultsFilter { goal: nonempty(&q.goal), country, org, period })
}

/// The filter (and the pending choice) as a query string: `""` or `?country=BO&…`.
pub fn query_string(f: &ResultsFilter, pending: bool) -> String {
    let mut parts = Vec::new();
    if let Some(g) = &f.goal {
        parts.push(format!("goal={}", crate::pages::urlencode(g)));
    }
    if let Some(c) = f.country {
        parts.push(format!("country={c}"));
    }
    if let Some(o) = f.org {
        parts.push(format!("org={o}"));
    }
    if let Some(p) = f.period {
        parts.push(format!("period={p}"));
    }
    if pending {
        parts.push("pending=on".to_owned());
    }
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

/// The choices of the filter form.
pub struct FilterForm {
    /// Where the form goes (the page itself).
    pub action: String,
    /// Goals (empty: no goal filter on this page).
    pub goals: Vec<SelectOption>,
    /// Countries of the programme.
    pub countries: Vec<SelectOption>,
    /// Organisations that implement the programme.
    pub orgs: Vec<SelectOption>,
    /// Reporting periods.
    pub periods: Vec<SelectOption>,
    /// Whether the reader may include values not yet approved.
    pub may_see_pending: bool,
    /// Whether they are included.
    pub pending: bool,
}

/// The form for a page at `action`; `with_goal` for pages that list several goals.
pub async fn form(
    state: &AppState,
    page: &Page,
    p: &Programme,
    f: &ResultsFilter,
    caller: &Caller,
    pending: bool,
    (action, with_goal): (String, bool),
) -> Result<FilterForm, AppError> {
    let all =
        |key: &str, current: bool| SelectOption { value: String::new(), label: page.tr.t(key), selected: !current };
    let mut goals = vec![all("results-all-goals", f.goal.is_some())];
    let goal = f.goal.clone().unwrap_or_default();
    goals.extend(p.goals.iter().map(|g| SelectOption::new(g.code.clone(), format!("{} {}", g.code, g.title), &goal)));
    let mut countries = vec![all("results-all-countries", f.country.is_some())];
    let country = f.country.map(|c| c.as_str().to_owned()).unwrap_or_default();
    countries.extend(p.countries.iter().map(|c| SelectOption::new(c.country.as_str(), c.country.name(), &country)));
    let directory = state.services.orgs(&Caller::System).await?;
    let mut orgs: Vec<(String, String)> = p
        .countries
        .iter()
        .flat_map(|c| c.implementers.iter())
        .filter_map(|r| directory.iter().find(|o| &o.name == r || o.iati_id.as_deref() == Some(r.as_str())))
        .chain(directory.iter().filter(|o| f.org.is_some_and(|x| x.0 == o.id)))
        .map(|o| (o.name.clone(), o.id.to_string()))
        .collect();
    orgs.sort();
    orgs.dedup();
    let org = f.org.map(|o| o.to_string()).unwrap_or_default();
    let mut org_options = vec![all("results-all-orgs", f.org.is_some())];
    org_options.extend(orgs.into_iter().map(|(name, id)| SelectOption::new(id, name, &org)));
    let period = f.period.map(|x| x.to_string()).unwrap_or_default();
    let mut periods = vec![all("results-all-periods", f.period.is_some())];
    periods.extend(
        Period::between(p.periods, p.start, p.end)
            .iter()
            .map(|x| SelectOption::new(x.to_string(), x.to_string(), &period)),
    );
    Ok(FilterForm {
        action,
        goals: if with_goal { goals } else { Vec::new() },
        countries,
        orgs: org_options,
        periods,
        may_see_pending: dtz_services::Services::may_see_pending(caller),
        pending,
    })
}
