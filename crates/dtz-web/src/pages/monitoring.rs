//! `/monitoring` and `/monitoring/{country}`: progress monitoring per country and
//! organisation. The service decides who sees what (exact for case supervisors in their
//! scope, disclosed for everyone else allowed aggregates, 404 for the rest) and audits
//! the read; this page only renders the fixed tables.

use super::admin::SelectOption;
use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use dtz_domain::disclosure::Disclosed;
use dtz_domain::monitoring::ShownSection;
use dtz_services::monitoring::{MonitoringFilter, WINDOW_DAYS};
use serde::Deserialize;

/// `?org=`.
#[derive(Deserialize, Default)]
pub struct MonitoringQuery {
    #[serde(default)]
    org: String,
}

struct Cell {
    label: String,
    value: String,
}

struct ShownTable {
    title: String,
    rows: Vec<Cell>,
    total: Option<String>,
}

struct Section {
    title: String,
    tables: Vec<ShownTable>,
    durations: Vec<Cell>,
    rates: Vec<Cell>,
}

struct Link {
    href: String,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "monitoring/index.html")]
struct MonitoringPage {
    page: Page,
    heading: String,
    exact: bool,
    countries: Vec<Link>,
    orgs: Vec<SelectOption>,
    action: String,
    sections: Vec<Section>,
    window: String,
}

fn figure(tr: &Tr, d: Disclosed) -> String {
    match d {
        Disclosed::Shown(n) => tr.number(i64::try_from(n).unwrap_or(i64::MAX)),
        Disclosed::Suppressed => tr.t("monitoring-suppressed"),
    }
}

fn hours(tr: &Tr, h: f64) -> String {
    if h < 48.0 {
        tr.t1("monitoring-hours", "hours", format!("{h:.0}"))
    } else {
        tr.t1("monitoring-days", "days", format!("{:.0}", h / 24.0))
    }
}

fn section(tr: &Tr, s: &ShownSection) -> Section {
    let rates = s
        .rates
        .iter()
        .map(|r| Cell {
            label: tr.t(r.title),
            value: match r.percent {
                Some(p) => tr.targs("monitoring-rate", &[("percent", p.to_string()), ("count", figure(tr, r.whole))]),
                None => tr.t1("monitoring-rate-too-few", "count", figure(tr, r.whole)),
            },
        })
        .collect();
    Section {
        rates,
        title: tr.t(s.title),
        tables: s
            .tables
            .iter()
            .map(|t| ShownTable {
                title: tr.t(t.title),
                rows: t.rows.iter().map(|(l, v)| Cell { label: label(tr, l), value: figure(tr, *v) }).collect(),
                total: t.total.map(|v| figure(tr, v)),
            })
            .collect(),
        durations: s
            .durations
            .iter()
            .map(|d| Cell {
                label: tr.t(d.title),
                value: match d.median_p90 {
                    Some((m, p)) => tr.targs(
                        "monitoring-median-p90",
                        &[("median", hours(tr, m)), ("p90", hours(tr, p)), ("count", figure(tr, d.count))],
                    ),
                    None => tr.t1("monitoring-too-few", "count", figure(tr, d.count)),
                },
            })
            .collect(),
    }
}

async fn overview(
    state: AppState,
    user: PageUser,
    country: Option<String>,
    q: MonitoringQuery,
) -> Result<Response, AppError> {
    let org = q.org.parse::<uuid::Uuid>().ok();
    let f = MonitoringFilter { country: country.clone(), org };
    let figures = state.services.monitoring(&user.caller, &f).await?;
    let page = Page::signed_in(&state, &user, "monitoring-title", "/monitoring").await;
    let tr = page.tr.clone();
    let code = country.as_deref().map(str::to_ascii_uppercase);
    let name = |c: &str| dtz_domain::org::CountryCode::parse("c", c).map(|c| c.name()).unwrap_or_default().to_owned();
    let mut countries =
        vec![Link { href: "/monitoring".into(), label: tr.t("monitoring-all-countries"), current: code.is_none() }];
    for i in state.services.report_intakes().await? {
        let c = i.country.country;
        countries.push(Link {
            href: format!("/monitoring/{}", c.to_ascii_lowercase()),
            label: name(&c),
            current: code.as_deref() == Some(c.as_str()),
        });
    }
    let current = org.map(|o| o.to_string()).unwrap_or_default();
    let mut orgs = vec![SelectOption::new(String::new(), tr.t("monitoring-all-orgs"), &current)];
    for o in state.services.orgs(&user.caller).await? {
        if matches!(o.kind.as_str(), "alliance_member" | "local_partner") {
            orgs.push(SelectOption::new(o.id.to_string(), o.name, &current));
        }
    }
    let heading = match &code {
        Some(c) => tr.t1("monitoring-title-country", "country", name(c)),
        None => tr.t("monitoring-title"),
    };
    let action = code.map_or_else(|| "/monitoring".to_owned(), |c| format!("/monitoring/{}", c.to_ascii_lowercase()));
    let sections = figures.sections.iter().map(|s| section(&tr, s)).collect();
    let window = tr.t1("monitoring-window", "days", WINDOW_DAYS);
    Ok(render(&MonitoringPage { page, heading, exact: figures.exact, countries, orgs, action, sections, window }))
}

async fn all(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<MonitoringQuery>,
) -> Result<Response, AppError> {
    overview(state, user, None, q).await
}

async fn country(
    State(state): State<AppState>,
    user: PageUser,
    Path(country): Path<String>,
    Query(q): Query<MonitoringQuery>,
) -> Result<Response, AppError> {
    overview(state, user, Some(country), q).await
}

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/monitoring", get(all)).route("/monitoring/{country}", get(country))
}

/// A row's label: its message, or for a service type configured without one, its code.
fn label(tr: &Tr, key: &str) -> String {
    match key.strip_prefix(dtz_services::monitoring::SERVICE_LABEL) {
        Some(code) => tr.try_t(key).unwrap_or_else(|| code.replace('_', " ")),
        None => tr.t(key),
    }
}
