//! Progress monitoring: exact for case supervisors in scope, disclosed (with
//! complementary suppression) for everyone else allowed aggregates, 404 for the rest;
//! every view audited.

use crate::cases::{role, setup};
use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_services::Caller;

crate::on_both! {
    supervisors_see_exact_counts_and_others_disclosed_ones => exact_and_disclosed;
    monitoring_is_not_for_caseworkers_administrators_or_providers => not_for_everyone;
    the_country_and_organisation_pages_narrow_the_figures => narrowing;
    referrals_and_follow_ups_are_a_section_of_the_page => referrals_section;
}

/// Open `n` cases of `risk` through the API as the caseworker.
async fn open_cases(app: &TestApp, s: &crate::cases::Setup, risk: &str, n: usize) {
    for _ in 0..n {
        let body = serde_json::json!({
            "country": "BO", "team_id": s.team.0, "caseworker_id": s.worker.0, "risk": risk,
            "profile": {"sex": "female", "birth_year": 2012, "languages": ["es"]}
        });
        let r = app.api(Method::POST, "/cases", Some(&s.worker_token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
}

fn cell(html: &str, label: &str) -> String {
    let at = format!("<th scope=\"row\">{label}</th><td class=\"num\">");
    html.split(&at).nth(1).and_then(|s| s.split('<').next()).unwrap_or("missing").to_owned()
}

async fn exact_and_disclosed(app: TestApp) {
    let s = setup(&app).await;
    open_cases(&app, &s, "high", 8).await;
    open_cases(&app, &s, "low", 2).await;
    let supervisor = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    let r = app.page("/monitoring", Some(&supervisor)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let t = r.text();
    assert!(t.contains("Exact counts"), "{t}");
    let risk = t.split("Open cases, by risk").nth(1).unwrap();
    assert_eq!((cell(risk, "High"), cell(risk, "Low"), cell(risk, "Total")), ("8".into(), "2".into(), "10".into()));
    // A donor sees the same table disclosed: 2 is "<5", and 8 hides with it (10 − 8
    // would give the 2 back); the total is rounded to 5.
    let donor_org = app.org("The donor", "donor").await;
    app.user(
        "donor@example.org",
        donor_org,
        Some(RoleAssignment { role: Role::Donor, org: Some(donor_org), country: None, team: None }),
    )
    .await;
    let donor = app.login("donor@example.org", PASSWORD).await.unwrap();
    let t = app.page("/monitoring", Some(&donor)).await.text();
    let risk = t.split("Open cases, by risk").nth(1).unwrap();
    assert_eq!(cell(risk, "Low"), "&#60;5");
    assert_eq!(cell(risk, "High"), "&#60;5", "complementary suppression");
    assert_eq!(cell(risk, "Medium"), "0");
    assert_eq!(cell(risk, "Total"), "10");
    assert!(!t.contains(">8<") && !t.contains(">2<"), "no exact small count anywhere");
    // Both reads are audited as aggregate reads, with section names only.
    let events = app
        .services
        .audit_events(&Caller::System, &dtz_store::audit::EventFilter { limit: 500, ..Default::default() })
        .await
        .unwrap();
    let reads: Vec<_> = events.iter().filter(|e| e.action == "monitoring.read").collect();
    assert_eq!(reads.len(), 2);
    assert!(reads.iter().any(|e| e.fields.contains("disclosed")) && reads.iter().any(|e| e.fields.contains("exact")));
}

async fn not_for_everyone(app: TestApp) {
    let s = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page("/monitoring", Some(&worker)).await.status, StatusCode::NOT_FOUND);
    assert!(!app.page("/", Some(&worker)).await.text().contains("href=\"/monitoring\""), "not in the menu");
    app.user(
        "orgadmin@example.org",
        s.org,
        Some(RoleAssignment { role: Role::Administrator, org: Some(s.org), country: None, team: None }),
    )
    .await;
    let admin = app.login("orgadmin@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page("/monitoring/bo", Some(&admin)).await.status, StatusCode::NOT_FOUND);
    let provider = app.org("A shelter", "service_provider").await;
    app.user("shelter@example.org", provider, role(Role::ServiceProvider, provider, None, None)).await;
    let shelter = app.login("shelter@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page("/monitoring", Some(&shelter)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/monitoring", None).await.status, StatusCode::SEE_OTHER, "sign in first");
    // An M&E officer of the organisation sees it, in the menu too.
    app.user("me@example.org", s.org, role(Role::MeOfficer, s.org, None, None)).await;
    let me = app.login("me@example.org", PASSWORD).await.unwrap();
    let r = app.page("/monitoring", Some(&me)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("href=\"/monitoring\"") && r.text().contains("are protected"));
}

async fn narrowing(app: TestApp) {
    let s = setup(&app).await;
    open_cases(&app, &s, "medium", 6).await;
    let supervisor = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    let t = app.page("/monitoring/bo", Some(&supervisor)).await.text();
    assert!(t.contains("Progress monitoring: Bolivia"));
    assert_eq!(cell(t.split("Open cases, by risk").nth(1).unwrap(), "Medium"), "6");
    let t = app.page("/monitoring/pe", Some(&supervisor)).await.text();
    assert_eq!(cell(t.split("Open cases, by risk").nth(1).unwrap(), "Medium"), "0", "another country");
    let other = app.org("Another member", "alliance_member").await;
    let t = app.page(&format!("/monitoring/bo?org={}", other.0), Some(&supervisor)).await.text();
    assert_eq!(cell(t.split("Open cases, by risk").nth(1).unwrap(), "Medium"), "0", "another organisation");
    let t = app.page(&format!("/monitoring?org={}", s.org.0), Some(&supervisor)).await.text();
    assert_eq!(cell(t.split("Open cases, by risk").nth(1).unwrap(), "Medium"), "6");
    let bad = app.page("/monitoring/bolivia", Some(&supervisor)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The demo's Bolivian supervisor sees the referrals of the cases supervised, by status
/// (exact), the children in care by service type and the overdue follow-ups; a donor the
/// same section disclosed.
async fn referrals_section(app: TestApp) {
    let demo = dtz_services::demo::load(&app.services).await.expect("demo");
    let password = demo.password.expect("demo password");
    let supervisor = app.login("supervisor.bo@demo.example.org", &password).await.expect("login");
    let r = app.page("/monitoring/BO", Some(&supervisor)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let t = r.text();
    let part = t.split("Referrals of these cases, by status").nth(1).expect("the referrals section");
    let total: u64 = cell(part, "Total").parse().expect("an exact total");
    let statuses: u64 = ["Waiting for an answer", "Accepted", "Declined", "In progress", "Completed"]
        .iter()
        .map(|l| cell(part, l).parse::<u64>().unwrap_or(0))
        .sum();
    assert!(total > 0 && statuses <= total, "demo referrals counted: {total}");
    assert!(t.contains("Children receiving services now, by type"), "{t}");
    assert!(t.contains("Planned follow-ups past their date"), "{t}");
    let rate = t.split("Referrals completed, of those that came to an end").nth(1).expect("the completion rate");
    let rate = rate.split("</p>").next().unwrap_or_default();
    assert!(rate.contains(" % (of "), "exact for the supervisor: {rate}");
}
