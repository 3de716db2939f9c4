//! The policy tracker: an instrument is recorded, moves through its stages with dates and
//! evidence files, is linked to an outcome, and is counted per period for computed
//! indicators; scoped, versioned and audited.

use super::{audit_of, audit_text, submit, world};
use crate::evidence::multipart;
use crate::support::{TestApp, csrf_of};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dtz_domain::results::Period;
use dtz_domain::work::policy::PolicyStage;
use dtz_services::work::counts::WorkCount;
use serde_json::json;

crate::on_both! {
    a_policy_instrument_moves_through_its_stages_with_evidence => story;
}

const PDF: &[u8] = b"%PDF-1.4\n% Gaceta oficial 4521, decreto municipal\n%%EOF\n";

async fn story(app: TestApp) {
    let w = world(&app).await;

    // Recorded through the API by the partner's M&E officer; the kind must be a term.
    let body = json!({"org_id": w.partner, "country": "BO", "kind": "decree", "level": "municipal", "title": "Protocolo municipal"});
    let r = app.api(Method::POST, "/policy-instruments", Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields: Vec<String> =
        r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert!(fields.contains(&"area".to_owned()), "{fields:?}");
    let body = json!({"org_id": w.partner, "country": "BO", "kind": "protocol", "level": "municipal", "area": "El Alto", "title": "Protocolo municipal de derivación"});
    let r = app.api(Method::POST, "/policy-instruments", Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["stage"], serde_json::Value::Null);

    // Stages on the pages: identified, then drafted; a date before an earlier stage's is refused.
    let stage = |s: &str| format!("/policy/{id}/stages/{s}");
    let r = submit(
        &app,
        &w.me.0,
        &stage("identified"),
        &stage("identified"),
        &[("version", "0"), ("reached_on", "2018-02-01"), ("note", "Diagnóstico")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = submit(
        &app,
        &w.me.0,
        &stage("drafted"),
        &stage("drafted"),
        &[("version", "0"), ("reached_on", "2019-05-05"), ("note", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = submit(
        &app,
        &w.me.0,
        &stage("adopted"),
        &stage("adopted"),
        &[("version", "0"), ("reached_on", "2019-01-01"), ("note", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("The date is before that of an earlier stage, “drafted” (“2019-05-05”)."),
        "{}",
        r.text()
    );
    let r = submit(
        &app,
        &w.me.0,
        &stage("adopted"),
        &stage("adopted"),
        &[("version", "0"), ("reached_on", "2019-09-30"), ("note", "Gaceta 4521")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Recording it again on version 0 is stale; a correction names the version read.
    let r = submit(
        &app,
        &w.me.0,
        &stage("adopted"),
        &stage("adopted"),
        &[("version", "0"), ("reached_on", "2019-10-01"), ("note", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = submit(
        &app,
        &w.me.0,
        &stage("adopted"),
        &stage("adopted"),
        &[("version", "1"), ("reached_on", "2019-10-01"), ("note", "Gaceta 4521")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // The timeline shows reached stages with their dates, and the current stage.
    let page = app.page(&format!("/policy/{id}"), Some(&w.me.0)).await.text();
    assert!(page.contains("✓ Identified") && page.contains("1 Oct 2019") && page.contains("○ Funded"), "{page}");
    assert!(page.contains("<dd>Adopted</dd>"), "current stage: {page}");
    let list = app.page("/policy?country=BO&level=municipal", Some(&w.coordinator.0)).await.text();
    assert!(list.contains("Protocolo municipal de derivación") && list.contains("Adopted"), "{list}");

    // Evidence on a stage: attached, downloaded, removed after confirmation.
    let form = app.page(&stage("adopted"), Some(&w.me.0)).await.text();
    let (ct, bytes) = multipart(&[("csrf", &csrf_of(&form))], Some(("gaceta.pdf", PDF)));
    let req =
        Request::post(format!("{}/files", stage("adopted"))).header(header::CONTENT_TYPE, ct).header("cookie", &w.me.0);
    let r = app.send(req.body(Body::from(bytes)).unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.page(&format!("/policy/{id}"), Some(&w.coordinator.0)).await.text();
    let file = page.split("href=\"/work/files/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let d = app.page(&format!("/work/files/{file}"), Some(&w.coordinator.0)).await;
    assert_eq!((d.status, d.body.as_slice()), (StatusCode::OK, PDF));
    assert_eq!(app.page(&format!("/work/files/{file}"), Some(&w.me_pe.0)).await.status, StatusCode::NOT_FOUND);
    let confirm = app.page(&format!("/work/files/{file}/remove"), Some(&w.me.0)).await.text();
    let r = app
        .post_form(
            &format!("/work/files/{file}/remove"),
            Some(&w.donor.0),
            &format!("csrf={}", csrf_of(&app.page("/policy", Some(&w.donor.0)).await.text())),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the donor reads but does not remove");
    let r = app
        .post_form(&format!("/work/files/{file}/remove"), Some(&w.me.0), &format!("csrf={}", csrf_of(&confirm)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.page(&format!("/work/files/{file}"), Some(&w.me.0)).await.status, StatusCode::NOT_FOUND);

    // Changing the instrument: the edit page, then a stale API change.
    let edit = format!("/policy/{id}/edit");
    let f = [
        ("version", "1"),
        ("kind", "protocol"),
        ("level", "municipal"),
        ("area", "El Alto"),
        ("title", "Protocolo municipal de derivación y atención"),
        ("description", ""),
    ];
    let r = submit(&app, &w.me.0, &edit, &edit, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .api(
            Method::PATCH,
            &format!("/policy-instruments/{id}"),
            Some(&w.me.1),
            Some(json!({"version": 1, "title": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["changed_fields"], json!(["title"]));

    // Withdrawing a stage recorded by mistake, through the API.
    let r = app
        .api(
            Method::PUT,
            &format!("/policy-instruments/{id}/stages/funded"),
            Some(&w.me.1),
            Some(json!({"reached_on": "2020-01-10"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .api(Method::DELETE, &format!("/policy-instruments/{id}/stages/funded?version=1"), Some(&w.me.1), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = app.api(Method::GET, &format!("/policy-instruments/{id}"), Some(&w.me.1), None).await;
    assert_eq!(r.json()["stage"], "adopted");
    assert_eq!(r.json()["stages"].as_array().unwrap().len(), 3);

    // An outcome linked to it shows on its page.
    let body = json!({"org_id": w.partner, "country": "BO", "title": "Derivaciones en 24 horas", "observed_on": "2020-01-15", "change": "c", "social_actor": "Defensoría", "significance": "s", "contribution": "c", "verification": "unverified", "instruments": [id]});
    let r = app.api(Method::POST, "/outcomes", Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(app.page(&format!("/policy/{id}"), Some(&w.me.0)).await.text().contains("Derivaciones en 24 horas"));

    // Counted for computed indicators: adopted in 2019 (not 2018), per organisation and country.
    let periods = [Period::parse("p", "2018").unwrap(), Period::parse("p", "2019").unwrap()];
    let sys = dtz_services::Caller::System;
    let figures =
        app.services.work_counts(&sys, WorkCount::InstrumentsReaching(PolicyStage::Adopted), &periods).await.unwrap();
    assert_eq!(figures.len(), 1, "{figures:?}");
    assert_eq!((figures[0].org, figures[0].period.as_str(), figures[0].count.value()), (w.partner.0, "2019", Some(1)));
    let r = app.api(Method::GET, "/work-counts/policies_adopted?programme=DTZ", Some(&w.me_pe.1), None).await;
    assert_eq!(r.json(), json!([]), "counts are scoped");
    let r = app.api(Method::GET, "/work-counts/policies_adopted?programme=DTZ", Some(&w.donor.1), None).await;
    assert_eq!(r.json()[0]["period"], "2019");

    // Out of scope: 404 everywhere, the same as for nothing.
    for path in [format!("/policy/{id}"), edit.clone(), stage("adopted")] {
        assert_eq!(app.page(&path, Some(&w.me_pe.0)).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = app
        .api(
            Method::PUT,
            &format!("/policy-instruments/{id}/stages/funded"),
            Some(&w.me_pe.1),
            Some(json!({"reached_on": "2020-01-10"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Audited with field names only.
    let events = audit_of(&app, &id).await;
    assert_eq!(events.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["policy.create", "policy.update"]);
    assert!(events[1].1.contains("\"title\""));
    let all = audit_text(&app).await;
    for a in [
        "policy.stage.record",
        "policy.stage.correct",
        "policy.stage.withdraw",
        "work.file.attach",
        "work.file.read",
        "work.file.remove",
    ] {
        assert!(all.contains(a), "{a}: {all}");
    }
    for value in ["Protocolo", "El Alto", "Gaceta", "2019-10-01", "gaceta.pdf"] {
        assert!(!all.contains(value), "{value} in the audit");
    }
}
