//! Activities and the computed indicators counted from them, through the pages and the
//! API, on both databases: recorded, listed, filtered, changed (409 when stale) and
//! removed within need to know, audited by field names; evidence files; the upload with
//! its all-or-nothing dry run; and the freeze: approval keeps the computed figure it
//! approved while the activity changes, and the report says what reopening would bring.

use crate::evidence::multipart;
use crate::support::{PASSWORD, TestApp, csrf_of, urlenc};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::{Grouping, Part};
use dtz_services::config::TermInput;
use dtz_services::results::ResultsFilter;
use dtz_services::{Caller, Services};
use dtz_store::Sql;
use serde_json::{Value, json};
use std::collections::BTreeMap;

crate::on_both! {
    activities_are_recorded_listed_changed_and_removed_within_scope_and_audited => story;
    a_computed_figure_is_materialised_submitted_approved_and_frozen => freeze;
    an_upload_of_activities_is_all_or_nothing_and_uploads_back_unchanged => import;
}

pub struct World {
    pub partner: OrgId,
    pub me: String,
    pub me_token: String,
    pub coordinator: String,
    pub coordinator_token: String,
    pub manager: String,
    pub manager_token: String,
    pub manager2_token: String,
    pub donor_token: String,
    pub peru: String,
    pub peru_token: String,
}

fn ra(role: Role, org: Option<OrgId>, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org, country: country.map(|c| CountryCode::parse("c", c).unwrap()), team: None })
}

/// The demo programme, the activity types, a partner in Bolivia and the people around it.
pub async fn world(app: &TestApp) -> World {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    for (n, code) in ["training_children", "peer_education", "awareness_event", "media_campaign"].iter().enumerate() {
        let labels = BTreeMap::from([("en".to_owned(), code.replace('_', " ")), ("es".to_owned(), code.to_string())]);
        let input = TermInput {
            code: (*code).into(),
            sort_order: (n * 10).to_string(),
            active: true,
            labels,
            ..Default::default()
        };
        app.services.create_term(&Caller::System, "activity_type", &input).await.unwrap();
    }
    let lead = app.org("ICCO", "alliance_member").await;
    let partner = app.org("Partner Bolivia", "local_partner").await;
    let peru = app.org("Partner Peru", "local_partner").await;
    let tdh = app.org("TdH", "alliance_member").await;
    let me_token = app.user("me@bo.example.org", partner, ra(Role::MeOfficer, Some(partner), Some("BO"))).await.1;
    let coordinator_token =
        app.user("coord@bo.example.org", lead, ra(Role::CountryCoordinator, Some(lead), Some("BO"))).await.1;
    let manager_token = app.user("lead@tdh.example.org", tdh, ra(Role::AllianceManager, None, None)).await.1;
    let manager2_token = app.user("lead2@tdh.example.org", tdh, ra(Role::AllianceManager, None, None)).await.1;
    let donor_token = app.user("donor@mfa.example.org", tdh, ra(Role::Donor, None, None)).await.1;
    let peru_token = app.user("me@pe.example.org", peru, ra(Role::MeOfficer, Some(peru), Some("PE"))).await.1;
    World {
        partner,
        me: app.login("me@bo.example.org", PASSWORD).await.unwrap(),
        me_token,
        coordinator: app.login("coord@bo.example.org", PASSWORD).await.unwrap(),
        coordinator_token,
        manager: app.login("lead@tdh.example.org", PASSWORD).await.unwrap(),
        manager_token,
        manager2_token,
        donor_token,
        peru: app.login("me@pe.example.org", PASSWORD).await.unwrap(),
        peru_token,
    }
}

/// A training of children in Bolivia through the API: `girls` first-time girls of 12–17
/// and `repeat` who came before.
pub fn training(w: &World, start: &str, girls: i64, repeat: i64) -> Value {
    json!({
        "organisation_id": w.partner.to_string(),
        "country": "BO", "goal": "G1", "type": "training_children",
        "title": "Life-skills workshop, El Alto", "start": start,
        "reach": [{"group": "children", "sex": "female", "age": "12_17", "first_time": girls, "repeat": repeat}]
    })
}

async fn count_activities(app: &TestApp) -> i64 {
    app.db.db.read().scalar(&Sql::new("SELECT COUNT(*) FROM activities WHERE deleted_at IS NULL")).await.unwrap()
}

async fn audit(app: &TestApp) -> Vec<(String, String)> {
    app.db.db.read().fetch_all(&Sql::new("SELECT action, fields FROM audit_events ORDER BY seq")).await.unwrap()
}

async fn post_multipart(app: &TestApp, path: &str, cookie: &str, body: (String, Vec<u8>)) -> crate::support::Res {
    let req = Request::post(path).header(header::CONTENT_TYPE, body.0).header(header::COOKIE, cookie);
    app.send(req.body(Body::from(body.1)).unwrap()).await
}

async fn story(app: TestApp) {
    let w = world(&app).await;
    // The M&E officer records an activity on the form.
    let form = app.page("/activities/DTZ/new", Some(&w.me)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let html = form.text();
    assert!(
        html.contains("name=\"r|children|female|12_17|first\"")
            && html.contains("name=\"r|police|male|18_plus|repeat\"")
    );
    let body = format!(
        "csrf={}&org={}&activity_type=training_children&title={}&start=2016-03-04&end=2016-03-05&country=BO&area=El+Alto&goal=G1\
         &description=Three+sessions&links={}&basis=counted&r%7Cchildren%7Cfemale%7C12_17%7Cfirst=24&r%7Cchildren%7Cfemale%7C12_17%7Crepeat=3\
         &r%7Cchildren%7Cmale%7Cunder_12%7Cfirst=11&r%7Cparents%7Cmale%7C18_plus%7Cfirst=",
        csrf_of(&html),
        w.partner,
        urlenc("Taller de habilidades para la vida"),
        urlenc("https://news.example.org/taller\nhttps://radio.example.org/nota")
    );
    let r = app.post_form("/activities/DTZ/new", Some(&w.me), &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let at = r.headers["location"].to_str().unwrap().to_owned();
    let id = at.rsplit('/').next().unwrap().to_owned();
    let page = app.page(&at, Some(&w.me)).await.text();
    assert!(page.contains("Taller de habilidades para la vida") && page.contains("El Alto"), "{page}");
    assert!(
        page.contains("<td class=\"num\">35</td><td class=\"num\">3</td><td class=\"num\">38</td>"),
        "totals: {page}"
    );
    assert!(page.contains("href=\"https://news.example.org/taller\" rel=\"noopener noreferrer nofollow\""));

    // A bad form keeps what was typed, says what is wrong, and records nothing.
    let bad = body.replace("start=2016-03-04", "start=2016-03-09").replace("training_children", "juggling");
    let r = app.post_form("/activities/DTZ/new", Some(&w.me), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = r.text();
    assert!(
        t.contains("The end date is before the start date.") && t.contains("Choose a type of activity from the list."),
        "{t}"
    );
    assert!(t.contains("value=\"24\""), "typed values are kept");
    assert_eq!(count_activities(&app).await, 1);

    // The list and its filters; the coordinator of Bolivia sees it, others do not.
    let list =
        app.page("/activities/DTZ?country=BO&type=training_children&period=2016", Some(&w.coordinator)).await.text();
    assert!(list.contains("Taller de habilidades") && list.contains("1 activities"), "{list}");
    let none = app.page("/activities/DTZ?type=awareness_event", Some(&w.coordinator)).await.text();
    assert!(none.contains("No activities match"), "{none}");
    assert!(!app.page("/activities/DTZ", Some(&w.peru)).await.text().contains("Taller de habilidades"));
    assert_eq!(app.page(&at, Some(&w.peru)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/activities/DTZ?country=XX", Some(&w.me)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.api(Method::GET, &format!("/activities/{id}"), Some(&w.donor_token), None).await;
    let missing =
        app.api(Method::GET, &format!("/activities/{}", uuid::Uuid::new_v4()), Some(&w.donor_token), None).await;
    assert_eq!((r.status, &r.body), (StatusCode::NOT_FOUND, &missing.body), "donors never see activities");
    assert_eq!(
        app.api(Method::GET, &format!("/activities/{id}"), Some(&w.peru_token), None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app.api(Method::GET, "/programmes/DTZ/activities?country=BO", Some(&w.coordinator_token), None).await;
    assert_eq!(r.json()["total"], 1, "{}", r.text());
    assert_eq!(r.json()["activities"][0]["reached"], 38);

    // Changing it: the coordinator may read, not write; a stale version is a 409.
    let patch = json!({"version": 1, "title": "Workshop, El Alto"});
    let r = app.api(Method::PATCH, &format!("/activities/{id}"), Some(&w.coordinator_token), Some(patch.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::PATCH, &format!("/activities/{id}"), Some(&w.me_token), Some(patch)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!((r.json()["version"].as_i64(), r.json()["reach"].as_array().map(Vec::len)), (Some(2), Some(2)));
    let r = app
        .api(
            Method::PATCH,
            &format!("/activities/{id}"),
            Some(&w.me_token),
            Some(json!({"version": 1, "area": "Viacha"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["changed_fields"], json!(["title"]));
    let edit = app.page(&format!("{at}/edit"), Some(&w.me)).await.text();
    assert!(edit.contains("value=\"Workshop, El Alto\"") && edit.contains("name=\"version\" value=\"2\""), "{edit}");

    // Evidence: attached by the officer, read by the coordinator (audited), not by others.
    let pdf: &[u8] = b"%PDF-1.4\n% attendance list\n%%EOF\n";
    let csrf = csrf_of(&app.page(&at, Some(&w.me)).await.text());
    let r = post_multipart(
        &app,
        &format!("{at}/files"),
        &w.me,
        multipart(&[("csrf", &csrf)], Some(("asistencia María.pdf", pdf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = post_multipart(
        &app,
        &format!("{at}/files"),
        &w.me,
        multipart(&[("csrf", &csrf)], Some(("x.exe", b"MZ\x90\x00"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let files = app.api(Method::GET, &format!("/activities/{id}/files"), Some(&w.coordinator_token), None).await.json();
    let file = files[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(files.as_array().unwrap().len(), 1);
    let r = app.page(&format!("/activities/files/{file}"), Some(&w.coordinator)).await;
    assert_eq!((r.status, r.body.as_slice()), (StatusCode::OK, pdf));
    assert_eq!(app.page(&format!("/activities/files/{file}"), Some(&w.peru)).await.status, StatusCode::NOT_FOUND);
    let sealed: Vec<(Vec<u8>,)> = app.db.db.read().fetch_all(&Sql::new("SELECT content FROM files")).await.unwrap();
    assert!(!sealed[0].0.windows(10).any(|x| x == b"attendance"), "sealed at rest");
    let r = app.api(Method::DELETE, &format!("/activity-files/{file}"), Some(&w.coordinator_token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let confirm = app.page(&format!("/activities/files/{file}/remove"), Some(&w.me)).await.text();
    let r = app
        .post_form(&format!("/activities/files/{file}/remove"), Some(&w.me), &format!("csrf={}", csrf_of(&confirm)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.page(&format!("/activities/files/{file}"), Some(&w.me)).await.status, StatusCode::NOT_FOUND);

    // Removing it: a tombstone, after a confirmation page.
    let confirm = app.page(&format!("{at}/remove"), Some(&w.me)).await.text();
    let r = app.post_form(&format!("{at}/remove"), Some(&w.me), &format!("csrf={}&version=1", csrf_of(&confirm))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a stale removal is refused");
    let r = app.post_form(&format!("{at}/remove"), Some(&w.me), &format!("csrf={}&version=2", csrf_of(&confirm))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.page(&at, Some(&w.me)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(count_activities(&app).await, 0);

    // Audited with field names, never values.
    let events = audit(&app).await;
    let actions: Vec<&str> = events.iter().map(|(a, _)| a.as_str()).filter(|a| a.starts_with("activity")).collect();
    assert_eq!(
        actions,
        [
            "activity.create",
            "activity.update",
            "activity.file.attach",
            "activity.file.read",
            "activity.file.remove",
            "activity.remove"
        ]
    );
    let update = events.iter().find(|(a, _)| a == "activity.update").unwrap();
    assert!(update.1.contains("title") && !update.1.contains("Workshop"), "{}", update.1);
    assert!(events.iter().all(|(_, f)| !f.contains("Taller") && !f.contains("María")));
}

/// The approved-only or pending figure of an indicator for Bolivia 2016 (its total, or one part).
async fn figure(app: &TestApp, code: &str, pending: bool, part: Part) -> Option<i64> {
    let filter = ResultsFilter { country: Some(CountryCode::parse("c", "BO").unwrap()), ..Default::default() };
    let by = Grouping { period: true, part: true, ..Grouping::default() };
    let f = app.services.figures_filtered(&Caller::System, "DTZ", &[by], pending, &filter).await.unwrap();
    let ind = f[0].indicators.iter().find(|i| i.indicator.code == code).unwrap();
    ind.cells
        .iter()
        .find(|c| c.period.map(|p| p.to_string()).as_deref() == Some("2016") && c.part == Some(part.clone()))
        .and_then(|c| c.value)
}

async fn report_of(app: &TestApp, w: &World) -> (String, i64) {
    let r =
        app.api(Method::GET, &format!("/programmes/DTZ/reports/{}/BO/2016", w.partner), Some(&w.me_token), None).await;
    (r.json()["id"].as_str().unwrap_or_default().to_owned(), r.json()["version"].as_i64().unwrap_or(0))
}

async fn act(app: &TestApp, token: &str, id: &str, action: &str, version: i64) -> i64 {
    let body = json!({"action": action, "version": version, "reason": "Sample reason"});
    let r = app.api(Method::POST, &format!("/reports/{id}/actions"), Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.text());
    r.json()["version"].as_i64().unwrap()
}

async fn generation(app: &TestApp) -> i64 {
    app.db.db.read().scalar(&Sql::new("SELECT approved_generation FROM programmes WHERE code = 'DTZ'")).await.unwrap()
}

async fn freeze(app: TestApp) {
    let w = world(&app).await;
    let female = Part::of("sex", "female");
    // A training: 20 first-time girls and 5 who came before. The report of Bolivia 2016
    // is started as a draft and holds the computed figure, first-time children only.
    let r = app
        .api(Method::POST, "/programmes/DTZ/activities", Some(&w.me_token), Some(training(&w, "2016-04-02", 20, 5)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let activity = r.json()["id"].as_str().unwrap().to_owned();
    let event = json!({
        "organisation_id": w.partner.to_string(), "country": "BO", "goal": "G2", "type": "awareness_event",
        "title": "School awareness day", "start": "2016-05-10",
        "reach": [{"group": "parents", "sex": "male", "age": "18_plus", "first_time": 40, "repeat": 10},
                  {"group": "children", "sex": "female", "age": "under_12", "first_time": 30}]
    });
    let r = app.api(Method::POST, "/programmes/DTZ/activities", Some(&w.me_token), Some(event)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(figure(&app, "G1.O3.2", true, Part::Total).await, Some(20), "unique children trained: first-time only");
    assert_eq!(figure(&app, "G1.O3.2", true, female.clone()).await, Some(20));
    assert_eq!(figure(&app, "G2.O1.4", true, Part::Total).await, Some(80), "people reached: every attendance");
    assert_eq!(figure(&app, "G1.O3.2", false, Part::Total).await, None, "nothing approved yet");

    // Computed figures cannot be entered by hand, on the grid or through the API.
    let entry = format!("/results/DTZ/entry?org={}&country=BO&period=2016", w.partner);
    let grid = app.page(&entry, Some(&w.me)).await.text();
    assert!(grid.contains("Computed from records") && !grid.contains("name=\"v|G1.O3.2||value\""), "{grid}");
    let r = app
        .post_form(
            "/results/DTZ/entry",
            Some(&w.me),
            &format!("csrf={}&org={}&country=BO&period=2016&v%7CG1.O3.2%7C%7Cvalue=999", csrf_of(&grid), w.partner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("is computed from records; it cannot be entered."));
    let put = app
        .api(
            Method::PUT,
            &format!("/programmes/DTZ/reports/{}/BO/2016", w.partner),
            Some(&w.me_token),
            Some(json!([{"indicator": "G1.O3.2", "value": 999}])),
        )
        .await;
    assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Submitted, approved in the country and by the alliance: the figure reaches the
    // approved results.
    let (report, v) = report_of(&app, &w).await;
    let gen_before = generation(&app).await;
    let v = act(&app, &w.me_token, &report, "submit", v).await;
    let v = act(&app, &w.coordinator_token, &report, "approve_country", v).await;
    let v = act(&app, &w.manager_token, &report, "approve_alliance", v).await;
    assert_eq!(figure(&app, "G1.O3.2", false, Part::Total).await, Some(20));
    assert_eq!(figure(&app, "G2.O1.4", false, Part::Total).await, Some(80));
    let gen_approved = generation(&app).await;
    assert_eq!(gen_approved, gen_before + 1, "only the approval moved the approved generation");

    // The activity changes after approval: 35 girls now. The approved figure stays.
    let patch = json!({"version": 1, "reach": [{"group": "children", "sex": "female", "age": "12_17", "first_time": 35, "repeat": 5}]});
    let r = app.api(Method::PATCH, &format!("/activities/{activity}"), Some(&w.me_token), Some(patch)).await;
    assert_eq!(r.status, StatusCode::OK, "the activity stays editable: {}", r.text());
    assert_eq!(figure(&app, "G1.O3.2", false, Part::Total).await, Some(20), "approval froze the computed figure");
    assert_eq!(figure(&app, "G1.O3.2", true, Part::Total).await, Some(20), "the frozen report holds it too");
    assert_eq!(
        generation(&app).await,
        gen_approved,
        "a change to a frozen report's records is no change to approved figures"
    );
    // The report shows the difference for the next reopening; so does the indicator page.
    let page = app.page(&format!("/results/reports/{report}"), Some(&w.manager)).await.text();
    assert!(page.contains("approved: 20") && page.contains("recomputed now: 35"), "{page}");
    let ind = app.page("/results/DTZ/indicators/G1.O3.2", Some(&w.manager)).await.text();
    assert!(
        ind.contains("Records changed since these figures were reported") && ind.contains("<td class=\"num\">35</td>"),
        "{ind}"
    );
    assert!(app.page("/results/DTZ", Some(&w.manager)).await.text().contains("computed"), "marked as computed");
    let r = app.api(Method::POST, &format!("/reports/{report}/recompute"), Some(&w.me_token), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a frozen report is not recomputed: {}", r.text());

    // Reopened, the report is open again: recomputing brings the new figure, and the
    // submission freezes it again.
    let v = act(&app, &w.manager_token, &report, "reopen", v).await;
    assert_eq!(figure(&app, "G1.O3.2", false, Part::Total).await, None, "reopened: out of the approved results");
    let page = app.page(&format!("/results/reports/{report}"), Some(&w.me)).await.text();
    assert!(page.contains("Recompute now"), "{page}");
    let r = app
        .post_form(&format!("/results/reports/{report}/recompute"), Some(&w.me), &format!("csrf={}", csrf_of(&page)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(figure(&app, "G1.O3.2", true, Part::Total).await, Some(35));
    assert!(!app.page(&format!("/results/reports/{report}"), Some(&w.me)).await.text().contains("recomputed now"));
    let v = act(&app, &w.me_token, &report, "submit", v).await;
    let v = act(&app, &w.coordinator_token, &report, "approve_country", v).await;
    act(&app, &w.manager2_token, &report, "approve_alliance", v).await;
    assert_eq!(figure(&app, "G1.O3.2", false, Part::Total).await, Some(35));

    // A removed activity takes its figure out of an open report only.
    let generation_now = generation(&app).await;
    let r = app.api(Method::DELETE, &format!("/activities/{activity}?version=2"), Some(&w.me_token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(figure(&app, "G1.O3.2", false, Part::Total).await, Some(35));
    assert_eq!(generation(&app).await, generation_now);

    // Every refresh of computed figures is audited on its report.
    let events = audit(&app).await;
    assert!(events.iter().any(|(a, f)| a == "values.compute" && f.contains("G1.O3.2")), "{events:?}");
}

async fn import(app: TestApp) {
    let w = world(&app).await;
    let org = "Partner Bolivia";
    // A broken file: every problem by line and column, nothing recorded.
    let broken = format!(
        "activity,organisation,country,goal,type,title,start,end,group,sex,age,first_time,repeat\n\
         w1,{org},BO,G1,training_children,Workshop,2016-02-30,,children,female,12_17,10,0\n\
         w1,,,,,,,,children,girls,12_17,5,0\n\
         w2,Nobody,BO,G1,training_children,Other,2016-03-01,,,,,,\n\
         w3,{org},BO,G9,juggling,Third,2016-03-01,2016-02-01,children,male,12_17,lots,\n\
         ,{org},BO,G1,training_children,Fourth,2016-03-01,,,,,,\n"
    );
    let post = |body: String, dry: bool| {
        let path = format!("/api/v1/programmes/DTZ/activity-imports?dry_run={dry}");
        Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", w.me_token))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(body))
            .unwrap()
    };
    let r = app.send(post(broken.clone(), false)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let problems: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}: {}", e["field"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    let expect = [
        "line 2: start: Use a date such as 2016-03-31.",
        "line 3: sex: Use female, male or unknown.",
        "line 4: organisation: There is no organisation “Nobody”.",
        "line 5: goal: Choose a strategic goal of the programme.",
        "line 5: type: Choose a type of activity from the list.",
        "line 5: end: The end date is before the start date.",
        "line 5: first_time: Enter a whole number from 0 to 10000000.",
        "line 6: activity: Give every row the activity it belongs to (its id or any key).",
    ];
    for e in expect {
        assert!(problems.iter().any(|p| p == e), "missing {e:?} in {problems:#?}");
    }
    assert_eq!(count_activities(&app).await, 0, "all or nothing");
    // Out of scope: the officer of Peru cannot record for the partner in Bolivia.
    let good = format!(
        "activity,organisation,country,goal,type,title,start,group,sex,age,first_time,repeat\r\n\
         w1,{org},BO,G1,training_children,Workshop,2016-02-10,children,female,12_17,10,2\r\n\
         w1,,,,,,,children,male,under_12,6,0\r\n\
         w2,{org},BO,G2,awareness_event,Fair,2016-06-01,parents,unknown,unknown,30,0\r\n"
    );
    let req = Request::post("/api/v1/programmes/DTZ/activity-imports?dry_run=true")
        .header(header::AUTHORIZATION, format!("Bearer {}", w.peru_token))
        .body(Body::from(good.clone()))
        .unwrap();
    let r = app.send(req).await;
    assert!(
        r.text().contains("line 2: organisation") && r.text().contains("You may not record activities for"),
        "{}",
        r.text()
    );
    // A good file: the dry run writes nothing; the import records both, and the report's
    // computed figure follows.
    let r = app.send(post(good.clone(), true)).await;
    assert_eq!((r.status, r.json()["new"].as_i64()), (StatusCode::OK, Some(2)), "{}", r.text());
    assert_eq!(count_activities(&app).await, 0);
    let r = app.send(post(good.clone(), false)).await;
    assert_eq!(r.json()["new"], 2, "{}", r.text());
    assert_eq!(count_activities(&app).await, 2);
    assert_eq!(figure(&app, "G1.O3.2", true, Part::Total).await, Some(16));
    // The same file again changes nothing: the keys give the same ids.
    let r = app.send(post(good.clone(), false)).await;
    assert_eq!((r.json()["new"].as_i64(), r.json()["unchanged"].as_i64()), (Some(0), Some(2)), "{}", r.text());
    assert_eq!(count_activities(&app).await, 2);

    // The download uploads back unchanged; a changed cell is a change, through the page.
    let csv = app.page("/activities/DTZ/download.csv?country=BO", Some(&w.me)).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(text.contains("activity,programme,organisation") && text.contains("Workshop"), "{text}");
    let r = app.send(post(text.trim_start_matches('\u{feff}').to_owned(), true)).await;
    assert_eq!(r.json()["unchanged"], 2, "{}", r.text());
    let xlsx = app.page("/activities/DTZ/download.xlsx", Some(&w.me)).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let changed = text.replace(",10,2,12", ",12,2,14");
    let html = app.page("/activities/DTZ/import", Some(&w.me)).await.text();
    let r = post_multipart(
        &app,
        "/activities/DTZ/import",
        &w.me,
        multipart(&[("csrf", &csrf_of(&html))], Some(("activities.csv", changed.as_bytes()))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let t = r.text();
    assert!(t.contains("New activities: 0. Changed: 1. Unchanged: 1."), "{t}");
    let confirm = t.split("action=\"/activities/DTZ/import/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(figure(&app, "G1.O3.2", true, Part::Total).await, Some(16), "nothing before the confirmation");
    let r = app
        .post_form(&format!("/activities/DTZ/import/{confirm}"), Some(&w.me), &format!("csrf={}", csrf_of(&t)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(figure(&app, "G1.O3.2", true, Part::Total).await, Some(18));
    // A broken spreadsheet on the page lists its problems by row and column.
    let r = post_multipart(
        &app,
        "/activities/DTZ/import",
        &w.me,
        multipart(&[("csrf", &csrf_of(&html))], Some(("broken.csv", broken.as_bytes()))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("<code>sex</code>") && r.text().contains("Use female, male or unknown."), "{}", r.text());
    let events = audit(&app).await;
    assert_eq!(events.iter().filter(|(a, _)| a == "activity.create").count(), 2);
    assert_eq!(events.iter().filter(|(a, _)| a == "activity.update").count(), 1);
}
