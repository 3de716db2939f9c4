//! Harvested outcomes: recorded and changed on the pages and through the API, linked to
//! the framework and to policy instruments, scoped, versioned and audited.

use super::{audit_of, audit_text, count, created, submit, world};
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both! {
    an_outcome_is_harvested_changed_and_kept_within_scope => story;
}

const CHANGE: &str = "The council of El Alto adopted the protocol on 12 April.";

async fn story(app: TestApp) {
    let w = world(&app).await;
    let nodes = app.services.result_nodes().await.unwrap();
    let g3 = nodes.iter().find(|n| n.code == "G3.O1").unwrap().id.to_string();
    let partner = w.partner.to_string();
    let fields = |title: &'static str| {
        vec![
            ("org", partner.clone()),
            ("country", "BO".to_owned()),
            ("title", title.to_owned()),
            ("observed_on", "2019-04-12".to_owned()),
            ("social_actor", "Municipal council of El Alto".to_owned()),
            ("change", CHANGE.to_owned()),
            ("significance", "Children reach help sooner.".to_owned()),
            ("contribution", "Lobby meetings and a draft.".to_owned()),
            ("sources", String::new()),
            ("verification", "unverified".to_owned()),
            ("nodes", g3.clone()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();

    // Bad input is refused with every problem named, and nothing is stored.
    let mut bad = as_refs(&fields("Protocol adopted"));
    bad.retain(|(k, _)| *k != "title");
    bad.push(("observed_on", "2019-02-30".into()));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &w.me.0, "/outcomes/new", "/outcomes", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Enter a value.") && r.text().contains("Enter a date as year-month-day"), "{}", r.text());
    assert!(r.text().contains("Municipal council of El Alto"), "the input is kept");
    assert_eq!(count(&app, "harvested_outcomes").await, 0);

    // The partner's M&E officer records an outcome on the page.
    let good = fields("Protocol adopted in El Alto");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &w.me.0, "/outcomes/new", "/outcomes", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = created(&r);
    let page = app.page(&format!("/outcomes/{id}"), Some(&w.me.0)).await.text();
    assert!(page.contains("Protocol adopted in El Alto") && page.contains("G3.O1") && page.contains(CHANGE), "{page}");
    assert!(page.contains("Not verified yet") && page.contains("History"), "{page}");
    let list = app.page("/outcomes?country=BO&goal=".to_owned().as_str(), Some(&w.me.0)).await.text();
    assert!(list.contains("Protocol adopted in El Alto"), "{list}");
    let filtered = app.page(&format!("/outcomes?goal={g3}&verification=substantiated"), Some(&w.me.0)).await.text();
    assert!(!filtered.contains("Protocol adopted in El Alto"), "filters narrow the list");

    // The coordinator of Bolivia changes it on the page (version 1 → 2).
    let edit = format!("/outcomes/{id}/edit");
    let mut changed = fields("Protocol adopted and applied in El Alto");
    changed.push(("version", "1".into()));
    changed.retain(|(k, _)| *k != "verification");
    changed.push(("verification", "substantiated".into()));
    let changed: Vec<(&str, &str)> = changed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &w.coordinator.0, &edit, &edit, &changed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // The same form sent again on version 1 is stale: 409, naming what changed since.
    let r = submit(&app, &w.me.0, &edit, &edit, &changed).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("while you were editing (title, verification)"), "{}", r.text());
    let r = app
        .api(Method::PATCH, &format!("/outcomes/{id}"), Some(&w.me.1), Some(json!({"version": 1, "sources": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["current_version"], 2);

    // Through the API: read with its links, change with the version read.
    let r = app.api(Method::GET, &format!("/outcomes/{id}"), Some(&w.me.1), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["results"][0]["code"], "G3.O1");
    assert_eq!(r.json()["verification"], "substantiated");
    let body =
        json!({"version": 2, "sources": "Minutes of the council", "results": [{"programme": "DTZ", "code": "G3"}]});
    let r = app.api(Method::PATCH, &format!("/outcomes/{id}"), Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"], 3);
    assert_eq!(r.json()["results"][0]["code"], "G3");
    let r = app
        .api(
            Method::PATCH,
            &format!("/outcomes/{id}"),
            Some(&w.me.1),
            Some(json!({"version": 3, "results": [{"programme": "DTZ", "code": "G9"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(Method::POST, "/outcomes", Some(&w.me.1), Some(json!({"org_id": w.partner, "country": "BO", "title": "T", "observed_on": "2019-01-01", "change": "c", "social_actor": "a", "significance": "s", "contribution": "c", "verification": "unverified"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Out of scope: the officer in Peru gets the same 404 as for nothing at all.
    for path in [format!("/outcomes/{id}"), format!("/outcomes/{id}/edit")] {
        assert_eq!(app.page(&path, Some(&w.me_pe.0)).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        app.api(Method::GET, &format!("/outcomes/{id}"), Some(&w.me_pe.1), None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app.api(Method::PATCH, &format!("/outcomes/{id}"), Some(&w.me_pe.1), Some(json!({"version": 3}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api(Method::GET, "/outcomes", Some(&w.me_pe.1), None).await.json()["total"], 0);
    // …and cannot record one for the Bolivian partner.
    let r = app
        .api(Method::POST, "/outcomes", Some(&w.me_pe.1), Some(json!({"org_id": w.partner, "country": "BO", "title": "T", "observed_on": "2019-01-01", "change": "c", "social_actor": "a", "significance": "s", "contribution": "c", "verification": "unverified"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The donor reads it but does not change it.
    assert_eq!(app.page(&format!("/outcomes/{id}"), Some(&w.donor.0)).await.status, StatusCode::OK);
    assert_eq!(app.page(&format!("/outcomes/{id}/edit"), Some(&w.donor.0)).await.status, StatusCode::FORBIDDEN);

    // The audit names the fields, never their values.
    let events = audit_of(&app, &id).await;
    let actions: Vec<&str> = events.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["outcome.create", "outcome.update", "outcome.update"]);
    assert!(events[1].1.contains("\"title\"") && events[1].1.contains("\"verification\""), "{events:?}");
    assert!(events[2].1.contains("\"links\"") && events[2].1.contains("\"sources\""), "{events:?}");
    let all = audit_text(&app).await;
    for value in ["El Alto", "Minutes of the council", "substantiated", "2019-04-12"] {
        assert!(!all.contains(value), "{value} in the audit: {all}");
    }
    // The page's history shows the same names.
    let page = app.page(&format!("/outcomes/{id}"), Some(&w.me.0)).await.text();
    assert!(page.contains("Changed") && page.contains("sources"), "{page}");
}
