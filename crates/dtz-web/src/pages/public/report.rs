//! `/report`: choose a country, fill in the report, get the receipt once.

use super::{PublicPage, country_name, language, problem, with_status};
use crate::auth::ClientIp;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::i18n::Tr;
use crate::pages::{Errors, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dtz_domain::signal::{Report, ReportInput, SafeToCall};
use dtz_services::ServiceError;
use dtz_services::signals::Intake;
use serde::Deserialize;

/// `?lang=` and `?country=`.
#[derive(Deserialize)]
pub struct ReportQuery {
    lang: Option<String>,
    country: Option<String>,
}

struct CountryLink {
    name: String,
    href: String,
    helpline: String,
}

#[derive(Template)]
#[template(path = "public/countries.html")]
struct CountriesPage {
    page: PublicPage,
    countries: Vec<CountryLink>,
}

/// What the form page says about the country.
struct About {
    country: String,
    org: Option<String>,
    answer: String,
}

#[derive(Template)]
#[template(path = "public/report.html")]
struct ReportPage {
    page: PublicPage,
    about: About,
    form: ReportInput,
    errors: Errors,
    notice: Option<String>,
    safe_options: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "public/receipt.html")]
struct ReceiptPage {
    page: PublicPage,
    groups: Vec<String>,
    answer: String,
}

/// When a reporter can expect an answer, in words.
fn answer_text(tr: &Tr, intake: &Intake) -> String {
    match intake.country.answer_within_hours {
        Some(h) if h >= 48 && h % 24 == 0 => tr.t1("public-answer-days", "days", h / 24),
        Some(h) => tr.t1("public-answer-hours", "hours", h),
        None => tr.t("public-answer-soon"),
    }
}

fn report_page(state: &AppState, tr: Tr, intake: &Intake, form: ReportInput, errors: Errors) -> ReportPage {
    let code = intake.country.country.clone();
    let page = PublicPage::new(state, tr, Some(intake), &format!("/report/{}", code.to_ascii_lowercase()));
    let about = About {
        country: country_name(&page.tr, &code),
        org: intake.org_name.clone(),
        answer: answer_text(&page.tr, intake),
    };
    let safe_options = [SafeToCall::Yes, SafeToCall::No, SafeToCall::NotSure]
        .into_iter()
        .map(|s| (s.as_str(), page.tr.t(&format!("public-safe-{}", s.as_str()))))
        .collect();
    ReportPage { page, about, form, errors, notice: None, safe_options }
}

/// `/report`: the form of the country in `?country=`, or the country chooser.
pub async fn choose(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<ReportQuery>) -> Response {
    let tr = language(q.lang.as_deref(), &headers);
    if let Some(c) = q.country.as_deref().filter(|c| !c.is_empty()) {
        return form_for(&state, tr, c).await;
    }
    match state.services.report_intakes().await {
        Ok(intakes) => {
            let page = PublicPage::new(&state, tr, None, "/report");
            let mut countries: Vec<CountryLink> = intakes
                .iter()
                .map(|i| CountryLink {
                    name: country_name(&page.tr, &i.country.country),
                    href: format!("/report/{}?lang={}", i.country.country.to_ascii_lowercase(), page.tr.code()),
                    helpline: i.country.helpline.clone().unwrap_or_default(),
                })
                .collect();
            countries.sort_by(|a, b| a.name.cmp(&b.name));
            render(&CountriesPage { page, countries })
        }
        Err(e) => service_problem(&state, tr, None, e),
    }
}

/// `/report/{country}`: the form.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(country): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let tr = language(q.lang.as_deref(), &headers);
    form_for(&state, tr, &country).await
}

async fn form_for(state: &AppState, tr: Tr, country: &str) -> Response {
    match state.services.report_intake(country).await {
        Ok(Some(intake)) => render(&report_page(state, tr, &intake, ReportInput::default(), Errors::default())),
        Ok(None) => problem(state, tr, None, StatusCode::NOT_FOUND, "public-unknown-country"),
        Err(e) => service_problem(state, tr, None, e),
    }
}

/// The report form as sent.
#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    country: String,
    #[serde(flatten)]
    input: ReportInput,
}

/// Receive a report: the receipt page, or the form again with what was typed.
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<ReportForm>, AppError>,
) -> Response {
    let f = match form {
        Ok(Form(f)) => f,
        Err(e) => return super::unreadable(&state, &headers, &e),
    };
    let tr = language(Some(&f.lang), &headers);
    let intake = match state.services.report_intake(&f.country).await {
        Ok(Some(i)) => i,
        Ok(None) => return problem(&state, tr, None, StatusCode::NOT_FOUND, "public-unknown-country"),
        Err(e) => return service_problem(&state, tr, None, e),
    };
    let refuse = |tr: Tr, code: StatusCode, key: &str, input: ReportInput| {
        let mut p = report_page(&state, tr, &intake, input, Errors::default());
        p.notice = Some(p.page.tr.t(key));
        with_status(code, &p)
    };
    let Some(token) = state.services.public_form_token_checked(&f.csrf) else {
        return refuse(tr, StatusCode::FORBIDDEN, "public-expired", f.input);
    };
    match state.services.public_form_used(&token).await {
        Ok(true) => return already_sent(&state, tr, &intake),
        Ok(false) => {}
        Err(e) => return service_problem(&state, tr, Some(&intake), e),
    }
    if !state.public_throttle.report(state.source_keys.key_for(ip)) {
        return refuse(tr, StatusCode::TOO_MANY_REQUESTS, "public-limited", f.input);
    }
    let submitted = match Report::parse(&f.input, tr.code()) {
        Ok(report) => state.services.submit_report_to(&intake, &report, Some(&token)).await,
        Err(v) => Err(v.into()),
    };
    match submitted {
        Ok(None) => already_sent(&state, tr, &intake),
        Ok(Some(receipt)) => {
            // Operators see that reports arrive; nothing about who sent them.
            tracing::info!(country = %intake.country.country, "public report received");
            let code = intake.country.country.to_ascii_lowercase();
            let mut page = PublicPage::new(&state, tr, Some(&intake), &format!("/report/{code}"));
            // The receipt shows only here: no link away but the status page and the
            // quick exit, so a tap on another language does not lose it.
            page.languages.clear();
            let answer = answer_text(&page.tr, &intake);
            render(&ReceiptPage { page, groups: receipt.groups(), answer })
        }
        Err(ServiceError::Invalid(v)) => {
            let errors = Errors(
                v.0.into_iter().map(|i| crate::pages::FieldError { field: i.field, message: i.message }).collect(),
            );
            with_status(StatusCode::UNPROCESSABLE_ENTITY, &report_page(&state, tr, &intake, f.input, errors))
        }
        Err(e) => service_problem(&state, tr, Some(&intake), e),
    }
}

#[derive(Template)]
#[template(path = "public/sent.html")]
struct SentPage {
    page: PublicPage,
}

/// The same form sent again (a reload of the receipt page): nothing stored, no receipt
/// shown again (it is not kept in a form we could show), a neutral word.
fn already_sent(state: &AppState, tr: Tr, intake: &Intake) -> Response {
    let code = intake.country.country.to_ascii_lowercase();
    let mut page = PublicPage::new(state, tr, Some(intake), &format!("/report/{code}"));
    page.languages.clear();
    render(&SentPage { page })
}

/// A failed use case as a kind public page (the cause is logged once, without anything
/// about the reporter).
pub fn service_problem(state: &AppState, tr: Tr, intake: Option<&Intake>, e: ServiceError) -> Response {
    match AppError::from(e) {
        AppError::Busy => problem(state, tr, intake, StatusCode::SERVICE_UNAVAILABLE, "public-problem"),
        _ => problem(state, tr, intake, StatusCode::INTERNAL_SERVER_ERROR, "public-problem"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_form_never_takes_files() {
        for t in [
            include_str!("../../../templates/public/report.html"),
            include_str!("../../../templates/public/status.html"),
        ] {
            assert!(!t.contains("type=\"file\"") && !t.contains("multipart"), "no file input, no multipart form");
        }
    }
}
