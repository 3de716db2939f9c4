//! Results pages: the programme and its framework.

use crate::support::{PASSWORD, TestApp};
use axum::http::StatusCode;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_services::{Caller, Services};

crate::on_both! {
    the_framework_is_shown_goal_by_goal_with_indicator_definitions => framework;
}

async fn framework(app: TestApp) {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let org = app.org("Partner", "local_partner").await;
    let me = RoleAssignment { role: Role::MeOfficer, org: Some(org), country: None, team: None };
    app.user("me@example.org", org, Some(me)).await;
    let c = app.login("me@example.org", PASSWORD).await.unwrap();
    let r = app.page("/results", Some(&c)).await;
    assert_eq!(r.headers["location"], "/results/DTZ", "one programme: straight to it");
    let html = app.page("/results/DTZ", Some(&c)).await.text();
    assert!(html.contains("Down to Zero") && html.contains("20 indicators"), "{html}");
    for goal in ["G1", "G2", "G3", "G4"] {
        assert!(html.contains(&format!("<code>{goal}</code>")), "{goal}");
    }
    assert!(html.contains("href=\"/results/DTZ/indicators/G1.O1.1\""));
    let ind = app.page("/results/DTZ/indicators/G1.O2.1", Some(&c)).await;
    assert_eq!(ind.status, StatusCode::OK);
    let ind = ind.text();
    assert!(
        ind.contains("Children who received care and guidance")
            && ind.contains("cumulative")
            && ind.contains("Sex: female, male, unknown"),
        "{ind}"
    );
    assert_eq!(app.page("/results/DTZ/indicators/NOPE", Some(&c)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/results/NOPE", Some(&c)).await.status, StatusCode::NOT_FOUND);
    assert!(app.page("/", Some(&c)).await.text().contains("href=\"/results\""), "Results in the navigation");
}
