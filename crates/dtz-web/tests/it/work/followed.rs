//! What those who follow the work see: exact prosecution counts for the organisation's
//! own people (disclosed ones for everyone else), and outcomes linked to activities on
//! both pages, within scope.

use super::{created, submit, world};
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both! {
    those_who_follow_prosecutions_see_exact_counts_others_the_disclosed_ones => exact;
    an_outcome_links_activities_and_the_activity_page_shows_the_outcome => links;
}

async fn exact(app: TestApp) {
    let w = world(&app).await;
    for k in 0..3 {
        let body = json!({"org_id": w.partner, "country": "BO", "reference": format!("PR-2019-{k}"), "offence": "csam", "opened_on": "2019-02-01", "legal_aid": true});
        let r = app.api(Method::POST, "/prosecutions", Some(&w.me.1), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let stage = json!({"reached_on": "2019-03-01"});
        let r =
            app.api(Method::PUT, &format!("/prosecutions/{id}/stages/investigation"), Some(&w.me.1), Some(stage)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let line = |v: &serde_json::Value| {
        v.as_array().unwrap().iter().find(|l| l["stage"] == "investigation").map(|l| l["count"].clone()).unwrap()
    };
    // The partner's M&E officer follows them: 3, exactly; the disclosed table still says <5.
    let r = app.api(Method::GET, "/prosecutions/summary/exact", Some(&w.me.1), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(line(&r.json()), "3");
    let r = app.api(Method::GET, "/prosecutions/summary", Some(&w.me.1), None).await;
    assert_eq!(line(&r.json()), "<5");
    let page = app.page("/prosecutions/summary", Some(&w.me.0)).await.text();
    assert!(
        page.contains("Proceedings you follow: exact counts") && page.contains("<td class=\"num\">3</td>"),
        "{page}"
    );
    // The coordinator of another organisation and the donor get the disclosed table only.
    for token in [&w.coordinator.1, &w.donor.1] {
        let r = app.api(Method::GET, "/prosecutions/summary/exact", Some(token), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        assert_eq!(line(&app.api(Method::GET, "/prosecutions/summary", Some(token), None).await.json()), "<5");
    }
    let page = app.page("/prosecutions/summary", Some(&w.coordinator.0)).await.text();
    assert!(!page.contains("exact counts") && !page.contains("<td class=\"num\">3</td>"), "{page}");
}

async fn links(app: TestApp) {
    let w = world(&app).await;
    crate::cases::term(&app, "activity_type", "training_children").await;
    let body = json!({
        "organisation_id": w.partner.to_string(), "country": "BO", "goal": "G1", "type": "training_children",
        "title": "Taller en El Alto", "start": "2019-03-02",
        "reach": [{"group": "children", "sex": "female", "age": "12_17", "first_time": 12}]
    });
    let r = app.api(Method::POST, "/programmes/DTZ/activities", Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let activity = r.json()["id"].as_str().unwrap().to_owned();
    let partner = w.partner.to_string();
    let fields = |activities: &str| {
        vec![
            ("org", partner.clone()),
            ("country", "BO".to_owned()),
            ("title", "Girls report grooming at school".to_owned()),
            ("observed_on", "2019-06-12".to_owned()),
            ("social_actor", "Girls of the school".to_owned()),
            ("change", "They reported two cases to the counsellor.".to_owned()),
            ("significance", "s".to_owned()),
            ("contribution", "c".to_owned()),
            ("verification", "unverified".to_owned()),
            ("activities", activities.to_owned()),
        ]
    };
    let as_refs = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    // An id that is no activity the officer may see is refused.
    let bad = as_refs(&fields(&uuid::Uuid::new_v4().to_string()));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &w.me.0, "/outcomes/new", "/outcomes", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Choose activities from the list."), "{}", r.text());
    // The form, once organisation and country are known, offers the activity.
    assert!(r.text().contains(&format!("value=\"{activity}\"")) && r.text().contains("Taller en El Alto"));
    let good = fields(&activity);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &w.me.0, "/outcomes/new", "/outcomes", &good).await;
    let outcome = created(&r);
    let page = app.page(&format!("/outcomes/{outcome}"), Some(&w.me.0)).await.text();
    assert!(
        page.contains(&format!("href=\"/activities/DTZ/{activity}\"")) && page.contains("Taller en El Alto"),
        "{page}"
    );
    let page = app.page(&format!("/activities/DTZ/{activity}"), Some(&w.coordinator.0)).await.text();
    assert!(
        page.contains(&format!("href=\"/outcomes/{outcome}\"")) && page.contains("Girls report grooming"),
        "{page}"
    );
    // Editing the outcome without the box unlinks it; outside the scope it is a 404.
    let edit = format!("/outcomes/{outcome}/edit");
    let mut none = as_refs(&fields(""));
    none.retain(|(k, _)| *k != "activities" && *k != "org" && *k != "country");
    none.push(("version", "1".into()));
    let none: Vec<(&str, &str)> = none.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &w.me.0, &edit, &edit, &none).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.page(&format!("/activities/DTZ/{activity}"), Some(&w.me.0)).await.text();
    assert!(!page.contains(&format!("href=\"/outcomes/{outcome}\"")), "{page}");
    assert_eq!(app.page(&format!("/outcomes/{outcome}"), Some(&w.me_pe.0)).await.status, StatusCode::NOT_FOUND);
}
