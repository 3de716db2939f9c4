//! Baselines and targets per part, through the page and the API, within each person's
//! countries (split from `framework.rs`, whose world and helpers it shares).

use crate::framework::{value_of, world};
use crate::support::{TestApp, urlenc};
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both! {
    targets_per_part_are_set_in_the_page_and_the_api_within_each_persons_countries => targets;
}

/// The targets form as the page shows it, with some cells changed.
fn targets_form(html: &str, changes: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for name in ["csrf", "country", "goal", "org", "parts"] {
        pairs.push((name.into(), value_of(html, name)));
    }
    for part in html.split("name=\"").skip(1) {
        let Some((name, rest)) = part.split_once('"') else { continue };
        if name.starts_with("t|") || name.starts_with("b|") {
            let v = rest.strip_prefix(" value=\"").and_then(|r| r.split('"').next()).unwrap_or_default();
            pairs.push((name.into(), v.into()));
        }
    }
    for (k, v) in changes {
        assert!(pairs.iter().any(|(x, _)| x == k), "the page has a cell {k}");
        pairs.retain(|(x, _)| x != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    pairs.iter().map(|(k, v)| format!("{}={}", urlenc(k), urlenc(v))).collect::<Vec<_>>().join("&")
}

async fn targets(app: TestApp) {
    let w = world(&app).await;
    let url = "/results/DTZ/targets?country=BO&goal=G1&parts=on";
    let html = app.page(url, Some(&w.lead)).await.text();
    assert!(html.contains("name=\"t|G1.O1.1|sex=female|2016|value\""), "{html}");
    assert!(html.contains("name=\"t|G1.O1.2|sex=female|2017|num\""), "percentages by numerator and denominator");
    let r = app
        .post_form(
            "/results/DTZ/targets",
            Some(&w.lead),
            &targets_form(
                &html,
                &[
                    ("t|G1.O1.1||2016|value", "1200"),
                    ("t|G1.O1.1|sex=female|2016|value", "700"),
                    ("t|G1.O1.1|sex=male|2016|value", "500"),
                    ("b|G1.O1.1|year", "2015"),
                    ("b|G1.O1.1|value", "900"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let read = app.api(Method::GET, "/programmes/DTZ/goals", Some(&w.lead_token), None).await.json();
    let female =
        read["targets"].as_array().unwrap().iter().find(|t| t["part"] == "sex=female").expect("a target per part");
    assert_eq!(
        (female["value"].as_i64(), female["period"].as_str(), female["version"].as_i64()),
        (Some(700), Some("2016"), Some(1))
    );
    assert_eq!(read["baselines"][0]["value"], 900);
    let ind = app.page("/results/DTZ/indicators/G1.O1.1", Some(&w.lead)).await.text();
    assert!(ind.contains("Bolivia (Plurinational State of): target, Sex: Female") && ind.contains(">700<"), "{ind}");
    let again = app.page(url, Some(&w.lead)).await.text();
    assert_eq!(value_of(&again, "t|G1.O1.1|sex=female|2016|value"), "700");

    // Bad input: a problem beside the cell, nothing saved.
    let r = app
        .post_form(
            "/results/DTZ/targets",
            Some(&w.lead),
            &targets_form(&again, &[("t|G1.O1.1|sex=male|2016|value", "many"), ("t|G1.O1.1||2017|value", "1300")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("“G1.O1.1”: “many” is not a whole number.")
            && r.text().contains("href=\"#t|G1.O1.1|sex=male|2016\""),
        "{}",
        r.text()
    );
    let r = app
        .post_form(
            "/results/DTZ/targets",
            Some(&w.lead),
            &targets_form(&again, &[("t|G1.O1.2||2016|num", "5"), ("t|G1.O1.1||2017|value", "1300")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Enter both the numerator and the denominator."), "{}", r.text());
    let read = app.api(Method::GET, "/programmes/DTZ/goals", Some(&w.lead_token), None).await.json();
    assert_eq!(read["targets"].as_array().unwrap().len(), 3, "all or nothing: {read}");

    // The API: a part must be a breakdown of the indicator; versions catch lost updates.
    let put = |body: serde_json::Value, token: String| {
        let app = &app;
        async move { app.api(Method::PUT, "/programmes/DTZ/goals", Some(&token), Some(body)).await }
    };
    let r = put(json!({"targets": [{"indicator": "G1.O1.1", "country": "BO", "period": "2016", "part": "sex=other", "value": 1}]}), w.lead_token.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("“sex=other” is not a breakdown of this indicator."), "{}", r.text());
    let stale = json!({"targets": [{"indicator": "G1.O1.1", "country": "BO", "period": "2016", "part": "sex=female", "value": 650, "version": 0}]});
    let r = put(stale, w.lead_token.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("targets:G1.O1.1@BO/2016[sex=female]"), "{}", r.text());
    let fresh = json!({"targets": [{"indicator": "G1.O1.1", "country": "BO", "period": "2016", "part": "sex=female", "value": 650, "version": 1}]});
    assert_eq!(put(fresh, w.lead_token.clone()).await.status, StatusCode::NO_CONTENT);
    // The page still shows 700 (it was opened before): saving it without touching that
    // cell keeps 650; changing that cell is a 409 naming it.
    let r = app
        .post_form("/results/DTZ/targets", Some(&w.lead), &targets_form(&again, &[("t|G1.O1.1||2017|value", "1300")]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .post_form(
            "/results/DTZ/targets",
            Some(&w.lead),
            &targets_form(&again, &[("t|G1.O1.1|sex=female|2016|value", "710")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("targets:G1.O1.1@BO/2016[sex=female]"), "{}", r.text());
    let read = app.api(Method::GET, "/programmes/DTZ/goals", Some(&w.lead_token), None).await.json();
    let female = read["targets"].as_array().unwrap().iter().find(|t| t["part"] == "sex=female").unwrap();
    assert_eq!(female["value"], 650);
    assert_eq!(read["targets"].as_array().unwrap().len(), 4);

    // A coordinator sets its own country's targets, per organisation too, not another's.
    let bo = app.page("/results/DTZ/targets?country=BO&goal=G1", Some(&w.coordinator)).await.text();
    assert!(bo.contains("Save baselines and targets"), "editable for Bolivia");
    let org = w.partner.0.to_string();
    let mine =
        app.page(&format!("/results/DTZ/targets?country=BO&goal=G1&org={org}"), Some(&w.coordinator)).await.text();
    assert!(mine.contains(&format!("<option value=\"{org}\" selected>")), "the implementer is offered: {mine}");
    assert!(!mine.contains("b|G1.O1.1|year"), "baselines are for the whole country");
    let r = app
        .post_form(
            "/results/DTZ/targets",
            Some(&w.coordinator),
            &targets_form(&mine, &[("t|G1.O3.1||2016|value", "80")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let read = app.api(Method::GET, "/programmes/DTZ/goals", Some(&w.coordinator_token), None).await.json();
    assert!(
        read["targets"].as_array().unwrap().iter().any(|t| t["org_id"] == org.as_str() && t["value"] == 80),
        "{read}"
    );
    let pe = app.page("/results/DTZ/targets?country=PE&goal=G1", Some(&w.coordinator)).await.text();
    assert!(
        !pe.contains("Save baselines and targets") && pe.contains("fieldset id=\"G1.O1.1\" disabled"),
        "read only for Peru"
    );
    let forged = targets_form(&pe, &[("t|G1.O1.1||2016|value", "5")]);
    assert_eq!(
        app.post_form("/results/DTZ/targets", Some(&w.coordinator), &forged).await.status,
        StatusCode::FORBIDDEN
    );
    let peru = json!({"targets": [{"indicator": "G1.O1.1", "country": "PE", "period": "2016", "part": "sex=male", "value": 5}]});
    assert_eq!(put(peru, w.coordinator_token.clone()).await.status, StatusCode::FORBIDDEN);
    // Clearing a cell clears the target.
    let now = app.page(url, Some(&w.lead)).await.text();
    let r = app
        .post_form("/results/DTZ/targets", Some(&w.lead), &targets_form(&now, &[("t|G1.O1.1|sex=male|2016|value", "")]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let read = app.api(Method::GET, "/programmes/DTZ/goals", Some(&w.lead_token), None).await.json();
    assert!(!read["targets"].as_array().unwrap().iter().any(|t| t["part"] == "sex=male"), "{read}");
}
