//! Baselines and targets of a programme: one grid per indicator of a goal, for one
//! country (and optionally one organisation), with a row per part of its breakdowns
//! when asked — filtered so the page stays small on a phone. Everyone signed in reads
//! them; the alliance M&E lead sets them for every country, a country coordinator for
//! its own. A save is all or nothing through `Services::save_goals`; every cell carries
//! the version and figure it showed, so only what this person changed is written, and a
//! cell someone else changed meanwhile makes it a 409 that names the cell.

mod form;

use super::admin::SelectOption;
use super::{Errors, Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::org::CountryCode;
use dtz_domain::results::{Indicator, Measure, Period, Programme, ResultNode, UNKNOWN};
use dtz_services::{ServiceError, Services};
use dtz_store::values::GoalRow;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Filters (in the query string, so a view can be bookmarked).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TargetsQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    goal: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    parts: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

/// One input.
struct Input {
    name: String,
    label: String,
    value: String,
}

/// One baseline or target: its inputs, and the version and figure it showed.
struct Cell {
    /// Base name (`t|CODE|PART|PERIOD` or `b|CODE`), also the id errors link to.
    name: String,
    inputs: Vec<Input>,
    seen: String,
    error: String,
}

struct PartRow {
    label: String,
    cells: Vec<Cell>,
}

/// A baseline: its year and figure, and the year it showed.
struct Baseline {
    year: Input,
    year_seen: String,
    cell: Cell,
}

struct Grid {
    code: String,
    title: String,
    measure: String,
    /// The baseline (whole-country view only).
    baseline: Option<Baseline>,
    rows: Vec<PartRow>,
    /// Descriptions have no targets.
    text: bool,
}

#[derive(Template)]
#[template(path = "results/targets.html")]
struct TargetsPage {
    page: Page,
    code: String,
    name: String,
    countries: Vec<SelectOption>,
    goals: Vec<SelectOption>,
    orgs: Vec<SelectOption>,
    parts: bool,
    country: String,
    goal: String,
    org: String,
    periods: Vec<String>,
    grids: Vec<Grid>,
    editable: bool,
    errors: Errors,
    notice: Option<String>,
}

/// The figure of a stored row as the inputs show it.
fn shown(g: Option<&GoalRow>, what: &str) -> String {
    let n = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
    match (g, what) {
        (Some(g), "value") => n(g.value),
        (Some(g), "num") => n(g.numerator),
        (Some(g), "den") => n(g.denominator),
        _ => String::new(),
    }
}

fn whats(m: Measure) -> &'static [&'static str] {
    if m == Measure::Percentage { &["num", "den"] } else { &["value"] }
}

/// `version:figures` of a stored row, what a cell remembers having shown.
fn seen_of(g: Option<&GoalRow>, m: Measure) -> String {
    let figures: Vec<String> = whats(m).iter().map(|w| shown(g, w)).collect();
    format!("{}:{}", g.map_or(0, |g| g.version), figures.join("/"))
}

/// What the grids of one page are drawn from.
struct Ctx<'a> {
    page: &'a Page,
    typed: Option<&'a BTreeMap<String, String>>,
    errors: &'a Errors,
    programme: &'a Programme,
    view: &'a View,
    periods: &'a [Period],
    ids: &'a std::collections::HashMap<Uuid, String>,
    baselines: &'a [GoalRow],
    targets: &'a [GoalRow],
}

impl Ctx<'_> {
    fn cell(&self, name: String, label: String, m: Measure, stored: Option<&GoalRow>) -> Cell {
        let typed = |k: &str| self.typed.map(|t| t.get(k).cloned().unwrap_or_default());
        let inputs = whats(m)
            .iter()
            .map(|w| {
                let key = format!("{name}|{w}");
                Input {
                    value: typed(&key).unwrap_or_else(|| shown(stored, w)),
                    label: format!("{label} — {}", self.page.tr.t(&format!("entry-{w}"))),
                    name: key,
                }
            })
            .collect();
        Cell {
            seen: typed(&format!("{name}|seen")).unwrap_or_else(|| seen_of(stored, m)),
            error: self.errors.get(&name).to_owned(),
            inputs,
            name,
        }
    }
}

impl Ctx<'_> {
    /// The grid of one indicator: a row per part, a cell per period, and its baseline.
    fn grid(&self, i: &Indicator) -> Grid {
        let (page, view) = (self.page, self.view);
        let id = self.ids.iter().find(|(_, v)| **v == i.code).map(|(k, _)| *k);
        let country = view.country.as_str();
        let target = |period: &str, part: &str| {
            self.targets.iter().find(|t| {
                Some(t.indicator_id) == id
                    && t.country == country
                    && t.org_id == view.org
                    && t.period == period
                    && t.part == part
            })
        };
        let mut parts = vec![(String::new(), page.tr.t("entry-total"))];
        if view.parts {
            parts.extend(parts_of(page, self.programme, i));
        }
        let rows = parts
            .into_iter()
            .map(|(part, label)| PartRow {
                cells: self
                    .periods
                    .iter()
                    .map(|per| {
                        let per = per.to_string();
                        let name = format!("t|{}|{part}|{per}", i.code);
                        self.cell(name, format!("{} {label} {per}", i.code), i.measure, target(&per, &part))
                    })
                    .collect(),
                label,
            })
            .collect();
        let baseline = view.org.is_none().then(|| {
            let b = self.baselines.iter().find(|b| Some(b.indicator_id) == id && b.country == country);
            let year_name = format!("b|{}|year", i.code);
            let stored_year = b.map(|b| b.period.clone()).unwrap_or_default();
            let typed_of = |k: &str| self.typed.map(|t| t.get(k).cloned().unwrap_or_default());
            Baseline {
                year_seen: typed_of(&format!("{year_name}-seen")).unwrap_or_else(|| stored_year.clone()),
                year: Input {
                    value: typed_of(&year_name).unwrap_or(stored_year),
                    label: page.tr.t("targets-baseline-year"),
                    name: year_name,
                },
                cell: self.cell(format!("b|{}", i.code), page.tr.t("targets-baseline"), i.measure, b),
            }
        });
        Grid {
            code: i.code.clone(),
            title: i.title.clone(),
            measure: page.tr.t(&format!("measure-{}", i.measure.as_str())),
            text: i.measure == Measure::Text,
            baseline,
            rows,
        }
    }
}

fn goal_indicators(goal: &ResultNode) -> Vec<&Indicator> {
    goal.walk().into_iter().flat_map(|n| n.indicators.iter()).collect()
}

/// The parts of an indicator's breakdowns: (`set=option`, label).
fn parts_of(page: &Page, p: &Programme, i: &Indicator) -> Vec<(String, String)> {
    i.disaggregations
        .iter()
        .filter_map(|d| p.disaggregations.iter().find(|s| &s.code == d))
        .flat_map(|s| {
            s.options
                .iter()
                .map(|o| (o.code.clone(), o.label.clone()))
                .chain(std::iter::once((UNKNOWN.to_owned(), page.tr.t("entry-unknown"))))
                .map(|(code, label)| (format!("{}={code}", s.code), format!("{}: {label}", s.title)))
                .collect::<Vec<_>>()
        })
        .collect()
}

struct View {
    country: CountryCode,
    goal: String,
    org: Option<Uuid>,
    parts: bool,
}

async fn targets_page(
    state: &AppState,
    user: &PageUser,
    code: &str,
    q: &TargetsQuery,
    typed: Option<&BTreeMap<String, String>>,
    errors: Errors,
) -> Result<TargetsPage, AppError> {
    let (row, p) = state.services.programme(code).await?;
    let page = Page::signed_in(state, user, "targets-title", "/results").await;
    let (view, orgs) = view(state, &p, q).await?;
    let (baselines, targets) = state.services.goals(code).await?;
    let ids = state.services.indicator_codes(code).await?;
    let periods = Period::between(p.periods, p.start, p.end);
    let goal = p.goals.iter().find(|g| g.code == view.goal).ok_or(AppError::NotFound)?;
    let ctx = Ctx {
        page: &page,
        typed,
        errors: &errors,
        programme: &p,
        view: &view,
        periods: &periods,
        ids: &ids,
        baselines: &baselines,
        targets: &targets,
    };
    let grids = goal_indicators(goal).into_iter().map(|i| ctx.grid(i)).collect();
    let cur = view.country.as_str().to_owned();
    let org = view.org.map(|o| o.to_string()).unwrap_or_default();
    let mut org_options = vec![SelectOption::new("", page.tr.t("targets-whole-country"), &org)];
    org_options.extend(orgs.iter().map(|(id, n)| SelectOption::new(id.to_string(), n.clone(), &org)));
    Ok(TargetsPage {
        countries: p.countries.iter().map(|c| SelectOption::new(c.country.as_str(), c.country.name(), &cur)).collect(),
        goals: p
            .goals
            .iter()
            .map(|g| SelectOption::new(g.code.clone(), format!("{} {}", g.code, g.title), &view.goal))
            .collect(),
        orgs: org_options,
        parts: view.parts,
        editable: Services::may_set_goals(&user.caller, view.country),
        periods: periods.iter().map(ToString::to_string).collect(),
        notice: q.saved.as_ref().map(|_| page.tr.t("targets-saved")),
        code: row.code,
        name: row.name,
        country: cur,
        goal: view.goal,
        org,
        grids,
        errors,
        page,
    })
}

/// The filters, checked against the programme, and the organisations of the country:
/// its implementers and any organisation that has targets there.
async fn view(state: &AppState, p: &Programme, q: &TargetsQuery) -> Result<(View, Vec<(Uuid, String)>), AppError> {
    let asked = CountryCode::parse("country", &q.country).ok();
    let country = asked
        .filter(|c| p.countries.iter().any(|pc| pc.country == *c))
        .or(p.countries.first().map(|pc| pc.country))
        .ok_or(AppError::NotFound)?;
    let goal = Some(q.goal.clone())
        .filter(|g| p.goals.iter().any(|x| &x.code == g))
        .or(p.goals.first().map(|g| g.code.clone()))
        .ok_or(AppError::NotFound)?;
    let all = state.services.orgs(&dtz_services::Caller::System).await?;
    let refs: Vec<&String> =
        p.countries.iter().filter(|pc| pc.country == country).flat_map(|pc| pc.implementers.iter()).collect();
    let (_, targets) = state.services.goals(&p.code).await?;
    let orgs: Vec<(Uuid, String)> = all
        .iter()
        .filter(|o| {
            refs.iter().any(|r| **r == o.name || o.iati_id.as_deref() == Some(r.as_str()))
                || targets.iter().any(|t| t.country == country.as_str() && t.org_id == Some(o.id))
        })
        .map(|o| (o.id, o.name.clone()))
        .collect();
    let org = q.org.parse::<Uuid>().ok().filter(|o| orgs.iter().any(|(id, _)| id == o));
    Ok((View { country, goal, org, parts: q.parts.is_some() }, orgs))
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<TargetsQuery>,
) -> Result<Response, AppError> {
    Ok(render(&targets_page(&state, &user, &code, &q, None, Errors::default()).await?))
}

async fn save(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    user.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let q = TargetsQuery {
        country: get("country"),
        goal: get("goal"),
        org: get("org"),
        parts: f.get("parts").cloned().filter(|p| !p.is_empty()),
        saved: None,
    };
    let (_, p) = state.services.programme(&code).await?;
    let (view, _) = view(&state, &p, &q).await?;
    if view.country.as_str() != q.country || !Services::may_set_goals(&user.caller, view.country) {
        return Err(AppError::Forbidden);
    }
    let errors = match form::changes(&p, &view, &f) {
        Err(errors) => errors,
        Ok((b, bn, t, tn)) => match state.services.save_goals(&user.caller, &code, &b, &t).await {
            Ok(()) => {
                let back = format!(
                    "/results/{code}/targets?country={}&goal={}&org={}{}&saved=1",
                    q.country,
                    super::urlencode(&q.goal),
                    q.org,
                    if view.parts { "&parts=on" } else { "" }
                );
                return Ok(Redirect::to(&back).into_response());
            }
            Err(ServiceError::Invalid(v)) => form::errors_of(v, &bn, &tn),
            Err(ServiceError::Stale { changed, .. }) => {
                let mut page = targets_page(&state, &user, &code, &q, None, Errors::default()).await?;
                page.notice = Some(page.page.tr.t1("targets-stale", "cells", changed.join(", ")));
                return Ok((StatusCode::CONFLICT, render(&page)).into_response());
            }
            Err(e) => return Err(e.into()),
        },
    };
    let page = targets_page(&state, &user, &code, &q, Some(&f), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/results/{code}/targets", get(show).post(save))
}
