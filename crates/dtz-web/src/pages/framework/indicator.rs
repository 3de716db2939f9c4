//! The indicator form: edit one (its code and measure shown as fixed once something is
//! recorded against it), or add one under a node.

use super::{editor, find_node, form_errors, stale_notice, suggest};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::pages::admin::SelectOption;
use crate::pages::{Errors, FieldError, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dtz_domain::results::{Aggregation, Counts, FrameworkEdit, Indicator, Measure, Programme, Source};
use dtz_domain::validate::Invalid;
use dtz_services::ServiceError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The indicator form's fields, as typed.
#[derive(Clone, Debug, Default)]
pub struct IndicatorForm {
    csrf: String,
    version: i64,
    node: String,
    code: String,
    title: String,
    definition: String,
    verification: String,
    measure: String,
    aggregation: String,
    counts: String,
    direction: String,
    cumulative: bool,
    scale_max: String,
    references: String,
    source: String,
    computation: String,
    /// Category sets ticked (`dis_<code>` in the form).
    sets: Vec<String>,
}

impl IndicatorForm {
    fn from_map(f: &BTreeMap<String, String>) -> Self {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        Self {
            csrf: get("csrf"),
            version: get("version").trim().parse().unwrap_or(0),
            node: get("node"),
            code: get("code"),
            title: get("title"),
            definition: get("definition"),
            verification: get("verification"),
            measure: get("measure"),
            aggregation: get("aggregation"),
            counts: get("counts"),
            direction: get("direction"),
            cumulative: f.contains_key("cumulative"),
            scale_max: get("scale_max"),
            references: get("references"),
            source: get("source"),
            computation: get("computation"),
            sets: f.keys().filter_map(|k| k.strip_prefix("dis_")).map(str::to_owned).collect(),
        }
    }

    fn from_indicator(i: &Indicator, version: i64) -> Self {
        Self {
            version,
            code: i.code.clone(),
            title: i.title.clone(),
            definition: i.definition.clone(),
            verification: i.verification.clone(),
            measure: i.measure.as_str().into(),
            aggregation: i.aggregation.as_str().into(),
            counts: i.counts.as_str().into(),
            direction: if i.ascending { "ascending" } else { "descending" }.into(),
            cumulative: i.cumulative,
            scale_max: i.scale_max.map(|m| m.to_string()).unwrap_or_default(),
            references: i.references.join(", "),
            source: i.source.as_str().into(),
            computation: i.computation.clone().unwrap_or_default(),
            sets: i.disaggregations.clone(),
            ..Self::default()
        }
    }

    fn new_in(node: &str, code: String, version: i64) -> Self {
        Self {
            version,
            node: node.to_owned(),
            code,
            measure: "count".into(),
            aggregation: "sum".into(),
            counts: "persons".into(),
            direction: "ascending".into(),
            source: "manual".into(),
            ..Self::default()
        }
    }

    /// The indicator the form describes, or what is wrong with the fields that do not
    /// even parse (the rest is `Programme::check`'s, on save).
    fn parse(&self, p: &Programme) -> Result<Indicator, Errors> {
        let mut errors = Vec::new();
        let measure = field(&mut errors, Measure::parse("measure", &self.measure));
        let aggregation = field(&mut errors, Aggregation::parse("aggregation", &self.aggregation));
        let counts = field(&mut errors, Counts::parse("counts", &self.counts));
        let source = field(&mut errors, Source::parse("source", &self.source));
        let ascending = match self.direction.as_str() {
            "ascending" => Some(true),
            "descending" => Some(false),
            _ => field(&mut errors, Err(Invalid::new("direction", "Choose one of the options."))),
        };
        let scale_max = match (measure, self.scale_max.trim()) {
            (Some(Measure::Ordinal), s) if !s.is_empty() => {
                field(&mut errors, s.parse::<i64>().map_err(|_| Invalid::new("scale_max", "Enter only a number.")))
            }
            _ => None,
        };
        let (Some(measure), Some(aggregation), Some(counts), Some(source), Some(ascending)) =
            (measure, aggregation, counts, source, ascending)
        else {
            return Err(Errors(errors));
        };
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        Ok(Indicator {
            code: self.code.trim().to_owned(),
            title: self.title.trim().to_owned(),
            definition: self.definition.trim().to_owned(),
            measure,
            aggregation,
            cumulative: self.cumulative,
            counts,
            ascending,
            scale_max,
            disaggregations: p
                .disaggregations
                .iter()
                .filter(|s| self.sets.contains(&s.code))
                .map(|s| s.code.clone())
                .collect(),
            verification: self.verification.trim().to_owned(),
            references: self
                .references
                .split([',', '\n'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
            source,
            computation: Some(self.computation.trim().to_owned())
                .filter(|c| !c.is_empty() && source == Source::Computed),
        })
    }
}

/// The value of a field that parsed; a problem beside it when it did not.
fn field<T>(errors: &mut Vec<FieldError>, r: Result<T, Invalid>) -> Option<T> {
    r.map_err(|i| errors.push(FieldError { field: i.field, message: i.message })).ok()
}

/// A checkbox of a category set.
struct SetBox {
    name: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "results/framework_indicator.html")]
struct IndicatorPage {
    page: Page,
    programme: String,
    /// Editing this indicator (none: adding one).
    editing: Option<String>,
    heading: String,
    form: IndicatorForm,
    measures: Vec<SelectOption>,
    aggregations: Vec<SelectOption>,
    counts: Vec<SelectOption>,
    directions: Vec<SelectOption>,
    sources: Vec<SelectOption>,
    /// The computation picker.
    computations: Vec<SelectOption>,
    sets: Vec<SetBox>,
    /// Something is recorded against it: code and measure are fixed.
    fixed: bool,
    measure_label: String,
    errors: Errors,
    notice: Option<String>,
}

fn options(page: &Page, prefix: &str, values: &[&str], current: &str) -> Vec<SelectOption> {
    values.iter().map(|v| SelectOption::new(*v, page.tr.t(&format!("{prefix}-{v}")), current)).collect()
}

async fn indicator_page(
    state: &AppState,
    user: &PageUser,
    programme: &str,
    editing: Option<&str>,
    typed: Option<IndicatorForm>,
    errors: Errors,
) -> Result<IndicatorPage, AppError> {
    editor(user)?;
    let (row, p) = state.services.programme(programme).await?;
    let page = Page::signed_in(state, user, "framework-title", "/results").await;
    let (heading, fresh, fixed) = match editing {
        Some(c) => {
            let (_, i) = p.indicators().into_iter().find(|(_, i)| i.code == c).ok_or(AppError::NotFound)?;
            let fixed = state.services.recorded_indicators(programme).await?.contains(c);
            (format!("{c} — {}", page.tr.t("framework-edit")), IndicatorForm::from_indicator(i, row.version), fixed)
        }
        None => {
            let node = typed.as_ref().map_or("", |f| f.node.as_str());
            let n = find_node(&p.goals, node).ok_or(AppError::NotFound)?;
            let code = suggest(&p, &format!("{}.", n.code), n.indicators.len() + 1);
            (
                page.tr.t1("framework-new-indicator", "node", &n.code),
                IndicatorForm::new_in(node, code, row.version),
                false,
            )
        }
    };
    let form = match typed {
        Some(f) if editing.is_some() || !f.title.is_empty() || !errors.is_empty() => f,
        _ => fresh,
    };
    let m = ["count", "percentage", "yes_no", "ordinal", "text"];
    Ok(IndicatorPage {
        measures: options(&page, "measure", &m, &form.measure),
        aggregations: options(&page, "aggregation", &["sum", "ratio_of_sums", "latest", "none"], &form.aggregation),
        counts: options(&page, "counts", &["persons", "attendances"], &form.counts),
        directions: options(&page, "indicator", &["ascending", "descending"], &form.direction),
        sources: options(&page, "source", &["manual", "computed"], &form.source),
        computations: super::picker::options(state, &page, &form.computation).await?,
        sets: p
            .disaggregations
            .iter()
            .map(|s| SetBox {
                name: format!("dis_{}", s.code),
                label: format!("{}: {}", s.title, s.codes().join(", ")),
                checked: form.sets.contains(&s.code),
            })
            .collect(),
        measure_label: page.tr.t(&format!("measure-{}", form.measure)),
        programme: row.code,
        editing: editing.map(str::to_owned),
        heading,
        form,
        fixed,
        errors,
        notice: None,
        page,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    node: String,
}

async fn new(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let typed = IndicatorForm { node: q.node, ..IndicatorForm::default() };
    Ok(render(&indicator_page(&state, &user, &code, None, Some(typed), Errors::default()).await?))
}

async fn edit(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, indicator)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(render(&indicator_page(&state, &user, &code, Some(&indicator), None, Errors::default()).await?))
}

async fn save(
    state: &AppState,
    user: &PageUser,
    code: &str,
    editing: Option<&str>,
    f: IndicatorForm,
) -> Result<Response, AppError> {
    editor(user)?;
    user.check_csrf(&f.csrf)?;
    let (_, p) = state.services.programme(code).await?;
    let errors = match f.parse(&p) {
        Err(errors) => errors,
        Ok(indicator) => {
            let anchor = indicator.code.clone();
            let edit = match editing {
                Some(c) => FrameworkEdit::Indicator { code: c.to_owned(), indicator },
                None => FrameworkEdit::AddIndicator { node: f.node.trim().to_owned(), indicator },
            };
            match state.services.edit_framework(&user.caller, code, f.version, edit).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/results/{code}/framework?saved=1#{anchor}")).into_response());
                }
                Err(ServiceError::Stale { changed, .. }) => {
                    let mut page = indicator_page(state, user, code, editing, None, Errors::default()).await?;
                    page.notice = Some(stale_notice(&page.page, &changed));
                    return Ok((StatusCode::CONFLICT, render(&page)).into_response());
                }
                Err(e) => form_errors(e)?,
            }
        }
    };
    let page = indicator_page(state, user, code, editing, Some(f), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    save(&state, &user, &code, None, IndicatorForm::from_map(&f)).await
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, indicator)): Path<(String, String)>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    save(&state, &user, &code, Some(&indicator), IndicatorForm::from_map(&f)).await
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/framework/new-indicator", get(new).post(create))
        .route("/results/{code}/framework/indicators/{indicator}", get(edit).post(update))
}
