//! The form to record an activity or change one: its fields and the reach grid (one
//! table per group, sex by age group, first-time and repeat participants in each cell;
//! the groups fold under `<details>` and open where there is something). A failed save
//! keeps what was typed and says what to fix beside each field.

use super::super::admin::SelectOption;
use super::super::{Errors, FieldError, Page, render};
use super::{label, reads_activities};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::activity::{ActivityFields, ActivityId, ActivityInput, AgeGroup, ReachGroup, ReachInput, Sex};
use dtz_domain::ids::OrgId;
use dtz_services::ServiceError;
use dtz_services::activities::ActivityOptions;
use std::collections::BTreeMap;

/// One cell of the reach grid: first-time and repeat inputs.
struct GridCell {
    first_name: String,
    first: String,
    repeat_name: String,
    repeat: String,
    label: String,
}

/// One group's table.
struct GroupGrid {
    code: &'static str,
    label: String,
    open: bool,
    rows: Vec<(String, Vec<GridCell>)>,
}

#[derive(Template)]
#[template(path = "activities/form.html")]
struct FormPage {
    page: Page,
    action: String,
    back: String,
    heading: String,
    editing: bool,
    version: i64,
    orgs: Vec<SelectOption>,
    org_name: String,
    countries: Vec<SelectOption>,
    goals: Vec<SelectOption>,
    types: Vec<SelectOption>,
    bases: Vec<SelectOption>,
    title: String,
    start: String,
    end: String,
    area: String,
    description: String,
    links: String,
    ages: Vec<String>,
    groups: Vec<GroupGrid>,
    errors: Errors,
}

fn cell_name(g: &str, s: &str, a: &str, what: &str) -> String {
    format!("r|{g}|{s}|{a}|{what}")
}

/// What the form shows: typed text, or an activity's fields.
#[derive(Default)]
struct Shown {
    org: String,
    country: String,
    goal: String,
    activity_type: String,
    basis: String,
    title: String,
    start: String,
    end: String,
    area: String,
    description: String,
    links: String,
    cells: BTreeMap<String, String>,
}

impl Shown {
    fn of(org: OrgId, f: &ActivityFields) -> Self {
        let mut cells = BTreeMap::new();
        for c in &f.reach {
            let (g, s, a) = (c.group.as_str(), c.sex.as_str(), c.age.as_str());
            cells.insert(cell_name(g, s, a, "first"), c.first_time.to_string());
            cells.insert(cell_name(g, s, a, "repeat"), c.repeat.to_string());
        }
        Self {
            org: org.to_string(),
            country: f.country.as_str().to_owned(),
            goal: f.goal.clone(),
            activity_type: f.activity_type.clone(),
            basis: f.basis.as_str().to_owned(),
            title: f.title.clone(),
            start: f.start.to_string(),
            end: if f.end == f.start { String::new() } else { f.end.to_string() },
            area: f.area.clone(),
            description: f.description.clone(),
            links: f.links.join("\n"),
            cells,
        }
    }

    fn typed(f: &BTreeMap<String, String>) -> Self {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        Self {
            org: get("org"),
            country: get("country"),
            goal: get("goal"),
            activity_type: get("activity_type"),
            basis: get("basis"),
            title: get("title"),
            start: get("start"),
            end: get("end"),
            area: get("area"),
            description: get("description"),
            links: get("links"),
            cells: f.iter().filter(|(k, _)| k.starts_with("r|")).map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }
}

/// The form's fields as input for the services.
fn input_of(f: &BTreeMap<String, String>) -> ActivityInput {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let mut cells: BTreeMap<(String, String, String), ReachInput> = BTreeMap::new();
    for (k, v) in f.iter().filter(|(k, v)| k.starts_with("r|") && !v.trim().is_empty()) {
        let parts: Vec<&str> = k.split('|').collect();
        let [_, g, s, a, what] = parts.as_slice() else { continue };
        let c = cells.entry(((*g).into(), (*s).into(), (*a).into())).or_insert_with(|| ReachInput {
            group: (*g).into(),
            sex: (*s).into(),
            age: (*a).into(),
            ..ReachInput::default()
        });
        match *what {
            "first" => c.first_time = v.clone(),
            "repeat" => c.repeat = v.clone(),
            _ => {}
        }
    }
    ActivityInput {
        goal: get("goal"),
        country: get("country"),
        activity_type: get("activity_type"),
        title: get("title"),
        start: get("start"),
        end: get("end"),
        area: get("area"),
        description: get("description"),
        links: get("links").lines().map(str::to_owned).collect(),
        basis: get("basis"),
        reach: cells.into_values().collect(),
    }
}

/// What the page needs besides the shown values.
struct Setup<'a> {
    code: &'a str,
    editing: Option<(ActivityId, i64, String)>,
}

fn build(
    page: Page,
    o: &ActivityOptions,
    orgs: Vec<(String, String)>,
    s: &Shown,
    setup: &Setup<'_>,
    errors: Errors,
) -> FormPage {
    let p = &o.framework;
    let countries =
        p.countries.iter().map(|c| SelectOption::new(c.country.as_str(), c.country.name(), &s.country)).collect();
    let goals =
        p.goals.iter().map(|g| SelectOption::new(g.code.clone(), format!("{} {}", g.code, g.title), &s.goal)).collect();
    let types = o
        .types
        .iter()
        .map(|t| SelectOption::new(t.row.code.clone(), t.label(page.tr.code()).to_owned(), &s.activity_type))
        .collect();
    let basis = if s.basis.is_empty() { "counted" } else { s.basis.as_str() };
    let bases = ["counted", "estimated"]
        .iter()
        .map(|b| SelectOption::new(*b, page.tr.t(&format!("activity-basis-{b}")), basis))
        .collect();
    let groups = grid(&page, s);
    let (action, back, heading, version, editing) = match &setup.editing {
        Some((id, v, _)) => (
            format!("/activities/{}/{id}/edit", setup.code),
            format!("/activities/{}/{id}", setup.code),
            page.tr.t("activity-edit"),
            *v,
            true,
        ),
        None => (
            format!("/activities/{}/new", setup.code),
            format!("/activities/{}", setup.code),
            page.tr.t("activities-new"),
            0,
            false,
        ),
    };
    FormPage {
        action,
        back,
        heading,
        editing,
        version,
        org_name: setup.editing.as_ref().map(|(_, _, n)| n.clone()).unwrap_or_default(),
        orgs: orgs.into_iter().map(|(id, name)| SelectOption::new(id, name, &s.org)).collect(),
        countries,
        goals,
        types,
        bases,
        title: s.title.clone(),
        start: s.start.clone(),
        end: s.end.clone(),
        area: s.area.clone(),
        description: s.description.clone(),
        links: s.links.clone(),
        ages: AgeGroup::ALL.iter().map(|a| label(&page, "age", a.as_str())).collect(),
        groups,
        errors,
        page,
    }
}

/// The reach grid: a table per group, sex by age group; children and groups with
/// figures open.
fn grid(page: &Page, s: &Shown) -> Vec<GroupGrid> {
    ReachGroup::ALL
        .iter()
        .map(|g| {
            let rows: Vec<(String, Vec<GridCell>)> = Sex::ALL
                .iter()
                .map(|sex| {
                    let cells = AgeGroup::ALL
                        .iter()
                        .map(|a| {
                            let (gs, ss, as_) = (g.as_str(), sex.as_str(), a.as_str());
                            let get = |w: &str| s.cells.get(&cell_name(gs, ss, as_, w)).cloned().unwrap_or_default();
                            GridCell {
                                first_name: cell_name(gs, ss, as_, "first"),
                                first: get("first"),
                                repeat_name: cell_name(gs, ss, as_, "repeat"),
                                repeat: get("repeat"),
                                label: format!(
                                    "{}, {}, {}",
                                    label(page, "group", gs),
                                    label(page, "sex", ss),
                                    label(page, "age", as_)
                                ),
                            }
                        })
                        .collect();
                    (label(page, "sex", sex.as_str()), cells)
                })
                .collect();
            let open = *g == ReachGroup::Children
                || rows.iter().flat_map(|(_, c)| c).any(|c| !c.first.trim().is_empty() || !c.repeat.trim().is_empty());
            GroupGrid { code: g.as_str(), label: label(page, "group", g.as_str()), open, rows }
        })
        .collect()
}

/// Organisations the caller records activities for: (id, name).
async fn my_orgs(state: &AppState, user: &PageUser) -> Result<Vec<(String, String)>, AppError> {
    let scopes = dtz_services::Services::activity_scopes(&user.caller);
    let orgs = state.services.orgs(&user.caller).await?;
    Ok(orgs
        .into_iter()
        .filter(|o| scopes.iter().any(|(so, _)| so.is_some_and(|s| s.0 == o.id)))
        .map(|o| (o.id.to_string(), o.name))
        .collect())
}

/// Field problems for the form: reach cells are shown at the grid.
fn form_errors(e: ServiceError) -> Result<Errors, AppError> {
    let errors = Errors::from_service(e)?;
    Ok(Errors(
        errors
            .0
            .into_iter()
            .map(|f| FieldError {
                field: if f.field.starts_with("reach[") { "reach".into() } else { f.field },
                message: f.message,
            })
            .collect(),
    ))
}

async fn new_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let orgs = my_orgs(&state, &user).await?;
    if orgs.is_empty() || !reads_activities(&user.caller) {
        return Err(AppError::NotFound);
    }
    let o = state.services.activity_options(&code).await?;
    let page = Page::signed_in(&state, &user, "activities-new", "/activities").await;
    let scopes = dtz_services::Services::activity_scopes(&user.caller);
    let country = scopes.iter().find_map(|(_, c)| *c).map(|c| c.as_str().to_owned()).unwrap_or_default();
    let shown = Shown { country, ..Shown::default() };
    Ok(render(&build(page, &o, orgs, &shown, &Setup { code: &code, editing: None }, Errors::default())))
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    user.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let org = OrgId(f.get("org").and_then(|o| o.parse().ok()).ok_or(AppError::NotFound)?);
    let id = ActivityId::new();
    match state.services.create_activity(&user.caller, &code, id, org, &input_of(&f)).await {
        Ok(a) => Ok(Redirect::to(&format!("/activities/{code}/{}", a.row.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let o = state.services.activity_options(&code).await?;
            let page = Page::signed_in(&state, &user, "activities-new", "/activities").await;
            let orgs = my_orgs(&state, &user).await?;
            let p = build(page, &o, orgs, &Shown::typed(&f), &Setup { code: &code, editing: None }, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

async fn edit_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = ActivityId(id.parse().map_err(|_| AppError::NotFound)?);
    let a = state.services.activity(&user.caller, id).await?;
    let o = state.services.activity_options(&code).await?;
    if a.row.programme_id != o.programme.id {
        return Err(AppError::NotFound);
    }
    if !dtz_services::activities::may_record(&user.caller, a.org(), &a.row.country) {
        return Err(AppError::Forbidden);
    }
    let page = Page::signed_in(&state, &user, "activity-edit", "/activities").await;
    let name = state.services.org(&user.caller, a.org()).await.map(|o| o.name).unwrap_or_default();
    let setup = Setup { code: &code, editing: Some((id, a.row.version, name)) };
    Ok(render(&build(page, &o, Vec::new(), &Shown::of(a.org(), &a.fields), &setup, Errors::default())))
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, id)): Path<(String, String)>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    user.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let id = ActivityId(id.parse().map_err(|_| AppError::NotFound)?);
    let base: i64 = f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let result = state.services.update_activity(&user.caller, id, base, &input_of(&f)).await;
    let errors = match result {
        Ok(a) => return Ok(Redirect::to(&format!("/activities/{code}/{}", a.row.id)).into_response()),
        Err(ServiceError::Stale { .. }) => {
            Errors(vec![FieldError { field: "title".into(), message: "activity-version-note".into() }])
        }
        Err(e) => form_errors(e)?,
    };
    let stale = errors.0.first().is_some_and(|e| e.message == "activity-version-note");
    let a = state.services.activity(&user.caller, id).await?;
    let o = state.services.activity_options(&code).await?;
    let page = Page::signed_in(&state, &user, "activity-edit", "/activities").await;
    let name = state.services.org(&user.caller, a.org()).await.map(|o| o.name).unwrap_or_default();
    let setup = Setup { code: &code, editing: Some((id, a.row.version, name)) };
    let (shown, errors, status) = if stale {
        let note = page.tr.t("activity-version-note");
        (
            Shown::of(a.org(), &a.fields),
            Errors(vec![FieldError { field: "title".into(), message: note }]),
            StatusCode::CONFLICT,
        )
    } else {
        (Shown::typed(&f), errors, StatusCode::UNPROCESSABLE_ENTITY)
    };
    Ok((status, render(&build(page, &o, Vec::new(), &shown, &setup, errors))).into_response())
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities/{code}/new", get(new_form).post(create))
        .route("/activities/{code}/{id}/edit", get(edit_form).post(update))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_grid_reads_back_into_reach_cells() {
        let f: std::collections::BTreeMap<String, String> = [
            ("r|children|female|12_17|first", "12"),
            ("r|children|female|12_17|repeat", "3"),
            ("r|parents|male|18_plus|first", ""),
            ("links", "https://a.example\r\n\r\nhttps://b.example"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let i = super::input_of(&f);
        assert_eq!(i.reach.len(), 1);
        assert_eq!((i.reach[0].first_time.as_str(), i.reach[0].repeat.as_str()), ("12", "3"));
        assert_eq!(i.links.iter().filter(|l| !l.trim().is_empty()).count(), 2);
    }
}
