//! Entering indicator values and approving them at two levels, through the API.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_services::{Caller, Services};
use serde_json::json;

crate::on_both! {
    values_are_entered_submitted_and_approved_at_two_levels => workflow;
    a_bad_batch_changes_nothing_and_names_every_problem => bad_batch;
    targets_and_baselines_are_set_by_the_right_people_and_large_deviations_need_a_comment => goals;
    rollups_through_the_api_follow_scope_and_approval => rollups;
    deadlines_remind_once_those_who_have_not_submitted => deadlines;
}

struct World {
    partner: OrgId,
    me: String,
    coordinator: String,
    own_coordinator: String,
    manager: String,
    manager2: String,
    donor: String,
    other_me: String,
}

fn ra(role: Role, org: Option<OrgId>, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org, country: country.map(|c| CountryCode::parse("c", c).unwrap()), team: None })
}

async fn world(app: &TestApp) -> World {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let lead = app.org("ICCO", "alliance_member").await;
    let partner = app.org("Partner Bolivia", "local_partner").await;
    let other = app.org("Partner Peru", "local_partner").await;
    let tdh = app.org("TdH", "alliance_member").await;
    World {
        partner,
        me: app.user("me@bo.example.org", partner, ra(Role::MeOfficer, Some(partner), Some("BO"))).await.1,
        coordinator: app
            .user("coord@bo.example.org", lead, ra(Role::CountryCoordinator, Some(lead), Some("BO")))
            .await
            .1,
        own_coordinator: app
            .user("coord@partner.example.org", partner, ra(Role::CountryCoordinator, Some(partner), Some("BO")))
            .await
            .1,
        manager: app.user("lead@tdh.example.org", tdh, ra(Role::AllianceManager, None, None)).await.1,
        manager2: app.user("lead2@tdh.example.org", tdh, ra(Role::AllianceManager, None, None)).await.1,
        donor: app.user("donor@mfa.example.org", tdh, ra(Role::Donor, None, None)).await.1,
        other_me: app.user("me@pe.example.org", other, ra(Role::MeOfficer, Some(other), Some("PE"))).await.1,
    }
}

async fn act(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    version: i64,
    reason: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let r = app
        .api(
            Method::POST,
            &format!("/reports/{id}/actions"),
            Some(token),
            Some(json!({"action": action, "version": version, "reason": reason})),
        )
        .await;
    (r.status, r.json())
}

async fn workflow(app: TestApp) {
    let w = world(&app).await;
    let path = format!("/programmes/DTZ/reports/{}/BO/2016", w.partner);
    let values = json!([
        {"indicator": "G1.O1.1", "value": 412},
        {"indicator": "G1.O1.1", "part": "sex=female", "value": 250},
        {"indicator": "G1.O1.1", "part": "sex=male", "value": 150},
        {"indicator": "G1.O1.1", "part": "sex=unknown", "value": 12},
        {"indicator": "G1.O1.2", "numerator": 300, "denominator": 400},
        {"indicator": "G3.O1.2", "value": 1},
        {"indicator": "G3.O3.1", "value": 3}
    ]);
    let r = app.api(Method::PUT, &path, Some(&w.me), Some(values.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "draft");
    assert_eq!(r.json()["values"].as_array().unwrap().len(), 7);
    let id = r.json()["id"].as_str().unwrap().to_owned();

    // Need to know: another partner and the donor do not see the report.
    assert_eq!(app.api(Method::GET, &path, Some(&w.other_me), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api(Method::GET, &path, Some(&w.donor), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::PUT, &path, Some(&w.other_me), Some(values.clone())).await.status,
        StatusCode::NOT_FOUND
    );

    let (s, j) = act(&app, &w.me, &id, "submit", 1, None).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let r = app.api(Method::PUT, &path, Some(&w.me), Some(json!([{"indicator": "G1.O1.1", "value": 999}]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "submitted values are frozen: {}", r.text());
    // The coordinator of the partner's own organisation cannot approve its values alone.
    assert_eq!(act(&app, &w.own_coordinator, &id, "approve_country", 2, None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        act(&app, &w.manager, &id, "approve_alliance", 2, None).await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no skipping a level"
    );
    let (s, j) = act(&app, &w.coordinator, &id, "return", 2, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a return needs a reason: {j}");
    let (s, j) = act(&app, &w.coordinator, &id, "return", 2, Some("Check the sex breakdown against the lists.")).await;
    assert_eq!((s, j["status"].as_str()), (StatusCode::OK, Some("returned")), "{j}");
    let tasks = app.api(Method::GET, "/notifications", Some(&w.me), None).await.json();
    assert!(tasks.to_string().contains("value_returned"), "the M&E officer is told: {tasks}");
    let r = app
        .api(
            Method::PUT,
            &path,
            Some(&w.me),
            Some(json!([{"indicator": "G1.O1.1", "part": "sex=female", "value": 251}, {"indicator": "G1.O1.1", "part": "sex=unknown", "value": 11}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (s, _) = act(&app, &w.me, &id, "submit", 3, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, j) = act(&app, &w.coordinator, &id, "approve_country", 3, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "a stale version is refused: {j}");
    let (s, j) = act(&app, &w.coordinator, &id, "approve_country", 4, None).await;
    assert_eq!((s, j["status"].as_str()), (StatusCode::OK, Some("country_approved")), "{j}");
    let (s, j) = act(&app, &w.manager, &id, "approve_alliance", 5, None).await;
    assert_eq!((s, j["status"].as_str()), (StatusCode::OK, Some("approved")), "{j}");
    assert_eq!(act(&app, &w.me, &id, "submit", 6, None).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // Reopening is explicit, audited, and needs a reason; then the second approval needs
    // someone other than who gave the first.
    assert_eq!(act(&app, &w.manager, &id, "reopen", 6, None).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = act(&app, &w.manager, &id, "reopen", 6, Some("Late correction from the field office.")).await;
    assert_eq!(s, StatusCode::OK);
    act(&app, &w.me, &id, "submit", 7, None).await;
    let (s, _) = act(&app, &w.manager, &id, "approve_country", 8, None).await;
    assert_eq!(s, StatusCode::OK, "the alliance lead may approve the country level");
    assert_eq!(
        act(&app, &w.manager, &id, "approve_alliance", 9, None).await.0,
        StatusCode::FORBIDDEN,
        "not both levels alone"
    );
    assert_eq!(act(&app, &w.manager2, &id, "approve_alliance", 9, None).await.0, StatusCode::OK);

    let admin = app.admin().await;
    let audit = app.api(Method::GET, &format!("/audit/events?entity_id={id}"), Some(&admin), None).await;
    let actions: Vec<String> = audit
        .json()
        .as_array()
        .map(|a| a.iter().map(|e| e["action"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default();
    for a in [
        "values.save",
        "report.submit",
        "report.return",
        "report.approve_country",
        "report.approve_alliance",
        "report.reopen",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    let fields: Vec<String> = audit
        .json()
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["fields"].as_array().cloned().unwrap_or_default())
        .map(|f| f.to_string())
        .collect();
    assert!(fields.iter().any(|f| f.contains("G1.O1.1[sex=female]")), "field names are kept: {fields:?}");
    assert!(fields.iter().all(|f| !f.contains("251")), "values never are: {fields:?}");
}

async fn bad_batch(app: TestApp) {
    let w = world(&app).await;
    let path = format!("/programmes/DTZ/reports/{}/BO/2016", w.partner);
    let bad = json!([
        {"indicator": "G1.O1.1", "value": 10},
        {"indicator": "NOPE", "value": 1},
        {"indicator": "G1.O1.2", "numerator": 5, "denominator": 4},
        {"indicator": "G1.O1.1", "part": "caste=x", "value": 1},
        {"indicator": "G3.O1.2", "value": 2},
        {"indicator": "G3.O3.1", "value": 9},
        {"indicator": "G1.O1.1", "value": -3}
    ]);
    let r = app.api(Method::PUT, &path, Some(&w.me), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> =
        r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["values[1]", "values[2]", "values[3]", "values[4]", "values[5]", "values[6]"], "{}", r.text());
    let after = app.api(Method::GET, &path, Some(&w.me), None).await.json();
    assert_eq!(after["values"].as_array().map(Vec::len), Some(0), "nothing written: {after}");
    assert!(after["id"].is_null(), "not even the report");
    let split = json!([
        {"indicator": "G1.O1.1", "value": 10},
        {"indicator": "G1.O1.1", "part": "sex=female", "value": 3},
        {"indicator": "G1.O1.1", "part": "sex=male", "value": 3}
    ]);
    let r = app.api(Method::PUT, &path, Some(&w.me), Some(split)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("the breakdown adds up to “sex” 6, not the total 10"), "{}", r.text());
    let r = app
        .api(Method::PUT, &format!("/programmes/DTZ/reports/{}/XX/2016", w.partner), Some(&w.me), Some(json!([])))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(Method::PUT, &format!("/programmes/DTZ/reports/{}/BO/2031", w.partner), Some(&w.me), Some(json!([])))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(Method::PUT, &format!("/programmes/DTZ/reports/{}/PE/2016", w.partner), Some(&w.me), Some(json!([])))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "an M&E officer writes only for its own country");
}

async fn goals(app: TestApp) {
    let w = world(&app).await;
    let goals = json!({
        "baselines": [{"indicator": "G1.O1.1", "country": "BO", "period": "2015", "value": 900}],
        "targets": [
            {"indicator": "G1.O1.1", "country": "BO", "period": "2016", "value": 1200},
            {"indicator": "G1.O1.1", "country": "BO", "org_id": w.partner, "period": "2016", "value": 400}
        ]
    });
    assert_eq!(
        app.api(Method::PUT, "/programmes/DTZ/goals", Some(&w.me), Some(goals.clone())).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = json!({"targets": [{"indicator": "G1.O1.2", "country": "BO", "period": "2016", "numerator": 5, "denominator": 2}, {"indicator": "G1.O1.1", "country": "ZZ", "period": "2016", "value": 1}]});
    let r = app.api(Method::PUT, "/programmes/DTZ/goals", Some(&w.manager), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"].as_array().map(Vec::len), Some(2));
    let r = app.api(Method::PUT, "/programmes/DTZ/goals", Some(&w.coordinator), Some(goals.clone())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "the coordinator of Bolivia sets Bolivian targets: {}", r.text());
    let peru = json!({"targets": [{"indicator": "G1.O1.1", "country": "PE", "period": "2016", "value": 5}]});
    assert_eq!(
        app.api(Method::PUT, "/programmes/DTZ/goals", Some(&w.coordinator), Some(peru)).await.status,
        StatusCode::FORBIDDEN
    );
    let read = app.api(Method::GET, "/programmes/DTZ/goals", Some(&w.me), None).await.json();
    assert_eq!(read["targets"].as_array().map(Vec::len), Some(2), "{read}");
    assert_eq!(read["baselines"][0]["value"], 900);

    let path = format!("/programmes/DTZ/reports/{}/BO/2016", w.partner);
    let far = app.api(Method::PUT, &path, Some(&w.me), Some(json!([{"indicator": "G1.O1.1", "value": 150}]))).await;
    assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY, "far below the organisation's target of 400");
    assert!(far.text().contains("explain in a comment"), "{}", far.text());
    let explained =
        json!([{"indicator": "G1.O1.1", "value": 150, "comment": "Schools closed for two months (floods)."}]);
    assert_eq!(app.api(Method::PUT, &path, Some(&w.me), Some(explained)).await.status, StatusCode::OK);
    assert_eq!(
        app.api(Method::PUT, &path, Some(&w.me), Some(json!([{"indicator": "G1.O1.1", "value": 380}]))).await.status,
        StatusCode::OK
    );
}

async fn rollups(app: TestApp) {
    let w = world(&app).await;
    let bo = format!("/programmes/DTZ/reports/{}/BO/2016", w.partner);
    let r = app.api(Method::PUT, &bo, Some(&w.me), Some(json!([{"indicator": "G1.O1.1", "value": 2000}, {"indicator": "G1.O1.2", "numerator": 30, "denominator": 40}]))).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    act(&app, &w.me, &id, "submit", 1, None).await;
    act(&app, &w.coordinator, &id, "approve_country", 2, None).await;
    assert_eq!(act(&app, &w.manager, &id, "approve_alliance", 3, None).await.0, StatusCode::OK);
    let pe = format!(
        "/programmes/DTZ/reports/{}/PE/2016",
        app.services.orgs(&Caller::System).await.unwrap().iter().find(|o| o.name == "Partner Peru").unwrap().id
    );
    let r = app.api(Method::PUT, &pe, Some(&w.other_me), Some(json!([{"indicator": "G1.O1.1", "value": 1667}, {"indicator": "G1.O1.2", "numerator": 10, "denominator": 160}]))).await;
    assert_eq!(r.status, StatusCode::OK);

    let get = |token: &str, q: &str| {
        let path = format!("/programmes/DTZ/rollups?{q}");
        let token = token.to_owned();
        let app = &app;
        async move { app.api(Method::GET, &path, Some(&token), None).await }
    };
    let cell = |v: &serde_json::Value, ind: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|c| c["indicator"] == ind && c["period"] == "2016")
            .cloned()
            .unwrap_or_default()
    };
    let donor = get(&w.donor, "group=period&pending=true").await.json();
    assert_eq!(cell(&donor, "G1.O1.1")["value"], 2000, "donors: approved only, whatever they ask");
    assert_eq!(cell(&donor, "G1.O1.1")["includes_pending"], false);
    let staff = get(&w.manager, "group=period&pending=true").await.json();
    assert_eq!(cell(&staff, "G1.O1.1")["value"], 3667);
    assert_eq!(cell(&staff, "G1.O1.1")["includes_pending"], true);
    let ratio = cell(&staff, "G1.O1.2");
    assert_eq!((ratio["numerator"].clone(), ratio["denominator"].clone()), (json!(40), json!(200)), "a ratio of sums");
    assert!((ratio["ratio"].as_f64().unwrap() - 0.2).abs() < 1e-9, "20 %, never the mean of 75 % and 6.25 %");
    let by_country = get(&w.manager, "group=country,period&pending=true").await.json();
    assert_eq!(by_country.as_array().unwrap().iter().filter(|c| c["indicator"] == "G1.O1.1").count(), 2);
    let mine = get(&w.me, "group=country,period&pending=true").await.json();
    assert!(
        mine.as_array().unwrap().iter().all(|c| c["country"] == "BO"),
        "an M&E officer rolls up within its scope: {mine}"
    );
    assert_eq!(get(&w.manager, "group=colour").await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn deadlines(app: TestApp) {
    use dtz_domain::Clock;
    let w = world(&app).await;
    let due = (app.clock.now().date() + time::Duration::days(5)).to_string();
    let body = json!({"period": "2020", "due_date": due});
    assert_eq!(
        app.api(Method::PUT, "/programmes/DTZ/deadlines", Some(&w.me), Some(body.clone())).await.status,
        StatusCode::FORBIDDEN
    );
    let early = json!({"period": "2020", "due_date": "2020-06-30"});
    assert_eq!(
        app.api(Method::PUT, "/programmes/DTZ/deadlines", Some(&w.manager), Some(early)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let bad = json!({"period": "2020", "due_date": "soon"});
    assert_eq!(
        app.api(Method::PUT, "/programmes/DTZ/deadlines", Some(&w.manager), Some(bad)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.api(Method::PUT, "/programmes/DTZ/deadlines", Some(&w.manager), Some(body)).await.status,
        StatusCode::NO_CONTENT
    );
    let list = app.api(Method::GET, "/programmes/DTZ/deadlines", Some(&w.me), None).await.json();
    assert_eq!(list[0]["due_date"], due);
    // The Peruvian partner has submitted; the Bolivian one has not.
    let pe =
        app.services.orgs(&Caller::System).await.unwrap().into_iter().find(|o| o.name == "Partner Peru").unwrap().id;
    let r = app
        .api(
            Method::PUT,
            &format!("/programmes/DTZ/reports/{pe}/PE/2020"),
            Some(&w.other_me),
            Some(json!([{"indicator": "G3.O1.2", "value": 1}])),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(act(&app, &w.other_me, &id, "submit", 1, None).await.0, StatusCode::OK);
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    let mut with_partners = p.clone();
    for c in &mut with_partners.countries {
        match c.country.as_str() {
            "BO" => c.implementers = vec!["Partner Bolivia".into()],
            "PE" => c.implementers = vec!["Partner Peru".into()],
            _ => {}
        }
    }
    app.services.load_programme(&Caller::System, &with_partners).await.unwrap();
    let told = app.services.send_deadline_reminders().await.unwrap();
    assert_eq!(told, 1, "only the M&E officer who has not submitted");
    let tasks = app.api(Method::GET, "/notifications", Some(&w.me), None).await.text();
    assert!(tasks.contains("deadline_near"), "{tasks}");
    let other = app.api(Method::GET, "/notifications", Some(&w.other_me), None).await.text();
    assert!(!other.contains("deadline_near"), "{other}");
    assert_eq!(app.services.send_deadline_reminders().await.unwrap(), 0, "once per deadline");
}
