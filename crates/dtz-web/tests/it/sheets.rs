//! Spreadsheets for results through the router: the pre-filled XLSX from the entry page
//! and the API, the upload page (dry run, then confirm: all rows or none), the JSON
//! import, scope, the per-route body limit, and uploads held per session.

use crate::support::{PASSWORD, Res, TestApp, csrf_of};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_services::values::ReportKey;
use dtz_services::{Caller, Services};
use dtz_testkit::sheets::{Edit, cells, edit};

crate::on_both! {
    an_officer_fills_in_the_downloaded_spreadsheet_and_imports_it_after_a_dry_run => round_trip;
    a_broken_upload_lists_every_problem_by_row_and_column_and_imports_nothing => broken;
    an_officer_cannot_import_rows_of_another_organisation_or_country => scope;
    a_held_upload_belongs_to_its_session_and_expires => held;
    the_api_imports_csv_or_xlsx_with_a_dry_run_and_serves_the_spreadsheet => api;
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

struct World {
    bo: OrgId,
    other: OrgId,
    me: String,
    token: String,
}

async fn world(app: &TestApp) -> World {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let bo = app.org("Partner Bolivia", "local_partner").await;
    let other = app.org("Partner Elsewhere", "local_partner").await;
    let country = Some(dtz_domain::org::CountryCode::parse("c", "BO").unwrap());
    let role = RoleAssignment { role: Role::MeOfficer, org: Some(bo), country, team: None };
    let (_, token) = app.user("me@example.org", bo, Some(role)).await;
    let me = app.login("me@example.org", PASSWORD).await.unwrap();
    World { bo, other, me, token }
}

/// A multipart form with the CSRF token and one file.
async fn upload(app: &TestApp, cookie: &str, csrf: &str, name: &str, file: &[u8]) -> Res {
    let b = "----dtz-test-boundary";
    let mut body = format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{b}--\r\n").into_bytes());
    let req = Request::post("/results/DTZ/import")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={b}"))
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn stored(app: &TestApp, org: OrgId, period: &str) -> usize {
    let key = ReportKey { programme: "DTZ".into(), org, country: "BO".into(), period: period.into() };
    app.services.report(&Caller::System, &key).await.unwrap().values.len()
}

/// The confirm form's action in a dry-run page.
fn confirm_path(html: &str) -> Option<String> {
    html.split("action=\"/results/DTZ/import/")
        .nth(1)
        .map(|s| format!("/results/DTZ/import/{}", s.split('"').next().unwrap()))
}

async fn round_trip(app: TestApp) {
    let w = world(&app).await;
    let entry = app.page(&format!("/results/DTZ/entry?org={}&country=BO&period=2016", w.bo), Some(&w.me)).await.text();
    let link = format!("/results/DTZ/entry/template.xlsx?org={}&amp;country=BO&amp;period=2016", w.bo);
    assert!(entry.contains(&link) && entry.contains("href=\"/results/DTZ/import\""), "{entry}");
    let r = app.page(&link.replace("&amp;", "&"), Some(&w.me)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], XLSX);
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("DTZ-Partner_Bolivia-BO-2016.xlsx"));
    let sheet = r.body;
    let rows = cells(&sheet);
    assert!(rows.len() > 20, "a row per indicator and part");
    assert!(rows.iter().any(|r| r[2] == "sex=unknown"), "the “unknown” parts are there");

    // Unchanged: a dry run that changes nothing, and no confirm button.
    let page = app.page("/results/DTZ/import", Some(&w.me)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page.text());
    let r = upload(&app, &w.me, &csrf, "DTZ.xlsx", &sheet).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("The file changes nothing") && confirm_path(&r.text()).is_none(), "{}", r.text());

    let filled = edit(
        &sheet,
        &[
            Edit { indicator: "G1.O1.1", part: "", column: "value", value: "1250" },
            Edit { indicator: "G1.O1.1", part: "sex=female", column: "value", value: "700" },
            Edit { indicator: "G1.O1.1", part: "sex=male", column: "value", value: "500" },
            Edit { indicator: "G1.O1.1", part: "sex=unknown", column: "value", value: "50" },
            Edit { indicator: "G1.O1.2", part: "", column: "numerator", value: "7" },
            Edit { indicator: "G1.O1.2", part: "", column: "denominator", value: "10" },
        ],
    );
    let r = upload(&app, &w.me, &csrf, "filled.xlsx", &filled).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("“filled.xlsx” was checked and has no problems"), "{html}");
    assert!(
        html.contains("<td>Partner Bolivia</td><td>BO</td><td>2016</td><td>draft</td><td class=\"num\">5</td>"),
        "{html}"
    );
    assert_eq!(stored(&app, w.bo, "2016").await, 0, "a dry run writes nothing");
    let confirm = confirm_path(&html).expect("a confirm button");
    let r = app.post_form(&confirm, Some(&w.me), &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let done = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        app.page(&done, Some(&w.me))
            .await
            .text()
            .contains("Imported. New values: 5; changed: 0; emptied: 0; reports changed: 1.")
    );
    assert_eq!(stored(&app, w.bo, "2016").await, 5);
    let f = dtz_store::audit::EventFilter { limit: 500, ..Default::default() };
    let actions: Vec<String> =
        app.services.audit_events(&Caller::System, &f).await.unwrap().into_iter().map(|e| e.action).collect();
    for a in ["values.upload", "values.save", "values.upload.drop"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    assert_eq!(
        app.post_form(&confirm, Some(&w.me), &format!("csrf={csrf}")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an upload is imported once"
    );

    // Downloaded again it shows the values; uploaded again unchanged it changes nothing.
    let again = app.page(&link.replace("&amp;", "&"), Some(&w.me)).await.body;
    let rows = cells(&again);
    let total = rows.iter().find(|r| r[0] == "G1.O1.1" && r[2].to_string().is_empty()).unwrap();
    assert_eq!(total[5].to_string(), "1250");
    let r = upload(&app, &w.me, &csrf, "again.xlsx", &again).await;
    assert!(r.text().contains("The file changes nothing"), "{}", r.text());
}

async fn broken(app: TestApp) {
    let w = world(&app).await;
    let csrf = csrf_of(&app.page("/results/DTZ/import", Some(&w.me)).await.text());
    let bo = "Partner Bolivia";
    let csv = format!(
        "indicator,country,organisation,period,part,value\n\
         G1.O1.1,BO,{bo},2016,,100\n\
         G1.O1.1,BO,{bo},2016,sex=female,many\n\
         NOPE,BO,{bo},2016,,1\n\
         G1.O1.1,BO,{bo},2016,,100\n"
    );
    let r = upload(&app, &w.me, &csrf, "values.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("<td class=\"num\">3</td><td><code>value</code></td><td>“many” is not a whole number.</td>"),
        "{}",
        r.text()
    );
    let csv = csv.replace("many", "60");
    let r = upload(&app, &w.me, &csrf, "values.csv", csv.as_bytes()).await;
    let html = r.text();
    assert!(html.contains("Problems found: 2. Nothing was imported"), "{html}");
    assert!(html.contains("<td class=\"num\">4</td><td><code>indicator</code></td><td>There is no indicator “NOPE” in this programme.</td>"), "{html}");
    assert!(
        html.contains("<td class=\"num\">5</td><td><code>part</code></td><td>This value is also on line 2.</td>"),
        "{html}"
    );
    assert!(confirm_path(&html).is_none());
    for (name, bytes) in [
        ("garbage.xlsx", (0..3000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect::<Vec<u8>>()),
        ("cut.xlsx", cells_book()[..400].to_vec()),
        ("empty.csv", Vec::new()),
    ] {
        let r = upload(&app, &w.me, &csrf, name, &bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.text().contains("whole file"), "{name}: {}", r.text());
    }
    assert_eq!(stored(&app, w.bo, "2016").await, 0, "nothing was imported");
    // Problems in the reader's language.
    let account = csrf_of(&app.page("/account", Some(&w.me)).await.text());
    let body = format!("csrf={account}&version=1&name=Ana&language=es");
    assert_eq!(app.post_form("/account/profile", Some(&w.me), &body).await.status, StatusCode::SEE_OTHER);
    let es = upload(&app, &w.me, &csrf, "values.csv", csv.as_bytes()).await.text();
    assert!(
        es.contains("<td>Este valor también está en la línea 2.</td>") && es.contains("Problemas encontrados: 2."),
        "{es}"
    );
}

/// A small workbook to cut short.
fn cells_book() -> Vec<u8> {
    let mut b = rust_xlsxwriter::Workbook::new();
    b.add_worksheet().write_string(0, 0, "indicator").unwrap();
    b.save_to_buffer().unwrap()
}

async fn scope(app: TestApp) {
    let w = world(&app).await;
    let csrf = csrf_of(&app.page("/results/DTZ/import", Some(&w.me)).await.text());
    let csv = "indicator,country,organisation,period,value\n\
               G1.O4.1,BO,Partner Bolivia,2016,3\n\
               G1.O4.1,BO,Partner Elsewhere,2016,4\n\
               G1.O4.1,PE,Partner Bolivia,2016,5\n";
    let r = upload(&app, &w.me, &csrf, "values.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("<td class=\"num\">3</td><td><code>organisation</code></td><td>You may not enter values for “Partner Elsewhere” in “BO”.</td>"), "{html}");
    assert!(html.contains("<td class=\"num\">4</td><td><code>organisation</code></td><td>You may not enter values for “Partner Bolivia” in “PE”.</td>"), "{html}");
    assert_eq!(stored(&app, w.bo, "2016").await, 0, "the rows in scope are not imported either");
    assert_eq!(stored(&app, w.other, "2016").await, 0);
    // The other organisation's spreadsheet is out of reach: 404, like a missing report.
    let path = format!("/results/DTZ/entry/template.xlsx?org={}&country=BO&period=2016", w.other);
    assert_eq!(app.page(&path, Some(&w.me)).await.status, StatusCode::NOT_FOUND);
    // People who enter no values have no upload page.
    assert_eq!(app.page("/results/DTZ/import", Some(&app.login_other().await)).await.status, StatusCode::NOT_FOUND);
}

async fn held(app: TestApp) {
    let w = world(&app).await;
    let csrf = csrf_of(&app.page("/results/DTZ/import", Some(&w.me)).await.text());
    let csv = "indicator,country,organisation,period,value\nG1.O4.1,BO,Partner Bolivia,2016,3\n";
    assert_eq!(upload(&app, &w.me, "wrong", "v.csv", csv.as_bytes()).await.status, StatusCode::FORBIDDEN, "CSRF");
    let html = upload(&app, &w.me, &csrf, "v.csv", csv.as_bytes()).await.text();
    let confirm = confirm_path(&html).expect("confirm");
    // Another session of the same person cannot confirm it.
    let second = app.login("me@example.org", PASSWORD).await.unwrap();
    let csrf2 = csrf_of(&app.page("/results/DTZ/import", Some(&second)).await.text());
    let r = app.post_form(&confirm, Some(&second), &format!("csrf={csrf2}")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("The upload has expired"));
    assert_eq!(app.post_form(&confirm, Some(&w.me), "csrf=wrong").await.status, StatusCode::FORBIDDEN);
    // After half an hour it is gone, even for its own session.
    app.clock.advance(time::Duration::minutes(31));
    let me = w.me.clone();
    let r = app.post_form(&confirm, Some(&me), &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("The upload has expired"));
    assert_eq!(stored(&app, w.bo, "2016").await, 0);
    assert_eq!(app.services.purge_uploads().await.unwrap(), 1, "housekeeping removes the expired upload");
    // The upload route takes files above the app's small body limit; others do not.
    let big = format!(
        "indicator,country,organisation,period,value,comment\n{}",
        "G1.O4.1,BO,Partner Bolivia,2016,3,x\n".repeat(30_000)
    );
    assert!(big.len() > dtz_web::BODY_LIMIT * 2);
    let r = upload(&app, &me, &csrf, "big.csv", big.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "read and checked, not refused for size");
    assert!(r.text().contains("This value is also on line 2."));
    let huge = vec![b'a'; 10 * 1024 * 1024 + 100 * 1024];
    assert_eq!(upload(&app, &me, &csrf, "huge.csv", &huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = app
        .post_form("/results/DTZ/entry", Some(&me), &format!("csrf={csrf}&x={}", "a".repeat(dtz_web::BODY_LIMIT)))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "the rest of the app keeps its limit");
}

async fn api(app: TestApp) {
    let w = world(&app).await;
    let csv = "indicator,country,organisation,period,part,value\n\
               G1.O1.1,BO,Partner Bolivia,2016,,10\n\
               G1.O1.1,BO,Partner Bolivia,2016,sex=unknown,10\n";
    let post = |body: Vec<u8>, kind: &'static str, dry: bool, token: String| {
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/programmes/DTZ/imports?dry_run={dry}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, kind)
            .body(Body::from(body))
            .unwrap();
        app.send(req)
    };
    let r = post(csv.as_bytes().to_vec(), "text/csv", true, w.token.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!((j["dry_run"].as_bool(), j["values"].as_u64()), (Some(true), Some(2)));
    assert_eq!((j["reports"][0]["new"].as_u64(), j["reports"][0]["status"].as_str()), (Some(2), Some("draft")));
    assert_eq!(stored(&app, w.bo, "2016").await, 0);
    let bad = csv.replace(",10\n", ",ten\n");
    let r = post(bad.into_bytes(), "text/csv", false, w.token.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "line 2: value");
    assert_eq!(r.json()["errors"][0]["detail"], "“ten” is not a whole number.");

    // The spreadsheet from the API, filled in, sent back as XLSX.
    let r =
        app.api(Method::GET, &format!("/programmes/DTZ/reports/{}/BO/2016/template", w.bo), Some(&w.token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], XLSX);
    let filled = edit(&r.body, &[Edit { indicator: "G1.O4.1", part: "", column: "value", value: "4" }]);
    let r = post(filled, XLSX, false, w.token.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!((r.json()["dry_run"].as_bool(), r.json()["reports"][0]["new"].as_u64()), (Some(false), Some(1)));
    assert_eq!(stored(&app, w.bo, "2016").await, 1);
    let other = format!("/programmes/DTZ/reports/{}/BO/2016/template", w.other);
    assert_eq!(app.api(Method::GET, &other, Some(&w.token), None).await.status, StatusCode::NOT_FOUND);
    let theirs = "indicator,country,organisation,period,value\nG1.O4.1,BO,Partner Elsewhere,2016,3\n";
    let r = post(theirs.as_bytes().to_vec(), "text/csv", false, w.token.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "line 2: organisation");
    let r = post(b"PK\x03\x04junk".to_vec(), XLSX, true, w.token.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "line 0: file");
    let huge = vec![b'a'; 10 * 1024 * 1024 + 4096];
    assert_eq!(post(huge, "text/csv", true, w.token.clone()).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}
