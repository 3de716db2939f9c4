//! Companies and The Code: a company is recorded, engaged stage by stage, and its six
//! criteria are recorded year by year with evidence; its page shows the progress; the
//! companies meeting at least four criteria are counted per year.

use super::{audit_of, audit_text, created, submit, world};
use crate::evidence::multipart;
use crate::support::{TestApp, csrf_of};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dtz_domain::results::Period;
use dtz_services::work::counts::WorkCount;
use serde_json::json;

crate::on_both! {
    a_company_engages_and_meets_the_code_year_by_year => story;
}

async fn story(app: TestApp) {
    let w = world(&app).await;
    let partner = w.partner.to_string();

    // Recorded on the page by the partner's M&E officer; a bad sector is named.
    let mut f = vec![
        ("org", partner.as_str()),
        ("country", "BO"),
        ("name", "Hotel Illimani"),
        ("kind", "company"),
        ("sector", "hotels"),
        ("size", "medium"),
    ];
    let r = submit(&app, &w.me.0, "/companies/new", "/companies", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Choose a sector from the list."), "{}", r.text());
    f[4] = ("sector", "tourism");
    let r = submit(&app, &w.me.0, "/companies/new", "/companies", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = created(&r);

    // Engagement stages.
    for (stage, date) in [("contacted", "2018-01-10"), ("committed", "2018-05-02"), ("signed_code", "2019-02-14")] {
        let path = format!("/companies/{id}/stages/{stage}");
        let r = submit(&app, &w.me.0, &path, &path, &[("version", "0"), ("reached_on", date), ("note", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{stage}: {}", r.text());
    }

    // The Code in 2019: four criteria with evidence; the number trained is asked for.
    let year = format!("/companies/{id}/years?year=2019");
    let action = format!("/companies/{id}/years");
    let mut y = vec![
        ("year", "2019"),
        ("version", "0"),
        ("met", "policy"),
        ("met", "training"),
        ("met", "clause"),
        ("met", "travellers"),
        ("staff_trained", ""),
        ("evidence_policy", "Política aprobada por el directorio"),
    ];
    let r = submit(&app, &w.me.0, &year, &action, &y).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Say how many staff were trained.") && r.text().contains("Política aprobada"),
        "{}",
        r.text()
    );
    y[6] = ("staff_trained", "35");
    let r = submit(&app, &w.me.0, &year, &action, &y).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // 2020 through the API: all six.
    let body = json!({"met": ["policy", "training", "clause", "travellers", "stakeholders", "report"], "staff_trained": 80, "evidence": {"report": "Informe anual 2020"}});
    let r = app.api(Method::PUT, &format!("/companies/{id}/years/2020"), Some(&w.me.1), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["criteria_met"], 6);
    // A stale change of 2019 is refused.
    let r = app
        .api(
            Method::PUT,
            &format!("/companies/{id}/years/2019"),
            Some(&w.me.1),
            Some(json!({"version": 0, "met": ["policy"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = app.api(Method::PUT, &format!("/companies/{id}/years/2035"), Some(&w.me.1), Some(json!({"met": []}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Evidence file on a criterion of 2019.
    let form = app.page(&year, Some(&w.me.0)).await.text();
    let (ct, bytes) = multipart(
        &[("csrf", &csrf_of(&form)), ("year", "2019"), ("criterion", "policy")],
        Some(("politica.pdf", b"%PDF-1.4\n%%EOF\n")),
    );
    let req = Request::post(format!("/companies/{id}/years/files"))
        .header(header::CONTENT_TYPE, ct)
        .header("cookie", &w.me.0);
    let r = app.send(req.body(Body::from(bytes)).unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.page(&year, Some(&w.me.0)).await.text().contains("politica.pdf"));

    // The company page: the criteria by year as a table, the progress as a chart with text.
    let page = app.page(&format!("/companies/{id}"), Some(&w.coordinator.0)).await.text();
    assert!(page.contains("<svg") && page.contains("<title id=\"code-chart-title\">"), "{page}");
    assert!(page.contains("4 of 6") && page.contains("6 of 6") && page.contains("Signed a code of conduct"), "{page}");
    assert!(page.contains(">35<") && page.contains(">80<"), "staff trained: {page}");
    let list = app.page("/companies?sector=tourism", Some(&w.donor.0)).await.text();
    assert!(list.contains("Hotel Illimani") && list.contains("6 of 6 in 2020"), "{list}");

    // Changing the company; a stale change names what changed since.
    let edit = format!("/companies/{id}/edit");
    let r = submit(
        &app,
        &w.me.0,
        &edit,
        &edit,
        &[
            ("version", "1"),
            ("name", "Hotel Illimani La Paz"),
            ("kind", "company"),
            ("sector", "tourism"),
            ("size", "large"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .api(Method::PATCH, &format!("/companies/{id}"), Some(&w.me.1), Some(json!({"version": 1, "size": "small"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["changed_fields"], json!(["name", "size"]));
    let r = app.api(Method::GET, &format!("/companies/{id}"), Some(&w.me.1), None).await;
    assert_eq!(
        (r.json()["stage"].as_str(), r.json()["years"].as_array().map(Vec::len)),
        (Some("signed_code"), Some(2))
    );

    // Counted for computed indicators: at least four of six, per year.
    let periods = [Period::parse("p", "2019").unwrap(), Period::parse("p", "2020").unwrap()];
    let figures = app
        .services
        .work_counts(&dtz_services::Caller::System, WorkCount::CompaniesMeetingCode, &periods)
        .await
        .unwrap();
    let got: Vec<(&str, Option<u64>)> = figures.iter().map(|f| (f.period.as_str(), f.count.value())).collect();
    assert_eq!(got, [("2019", Some(1)), ("2020", Some(1))]);
    let r =
        app.api(Method::GET, "/work-counts/companies_signed_code?programme=DTZ", Some(&w.coordinator.1), None).await;
    assert_eq!(r.json(), json!([{"org_id": partner, "country": "BO", "period": "2019", "count": "1"}]));

    // Out of scope.
    for path in [format!("/companies/{id}"), edit.clone(), year.clone(), format!("/companies/{id}/stages/contacted")] {
        assert_eq!(app.page(&path, Some(&w.me_pe.0)).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r =
        app.api(Method::PUT, &format!("/companies/{id}/years/2018"), Some(&w.me_pe.1), Some(json!({"met": []}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page(&edit, Some(&w.donor.0)).await.status, StatusCode::FORBIDDEN);

    // Audited by names.
    let events = audit_of(&app, &id).await;
    assert_eq!(events.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["company.create", "company.update"]);
    let all = audit_text(&app).await;
    assert!(
        all.contains("company.year.create")
            && all.contains("company.stage.record")
            && all.contains("\"staff_trained\"")
    );
    for value in ["Illimani", "Política aprobada", "Informe anual", "politica.pdf"] {
        assert!(!all.contains(value), "{value} in the audit");
    }
}
