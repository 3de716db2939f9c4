//! Pages of the work records: harvested outcomes (`/outcomes`), the policy tracker
//! (`/policy`), prosecutions (`/prosecutions`, with a disclosed summary for everyone
//! else) and companies with The Code (`/companies`). Lists filter by query string and are
//! paginated; each record has a page with its history (who changed which fields, when),
//! and a form of its own to create or change it. Stages share one form and one
//! confirmation page whatever the record (`stages`), files one download and removal
//! (`files`).

mod companies;
mod files;
mod outcomes;
mod policy;
mod prosecutions;
mod stages;
mod years;

use super::Page;
use super::admin::SelectOption;
use crate::auth::PageUser;
use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use dtz_domain::access::{Actor, Role};
use dtz_domain::org::CountryCode;
use dtz_services::Caller;
use dtz_services::work::HistoryLine;
use dtz_store::work::{PER_PAGE, Paging, Place};
use uuid::Uuid;

/// Routes of the work pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(outcomes::router())
        .merge(policy::router())
        .merge(prosecutions::router())
        .merge(companies::router())
        .merge(years::router())
        .merge(stages::router())
        .merge(files::router())
}

/// A line of a record's history as shown.
pub struct HistoryView {
    /// When.
    pub when: String,
    /// Who.
    pub who: String,
    /// What was done.
    pub what: String,
    /// Which fields.
    pub fields: String,
}

/// The history lines of a record in the reader's language.
pub fn history(page: &Page, lines: Vec<HistoryLine>) -> Vec<HistoryView> {
    lines
        .into_iter()
        .map(|l| {
            let verb = l.action.split('.').skip(1).collect::<Vec<_>>().join("-");
            HistoryView {
                when: page.tr.datetime(l.at),
                who: if l.who.is_empty() { page.tr.t("work-system") } else { l.who },
                what: page.tr.t(&format!("work-did-{verb}")),
                fields: l.fields.join(", "),
            }
        })
        .collect()
}

/// Paging links of a list.
pub struct Pager {
    /// Lines in all, as a number.
    pub total: i64,
    /// Link to the previous page.
    pub prev: Option<String>,
    /// Link to the next page.
    pub next: Option<String>,
}

/// The pager of a list at `path` with `query` (without `page`), on page `page`.
pub fn pager(path: &str, query: &[(&str, String)], page: i64, total: i64) -> Pager {
    let link = |p: i64| {
        let mut parts: Vec<String> =
            query.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", super::urlencode(v))).collect();
        parts.push(format!("page={p}"));
        format!("{path}?{}", parts.join("&"))
    };
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    Pager { total, prev: (page > 1).then(|| link(page - 1)), next: (page < pages).then(|| link(page + 1)) }
}

/// The common filters of a list, as typed in the query string.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct PlaceQuery {
    /// Country code.
    #[serde(default)]
    pub country: String,
    /// Organisation id.
    #[serde(default)]
    pub org: String,
    /// Page number.
    pub page: Option<i64>,
}

impl PlaceQuery {
    /// The filter; a value that cannot be read is a clear 422.
    pub fn place(&self) -> Result<Place, AppError> {
        let country = match self.country.trim() {
            "" => None,
            c => Some(CountryCode::parse("country", c)?.as_str().to_owned()),
        };
        let org = match self.org.trim() {
            "" => None,
            o => Some(
                o.parse::<Uuid>()
                    .map_err(|_| dtz_domain::validate::Invalid::new("org", "Choose an organisation from the list."))?,
            ),
        };
        Ok(Place { country, org })
    }

    /// The page asked for.
    pub fn paging(&self) -> Paging {
        Paging { page: self.page.unwrap_or(1).max(1), ..Paging::default() }
    }

    /// The filters as query pairs (for pager links).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![("country", self.country.trim().to_owned()), ("org", self.org.trim().to_owned())]
    }
}

/// An optional code filter: `""` is none.
pub fn code(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Options for a `<select>` with a first "all" option.
pub fn with_all(page: &Page, all_key: &str, current: &str, options: Vec<(String, String)>) -> Vec<SelectOption> {
    let mut out = vec![SelectOption::new("", page.tr.t(all_key), current)];
    out.extend(options.into_iter().map(|(v, l)| SelectOption::new(v, l, current)));
    out
}

/// Options for a `<select>` that must be chosen.
pub fn options(current: &str, options: Vec<(String, String)>) -> Vec<SelectOption> {
    options.into_iter().map(|(v, l)| SelectOption::new(v, l, current)).collect()
}

/// The countries records can be in, as (code, name).
pub async fn countries(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .services
        .work_countries()
        .await?
        .into_iter()
        .map(|c| {
            let name = CountryCode::parse("country", &c).map(|cc| cc.name()).unwrap_or_default();
            (c.clone(), if name.is_empty() { c } else { format!("{name} ({c})") })
        })
        .collect())
}

/// Organisations as (id, name): all of them for the filters, or only those the caller
/// records for (by `roles`; alliance-wide and country roles record for any).
pub async fn orgs(
    state: &AppState,
    user: &PageUser,
    recording: Option<&[Role]>,
) -> Result<Vec<(String, String)>, AppError> {
    let all = state.services.orgs(&user.caller).await?;
    let own: Option<Vec<Uuid>> = match (&user.caller, recording) {
        (Caller::User(a), Some(roles)) if !records_anywhere(a, roles) => {
            Some(a.roles.iter().filter(|r| roles.contains(&r.role)).filter_map(|r| r.org.map(|o| o.0)).collect())
        }
        _ => None,
    };
    Ok(all
        .into_iter()
        .filter(|o| own.as_ref().is_none_or(|ids| ids.contains(&o.id)))
        .map(|o| (o.id.to_string(), o.name))
        .collect())
}

fn records_anywhere(a: &Actor, roles: &[Role]) -> bool {
    a.roles
        .iter()
        .any(|r| roles.contains(&r.role) && matches!(r.role, Role::AllianceManager | Role::CountryCoordinator))
}

/// Organisation names by id, for lists.
pub async fn org_names(state: &AppState, user: &PageUser) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    Ok(state.services.orgs(&user.caller).await?.into_iter().map(|o| (o.id, o.name)).collect())
}

/// A country's name with its code.
pub fn country_name(code: &str) -> String {
    match CountryCode::parse("country", code) {
        Ok(c) => c.name().to_owned(),
        Err(_) => code.to_owned(),
    }
}

/// The roles that record outcomes, instruments and companies.
pub const RECORDERS: &[Role] = &[Role::MeOfficer, Role::CountryCoordinator, Role::AllianceManager];
/// The roles that record prosecutions.
pub const PROSECUTION_RECORDERS: &[Role] = &[Role::MeOfficer, Role::CaseSupervisor, Role::Caseworker];

/// A submitted form as name–value pairs, for forms with repeated names (checkboxes).
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The last value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().rev().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// A version field (0 when missing or unreadable, which the service treats as new).
    pub fn version(&self) -> i64 {
        self.get("version").trim().parse().unwrap_or(0)
    }
}

/// A checkbox of a list of choices.
pub struct Check {
    /// Submitted value.
    pub value: String,
    /// What people read.
    pub label: String,
    /// Ticked.
    pub checked: bool,
}

/// The ids among `values` that parse (ids that do not are not in any list, and the
/// service refuses what it cannot find).
pub fn ids(values: &[String]) -> Vec<Uuid> {
    values.iter().filter_map(|v| v.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use dtz_domain::work::company::{CompanyKind, Criterion, EngagementStage, Sector, Size};
    use dtz_domain::work::outcome::Verification;
    use dtz_domain::work::policy::{Level, PolicyStage};

    #[test]
    fn every_label_built_from_a_code_exists_in_every_language() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(Verification::ALL.iter().map(|v| format!("outcome-verification-{}", v.as_str())));
        keys.extend(Level::ALL.iter().map(|v| format!("policy-level-{}", v.as_str())));
        keys.extend(PolicyStage::ALL.iter().map(|v| format!("policy-stage-{}", v.as_str())));
        keys.extend(CompanyKind::ALL.iter().map(|v| format!("company-kind-{}", v.as_str())));
        keys.extend(Sector::ALL.iter().map(|v| format!("company-sector-{}", v.as_str())));
        keys.extend(Size::ALL.iter().map(|v| format!("company-size-{}", v.as_str())));
        keys.extend(EngagementStage::ALL.iter().map(|v| format!("company-stage-{}", v.as_str())));
        keys.extend(
            Criterion::ALL.iter().flat_map(|v| [format!("code-{}", v.as_str()), format!("code-{}-hint", v.as_str())]),
        );
        for verb in [
            "create",
            "update",
            "stage-record",
            "stage-correct",
            "stage-withdraw",
            "year-create",
            "year-update",
            "read",
        ] {
            keys.push(format!("work-did-{verb}"));
        }
        for (lang, _) in crate::i18n::staff_languages() {
            let tr = crate::i18n::Tr::new(lang);
            let missing: Vec<&String> = keys.iter().filter(|k| tr.t(k).starts_with("Unknown localization")).collect();
            assert!(missing.is_empty(), "{lang}: {missing:?}");
        }
    }
}
