//! The demo holds work records for goals 2 to 4 in its countries, and every page of them
//! opens for the demo's people.

use super::count;
use crate::support::TestApp;
use axum::http::{Method, StatusCode};

crate::on_both! {
    the_demo_has_outcomes_policies_prosecutions_and_companies_to_show => demo;
}

async fn demo(app: TestApp) {
    let accounts = dtz_services::demo::load(&app.services).await.unwrap();
    let password = accounts.password.unwrap();
    for table in [
        "harvested_outcomes",
        "policy_instruments",
        "policy_stages",
        "prosecutions",
        "prosecution_stages",
        "companies",
        "company_years",
    ] {
        assert!(count(&app, table).await >= 5, "{table}");
    }
    let officer = app.login("me.officer.bo@demo.example.org", &password).await.unwrap();
    for (path, expect) in
        [("/outcomes", "(sample)"), ("/policy", "(sample)"), ("/companies", "(sample)"), ("/prosecutions", "BO-")]
    {
        let r = app.page(path, Some(&officer)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text().contains(expect), "{path}: {}", r.text());
        let first = first_record(&r.text(), path);
        let r = app.page(&format!("{path}/{first}"), Some(&officer)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}/{first}: {}", r.text());
    }
    // Case staff see the case references; the Philippines' prosecutions follow their own stages.
    let caseworker = app.login("caseworker.bo@demo.example.org", &password).await.unwrap();
    let list = app.page("/prosecutions", Some(&caseworker)).await.text();
    let first = first_record(&list, "/prosecutions");
    assert!(app.page(&format!("/prosecutions/{first}"), Some(&caseworker)).await.text().contains("BO-ELA-"));
    let donor = app.login("donor@demo.example.org", &password).await.unwrap();
    let summary = app.page("/prosecutions/summary", Some(&donor)).await.text();
    assert!(summary.contains("Preliminary investigation") && summary.contains("&#60;5"), "{summary}");
    let page = app.page("/companies", Some(&donor)).await.text();
    assert!(page.contains("6 of 6 in 2019") || page.contains("5 of 6 in 2020"), "{page}");
    // The figures for computed indicators are there for the alliance M&E lead.
    let token = app
        .services
        .create_token(
            &dtz_services::Caller::System,
            dtz_domain::ids::UserId(
                app.services
                    .users(&dtz_services::Caller::System, None)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|u| u.email == "alliance.lead@demo.example.org")
                    .unwrap()
                    .id,
            ),
            "t",
        )
        .await
        .unwrap()
        .1;
    let r = app.api(Method::GET, "/work-counts/companies_meeting_code?programme=DTZ", Some(&token), None).await;
    assert!(r.json().as_array().is_some_and(|a| !a.is_empty()), "{}", r.text());
}

/// The id of the first record linked from a list page.
fn first_record(html: &str, path: &str) -> String {
    html.split(&format!("href=\"{path}/"))
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or_default())
        .find(|s| s.parse::<uuid::Uuid>().is_ok())
        .unwrap()
        .to_owned()
}
