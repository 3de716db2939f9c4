//! Prosecutions: recorded by the organisation that supports them, with stages of the
//! country's legal system; the case reference only its case staff see; everyone else
//! sees a summary in which counts from 1 to 4 are "<5".

use super::{audit_of, audit_text, created, submit, world};
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both! {
    a_prosecution_is_recorded_without_the_victim_and_counted_only_when_disclosed => story;
}

const CASE: &str = "BO-ELA-2019-0042";

async fn story(app: TestApp) {
    let w = world(&app).await;
    let partner = w.partner.to_string();

    // A caseworker of the partner records a proceeding with the child's case number.
    let f = [
        ("org", partner.as_str()),
        ("country", "BO"),
        ("reference", "PR-2019-007"),
        ("offence", "trafficking"),
        ("opened_on", "2019-03-04"),
        ("legal_aid", "on"),
        ("case_ref", CASE),
    ];
    let r = submit(&app, &w.caseworker.0, "/prosecutions/new", "/prosecutions", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = created(&r);
    let page = app.page(&format!("/prosecutions/{id}"), Some(&w.caseworker.0)).await.text();
    assert!(page.contains("PR-2019-007") && page.contains(CASE) && page.contains("Legal aid"), "{page}");

    // The M&E officer of the same partner reads it, without the case reference…
    let page = app.page(&format!("/prosecutions/{id}"), Some(&w.me.0)).await.text();
    assert!(page.contains("PR-2019-007") && !page.contains(CASE) && !page.contains("<dt>Case reference"), "{page}");
    let r = app.api(Method::GET, &format!("/prosecutions/{id}"), Some(&w.me.1), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json().get("case_ref").is_none() && !r.text().contains(CASE), "{}", r.text());
    let edit = format!("/prosecutions/{id}/edit");
    assert!(!app.page(&edit, Some(&w.me.0)).await.text().contains(CASE));
    // …changes it without touching the reference, and cannot set one.
    let f = [
        ("version", "1"),
        ("reference", "PR-2019-007"),
        ("offence", "trafficking"),
        ("opened_on", "2019-03-04"),
        ("legal_aid", "on"),
        ("accompaniment", "on"),
    ];
    let r = submit(&app, &w.me.0, &edit, &edit, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .api(
            Method::PATCH,
            &format!("/prosecutions/{id}"),
            Some(&w.me.1),
            Some(json!({"version": 2, "case_ref": "BO-1"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.api(Method::GET, &format!("/prosecutions/{id}"), Some(&w.caseworker.1), None).await;
    assert_eq!(r.json()["case_ref"], CASE, "kept: {}", r.text());
    assert_eq!(r.json()["accompaniment"], true);
    // A stale change is refused with what changed since.
    let r = app
        .api(
            Method::PATCH,
            &format!("/prosecutions/{id}"),
            Some(&w.caseworker.1),
            Some(json!({"version": 1, "legal_aid": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["changed_fields"], json!(["accompaniment"]));
    // Nothing that reads as a name goes in as a file number.
    let r = submit(
        &app,
        &w.me.0,
        &edit,
        &edit,
        &[("version", "2"), ("reference", "Maria"), ("offence", "trafficking"), ("opened_on", "2019-03-04")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("never a name"), "{}", r.text());

    // Stages are those of the country's legal system.
    let r = app
        .api(
            Method::PUT,
            &format!("/prosecutions/{id}/stages/investigation"),
            Some(&w.me.1),
            Some(json!({"reached_on": "2019-04-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .api(
            Method::PUT,
            &format!("/prosecutions/{id}/stages/denuncia"),
            Some(&w.me.1),
            Some(json!({"reached_on": "2019-04-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "Peru's stages are not Bolivia's");
    let r = app
        .api(
            Method::PUT,
            &format!("/prosecutions/{id}/stages/trial"),
            Some(&w.me.1),
            Some(json!({"reached_on": "2019-06-01", "note": "Ana, 12"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no notes on prosecutions");
    let body =
        json!({"org_id": w.other, "country": "PE", "reference": "LIM-1", "offence": "csam", "opened_on": "2020-01-02"});
    let r = app.api(Method::POST, "/prosecutions", Some(&w.me_pe.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let pe = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .api(
            Method::PUT,
            &format!("/prosecutions/{pe}/stages/denuncia"),
            Some(&w.me_pe.1),
            Some(json!({"reached_on": "2020-01-03"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = app.page(&format!("/prosecutions/{pe}"), Some(&w.me_pe.0)).await.text();
    assert!(page.contains("Complaint") && page.contains("Oral trial") && !page.contains("Investigation"), "{page}");

    // Out of scope: the other partner, the coordinator and the donor do not see the records.
    for c in [&w.me_pe.0, &w.coordinator.0, &w.donor.0] {
        assert_eq!(app.page(&format!("/prosecutions/{id}"), Some(c)).await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.page("/prosecutions", Some(&w.coordinator.0)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::GET, &format!("/prosecutions/{id}"), Some(&w.donor.1), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api(Method::GET, "/prosecutions", Some(&w.coordinator.1), None).await.json()["total"], 0);

    // Seven more in Bolivia: 5 stay under investigation, 2 are charged; the first goes to trial.
    for k in 0..7 {
        let body = json!({"org_id": w.partner, "country": "BO", "reference": format!("PR-2020-{k}"), "offence": "csam", "opened_on": "2020-02-01", "accompaniment": true});
        let r = app.api(Method::POST, "/prosecutions", Some(&w.me.1), Some(body)).await;
        let pid = r.json()["id"].as_str().unwrap().to_owned();
        app.api(
            Method::PUT,
            &format!("/prosecutions/{pid}/stages/investigation"),
            Some(&w.me.1),
            Some(json!({"reached_on": "2020-03-01"})),
        )
        .await;
        if k >= 5 {
            let r = app
                .api(
                    Method::PUT,
                    &format!("/prosecutions/{pid}/stages/charged"),
                    Some(&w.me.1),
                    Some(json!({"reached_on": "2020-04-01"})),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK);
        }
    }
    app.api(
        Method::PUT,
        &format!("/prosecutions/{id}/stages/trial"),
        Some(&w.me.1),
        Some(json!({"reached_on": "2019-09-01"})),
    )
    .await;

    // The summary: one line per stage of each legal system, small counts as "<5".
    let r = app.api(Method::GET, "/prosecutions/summary", Some(&w.donor.1), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let lines: Vec<(String, String, String)> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["country"].as_str().unwrap().to_owned(),
                l["stage"].as_str().unwrap_or("-").to_owned(),
                l["count"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let bo: Vec<(&str, &str)> = lines.iter().filter(|l| l.0 == "BO").map(|l| (l.1.as_str(), l.2.as_str())).collect();
    assert_eq!(bo, [("-", "0"), ("investigation", "5"), ("charged", "<5"), ("trial", "<5")]);
    let pe: Vec<(&str, &str)> = lines.iter().filter(|l| l.0 == "PE").map(|l| (l.1.as_str(), l.2.as_str())).collect();
    assert_eq!(pe, [("-", "0"), ("denuncia", "<5"), ("juicio_oral", "0")]);
    let page = app.page("/prosecutions/summary", Some(&w.coordinator.0)).await.text();
    assert!(page.contains("&#60;5") && page.contains("Investigation") && !page.contains("Peru"), "{page}");
    assert!(!page.contains(">2<") && !page.contains(">1<"), "no small count shows: {page}");
    // Counts for indicators pass through disclosure control too.
    let r = app.api(Method::GET, "/work-counts/prosecutions_supported?programme=DTZ", Some(&w.donor.1), None).await;
    let figures = r.json();
    let y2019 = figures.as_array().unwrap().iter().find(|f| f["period"] == "2019").unwrap();
    assert_eq!(y2019["count"], "<5");

    // Audited by field names; the case reference only by name, and showing it is audited.
    let events = audit_of(&app, &id).await;
    let actions: Vec<&str> = events.iter().map(|(a, _)| a.as_str()).collect();
    assert!(actions.starts_with(&["prosecution.create", "prosecution.read"]), "{actions:?}");
    assert!(events[0].1.contains("\"case_ref\"") && events[0].1.contains("\"reference\""));
    assert!(actions.contains(&"prosecution.update"));
    let all = audit_text(&app).await;
    for value in [CASE, "PR-2019-007", "trafficking", "2019-03-04"] {
        assert!(!all.contains(value), "{value} in the audit");
    }
    // The case reference is sealed at rest.
    let sealed: Vec<(Option<Vec<u8>>,)> =
        app.db.db.read().fetch_all(&dtz_store::Sql::new("SELECT case_ref FROM prosecutions")).await.unwrap();
    assert!(sealed.iter().flat_map(|(c,)| c).all(|c| !c.windows(6).any(|w| w == b"BO-ELA")));
}
