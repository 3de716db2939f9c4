//! IATI publishing and its finance records through the router: downloads follow who may
//! see them (API and pages), the finance page edits are scoped, checked, audited and
//! refuse stale edits, and a broken finance file imports nothing.

use crate::evidence::multipart;
use crate::support::{Res, TestApp, csrf_of};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dtz_domain::Clock;
use dtz_domain::ids::UserId;
use dtz_services::Caller;

crate::on_both! {
    iati_downloads_follow_who_may_see_them => downloads;
    the_finance_page_is_scoped_checked_audited_and_refuses_stale_edits => finance_page;
    a_broken_finance_file_imports_nothing => finance_upload;
    organisation_identifiers_are_checked_when_entered_through_the_api => org_ids;
}

struct Demo {
    password: String,
}

async fn demo(app: &TestApp) -> Demo {
    let d = dtz_services::demo::load(&app.services).await.unwrap();
    Demo { password: d.password.unwrap() }
}

async fn token(app: &TestApp, email: &str) -> String {
    let users = app.services.users(&Caller::System, None).await.unwrap();
    let u = users.iter().find(|u| u.email == email).unwrap();
    app.services.create_token(&Caller::System, UserId(u.id), "iati test").await.unwrap().1
}

async fn events(app: &TestApp) -> i64 {
    dtz_store::audit::head(&app.services.db).await.unwrap().seq
}

fn activities(xml: &str) -> Vec<String> {
    xml.split("<iati-identifier>").skip(1).filter_map(|s| s.split('<').next()).map(str::to_owned).collect()
}

async fn downloads(app: TestApp) {
    let d = demo(&app).await;
    let donor = token(&app, "donor@demo.example.org").await;
    let r = app.api(Method::GET, "/programmes/DTZ/iati", Some(&donor), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/xml"));
    assert_eq!(activities(&r.text()).len(), 8, "the programme and every member activity");
    let problems = dtz_formats::iati::check_bytes(&r.body, app.clock.now().date()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let checked = app.api(Method::GET, "/programmes/DTZ/iati/check", Some(&donor), None).await.json();
    assert_eq!(checked["errors"], 0, "{checked}");
    let csv = app.api(Method::GET, "/programmes/DTZ/iati?format=csv", Some(&donor), None).await;
    assert!(csv.text().contains("activity,result_type,result,indicator_code"), "{}", csv.text());
    // ICCO's country coordinator downloads ICCO's activities only.
    let icco = token(&app, "coordinator.bo@demo.example.org").await;
    let own = app.api(Method::GET, "/programmes/DTZ/iati", Some(&icco), None).await;
    assert_eq!(own.status, StatusCode::OK);
    let ids = activities(&own.text());
    assert!(!ids.is_empty() && ids.iter().all(|i| i.starts_with("NL-KVK-56484038-DTZ-")), "{ids:?}");
    let other = app.api(Method::GET, "/programmes/DTZ/iati?publisher=NL-KVK-41149287", Some(&icco), None).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "another member's activities are out of scope");
    // A partner's M&E officer publishes nothing; without a token, 401.
    let officer = token(&app, "me.officer.bo@demo.example.org").await;
    assert_eq!(app.api(Method::GET, "/programmes/DTZ/iati", Some(&officer), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api(Method::GET, "/programmes/DTZ/iati", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api(Method::GET, "/programmes/NOPE/iati", Some(&donor), None).await.status, StatusCode::NOT_FOUND);
    // The pages: the lead sees every publisher, checks the file and downloads it.
    let lead = app.login("alliance.lead@demo.example.org", &d.password).await.unwrap();
    let programme = app.page("/results/DTZ", Some(&lead)).await.text();
    assert!(programme.contains("href=\"/results/DTZ/iati\""), "{programme}");
    let html = app.page("/results/DTZ/iati", Some(&lead)).await.text();
    for want in ["Free a Girl", "ICCO Cooperation", "Terre des Hommes Netherlands", "NL-KVK-56484038-DTZ-PE"] {
        assert!(html.contains(want), "{want}: {html}");
    }
    let checked = app.page("/results/DTZ/iati?check=1", Some(&lead)).await.text();
    assert!(checked.contains("The file passes every check."), "{checked}");
    let xml = app.page("/results/DTZ/iati.xml?publisher=NL-KVK-34308169", Some(&lead)).await;
    assert_eq!(xml.status, StatusCode::OK);
    assert_eq!(activities(&xml.text()), ["NL-KVK-34308169-DTZ-IN", "NL-KVK-34308169-DTZ-TH"]);
    let me = app.login("me.officer.bo@demo.example.org", &d.password).await.unwrap();
    assert_eq!(app.page("/results/DTZ/iati", Some(&me)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/results/DTZ/iati.xml", Some(&me)).await.status, StatusCode::NOT_FOUND);
    assert!(!app.page("/results/DTZ", Some(&me)).await.text().contains("/results/DTZ/iati\""), "no link for them");
}

/// The ids of ICCO and its Bolivian partner.
async fn icco(app: &TestApp) -> (String, String) {
    let orgs = app.services.orgs(&Caller::System).await.unwrap();
    let id = |n: &str| orgs.iter().find(|o| o.name == n).unwrap().id.to_string();
    (id("ICCO Cooperation"), id("Sample partner Bolivia (sample data)"))
}

/// The value of an input in a page.
fn input(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\""))
        .nth(1)
        .and_then(|s| s.split("value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_owned()
}

async fn finance_page(app: TestApp) {
    let d = demo(&app).await;
    let (icco_id, partner) = icco(&app).await;
    let coord = app.login("coordinator.bo@demo.example.org", &d.password).await.unwrap();
    let list = app.page("/results/DTZ/finance", Some(&coord)).await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(html.contains("Peru") && html.contains("Nicaragua"), "{html}");
    assert!(!html.contains("Free a Girl"), "another member's records are out of scope: {html}");
    let path = format!("/results/DTZ/finance?org={icco_id}&country=BO");
    let page = app.page(&path, Some(&coord)).await.text();
    assert_eq!(input(&page, "budget-2019"), "310000", "{page}");
    let csrf = csrf_of(&page);
    let seen = input(&page, "seen-2019");
    let form = |budget: &str, seen: &str, extra: &str| {
        format!(
            "csrf={csrf}&org={icco_id}&country=BO&seen-2019={}&budget-2019={budget}&incoming-2019=310000&date-2019=2019-01-20&expenditure-2019=300700&d-{partner}-2019=103333{extra}",
            crate::support::urlenc(seen)
        )
    };
    let before = events(&app).await;
    let saved = app.post_form("/results/DTZ/finance", Some(&coord), &form("320000", &seen, "")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(events(&app).await, before + 1, "one audited save");
    let page = app.page(&path, Some(&coord)).await.text();
    assert_eq!(input(&page, "budget-2019"), "320000");
    // The same form again, on the version it was read at: someone changed it since.
    let stale = app.post_form("/results/DTZ/finance", Some(&coord), &form("330000", &seen, "")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
    assert!(stale.text().contains("finance:"), "names the record");
    // Funds without their date: a problem beside the field, nothing written.
    let seen = input(&page, "seen-2019");
    let bad = form("330000", &seen, "").replace("date-2019=2019-01-20", "date-2019=");
    let refused = app.post_form("/results/DTZ/finance", Some(&coord), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Give the date the funds arrived."), "{}", refused.text());
    assert_eq!(events(&app).await, before + 1, "nothing more written");
    let no_csrf = app.post_form("/results/DTZ/finance", Some(&coord), &form("1", &seen, "").replace(&csrf, "x")).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    // The lead keeps every member's; a partner's M&E officer none.
    let lead = app.login("alliance.lead@demo.example.org", &d.password).await.unwrap();
    assert!(app.page("/results/DTZ/finance", Some(&lead)).await.text().contains("Free a Girl"));
    let me = app.login("me.officer.bo@demo.example.org", &d.password).await.unwrap();
    assert_eq!(app.page("/results/DTZ/finance", Some(&me)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/results/DTZ/finance.csv", Some(&me)).await.status, StatusCode::NOT_FOUND);
    let csv = app.page("/results/DTZ/finance.csv", Some(&coord)).await.text();
    assert!(csv.contains("ICCO Cooperation,BO,2019,320000"), "{csv}");
    assert!(!csv.contains("Free a Girl"), "{csv}");
}

async fn upload(app: &TestApp, cookie: &str, fields: &[(&str, &str)], file: &[u8]) -> Res {
    let (kind, body) = multipart(fields, Some(("finance.csv", file)));
    let req = Request::post("/results/DTZ/finance/import")
        .header(header::CONTENT_TYPE, kind)
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn finance_upload(app: TestApp) {
    let d = demo(&app).await;
    let lead = app.login("alliance.lead@demo.example.org", &d.password).await.unwrap();
    let csrf = csrf_of(&app.page("/results/DTZ/finance", Some(&lead)).await.text());
    let head = "organisation,country,year,budget,incoming_funds,incoming_date,expenditure,partner,disbursement\n";
    let good = format!("{head}ICCO Cooperation,PE,2018,170000,,,,,\n");
    let before = events(&app).await;
    // A file that does not read, and one that reads but breaks the rules.
    for (broken, want) in [
        (format!("{good}ICCO Cooperation,PE,2018,1,,,,,\n"), "line 3: budget"),
        (format!("{good}Free a Girl,PE,2018,5,,,,,\n"), "line 3: organisation"),
    ] {
        let r = upload(&app, &lead, &[("csrf", &csrf)], broken.as_bytes()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains(want), "{want}: {}", r.text());
        assert_eq!(events(&app).await, before, "nothing imported");
    }
    let r = upload(&app, &lead, &[("csrf", &csrf), ("dry_run", "on")], good.as_bytes()).await;
    assert!(r.text().contains("The file is fine: 1 records, 1 would change."), "{}", r.text());
    assert_eq!(events(&app).await, before, "a check writes nothing");
    let r = upload(&app, &lead, &[("csrf", &csrf)], good.as_bytes()).await;
    assert!(r.text().contains("Imported 1 records; 1 changed."), "{}", r.text());
    assert_eq!(events(&app).await, before + 1);
    let r = upload(&app, &lead, &[("csrf", "wrong")], good.as_bytes()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn org_ids(app: TestApp) {
    let admin = app.admin().await;
    for bad in ["ZZ-NOPE-1", "NL-KVK-1/2", "NL-KVK-"] {
        let body = serde_json::json!({"name": format!("Partner {bad}"), "kind": "local_partner", "iati_id": bad, "country": "BO"});
        let r = app.api(Method::POST, "/organisations", Some(&admin), Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", r.text());
        assert_eq!(r.json()["errors"][0]["field"], "iati_id", "{}", r.text());
    }
    let body = serde_json::json!({"name": "Partner Bolivia", "kind": "local_partner", "iati_id": "BO-NIT-1234567", "country": "BO"});
    assert_eq!(app.api(Method::POST, "/organisations", Some(&admin), Some(body)).await.status, StatusCode::CREATED);
}
