//! Data entry: one form per organisation × country × period listing the programme's
//! indicators as a grid with their breakdowns, and the report page where coordinators
//! and the alliance approve or return. Everything works without JavaScript.

use super::admin::SelectOption;
use super::{Errors, FieldError, Page, render};
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
use dtz_domain::ids::OrgId;
use dtz_domain::results::{Entry, Measure, ReportAction, UNKNOWN};
use dtz_services::ServiceError;
use dtz_services::values::{ReportKey, ReportView, ValueInput};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One input of the grid.
struct Input {
    name: String,
    label: String,
    value: String,
}

/// One indicator of the grid.
struct GridRow {
    code: String,
    title: String,
    measure: &'static str,
    scale: Vec<i64>,
    total: Vec<Input>,
    parts: Vec<(String, Vec<Input>)>,
    comment: Input,
    error: String,
    evidence: Vec<super::evidence::EvidenceLine>,
}

#[derive(Template)]
#[template(path = "results/entry.html")]
struct EntryPage {
    page: Page,
    code: String,
    orgs: Vec<SelectOption>,
    countries: Vec<SelectOption>,
    periods: Vec<SelectOption>,
    org: String,
    country: String,
    period: String,
    status: String,
    reason: Option<String>,
    editable: bool,
    rows: Vec<GridRow>,
    errors: Errors,
    report_id: Option<Uuid>,
    /// Whether the reader may attach and remove evidence now.
    may_attach: bool,
    upload: super::evidence::UploadForm,
    /// Computed indicators, read-only: code, title, the figure in the report, and what
    /// the records give now when that differs.
    computed: Vec<(String, String, String, Option<String>)>,
}

/// The computed indicators of a report as read-only lines (their totals).
async fn computed_lines(
    state: &AppState,
    page: &Page,
    v: &ReportView,
) -> Result<Vec<(String, String, String, Option<String>)>, AppError> {
    let drift = state.services.computed_drift(v).await?;
    Ok(v.indicators
        .iter()
        .filter(|i| i.source == "computed")
        .map(|i| {
            let stored = v.values.iter().find(|x| x.indicator_id == i.id && x.part.is_empty()).and_then(|x| x.value);
            let now = drift.iter().find(|d| d.indicator == i.id && d.part.is_empty()).map(|d| page.tr.number(d.now));
            (i.code.clone(), i.title.clone(), stored.map(|n| page.tr.number(n)).unwrap_or_default(), now)
        })
        .collect())
}

#[derive(Deserialize, Default)]
pub struct EntryQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    period: String,
}

fn key_name(code: &str, part: &str, what: &str) -> String {
    format!("v|{code}|{part}|{what}")
}

fn shown(e: Option<&Entry>, what: &str) -> String {
    let n = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
    match (e, what) {
        (Some(e), "value") => n(e.value),
        (Some(e), "num") => n(e.numerator),
        (Some(e), "den") => n(e.denominator),
        (Some(e), "text") => e.text.clone().unwrap_or_default(),
        (Some(e), "comment") => e.comment.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

fn grid(
    page: &Page,
    v: &ReportView,
    typed: Option<&BTreeMap<String, String>>,
    errors: &Errors,
    evidence: &[dtz_services::values::Evidence],
) -> Vec<GridRow> {
    let stored: BTreeMap<(Uuid, String), Entry> =
        v.values.iter().map(|x| ((x.indicator_id, x.part.clone()), x.entry())).collect();
    let value_of = |id: Uuid, code: &str, part: &str, what: &str| match typed {
        Some(t) => t.get(&key_name(code, part, what)).cloned().unwrap_or_default(),
        None => shown(stored.get(&(id, part.to_owned())), what),
    };
    let mut rows = Vec::new();
    for ind in v.indicators.iter().filter(|i| i.source == "manual") {
        let def = ind.indicator();
        let whats: &[&str] = match def.measure {
            Measure::Percentage => &["num", "den"],
            Measure::Text => &["text"],
            _ => &["value"],
        };
        let inputs = |part: &str| -> Vec<Input> {
            whats
                .iter()
                .map(|w| Input {
                    name: key_name(&def.code, part, w),
                    label: page.tr.t(&format!("entry-{w}")),
                    value: value_of(ind.id, &def.code, part, w),
                })
                .collect()
        };
        let mut parts = Vec::new();
        for set in def.disaggregations.iter().filter_map(|d| v.framework.disaggregations.iter().find(|s| &s.code == d))
        {
            for option in set
                .options
                .iter()
                .map(|o| (o.code.clone(), o.label.clone()))
                .chain(std::iter::once((UNKNOWN.to_owned(), page.tr.t("entry-unknown"))))
            {
                parts.push((format!("{}: {}", set.title, option.1), inputs(&format!("{}={}", set.code, option.0))));
            }
        }
        rows.push(GridRow {
            measure: def.measure.as_str(),
            scale: (1..=def.scale_max.unwrap_or(0)).collect(),
            total: inputs(""),
            parts,
            comment: Input {
                name: key_name(&def.code, "", "comment"),
                label: page.tr.t("entry-comment"),
                value: value_of(ind.id, &def.code, "", "comment"),
            },
            error: errors.get(&def.code).to_owned(),
            evidence: evidence
                .iter()
                .filter(|e| e.indicator == ind.id)
                .map(|e| super::evidence::EvidenceLine::of(page, e))
                .collect(),
            code: def.code.clone(),
            title: def.title.clone(),
        });
    }
    rows
}

/// Read the grid back into entries; empty cells are left out (they remove a value).
fn read_grid(v: &ReportView, f: &BTreeMap<String, String>) -> Result<Vec<ValueInput>, Errors> {
    let mut by_key: BTreeMap<(String, String), Entry> = BTreeMap::new();
    let mut errors = Vec::new();
    for (k, raw) in f.iter().filter(|(k, _)| k.starts_with("v|")) {
        let mut it = k.splitn(4, '|').skip(1);
        let (Some(code), Some(part), Some(what)) = (it.next(), it.next(), it.next()) else { continue };
        let raw = raw.trim();
        let e = by_key.entry((code.to_owned(), part.to_owned())).or_default();
        let num = |field: &mut Option<i64>, errors: &mut Vec<FieldError>| match raw
            .replace([',', '.', ' '], "")
            .parse::<i64>()
        {
            _ if raw.is_empty() => {}
            Ok(n) => *field = Some(n),
            Err(_) => errors.push(FieldError {
                field: code.to_owned(),
                message: format!("“{code}”: “{raw}” is not a whole number."),
            }),
        };
        match what {
            "value" => num(&mut e.value, &mut errors),
            "num" => num(&mut e.numerator, &mut errors),
            "den" => num(&mut e.denominator, &mut errors),
            "text" if !raw.is_empty() => e.text = Some(raw.to_owned()),
            "comment" if !raw.is_empty() => e.comment = Some(raw.to_owned()),
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(Errors(errors));
    }
    let known: Vec<&str> = v.indicators.iter().map(|i| i.code.as_str()).collect();
    Ok(by_key
        .into_iter()
        .filter(|((code, _), _)| known.contains(&code.as_str()))
        .map(|((indicator, part), entry)| ValueInput { indicator, part, entry })
        .collect())
}

async fn entry_page(
    state: &AppState,
    user: &PageUser,
    code: &str,
    q: &EntryQuery,
    typed: Option<&BTreeMap<String, String>>,
    errors: Errors,
) -> Result<EntryPage, AppError> {
    let page = Page::signed_in(state, user, "entry-title", "/results").await;
    let (_, p) = state.services.programme(code).await?;
    let scopes = dtz_services::Services::entry_scopes(&user.caller);
    if scopes.is_empty() {
        return Err(AppError::NotFound);
    }
    let all_orgs = state.services.orgs(&user.caller).await?;
    let org_ids: Vec<Uuid> =
        all_orgs.iter().map(|o| o.id).filter(|id| scopes.iter().any(|(so, _)| so.is_none_or(|s| s.0 == *id))).collect();
    let org = q
        .org
        .parse::<Uuid>()
        .ok()
        .filter(|o| org_ids.contains(o))
        .or(org_ids.first().copied())
        .ok_or(AppError::NotFound)?;
    let countries: Vec<String> = p
        .countries
        .iter()
        .map(|c| c.country.as_str().to_owned())
        .filter(|c| scopes.iter().any(|(so, sc)| so.is_none_or(|s| s.0 == org) && sc.is_none_or(|x| x.as_str() == c)))
        .collect();
    let country = Some(q.country.to_ascii_uppercase())
        .filter(|c| countries.contains(c))
        .or(countries.first().cloned())
        .ok_or(AppError::NotFound)?;
    let periods: Vec<String> =
        dtz_domain::results::Period::between(p.periods, p.start, p.end).iter().map(ToString::to_string).collect();
    let period = Some(q.period.clone()).filter(|x| periods.contains(x)).or(periods.last().cloned()).unwrap_or_default();
    let key =
        ReportKey { programme: code.to_owned(), org: OrgId(org), country: country.clone(), period: period.clone() };
    let v = state.services.report(&user.caller, &key).await?;
    let evidence = state.services.evidence(&v).await?;
    let rows = grid(&page, &v, typed, &errors, &evidence);
    let may_attach = dtz_services::Services::may_change_evidence(&user.caller, &v, OrgId(org), &country);
    let status = v.report.as_ref().map_or("draft".to_owned(), |r| r.status.clone());
    let computed = computed_lines(state, &page, &v).await?;
    Ok(EntryPage {
        computed,
        orgs: all_orgs
            .iter()
            .filter(|o| org_ids.contains(&o.id))
            .map(|o| SelectOption::new(o.id.to_string(), o.name.clone(), &org.to_string()))
            .collect(),
        countries: countries
            .iter()
            .map(|c| {
                SelectOption::new(
                    c.clone(),
                    dtz_domain::org::CountryCode::parse("c", c).map(|x| x.name()).unwrap_or(""),
                    &country,
                )
            })
            .collect(),
        periods: periods.iter().map(|x| SelectOption::new(x.clone(), x.clone(), &period)).collect(),
        editable: dtz_domain::results::ReportStatus::parse(&status).is_some_and(|s| s.editable()),
        status: page.tr.t(&format!("status-{status}")),
        reason: v.report.as_ref().and_then(|r| r.returned_reason.clone()),
        report_id: v.report.as_ref().map(|r| r.id),
        may_attach,
        upload: super::evidence::UploadForm {
            code: code.to_owned(),
            org: org.to_string(),
            country: country.clone(),
            period: period.clone(),
            back: "entry",
            report: String::new(),
            indicators: rows.iter().map(|r| (r.code.clone(), r.title.clone())).collect(),
        },
        code: code.to_owned(),
        org: org.to_string(),
        country,
        period,
        rows,
        errors,
        page,
    })
}

/// The entry page of a report with the problems of a failed evidence upload.
pub(super) async fn render_with_errors(
    state: &AppState,
    user: &PageUser,
    code: &str,
    key: &ReportKey,
    errors: Errors,
) -> Result<Response, AppError> {
    let q = EntryQuery { org: key.org.to_string(), country: key.country.clone(), period: key.period.clone() };
    Ok(render(&entry_page(state, user, code, &q, None, errors).await?))
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<EntryQuery>,
) -> Result<Response, AppError> {
    Ok(render(&entry_page(&state, &user, &code, &q, None, Errors::default()).await?))
}

/// Save the grid (and, when asked, submit it for approval).
async fn save(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    user.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let q = EntryQuery { org: get("org"), country: get("country"), period: get("period") };
    let key = ReportKey {
        programme: code.clone(),
        org: OrgId(q.org.parse().map_err(|_| AppError::NotFound)?),
        country: q.country.clone(),
        period: q.period.clone(),
    };
    let v = state.services.report(&user.caller, &key).await?;
    let outcome = match read_grid(&v, &f) {
        Err(errors) => Err(errors),
        Ok(input) => match state.services.save_values(&user.caller, &key, &input).await {
            Ok(r) if f.contains_key("submit") => state
                .services
                .act_on_report(&user.caller, r.id, r.version, ReportAction::Submit, None)
                .await
                .map(|_| ())
                .map_err(|e| errors_of(e, &input)),
            Ok(_) => Ok(()),
            Err(e) => Err(errors_of(e, &input)),
        },
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/results/{code}/entry?org={}&country={}&period={}", q.org, q.country, q.period))
                .into_response())
        }
        Err(Errors(e)) if e.first().is_some_and(|x| x.field == "\u{0}") => Err(AppError::Forbidden),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&entry_page(&state, &user, &code, &q, Some(&f), errors).await?),
        )
            .into_response()),
    }
}

/// Field problems of a failed save, named by indicator code so they show beside it.
fn errors_of(e: ServiceError, input: &[ValueInput]) -> Errors {
    match e {
        ServiceError::Invalid(v) => Errors(
            v.0.into_iter()
                .map(|i| {
                    let code = i
                        .field
                        .strip_prefix("values[")
                        .and_then(|r| r.strip_suffix(']'))
                        .and_then(|n| n.parse::<usize>().ok())
                        .and_then(|n| input.get(n))
                        .map(|x| x.indicator.clone());
                    FieldError { field: code.unwrap_or(i.field), message: i.message }
                })
                .collect(),
        ),
        _ => Errors(vec![FieldError { field: "\u{0}".into(), message: String::new() }]),
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/results/{code}/entry", get(show).post(save)).merge(super::report::router())
}
