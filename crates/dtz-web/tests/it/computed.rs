//! Computed indicators over the work records and cases, on both databases: each
//! computation against figures counted by hand (a child counted once across two
//! trainings, a company with exactly three criteria against one with four, counts below
//! five withheld), approval freezing a figure computed from work records, the framework's
//! computation picker saving through the page and through the file, and scope (404).

use crate::support::{PASSWORD, TestApp, csrf_of, urlenc};
use crate::work::{World, world};
use axum::http::{Method, StatusCode};
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::{Grouping, Part};
use dtz_services::results::ResultsFilter;
use dtz_services::{Caller, Services};
use serde_json::{Value, json};

crate::on_both! {
    computed_indicators_count_work_records_as_counted_by_hand => hand_counts;
    approval_freezes_a_figure_computed_from_work_records_until_reopened => freeze;
    cases_opened_are_counted_by_sex_and_age_with_small_counts_withheld => cases_opened;
    children_receiving_services_count_each_child_once_with_small_counts_withheld => children_served;
    the_computation_picker_saves_through_the_page_and_the_file => picker;
}

/// Indicators the demo programme does not have, added through the file.
const MORE: &str = r#"
[[goals.outcomes.indicators]]
code = "G3.O2.9"
title = "Prosecutions reaching trial"
definition = "Prosecutions that reached trial in the period."
measure = "count"
source = "computed"
computation = "prosecutions.reaching:trial"

[[goals.outcomes.indicators]]
code = "G3.O2.8"
title = "Parents reached"
definition = "Parents reached by any activity, each once."
measure = "count"
disaggregations = ["sex"]
source = "computed"
computation = "activities.people_reached:parents"
"#;

/// The demo programme with [`MORE`] under G3.O2, loaded again (an update of its file).
async fn with_more(app: &TestApp) {
    let text = dtz_services::demo::PROGRAMME.replacen(
        "[[goals.outcomes.indicators]]\ncode = \"G3.O2.2\"",
        &format!("{MORE}\n[[goals.outcomes.indicators]]\ncode = \"G3.O2.2\""),
        1,
    );
    let p = Services::parse_programme(&text).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
}

/// The figure of `code` for Bolivia in `period` (`pending`: open reports included).
async fn figure(app: &TestApp, programme: &str, code: &str, period: &str, pending: bool, part: Part) -> Option<i64> {
    let filter = ResultsFilter { country: Some(CountryCode::parse("c", "BO").unwrap()), ..Default::default() };
    let by = Grouping { period: true, part: true, ..Grouping::default() };
    let f = app.services.figures_filtered(&Caller::System, programme, &[by], pending, &filter).await.unwrap();
    let ind = f[0].indicators.iter().find(|i| i.indicator.code == code).unwrap();
    ind.cells
        .iter()
        .find(|c| c.period.map(|p| p.to_string()).as_deref() == Some(period) && c.part == Some(part.clone()))
        .and_then(|c| c.value)
}

async fn post(app: &TestApp, w: &World, path: &str, body: Value) -> Value {
    let r = app.api(Method::POST, path, Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text());
    r.json()
}

async fn put(app: &TestApp, w: &World, path: &str, body: Value) {
    let r = app.api(Method::PUT, path, Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
}

fn id(v: &Value) -> String {
    v["id"].as_str().or_else(|| v["row"]["id"].as_str()).unwrap_or_default().to_owned()
}

/// A policy instrument of the Bolivian partner with stages reached on the dates given.
async fn instrument(app: &TestApp, w: &World, stages: &[(&str, &str)]) -> String {
    let body = json!({"org_id": w.partner, "country": "BO", "kind": "law", "level": "national", "title": "Ley"});
    let i = id(&post(app, w, "/policy-instruments", body).await);
    for (stage, on) in stages {
        put(app, w, &format!("/policy-instruments/{i}/stages/{stage}"), json!({"reached_on": on})).await;
    }
    i
}

async fn company(app: &TestApp, w: &World, name: &str, met: &[&str]) -> String {
    let body = json!({"org_id": w.partner, "country": "BO", "name": name, "kind": "company", "sector": "tourism", "size": "large"});
    let c = id(&post(app, w, "/companies", body).await);
    let staff = if met.contains(&"training") { json!(12) } else { Value::Null };
    put(app, w, &format!("/companies/{c}/years/2016"), json!({"met": met, "staff_trained": staff})).await;
    c
}

async fn activity(app: &TestApp, w: &World, kind: &str, reach: Value) {
    let body = json!({
        "organisation_id": w.partner.to_string(), "country": "BO", "goal": "G1", "type": kind,
        "title": "Sample", "start": "2016-04-02", "reach": reach
    });
    post(app, w, "/programmes/DTZ/activities", body).await;
}

async fn terms(app: &TestApp) {
    for code in ["training_children", "peer_education", "awareness_event"] {
        crate::cases::term(app, "activity_type", code).await;
    }
}

async fn hand_counts(app: TestApp) {
    let w = world(&app).await;
    with_more(&app).await;
    terms(&app).await;
    // Two trainings: 20 girls the first time; at the second the same 20 girls again
    // and 5 boys for the first time. Unique children trained: 25, not 45.
    let girls = json!({"group": "children", "sex": "female", "age": "12_17", "first_time": 20});
    activity(&app, &w, "training_children", json!([girls])).await;
    let again = json!([{"group": "children", "sex": "female", "age": "12_17", "first_time": 0, "repeat": 20},
                       {"group": "children", "sex": "male", "age": "under_12", "first_time": 5},
                       {"group": "parents", "sex": "female", "age": "18_plus", "first_time": 7, "repeat": 2}]);
    activity(&app, &w, "peer_education", again).await;
    assert_eq!(figure(&app, "DTZ", "G1.O3.2", "2016", true, Part::Total).await, Some(25));
    assert_eq!(figure(&app, "DTZ", "G1.O3.2", "2016", true, Part::of("sex", "female")).await, Some(20));
    assert_eq!(figure(&app, "DTZ", "G3.O2.8", "2016", true, Part::Total).await, Some(7), "parents, each once");

    // Policies: one adopted in 2016 (funded in 2017), one only drafted.
    instrument(&app, &w, &[("identified", "2016-01-10"), ("adopted", "2016-06-01"), ("funded", "2017-02-01")]).await;
    instrument(&app, &w, &[("drafted", "2016-03-01")]).await;
    assert_eq!(figure(&app, "DTZ", "G3.O1.3", "2016", true, Part::Total).await, Some(1), "adopted in 2016");
    assert_eq!(figure(&app, "DTZ", "G3.O1.3", "2017", true, Part::Total).await, Some(0));

    // Companies: exactly four criteria counts, exactly three does not.
    let four = company(&app, &w, "Hotel Cuatro", &["policy", "training", "clause", "report"]).await;
    company(&app, &w, "Hotel Tres", &["policy", "clause", "report"]).await;
    assert_eq!(figure(&app, "DTZ", "G4.O2.1", "2016", true, Part::Total).await, Some(1), "four of six, not three");
    put(&app, &w, &format!("/companies/{four}/stages/signed_code"), json!({"reached_on": "2016-08-01"})).await;
    assert_eq!(figure(&app, "DTZ", "G4.O1.2", "2016", true, Part::Total).await, Some(1), "signed a code in 2016");

    // Prosecutions reaching trial: three is a count below five, withheld; five is shown.
    let mut ids = Vec::new();
    for k in 0..5 {
        let body = json!({"org_id": w.partner, "country": "BO", "reference": format!("PR-2016-{k}"), "offence": "csam", "opened_on": "2016-02-01", "legal_aid": true});
        ids.push(id(&post(&app, &w, "/prosecutions", body).await));
    }
    for p in &ids[..3] {
        put(&app, &w, &format!("/prosecutions/{p}/stages/trial"), json!({"reached_on": "2016-09-01"})).await;
    }
    assert_eq!(figure(&app, "DTZ", "G3.O2.9", "2016", true, Part::Total).await, None, "3 is withheld");
    for p in &ids[3..] {
        put(&app, &w, &format!("/prosecutions/{p}/stages/trial"), json!({"reached_on": "2016-10-01"})).await;
    }
    assert_eq!(figure(&app, "DTZ", "G3.O2.9", "2016", true, Part::Total).await, Some(5));

    // The results page shows them marked as computed; a country outside the officer's
    // scope is not there for him.
    let page = app.page("/results/DTZ/indicators/G4.O2.1", Some(&w.coordinator.0)).await;
    assert_eq!(page.status, StatusCode::OK);
    let pe =
        app.api(Method::GET, &format!("/programmes/DTZ/reports/{}/BO/2016", w.partner), Some(&w.me_pe.1), None).await;
    assert_eq!(pe.status, StatusCode::NOT_FOUND, "another country's report: {}", pe.text());
}

async fn freeze(app: TestApp) {
    let w = world(&app).await;
    instrument(&app, &w, &[("adopted", "2016-06-01")]).await;
    let r = app.api(Method::GET, &format!("/programmes/DTZ/reports/{}/BO/2016", w.partner), Some(&w.me.1), None).await;
    assert_eq!(r.status, StatusCode::OK, "the change started a draft report: {}", r.text());
    let report = r.json()["id"].as_str().unwrap().to_owned();
    let lead = app.org("TdH", "alliance_member").await;
    let role = dtz_domain::access::RoleAssignment {
        role: dtz_domain::access::Role::AllianceManager,
        org: None,
        country: None,
        team: None,
    };
    let manager = app.user("lead@tdh.example.org", lead, Some(role)).await.1;
    let coordinator = w.coordinator.1.clone();
    let act = |token: String, action: &'static str, version: i64| {
        let (app, report) = (&app, report.clone());
        async move {
            let body = json!({"action": action, "version": version, "reason": "Sample reason"});
            let r = app.api(Method::POST, &format!("/reports/{report}/actions"), Some(&token), Some(body)).await;
            assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.text());
            r.json()["version"].as_i64().unwrap()
        }
    };
    let v = r.json()["version"].as_i64().unwrap();
    let v = act(w.me.1.clone(), "submit", v).await;
    let v = act(coordinator, "approve_country", v).await;
    let v = act(manager.clone(), "approve_alliance", v).await;
    assert_eq!(figure(&app, "DTZ", "G3.O1.3", "2016", false, Part::Total).await, Some(1));

    // Another adoption in 2016 after approval: the approved figure stays, the report
    // shows what reopening would bring.
    instrument(&app, &w, &[("adopted", "2016-11-20")]).await;
    assert_eq!(figure(&app, "DTZ", "G3.O1.3", "2016", false, Part::Total).await, Some(1), "frozen");
    let manager_page = app.login("lead@tdh.example.org", PASSWORD).await.unwrap();
    let page = app.page(&format!("/results/reports/{report}"), Some(&manager_page)).await.text();
    assert!(page.contains("approved: 1") && page.contains("recomputed now: 2"), "{page}");

    // Reopened and recomputed, it brings 2.
    act(manager, "reopen", v).await;
    let r = app.api(Method::POST, &format!("/reports/{report}/recompute"), Some(&w.me.1), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(figure(&app, "DTZ", "G3.O1.3", "2016", true, Part::Total).await, Some(2));
}

/// A programme of the current years with one computed indicator over cases.
const CASES: &str = r#"format = "dtz-programme/1"

[programme]
code = "CASES"
name = "Cases pilot"
start = 2020-01-01
end = 2040-12-31
periods = "year"
currency = "EUR"

[[countries]]
country = "BO"

[[disaggregations]]
code = "sex"
title = "Sex"
options = [{ code = "female", label = "Female" }, { code = "male", label = "Male" }]

[[disaggregations]]
code = "age"
title = "Age group"
options = [{ code = "under_12", label = "Under 12" }, { code = "12_17", label = "12–17" }]

[[goals]]
code = "G1"
title = "Goal"

[[goals.outcomes]]
code = "G1.O1"
title = "Outcome"

[[goals.outcomes.indicators]]
code = "C1"
title = "Cases opened"
definition = "Cases opened in the period."
measure = "count"
disaggregations = ["sex", "age"]
source = "computed"
computation = "cases.opened"
"#;

async fn cases_opened(app: TestApp) {
    let s = crate::cases::setup(&app).await;
    let p = Services::parse_programme(CASES).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let year = dtz_domain::Clock::now(&app.clock).year().to_string();
    // Three girls of 14: a count below five, withheld at every level.
    for _ in 0..3 {
        crate::cases::open_case(&app, &s, &worker, None).await;
    }
    assert_eq!(figure(&app, "CASES", "C1", &year, true, Part::Total).await, None, "3 cases: withheld");
    assert_eq!(figure(&app, "CASES", "C1", &year, true, Part::of("sex", "male")).await, None, "with its parts");
    // Six: shown rounded to five, by sex and by age at opening.
    for _ in 0..3 {
        crate::cases::open_case(&app, &s, &worker, None).await;
    }
    assert_eq!(figure(&app, "CASES", "C1", &year, true, Part::Total).await, Some(5), "6 rounded to 5");
    assert_eq!(figure(&app, "CASES", "C1", &year, true, Part::of("sex", "female")).await, Some(5));
    assert_eq!(figure(&app, "CASES", "C1", &year, true, Part::of("sex", "male")).await, Some(0));
    assert_eq!(figure(&app, "CASES", "C1", &year, true, Part::of("age", "12_17")).await, Some(5));
}

async fn picker(app: TestApp) {
    let w = world(&app).await;
    let lead = app.org("TdH", "alliance_member").await;
    let role = dtz_domain::access::RoleAssignment {
        role: dtz_domain::access::Role::AllianceManager,
        org: None,
        country: None,
        team: None,
    };
    app.user("lead@tdh.example.org", lead, Some(role)).await;
    let manager = app.login("lead@tdh.example.org", PASSWORD).await.unwrap();
    let path = "/results/DTZ/framework/new-indicator?node=G4.O1";
    let html = app.page(path, Some(&manager)).await.text();
    assert!(
        html.contains("<option value=\"companies.at_stage:implementing\">")
            && html.contains("Companies at an engagement stage at the end of the period: ")
            && html.contains("<option value=\"prosecutions.reaching:trial\">"),
        "every computation with its parameters, court stages from the vocabulary: {html}"
    );
    let version = html.split("name=\"version\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
    let form = |computation: &str| {
        format!(
            "csrf={}&version={version}&node=G4.O1&code=G4.O1.7&title={}&definition={}&measure=count&aggregation=sum\
             &counts=persons&direction=ascending&source=computed&computation={}",
            csrf_of(&html),
            urlenc("Companies implementing"),
            urlenc("Companies at the implementing stage."),
            urlenc(computation)
        )
    };
    let r = app.post_form("/results/DTZ/framework/new-indicator", Some(&manager), &form("companies.at_stage:x")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a parameter not offered");
    assert!(r.text().contains("needs one of"), "{}", r.text());
    let r = app
        .post_form("/results/DTZ/framework/new-indicator", Some(&manager), &form("companies.at_stage:implementing"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let file = dtz_formats::programme::write(&app.services.programme("DTZ").await.unwrap().1);
    assert!(file.contains("computation = \"companies.at_stage:implementing\""), "{file}");
    let edit = app.page("/results/DTZ/framework/indicators/G4.O1.7", Some(&manager)).await.text();
    assert!(edit.contains("<option value=\"companies.at_stage:implementing\" selected>"), "{edit}");

    // The same through the file: a wrong parameter is refused with its place, a right
    // one saved.
    let bad = file.replace("companies.at_stage:implementing", "companies.at_stage:married");
    let err = Services::parse_programme(&bad).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("computation") && err.contains("needs one of"), "{err}");
    let good = file.replace("companies.at_stage:implementing", "companies.reaching:committed");
    let p = Services::parse_programme(&good).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let edit = app.page("/results/DTZ/framework/indicators/G4.O1.7", Some(&manager)).await.text();
    assert!(edit.contains("<option value=\"companies.reaching:committed\" selected>"), "{edit}");

    // Editing frameworks is for the alliance's M&E lead: others are turned away.
    let r = app.page(path, Some(&w.me.0)).await;
    assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", r.status);
}

/// Children receiving services through referrals: a child in care counts once however
/// many referrals; declined referrals do not count; below five the figure is withheld.
async fn children_served(app: TestApp) {
    use crate::referrals::{a_case, consent, provider, refer, step};
    let s = crate::cases::setup(&app).await;
    for (code, computation) in [
        ("SERVED", "referrals.children_served"),
        ("SHELTER", "referrals.children_served_by_type:shelter"),
        ("MEDICAL", "referrals.children_served_by_type:medical"),
    ] {
        let text = CASES.replace("cases.opened", computation).replace("\"CASES\"", &format!("\"{code}\""));
        let p = Services::parse_programme(&text).unwrap();
        app.services.load_programme(&Caller::System, &p).await.unwrap();
    }
    let (_, service, token) = provider(&app, "Shelter (sample)", "p@example.org", true).await;
    let token = token.unwrap();
    let year = dtz_domain::Clock::now(&app.clock).year().to_string();
    let mut cases = Vec::new();
    for _ in 0..8 {
        let case = a_case(&app, &s).await;
        consent(&app, &s, case, "services").await;
        consent(&app, &s, case, "sharing").await;
        cases.push(case);
    }
    let send = |case| {
        let (app, s) = (&app, &s);
        async move {
            let (status, v) = refer(app, &s.worker_token, case, service, false).await;
            assert!(status.is_success(), "{v}");
            v["referral"]["id"].as_str().unwrap().to_owned()
        }
    };
    // Three children accepted, the first of them twice: 3, withheld.
    for case in &cases[..3] {
        let id = send(*case).await;
        assert!(step(&app, &token, &id, "accept", None).await.0.is_success());
    }
    let again = send(cases[0]).await;
    assert!(step(&app, &token, &again, "accept", None).await.0.is_success());
    // A declined referral brings no child into care.
    let declined = send(cases[3]).await;
    assert!(step(&app, &token, &declined, "decline", Some("Full")).await.0.is_success());
    assert_eq!(figure(&app, "SERVED", "C1", &year, true, Part::Total).await, None, "3 children: withheld");
    // Four more accepted: 7 children, shown rounded to 5 (counting the first child twice,
    // or the declined one, would make 8 and show 10).
    for case in &cases[4..] {
        let id = send(*case).await;
        assert!(step(&app, &token, &id, "accept", None).await.0.is_success());
    }
    assert_eq!(figure(&app, "SERVED", "C1", &year, true, Part::Total).await, Some(5), "7 children, each once");
    assert_eq!(figure(&app, "SERVED", "C1", &year, true, Part::of("sex", "female")).await, Some(5));
    // By type: every referral here was to a shelter, none to medical care.
    assert_eq!(figure(&app, "SHELTER", "C1", &year, true, Part::Total).await, Some(5), "shelter");
    assert_ne!(figure(&app, "MEDICAL", "C1", &year, true, Part::Total).await, Some(5), "medical");
}
