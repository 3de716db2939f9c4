//! Cases in the pages: a list filtered on plaintext columns only (number, status, risk,
//! consent flagged, mine) with no download of any kind — case lists are never exported
//! (DESIGN §5) —, opening a case, the case page (every read audited), its forms, and
//! transfers between organisations. Out of scope is a 404 everywhere.

mod actions;
mod checkouts;
mod edit;
mod new;
mod show;
mod transfers;

use super::admin::SelectOption;
use super::{Page, render};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::Query;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use dtz_domain::access::Role;
use dtz_domain::case::{CaseStatus, ConsentKind, ConsentState, RiskLevel};
use dtz_services::Caller;
use dtz_services::cases::CaseSummary;
use dtz_store::cases::CaseFilter;
use serde::Deserialize;
use std::collections::HashMap;

const PER_PAGE: i64 = 50;

/// The case pages are for caseworkers and case supervisors.
fn case_staff_only(u: &PageUser) -> Result<(), AppError> {
    match &u.caller {
        Caller::User(a) if a.roles.iter().any(|r| matches!(r.role, Role::Caseworker | Role::CaseSupervisor)) => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// Names of people and teams of an organisation, for showing ids.
pub(crate) struct Names {
    staff: Vec<dtz_store::cases::StaffRow>,
    teams: Vec<dtz_store::teams::TeamRow>,
}

impl Names {
    async fn of(state: &AppState, org: dtz_domain::ids::OrgId) -> Result<Self, AppError> {
        Ok(Self { staff: state.services.case_staff(org).await?, teams: state.services.org_teams(org).await? })
    }

    fn person(&self, id: Option<uuid::Uuid>) -> String {
        id.and_then(|u| self.staff.iter().find(|s| s.user_id == u)).map(|s| s.name.clone()).unwrap_or_default()
    }

    fn team(&self, id: Option<uuid::Uuid>) -> String {
        id.and_then(|t| self.teams.iter().find(|x| x.id == t)).map(|t| t.name.clone()).unwrap_or_default()
    }
}

struct Row {
    id: uuid::Uuid,
    number: String,
    country: String,
    status: String,
    risk: String,
    consent: String,
    flagged: bool,
    updated: String,
}

/// The words of a page of rows, each looked up once: a row asks for its status, risk,
/// three consent labels and a date, about ten Fluent lookups, and a page of 50 rows holds
/// only a handful of distinct ones (issue 8).
struct RowWords<'a> {
    tr: &'a Tr,
    consent: HashMap<[Option<ConsentState>; 3], String>,
    dates: HashMap<time::Date, String>,
    words: HashMap<String, String>,
}

impl<'a> RowWords<'a> {
    fn new(tr: &'a Tr) -> Self {
        Self { tr, consent: HashMap::new(), dates: HashMap::new(), words: HashMap::new() }
    }

    fn t(&mut self, key: String) -> String {
        let tr = self.tr;
        self.words.entry(key).or_insert_with_key(|k| tr.t(k)).clone()
    }

    fn consent(&mut self, c: &CaseSummary) -> String {
        if let Some(s) = self.consent.get(&c.consent) {
            return s.clone();
        }
        let text = ConsentKind::ALL
            .iter()
            .map(|k| {
                let state = self
                    .t(c.consent_of(*k).map_or_else(|| "consent-state-none".into(), |s| format!("consent-state-{s}")));
                format!("{}: {state}", self.t(format!("consent-kind-{k}")))
            })
            .collect::<Vec<_>>()
            .join(" · ");
        self.consent.insert(c.consent, text.clone());
        text
    }

    /// [`Tr::datetime`], with each day's words looked up once.
    fn datetime(&mut self, t: time::OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::UTC);
        let tr = self.tr;
        let day = self.dates.entry(t.date()).or_insert_with_key(|d| tr.date(*d));
        format!("{day} {:02}:{:02} UTC", t.hour(), t.minute())
    }

    fn row(&mut self, c: &CaseSummary) -> Row {
        Row {
            id: c.id,
            number: c.number.clone(),
            country: dtz_domain::org::CountryCode::parse("c", &c.country)
                .map(|x| x.name())
                .unwrap_or_default()
                .to_owned(),
            status: self.t(format!("case-status-{}", c.status)),
            risk: c.risk.map(|r| self.t(format!("case-risk-{r}"))).unwrap_or_default(),
            consent: self.consent(c),
            flagged: c.consent_flagged,
            updated: self.datetime(c.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    total: i64,
    number: String,
    statuses: Vec<SelectOption>,
    risks: Vec<SelectOption>,
    mine: bool,
    flagged: bool,
    incoming: Vec<(uuid::Uuid, String, String)>,
    query: String,
    newer: Option<i64>,
    older: Option<i64>,
}

/// `?number=&status=&risk=&mine=1&flagged=1&page=N`: plaintext columns only.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    flagged: String,
    page: Option<i64>,
}

fn choices(tr: &Tr, prefix: &str, codes: &[&str], current: &str) -> Vec<SelectOption> {
    let mut v = vec![SelectOption::new("", tr.t("signals-filter-any"), current)];
    v.extend(codes.iter().map(|c| SelectOption::new(*c, tr.t(&format!("{prefix}{c}")), current)));
    v
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    case_staff_only(&user)?;
    let page = Page::signed_in(&state, &user, "cases-title", "/cases").await;
    let n = q.page.unwrap_or(1).clamp(1, 10_000);
    let status = CaseStatus::from_code(&q.status).map(|s| s.as_str().to_owned());
    let risk = RiskLevel::from_code(&q.risk).map(|r| r.as_str().to_owned());
    let number = q.number.trim().to_ascii_uppercase();
    let (mine, flagged) = (q.mine == "1", q.flagged == "1");
    let f = CaseFilter {
        number: (!number.is_empty()).then(|| number.clone()),
        status: status.clone(),
        open_only: status.is_none(),
        risk: risk.clone(),
        caseworker: if mine { user.caller.user().map(|u| u.0) } else { None },
        consent_flagged: flagged,
        ..Default::default()
    };
    let (found, total) = state.services.cases(&user.caller, &f, PER_PAGE, (n - 1) * PER_PAGE).await?;
    let incoming = state
        .services
        .incoming_transfers(&user.caller)
        .await?
        .into_iter()
        .map(|t| (t.transfer.id, t.number, t.from_name))
        .collect();
    let tr = &page.tr;
    let statuses: Vec<&str> = CaseStatus::ALL.iter().map(|s| s.as_str()).collect();
    let risks: Vec<&str> = RiskLevel::ALL.iter().map(|r| r.as_str()).collect();
    let query = format!(
        "number={}&status={}&risk={}&mine={}&flagged={}",
        super::urlencode(&number),
        status.as_deref().unwrap_or(""),
        risk.as_deref().unwrap_or(""),
        if mine { "1" } else { "" },
        if flagged { "1" } else { "" }
    );
    Ok(render(&ListPage {
        rows: {
            let mut words = RowWords::new(tr);
            found.iter().map(|c| words.row(c)).collect()
        },
        total,
        statuses: choices(tr, "case-status-", &statuses, status.as_deref().unwrap_or("")),
        risks: choices(tr, "case-risk-", &risks, risk.as_deref().unwrap_or("")),
        number,
        mine,
        flagged,
        incoming,
        query,
        newer: (n > 1).then_some(n - 1),
        older: (n * PER_PAGE < total).then_some(n + 1),
        page,
    }))
}

/// Routes of the case pages. There is deliberately no download of a case list.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list))
        .route("/cases/new", get(new::show).post(new::create))
        .route("/cases/transfers/{id}", get(transfers::show).post(transfers::decide))
        .route("/cases/{id}", get(show::show))
        .route("/cases/{id}/edit", get(edit::show).post(edit::save))
        .route("/cases/{id}/risk", post(actions::risk))
        .route("/cases/{id}/assignment", post(actions::assignment))
        .route("/cases/{id}/consents", post(actions::consent))
        .route("/cases/{id}/goals", post(actions::add_goal))
        .route("/cases/{id}/goals/{goal}", post(actions::goal_status))
        .route("/cases/{id}/notes", post(actions::note))
        .route("/cases/{id}/steps", post(actions::add_step))
        .route("/cases/{id}/steps/{step}", post(actions::update_step))
        .route("/cases/{id}/closure", post(actions::closure))
        .route("/cases/{id}/transfer", post(actions::transfer))
        .route("/cases/{id}/laptops", get(checkouts::show).post(checkouts::check_out))
        .route("/cases/{id}/laptops/{checkout}/return", post(checkouts::give_back))
}

#[cfg(test)]
mod tests {
    use dtz_domain::case::*;
    use dtz_domain::signal::triage::{CloseReason, ReporterType, Urgency};

    /// The words of a row as they were looked up before the page shared them.
    fn uncached(tr: &crate::i18n::Tr, c: &dtz_services::cases::CaseSummary) -> [String; 4] {
        let consent = ConsentKind::ALL
            .iter()
            .map(|k| {
                let state = c
                    .consent_of(*k)
                    .map_or_else(|| tr.t("consent-state-none"), |s| tr.t(&format!("consent-state-{s}")));
                format!("{}: {state}", tr.t(&format!("consent-kind-{k}")))
            })
            .collect::<Vec<_>>()
            .join(" · ");
        let risk = c.risk.map(|r| tr.t(&format!("case-risk-{r}"))).unwrap_or_default();
        [tr.t(&format!("case-status-{}", c.status)), risk, consent, tr.datetime(c.updated_at)]
    }

    #[test]
    fn a_page_of_rows_shows_the_same_words_as_each_row_looked_up_alone() {
        let states: Vec<Option<ConsentState>> =
            std::iter::once(None).chain(ConsentState::ALL.iter().copied().map(Some)).collect();
        let mut cases = Vec::new();
        let start = time::macros::datetime!(2026-01-30 23:59 UTC);
        for (i, status) in CaseStatus::ALL.iter().cycle().take(60).enumerate() {
            let pick = |n: usize| states[(i / n) % states.len()];
            cases.push(dtz_services::cases::CaseSummary {
                id: uuid::Uuid::new_v4(),
                number: format!("BO-2026-H-{i:04}"),
                country: "BO".into(),
                org: dtz_domain::ids::OrgId(uuid::Uuid::nil()),
                team: None,
                caseworker: None,
                signal: None,
                status: *status,
                risk: RiskLevel::ALL.get(i % 4).copied(),
                consent: [pick(1), pick(3), pick(7)],
                consent_flagged: i % 5 == 0,
                created_at: start,
                // Rows share days and months, and differ in the minute.
                updated_at: start + time::Duration::minutes(i as i64 * 700),
                version: 1,
            });
        }
        for (lang, _) in crate::i18n::staff_languages() {
            let tr = crate::i18n::Tr::new(lang);
            let mut words = super::RowWords::new(&tr);
            for c in &cases {
                let r = words.row(c);
                assert_eq!([r.status, r.risk, r.consent, r.updated], uncached(&tr, c), "{lang} {}", c.number);
                assert_eq!((r.id, r.number, r.flagged), (c.id, c.number.clone(), c.consent_flagged));
            }
        }
    }

    #[test]
    fn every_key_built_from_a_code_exists_in_every_staff_language() {
        fn all<T: Copy>(prefix: &str, values: &[T], code: fn(T) -> &'static str) -> Vec<String> {
            values.iter().map(|v| format!("{prefix}{}", code(*v))).collect()
        }
        let mut keys = Vec::new();
        keys.extend(all("signal-urgency-", Urgency::ALL, Urgency::as_str));
        keys.extend(all("signal-reporter-", ReporterType::ALL, ReporterType::as_str));
        keys.extend(all("signal-close-", CloseReason::ALL, CloseReason::as_str));
        keys.extend(all("case-status-", CaseStatus::ALL, CaseStatus::as_str));
        keys.extend(all("case-risk-", RiskLevel::ALL, RiskLevel::as_str));
        keys.extend(all("case-sex-", Sex::ALL, Sex::as_str));
        keys.extend(all("consent-kind-", ConsentKind::ALL, ConsentKind::as_str));
        keys.extend(all("consent-state-", ConsentState::ALL, ConsentState::as_str));
        keys.extend(all("consent-by-", GivenBy::ALL, GivenBy::as_str));
        keys.extend(all("goal-status-", GoalStatus::ALL, GoalStatus::as_str));
        keys.extend(all("step-status-", StepStatus::ALL, StepStatus::as_str));
        keys.extend(all("closure-reason-", ClosureReason::ALL, ClosureReason::as_str));
        for done in [
            "opened", "profile", "risk", "assign", "consent", "goal", "goals", "note", "step", "steps", "closure",
            "transfer", "accepted",
        ] {
            keys.push(format!("case-done-{done}"));
        }
        for (lang, _) in crate::i18n::staff_languages() {
            let tr = crate::i18n::Tr::new(lang);
            let missing: Vec<&String> = keys.iter().filter(|k| tr.try_t(k).is_none()).collect();
            assert!(missing.is_empty(), "{lang}: {missing:?}");
        }
    }
}
