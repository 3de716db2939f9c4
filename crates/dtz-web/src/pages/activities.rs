//! Activities on the pages: the list of a programme's activities with filters (country,
//! organisation, goal, type, period — in the query string, so a view can be bookmarked)
//! and its download in the columns the upload reads; the form to record or change one
//! with its reach grid; its page with evidence files; the upload of a spreadsheet.

mod detail;
mod form;
mod import;

pub(crate) use import::read_rows;

use super::admin::SelectOption;
use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_services::Caller;
use dtz_services::activities::{Activity, ActivityOptions, ActivityQuery, PAGE_SIZE};
use dtz_store::activities::ActivityRow;
use serde::Deserialize;

/// Filters of the list (and its downloads) in the query string.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    goal: String,
    #[serde(default, rename = "type")]
    activity_type: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    page: Option<i64>,
}

impl ListQuery {
    fn query(&self) -> Result<ActivityQuery, AppError> {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let org = some(&self.org)
            .map(|o| o.parse().map(OrgId).map_err(|_| Invalid::new("org", "Choose an organisation from the list.")))
            .transpose()?;
        Ok(ActivityQuery {
            country: some(&self.country),
            org,
            goal: some(&self.goal),
            activity_type: some(&self.activity_type),
            period: some(&self.period),
        })
    }

    /// The filters as a query string (`""` or `?country=BO&…`), without the page.
    fn string(&self) -> String {
        let parts: Vec<String> = [
            ("country", &self.country),
            ("org", &self.org),
            ("goal", &self.goal),
            ("type", &self.activity_type),
            ("period", &self.period),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", super::urlencode(v.trim())))
        .collect();
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }
}

/// Whether the caller may see activities at all (the navigation and the list).
pub fn reads_activities(caller: &Caller) -> bool {
    use dtz_domain::access::Role;
    match caller {
        Caller::System => true,
        Caller::User(a) => a.roles.iter().any(|r| {
            matches!(r.role, Role::MeOfficer | Role::CountryCoordinator | Role::AllianceManager | Role::CaseSupervisor)
        }),
    }
}

/// Labels people read for codes of the domain.
pub(crate) fn label(page: &Page, kind: &str, code: &str) -> String {
    page.tr.t(&format!("{kind}-{code}"))
}

async fn programmes(State(state): State<AppState>, user: PageUser) -> Result<Response, AppError> {
    if !reads_activities(&user.caller) {
        return Err(AppError::NotFound);
    }
    let list = state.services.programmes().await?;
    let first = list.first().ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/activities/{}", first.code)).into_response())
}

struct Line {
    id: String,
    title: String,
    dates: String,
    kind: String,
    org: String,
    country: String,
    goal: String,
    reached: String,
    estimated: bool,
}

#[derive(Template)]
#[template(path = "activities/list.html")]
struct ListPage {
    page: Page,
    code: String,
    lines: Vec<Line>,
    total: String,
    pages: String,
    previous: Option<String>,
    next: Option<String>,
    query: String,
    countries: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    goals: Vec<SelectOption>,
    types: Vec<SelectOption>,
    periods: Vec<SelectOption>,
    may_record: bool,
}

fn all(page: &Page, key: &str, current: &str) -> SelectOption {
    SelectOption { value: String::new(), label: page.tr.t(key), selected: current.trim().is_empty() }
}

/// The choices of the filter form.
async fn choices(
    state: &AppState,
    page: &Page,
    o: &ActivityOptions,
    q: &ListQuery,
) -> Result<[Vec<SelectOption>; 5], AppError> {
    let p = &o.framework;
    let mut countries = vec![all(page, "results-all-countries", &q.country)];
    countries.extend(p.countries.iter().map(|c| SelectOption::new(c.country.as_str(), c.country.name(), &q.country)));
    let directory = state.services.orgs(&Caller::System).await?;
    let mut names: Vec<(String, String)> = p
        .countries
        .iter()
        .flat_map(|c| c.implementers.iter())
        .filter_map(|r| directory.iter().find(|o| &o.name == r || o.iati_id.as_deref() == Some(r.as_str())))
        .map(|o| (o.name.clone(), o.id.to_string()))
        .collect();
    names.sort();
    names.dedup();
    let mut orgs = vec![all(page, "results-all-orgs", &q.org)];
    orgs.extend(names.into_iter().map(|(n, id)| SelectOption::new(id, n, &q.org)));
    let mut goals = vec![all(page, "results-all-goals", &q.goal)];
    goals.extend(p.goals.iter().map(|g| SelectOption::new(g.code.clone(), format!("{} {}", g.code, g.title), &q.goal)));
    let mut types = vec![all(page, "activities-all-types", &q.activity_type)];
    types.extend(
        o.types
            .iter()
            .map(|t| SelectOption::new(t.row.code.clone(), t.label(page.tr.code()).to_owned(), &q.activity_type)),
    );
    let mut periods = vec![all(page, "results-all-periods", &q.period)];
    periods.extend(
        dtz_domain::results::Period::between(p.periods, p.start, p.end)
            .iter()
            .map(|x| SelectOption::new(x.to_string(), x.to_string(), &q.period)),
    );
    Ok([countries, orgs, goals, types, periods])
}

fn line(page: &Page, o: &ActivityOptions, names: &[(uuid::Uuid, String)], r: &ActivityRow) -> Line {
    let dates = if r.start_date == r.end_date {
        page.tr.date(r.start_date)
    } else {
        format!("{} – {}", page.tr.date(r.start_date), page.tr.date(r.end_date))
    };
    Line {
        id: r.id.to_string(),
        title: r.title.clone(),
        dates,
        kind: o.type_label(&r.activity_type, page.tr.code()),
        org: names.iter().find(|(id, _)| *id == r.org_id).map(|(_, n)| n.clone()).unwrap_or_default(),
        country: dtz_domain::org::CountryCode::parse("c", &r.country).map(|c| c.name()).unwrap_or("").to_owned(),
        goal: r.goal.clone(),
        reached: page.tr.number(r.reached),
        estimated: r.basis == "estimated",
    }
}

async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if !reads_activities(&user.caller) {
        return Err(AppError::NotFound);
    }
    let current = q.page.unwrap_or(1).max(1);
    let found = state.services.activities(&user.caller, &code, &q.query()?, current).await?;
    let o = state.services.activity_options(&code).await?;
    let page = Page::signed_in(&state, &user, "activities-title", "/activities").await;
    let names: Vec<(uuid::Uuid, String)> =
        state.services.orgs(&Caller::System).await?.into_iter().map(|o| (o.id, o.name)).collect();
    let [countries, orgs, goals, types, periods] = choices(&state, &page, &o, &q).await?;
    let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let query = q.string();
    let link = |n: i64| {
        let sep = if query.is_empty() { "?" } else { "&" };
        format!("/activities/{code}{query}{sep}page={n}")
    };
    Ok(render(&ListPage {
        lines: found.rows.iter().map(|r| line(&page, &o, &names, r)).collect(),
        total: page.tr.t1("activities-count", "count", page.tr.number(found.total)),
        pages: page.tr.targs("activities-page", &[("page", current.to_string()), ("pages", pages.to_string())]),
        previous: (current > 1).then(|| link(current - 1)),
        next: (current < pages).then(|| link(current + 1)),
        may_record: !dtz_services::Services::activity_scopes(&user.caller).is_empty() && !user.caller.is_system_admin(),
        query,
        countries,
        orgs,
        goals,
        types,
        periods,
        code,
        page,
    }))
}

/// The rows of activities in the columns of the upload.
pub(crate) fn file_rows(code: &str, names: &[(uuid::Uuid, String)], list: &[Activity]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for a in list {
        let f = &a.fields;
        let org = names.iter().find(|(id, _)| *id == a.row.org_id).map(|(_, n)| n.clone()).unwrap_or_default();
        let head = vec![
            a.row.id.to_string(),
            code.to_owned(),
            org,
            f.country.as_str().to_owned(),
            f.goal.clone(),
            f.activity_type.clone(),
            f.title.clone(),
            f.start.to_string(),
            f.end.to_string(),
            f.area.clone(),
            f.description.clone(),
            f.links.join(" "),
            f.basis.as_str().to_owned(),
        ];
        let cells: Vec<Vec<String>> = if f.reach.is_empty() {
            vec![vec![String::new(); 6]]
        } else {
            f.reach
                .iter()
                .map(|c| {
                    vec![
                        c.group.as_str().to_owned(),
                        c.sex.as_str().to_owned(),
                        c.age.as_str().to_owned(),
                        c.first_time.to_string(),
                        c.repeat.to_string(),
                        c.total().to_string(),
                    ]
                })
                .collect()
        };
        for c in cells {
            let mut row = head.clone();
            row.extend(c);
            out.push(row);
        }
    }
    out
}

async fn download(
    state: &AppState,
    user: &PageUser,
    code: &str,
    q: &ListQuery,
    xlsx: bool,
) -> Result<Response, AppError> {
    if !reads_activities(&user.caller) {
        return Err(AppError::NotFound);
    }
    let list = state.services.activities_all(&user.caller, code, &q.query()?).await?;
    let names: Vec<(uuid::Uuid, String)> =
        state.services.orgs(&Caller::System).await?.into_iter().map(|o| (o.id, o.name)).collect();
    let table = dtz_formats::activities_file::table(&format!("Activities {code}"), &file_rows(code, &names, &list));
    let (bytes, kind, ext) = if xlsx {
        let b = dtz_formats::table::to_xlsx(&table).map_err(|e| AppError::internal(&e))?;
        (b, crate::sheets::XLSX, "xlsx")
    } else {
        (dtz_formats::table::to_csv(&table), "text/csv; charset=utf-8", "csv")
    };
    let disposition = format!(
        "attachment; filename=\"activities-{}.{ext}\"",
        code.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    Ok(([(header::CONTENT_TYPE, kind.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

async fn download_csv(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    download(&state, &user, &code, &q, false).await
}

async fn download_xlsx(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    download(&state, &user, &code, &q, true).await
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities", get(programmes))
        .route("/activities/{code}", get(list))
        .route("/activities/{code}/download.csv", get(download_csv))
        .route("/activities/{code}/download.xlsx", get(download_xlsx))
        .merge(form::router())
        .merge(detail::router())
        .merge(import::router())
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_of_activities_read_in_spanish() {
        let es = crate::i18n::Tr::new("es");
        for m in [
            "Choose a strategic goal of the programme.",
            "Choose a type of activity from the list.",
            "The activity starts outside the programme's dates.",
            "Enter a web address that starts with http:// or https://.",
            "Give at most 10 links.",
            "This group, sex and age group is given twice.",
            "Use children, young_people, parents, teachers, police, judiciary, business_staff or general_public.",
            "Use female, male or unknown.",
            "Use under_12, 12_17, 18_plus or unknown.",
            "Use counted or estimated.",
            "An activity with this id exists already.",
            "Give every row the activity it belongs to (its id or any key).",
            "This activity is also on an earlier row with another key.",
            "This id belongs to another organisation's or programme's activity.",
            "This differs from line 2, the activity's first row.",
            "You may not record activities for “Partner” in “BO”.",
            "This report is submitted or approved; its computed figures are frozen until it is returned or reopened.",
            "There is no computation “x”.",
            "A computed indicator is a count.",
            "Use a date such as 2016-03-31.",
            "Enter a whole number from 0 to 10000000.",
        ] {
            assert_ne!(es.message(m), m, "no Spanish for {m:?} ({})", crate::i18n::message_key(m).0);
        }
    }
}
