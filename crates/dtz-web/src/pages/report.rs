//! The report page: one organisation's values for a country and period, and the
//! approval actions the reader may take (the link notifications point to).

use super::{Errors, Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Form;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dtz_domain::results::{Measure, ReportAction};
use serde::Deserialize;
use uuid::Uuid;

struct Line {
    id: Uuid,
    code: String,
    title: String,
    /// Computed from records, not entered.
    computed: bool,
    part: String,
    value: String,
    /// Evidence files of the indicator (shown on its total line).
    evidence: usize,
}

#[derive(Template)]
#[template(path = "results/report.html")]
struct ReportPage {
    page: Page,
    id: Uuid,
    programme: String,
    org: String,
    country: String,
    period: String,
    status: String,
    reason: Option<String>,
    version: i64,
    lines: Vec<Line>,
    actions: Vec<(&'static str, String)>,
    errors: Errors,
    /// Evidence by indicator (label, files).
    evidence: Vec<(String, Vec<super::evidence::EvidenceLine>)>,
    may_attach: bool,
    upload: super::evidence::UploadForm,
    /// Computed figures whose records changed since they were stored.
    drift: Vec<DriftLine>,
    /// Whether the report is open (a draft or returned).
    editable: bool,
    /// Whether the reader may recompute its computed figures now.
    may_recompute: bool,
    /// Whether it is approved at both levels.
    approved: bool,
}

/// A computed figure and what the records give now.
struct DriftLine {
    code: String,
    part: String,
    stored: String,
    now: String,
}

async fn page_for(state: &AppState, user: &PageUser, id: Uuid, errors: Errors) -> Result<ReportPage, AppError> {
    let v = state.services.report_by_id(&user.caller, id).await?;
    let r = v.report.clone().ok_or(AppError::NotFound)?;
    let page = Page::signed_in(state, user, "report-title", "/results").await;
    let org = state.services.org(&user.caller, dtz_domain::ids::OrgId(r.org_id)).await?.name;
    let files = state.services.evidence(&v).await?;
    let org_id = dtz_domain::ids::OrgId(r.org_id);
    let lines = v
        .values
        .iter()
        .filter_map(|x| {
            let ind = v.indicators.iter().find(|i| i.id == x.indicator_id)?;
            let value = match ind.indicator().measure {
                Measure::Percentage => format!(
                    "{} / {}",
                    x.numerator.map(|n| page.tr.number(n)).unwrap_or_default(),
                    x.denominator.map(|n| page.tr.number(n)).unwrap_or_default()
                ),
                Measure::Text => x.text_value.clone().unwrap_or_default(),
                _ => x.value.map(|n| page.tr.number(n)).unwrap_or_default(),
            };
            let evidence = if x.part.is_empty() { files.iter().filter(|e| e.indicator == ind.id).count() } else { 0 };
            Some(Line {
                id: x.id,
                code: ind.code.clone(),
                title: ind.title.clone(),
                computed: ind.source == "computed",
                part: x.part.clone(),
                value,
                evidence,
            })
        })
        .collect();
    let actions = [
        ReportAction::Submit,
        ReportAction::ApproveCountry,
        ReportAction::ApproveAlliance,
        ReportAction::Return,
        ReportAction::Reopen,
    ]
    .into_iter()
    .filter(|a| dtz_domain::results::ReportStatus::parse(&r.status).and_then(|s| s.after(*a)).is_some())
    .map(|a| (a.as_str(), page.tr.t(&format!("action-{}", a.as_str()))))
    .collect();
    let evidence = v
        .indicators
        .iter()
        .map(|i| {
            let lines: Vec<_> = files
                .iter()
                .filter(|e| e.indicator == i.id)
                .map(|e| super::evidence::EvidenceLine::of(&page, e))
                .collect();
            (format!("{} {}", i.code, i.title), lines)
        })
        .filter(|(_, lines)| !lines.is_empty())
        .collect();
    let may_attach = dtz_services::Services::may_change_evidence(&user.caller, &v, org_id, &r.country);
    let upload = super::evidence::UploadForm {
        code: v.programme.code.clone(),
        org: r.org_id.to_string(),
        country: r.country.clone(),
        period: r.period.clone(),
        back: "report",
        report: r.id.to_string(),
        indicators: v
            .indicators
            .iter()
            .filter(|i| i.source == "manual")
            .map(|i| (i.code.clone(), i.title.clone()))
            .collect(),
    };
    let drift = state
        .services
        .computed_drift(&v)
        .await?
        .into_iter()
        .map(|d| DriftLine {
            code: d.code,
            part: d.part,
            stored: d.stored.map(|n| page.tr.number(n)).unwrap_or_default(),
            now: page.tr.number(d.now),
        })
        .collect();
    let editable = dtz_domain::results::ReportStatus::parse(&r.status).is_some_and(|s| s.editable());
    let may_recompute = editable && dtz_services::activities::may_record(&user.caller, org_id, &r.country);
    Ok(ReportPage {
        approved: r.status == "approved",
        drift,
        editable,
        may_recompute,
        id: r.id,
        programme: v.programme.code.clone(),
        org,
        country: dtz_domain::org::CountryCode::parse("c", &r.country).map(|c| c.name()).unwrap_or("").to_owned(),
        period: r.period.clone(),
        status: page.tr.t(&format!("status-{}", r.status)),
        reason: r.returned_reason.clone(),
        version: r.version,
        lines,
        actions,
        errors,
        evidence,
        may_attach,
        upload,
        page,
    })
}

/// The report page with the problems of a failed evidence upload.
pub(super) async fn render_with_errors(
    state: &AppState,
    user: &PageUser,
    id: Uuid,
    errors: Errors,
) -> Result<Response, AppError> {
    Ok(render(&page_for(state, user, id, errors).await?))
}

async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<Uuid>) -> Result<Response, AppError> {
    Ok(render(&page_for(&state, &user, id, Errors::default()).await?))
}

#[derive(Deserialize)]
pub struct ActForm {
    csrf: String,
    action: String,
    version: i64,
    #[serde(default)]
    reason: String,
}

async fn act(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<Uuid>,
    Form(f): Form<ActForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let action = ReportAction::parse("action", &f.action)?;
    match state.services.act_on_report(&user.caller, id, f.version, action, Some(&f.reason)).await {
        Ok(_) => Ok(Redirect::to(&format!("/results/reports/{id}")).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page_for(&state, &user, id, errors).await?)).into_response())
        }
    }
}

struct Version {
    version: i64,
    value: String,
    comment: String,
    when: String,
    who: String,
}

#[derive(Template)]
#[template(path = "results/history.html")]
struct HistoryPage {
    page: Page,
    report: Uuid,
    indicator: String,
    part: String,
    versions: Vec<Version>,
}

async fn history(State(state): State<AppState>, user: PageUser, Path(value): Path<Uuid>) -> Result<Response, AppError> {
    let (view, rows) = state.services.value_history(&user.caller, value).await?;
    let page = Page::signed_in(&state, &user, "history-title", "/results").await;
    let v = view.values.iter().find(|x| x.id == value).ok_or(AppError::NotFound)?;
    let ind = view.indicators.iter().find(|i| i.id == v.indicator_id).ok_or(AppError::NotFound)?;
    let num = |x: Option<i64>| x.map(|n| page.tr.number(n)).unwrap_or_default();
    let versions = rows
        .into_iter()
        .map(|(h, who)| Version {
            version: h.version,
            value: match (h.value, h.numerator, h.denominator, &h.text_value) {
                (Some(n), _, _, _) => page.tr.number(n),
                (None, Some(_), _, _) | (None, _, Some(_), _) => {
                    format!("{} / {}", num(h.numerator), num(h.denominator))
                }
                (_, _, _, Some(t)) => t.clone(),
                _ => page.tr.t("history-removed"),
            },
            comment: h.comment.unwrap_or_default(),
            when: page.tr.datetime(h.changed_at),
            who,
        })
        .collect();
    Ok(render(&HistoryPage {
        report: v.report_id,
        indicator: format!("{} {}", ind.code, ind.title),
        part: v.part.clone(),
        versions,
        page,
    }))
}

#[derive(Deserialize)]
pub struct RecomputeForm {
    csrf: String,
}

/// Compute the report's computed figures again now (while it is open).
async fn recompute(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<Uuid>,
    Form(f): Form<RecomputeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    match state.services.recompute_report(&user.caller, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/results/reports/{id}")).into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page_for(&state, &user, id, errors).await?)).into_response())
        }
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/reports/{id}", get(show))
        .route("/results/reports/{id}/recompute", post(recompute))
        .route("/results/reports/{id}/act", post(act))
        .route("/results/values/{id}/history", get(history))
}
