//! Finance records for IATI publishing: the list of member × country slots the person
//! keeps, and per slot one grid with a row per year (budget, incoming funds and their
//! date, expenditure, a disbursement per partner). Only rows the person changed are sent
//! (each remembers the version and figures it showed), so a row someone else changed
//! meanwhile is left alone unless this person changed it too (then a 409 naming it). A
//! CSV file of every record goes out and comes back in, all or nothing.

use super::{Errors, FieldError, Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::state::AppState;
use crate::upload::Upload;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_formats::finance_csv::{self, FinanceRecordOut};
use dtz_services::ServiceError;
use dtz_services::finance::{FinanceInput, FinanceSlot, FinanceView};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Which slot (in the query string).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FinanceQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    saved: Option<String>,
}

struct SlotLink {
    href: String,
    member: String,
    country: String,
    partners: String,
    budget: String,
}

struct Field {
    name: String,
    label: String,
    value: String,
    kind: &'static str,
}

struct YearRow {
    year: i64,
    seen: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "results/finance.html")]
struct FinancePage {
    page: Page,
    code: String,
    name: String,
    currency: String,
    slots: Vec<SlotLink>,
    slot: Option<String>,
    org: String,
    country: String,
    columns: Vec<String>,
    rows: Vec<YearRow>,
    errors: Errors,
    notice: Option<String>,
    problems: Vec<FieldError>,
}

/// What a year's row shows: `version|figures`, and each field's value.
fn shown(view: &FinanceView, slot: &FinanceSlot, year: i64) -> (i64, Vec<(String, String)>) {
    let r = view.record(slot.member.id, slot.country, year);
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut out = vec![
        (format!("budget-{year}"), n(r.and_then(|r| r.row.budget))),
        (format!("incoming-{year}"), n(r.and_then(|r| r.row.incoming))),
        (format!("date-{year}"), r.and_then(|r| r.row.incoming_date).map(|d| d.to_string()).unwrap_or_default()),
        (format!("expenditure-{year}"), n(r.and_then(|r| r.row.expenditure))),
    ];
    for p in &slot.partners {
        let paid = r.and_then(|r| r.disbursements.iter().find(|(o, _)| *o == p.id.0).map(|(_, a)| *a));
        out.push((format!("d-{}-{year}", p.id), n(paid)));
    }
    (r.map_or(0, |r| r.row.version), out)
}

fn digest(values: &[String]) -> String {
    values.join("/")
}

fn find_slot<'a>(view: &'a FinanceView, q: &FinanceQuery) -> Option<&'a FinanceSlot> {
    view.slots.iter().find(|s| s.member.id.to_string() == q.org && s.country.as_str() == q.country)
}

async fn finance_page(
    state: &AppState,
    user: &PageUser,
    code: &str,
    q: &FinanceQuery,
    typed: Option<&BTreeMap<String, String>>,
    errors: Errors,
) -> Result<FinancePage, AppError> {
    let view = state.services.finance(&user.caller, code).await?;
    let page = Page::signed_in(state, user, "finance-title", "/results").await;
    let slots = view
        .slots
        .iter()
        .map(|s| {
            let budget: i64 = view
                .records
                .iter()
                .filter(|r| r.row.org_id == s.member.id.0 && r.row.country == s.country.as_str())
                .filter_map(|r| r.row.budget)
                .sum();
            SlotLink {
                href: format!("/results/{code}/finance?org={}&country={}", s.member.id, s.country),
                member: s.member.name.clone(),
                country: s.country.name().to_owned(),
                partners: s.partners.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", "),
                budget: page.tr.number(budget),
            }
        })
        .collect();
    let slot = find_slot(&view, q);
    if slot.is_none() && !q.org.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut columns =
        ["finance-budget", "finance-incoming", "finance-date", "finance-expenditure"].map(|k| page.tr.t(k)).to_vec();
    let mut rows = Vec::new();
    if let Some(s) = slot {
        columns.extend(s.partners.iter().map(|p| page.tr.t1("finance-paid-to", "partner", &p.name)));
        for year in view.years() {
            let (version, fields) = shown(&view, s, year);
            let values: Vec<String> = fields.iter().map(|(_, v)| v.clone()).collect();
            let fields = fields
                .into_iter()
                .zip(&columns)
                .enumerate()
                .map(|(i, ((name, value), label))| Field {
                    value: typed.and_then(|t| t.get(&name).cloned()).unwrap_or(value),
                    label: format!("{label} {year}"),
                    kind: if i == 2 { "date" } else { "text" },
                    name,
                })
                .collect();
            rows.push(YearRow { year, seen: format!("{version}|{}", digest(&values)), fields });
        }
    }
    let notice = q.saved.as_ref().map(|_| page.tr.t("finance-saved"));
    Ok(FinancePage {
        code: view.programme.code.clone(),
        name: view.programme.name.clone(),
        currency: view.programme.currency.clone(),
        slot: slot.map(|s| format!("{} · {}", s.member.name, s.country.name())),
        org: q.org.clone(),
        country: q.country.clone(),
        page,
        slots,
        columns,
        rows,
        errors,
        notice,
        problems: Vec::new(),
    })
}

async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<FinanceQuery>,
) -> Result<Response, AppError> {
    Ok(render(&finance_page(&state, &user, &code, &q, None, Errors::default()).await?))
}

/// The years this person changed, as records to save, with the year of each.
fn changes(slot: &FinanceSlot, view: &FinanceView, f: &BTreeMap<String, String>) -> (Vec<FinanceInput>, Errors) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for year in view.years() {
        let (_, fields) = shown(view, slot, year);
        let now: Vec<String> =
            fields.iter().map(|(n, _)| f.get(n).map(|v| v.trim().to_owned()).unwrap_or_default()).collect();
        // A year the form did not carry is not part of this edit.
        let Some(seen) = f.get(&format!("seen-{year}")).cloned() else { continue };
        let (version, was) = seen.split_once('|').unwrap_or(("0", ""));
        if digest(&now) == was {
            continue;
        }
        let date = match now[2].as_str() {
            "" => None,
            raw => time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| {
                    errors.push(FieldError {
                        field: fields[2].0.clone(),
                        message: format!("“{raw}” is not a date such as 2016-03-31."),
                    })
                })
                .ok(),
        };
        let mut amount = |name: &str, raw: &str| -> Option<i64> {
            let clean = raw.replace([',', '.', ' '], "");
            if clean.is_empty() {
                return None;
            }
            clean
                .parse::<i64>()
                .map_err(|_| {
                    errors
                        .push(FieldError {
                            field: name.to_owned(), message: format!("“{raw}” is not a whole number.")
                        })
                })
                .ok()
        };
        let mut input = FinanceInput {
            org: slot.member.id,
            country: slot.country.to_string(),
            year,
            budget: amount(&fields[0].0, &now[0]),
            incoming: amount(&fields[1].0, &now[1]),
            incoming_date: date,
            expenditure: amount(&fields[3].0, &now[3]),
            base_version: version.parse().ok(),
            ..FinanceInput::default()
        };
        for (k, p) in slot.partners.iter().enumerate() {
            if let Some(a) = amount(&fields[4 + k].0, &now[4 + k]) {
                input.disbursements.push((p.id, a));
            }
        }
        out.push(input);
    }
    (out, Errors(errors))
}

/// A failed save's problems beside the fields they concern.
fn errors_of(v: dtz_domain::validate::Violations, inputs: &[FinanceInput], slot: &FinanceSlot) -> Errors {
    let field = |f: &str| -> String {
        let Some((n, col)) = f.strip_prefix("records[").and_then(|r| r.split_once("].")) else { return f.to_owned() };
        let Some(i) = n.parse::<usize>().ok().and_then(|n| inputs.get(n)) else { return f.to_owned() };
        let year = i.year;
        match col {
            "budget" => format!("budget-{year}"),
            "incoming_funds" => format!("incoming-{year}"),
            "incoming_date" => format!("date-{year}"),
            "expenditure" => format!("expenditure-{year}"),
            c if c.starts_with("disbursement[") => {
                let k = c.trim_start_matches("disbursement[").trim_end_matches(']').parse::<usize>().ok();
                let partner = k.and_then(|k| i.disbursements.get(k)).map(|(o, _)| *o);
                partner
                    .filter(|o| slot.partners.iter().any(|p| p.id == *o))
                    .map_or_else(|| format!("budget-{year}"), |o| format!("d-{o}-{year}"))
            }
            _ => format!("budget-{year}"),
        }
    };
    Errors(v.0.into_iter().map(|i| FieldError { field: field(&i.field), message: i.message }).collect())
}

async fn save(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    user.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let q = FinanceQuery {
        org: f.get("org").cloned().unwrap_or_default(),
        country: f.get("country").cloned().unwrap_or_default(),
        saved: None,
    };
    let view = state.services.finance(&user.caller, &code).await?;
    let slot = find_slot(&view, &q).ok_or(AppError::NotFound)?;
    let (inputs, errors) = changes(slot, &view, &f);
    let errors = if !errors.is_empty() {
        errors
    } else {
        match state.services.save_finance(&user.caller, &code, &inputs).await {
            Ok(_) => {
                let back = format!("/results/{code}/finance?org={}&country={}&saved=1", q.org, q.country);
                return Ok(Redirect::to(&back).into_response());
            }
            Err(ServiceError::Invalid(v)) => errors_of(v, &inputs, slot),
            Err(ServiceError::Stale { changed, .. }) => {
                let mut page = finance_page(&state, &user, &code, &q, None, Errors::default()).await?;
                page.notice = Some(page.page.tr.t1("finance-stale", "records", changed.join(", ")));
                return Ok((StatusCode::CONFLICT, render(&page)).into_response());
            }
            Err(e) => return Err(e.into()),
        }
    };
    let page = finance_page(&state, &user, &code, &q, Some(&f), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// Every record the person keeps, as the CSV the import reads.
async fn download(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let view = state.services.finance(&user.caller, &code).await?;
    let orgs = state.services.publishing_orgs().await?;
    let name =
        |id: uuid::Uuid| orgs.iter().find(|o| o.id.0 == id).map(|o| o.name.clone()).unwrap_or_else(|| id.to_string());
    let records: Vec<FinanceRecordOut> = view
        .records
        .iter()
        .map(|r| FinanceRecordOut {
            organisation: name(r.row.org_id),
            country: r.row.country.clone(),
            year: r.row.year,
            budget: r.row.budget,
            incoming: r.row.incoming,
            incoming_date: r.row.incoming_date,
            expenditure: r.row.expenditure,
            payments: r.disbursements.iter().map(|(p, a)| (name(*p), *a)).collect(),
        })
        .collect();
    let body = dtz_formats::table::to_csv(&finance_csv::table(&view.programme.code, &records));
    let disposition = format!(
        "attachment; filename=\"{}-finance.csv\"",
        view.programme.code.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

/// A CSV file of records: all or nothing; "check only" writes nothing.
async fn import(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    up: Upload,
) -> Result<Response, AppError> {
    user.check_csrf(up.get("csrf"))?;
    let dry_run = up.get("dry_run") == "on";
    let bytes = up.file.as_ref().map(|f| f.bytes.as_slice()).unwrap_or_default();
    let outcome: Result<_, Vec<FieldError>> = match finance_csv::read(bytes) {
        Err(e) => Err(e
            .0
            .into_iter()
            .map(|p| FieldError { field: format!("line {}: {}", p.line, p.field), message: p.reason })
            .collect()),
        Ok(records) => match state.services.import_finance(&user.caller, &code, &records, dry_run).await {
            Ok(done) => Ok(done),
            Err(ServiceError::Invalid(v)) => {
                Err(v.0.into_iter().map(|i| FieldError { field: i.field, message: i.message }).collect())
            }
            Err(e) => return Err(e.into()),
        },
    };
    let mut page = finance_page(&state, &user, &code, &FinanceQuery::default(), None, Errors::default()).await?;
    match outcome {
        Ok(done) => {
            let key = if done.dry_run { "finance-import-checked" } else { "finance-import-done" };
            page.notice = Some(
                page.page
                    .tr
                    .targs(key, &[("records", done.records.to_string()), ("changed", done.changed.to_string())]),
            );
            Ok(render(&page))
        }
        Err(problems) => {
            page.problems =
                problems.into_iter().map(|p| FieldError { message: page.page.tr.message(&p.message), ..p }).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{code}/finance", get(show).post(save))
        .route("/results/{code}/finance.csv", get(download))
        .route(
            "/results/{code}/finance/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(crate::upload::UPLOAD_BODY_LIMIT)),
        )
}
