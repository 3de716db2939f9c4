//! Evidence files on report values: attached on the pages and through the API, kinds
//! decided from the content, sizes limited, downloads within scope, frozen with the
//! report, sealed at rest, audited without names or contents.

use crate::support::{PASSWORD, TestApp, csrf_of};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::ReportAction;
use dtz_services::values::ReportKey;
use dtz_services::{Caller, Services};
use dtz_store::Sql;

crate::on_both! {
    evidence_is_attached_on_the_entry_page_downloaded_within_scope_and_removed_while_open => pages;
    evidence_of_an_approved_report_cannot_be_removed => frozen;
    files_of_the_wrong_kind_or_too_large_are_refused_and_change_nothing => refused;
    evidence_through_the_api_lists_uploads_downloads_and_removes_by_the_same_rules => api;
}

const PDF: &[u8] = b"%PDF-1.4\n% Attendance list, workshop in Cochabamba, 24 children\n%%EOF\n";

/// A multipart body: text fields, then the file.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "dtz-test-boundary-7d2f";
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

async fn post_multipart(app: &TestApp, path: &str, auth: (&str, &str), body: (String, Vec<u8>)) -> crate::support::Res {
    let req = Request::post(path).header(header::CONTENT_TYPE, body.0).header(auth.0, auth.1);
    app.send(req.body(Body::from(body.1)).unwrap()).await
}

struct World {
    partner: OrgId,
    me: String,
    coordinator: String,
}

fn ra(role: Role, org: Option<OrgId>, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org, country: country.map(|c| CountryCode::parse("c", c).unwrap()), team: None })
}

async fn world(app: &TestApp) -> World {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let lead = app.org("ICCO", "alliance_member").await;
    let partner = app.org("Partner Bolivia", "local_partner").await;
    let ministry = app.org("Ministry", "donor").await;
    app.user("me@bo.example.org", partner, ra(Role::MeOfficer, Some(partner), Some("BO"))).await;
    app.user("coord@bo.example.org", lead, ra(Role::CountryCoordinator, Some(lead), Some("BO"))).await;
    app.user("coord@pe.example.org", lead, ra(Role::CountryCoordinator, Some(lead), Some("PE"))).await;
    app.user("donor@example.org", ministry, ra(Role::Donor, None, None)).await;
    World {
        partner,
        me: app.login("me@bo.example.org", PASSWORD).await.unwrap(),
        coordinator: app.login("coord@bo.example.org", PASSWORD).await.unwrap(),
    }
}

fn entry_path(w: &World) -> String {
    format!("/results/DTZ/entry?org={}&country=BO&period=2016", w.partner)
}

/// Upload through the entry page's form as the partner's M&E officer.
async fn upload(app: &TestApp, w: &World, indicator: &str, name: &str, bytes: &[u8]) -> crate::support::Res {
    let html = app.page(&entry_path(w), Some(&w.me)).await.text();
    let org = w.partner.to_string();
    let fields = [
        ("csrf", csrf_of(&html)),
        ("org", org),
        ("country", "BO".into()),
        ("period", "2016".into()),
        ("back", "entry".into()),
        ("indicator", indicator.into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_multipart(app, "/results/DTZ/evidence", ("cookie", &w.me), multipart(&fields, Some((name, bytes)))).await
}

fn file_link(html: &str) -> String {
    html.split("href=\"/results/evidence/").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

async fn stored(app: &TestApp) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    app.db.db.read().fetch_all(&Sql::new("SELECT name, content, data_key FROM files")).await.unwrap()
}

async fn audit_rows(app: &TestApp) -> Vec<(String, String)> {
    app.db.db.read().fetch_all(&Sql::new("SELECT action, fields FROM audit_events ORDER BY seq")).await.unwrap()
}

async fn pages(app: TestApp) {
    let w = world(&app).await;
    let form = app.page(&entry_path(&w), Some(&w.me)).await.text();
    assert!(form.contains("enctype=\"multipart/form-data\"") && form.contains("type=\"file\""), "{form}");
    assert!(form.contains("<a href=\"#evidence-form\">Attach evidence</a>") && !form.contains("Evidence files:"));

    let r = upload(&app, &w, "G1.O1.1", "Lista de asistencia – taller.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.headers["location"].to_str().unwrap().starts_with("/results/DTZ/entry?org="));
    let html = app.page(&entry_path(&w), Some(&w.me)).await.text();
    assert!(html.contains("Lista de asistencia – taller.pdf") && html.contains("Evidence files: 1"), "{html}");
    assert!(html.contains("PDF · 1 KB"), "kind and size are shown: {html}");
    let file = file_link(&html);

    // At rest: neither the name nor the content is there in plain.
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    let (name, content, key) = &rows[0];
    assert!(!content.windows(10).any(|x| x == b"Attendance"), "content is sealed");
    assert!(!content.windows(PDF.len()).any(|x| x == PDF));
    assert!(!name.windows(5).any(|x| x == b"Lista"), "the name is sealed");
    assert!(!key.is_empty());

    // Download: the same bytes, as an attachment, never sniffed.
    let d = app.page(&format!("/results/evidence/{file}"), Some(&w.me)).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body, PDF);
    assert_eq!(d.headers["content-type"], "application/pdf");
    assert_eq!(d.headers["x-content-type-options"], "nosniff");
    let disposition = d.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"Lista de asistencia _ taller.pdf\""), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''Lista%20de%20asistencia%20%E2%80%93%20taller.pdf"));

    // Who may see the report may download; others get the same 404 as for nothing.
    assert_eq!(app.page(&format!("/results/evidence/{file}"), Some(&w.coordinator)).await.status, StatusCode::OK);
    let peru = app.login("coord@pe.example.org", PASSWORD).await.unwrap();
    let donor = app.login("donor@example.org", PASSWORD).await.unwrap();
    let other = app.login_other().await;
    for c in [&peru, &donor, &other] {
        assert_eq!(app.page(&format!("/results/evidence/{file}"), Some(c)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.page(&format!("/results/evidence/{file}/remove"), Some(c)).await.status, StatusCode::NOT_FOUND);
    }
    let missing = uuid::Uuid::new_v4();
    assert_eq!(app.page(&format!("/results/evidence/{missing}"), Some(&w.me)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/results/evidence/not-an-id", Some(&w.me)).await.status, StatusCode::NOT_FOUND);

    // The report page lists it by indicator, for the coordinator without a remove link.
    let report = html.split("href=\"/results/reports/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let rp = app.page(&format!("/results/reports/{report}"), Some(&w.coordinator)).await.text();
    assert!(rp.contains("G1.O1.1") && rp.contains("Lista de asistencia"), "{rp}");
    assert!(!rp.contains("/remove") && !rp.contains("enctype="), "a coordinator does not change evidence: {rp}");
    let mine = app.page(&format!("/results/reports/{report}"), Some(&w.me)).await.text();
    assert!(
        mine.contains(&format!("/results/evidence/{file}/remove")) && mine.contains("enctype=\"multipart/form-data\"")
    );

    // A coordinator cannot remove it; the M&E officer can, after a confirmation page.
    let confirm = app.page(&format!("/results/evidence/{file}/remove"), Some(&w.coordinator)).await.text();
    let body = format!("csrf={}&back=report", csrf_of(&confirm));
    let r = app.post_form(&format!("/results/evidence/{file}/remove"), Some(&w.coordinator), &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let confirm = app.page(&format!("/results/evidence/{file}/remove?back=entry"), Some(&w.me)).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let confirm = confirm.text();
    assert!(confirm.contains("Lista de asistencia") && confirm.contains("cannot be brought back"), "{confirm}");
    let r = app.post_form(&format!("/results/evidence/{file}/remove"), Some(&w.me), "csrf=wrong&back=entry").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF");
    let body = format!("csrf={}&back=entry", csrf_of(&confirm));
    let r = app.post_form(&format!("/results/evidence/{file}/remove"), Some(&w.me), &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.page(&format!("/results/evidence/{file}"), Some(&w.me)).await.status, StatusCode::NOT_FOUND);
    assert!(!app.page(&entry_path(&w), Some(&w.me)).await.text().contains("Evidence files:"));
    let rows = stored(&app).await;
    assert!(rows[0].0.is_empty() && rows[0].1.is_empty() && rows[0].2.is_empty(), "key, name and content erased");

    // Audited by file id and field names, never the name or content.
    let audit = audit_rows(&app).await;
    let actions: Vec<&str> = audit.iter().map(|(a, _)| a.as_str()).collect();
    for a in ["evidence.attach", "evidence.read", "evidence.remove"] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
    assert!(audit.iter().all(|(_, f)| !f.contains("Lista") && !f.contains("Attendance")));
}

async fn frozen(app: TestApp) {
    let w = world(&app).await;
    let r = upload(&app, &w, "G1.O1.1", "list.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = app.page(&entry_path(&w), Some(&w.me)).await.text();
    let file = file_link(&html);
    let key = ReportKey { programme: "DTZ".into(), org: w.partner, country: "BO".into(), period: "2016".into() };
    let ten = dtz_domain::results::Entry { value: Some(10), ..Default::default() };
    let input = [dtz_services::values::ValueInput { indicator: "G1.O1.1".into(), part: String::new(), entry: ten }];
    let report = app.services.save_values(&Caller::System, &key, &input).await.unwrap();
    let page = app.page(&format!("/results/reports/{}", report.id), Some(&w.coordinator)).await.text();
    assert!(
        page.contains("<a href=\"#evidence\">Evidence files: 1</a>"),
        "the value's line counts its evidence: {page}"
    );
    let mut v = report.version;
    for a in [ReportAction::Submit, ReportAction::ApproveCountry, ReportAction::ApproveAlliance] {
        v = app.services.act_on_report(&Caller::System, report.id, v, a, None).await.unwrap().version;
    }
    let html = app.page(&entry_path(&w), Some(&w.me)).await.text();
    assert!(!html.contains("enctype=") && !html.contains("/remove"), "nothing to attach or remove: {html}");
    let confirm = app.page(&format!("/results/evidence/{file}/remove"), Some(&w.me)).await.text();
    let body = format!("csrf={}&back=report", csrf_of(&confirm));
    let r = app.post_form(&format!("/results/evidence/{file}/remove"), Some(&w.me), &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("evidence can be attached or removed only after it is returned or reopened"),
        "{}",
        r.text()
    );
    let r = upload(&app, &w, "G1.O1.1", "late.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no new evidence either");
    let d = app.page(&format!("/results/evidence/{file}"), Some(&w.coordinator)).await;
    assert_eq!((d.status, d.body.as_slice()), (StatusCode::OK, PDF), "still there, still readable");
    assert_eq!(stored(&app).await.len(), 1);
    // Reopened, it may change again.
    app.services.act_on_report(&Caller::System, report.id, v, ReportAction::Reopen, Some("fix")).await.unwrap();
    let r = app.post_form(&format!("/results/evidence/{file}/remove"), Some(&w.me), &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

async fn refused(app: TestApp) {
    let w = world(&app).await;
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".as_slice();
    let r = upload(&app, &w, "G1.O1.1", "report.pdf", exe).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("This kind of file is not accepted") && text.contains("error-summary"), "{text}");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".as_slice();
    assert_eq!(upload(&app, &w, "G1.O1.1", "x.svg", svg).await.status, StatusCode::SEE_OTHER, "stored as text");
    let big = vec![b'a'; dtz_domain::files::MAX_FILE_BYTES + 1];
    let r = upload(&app, &w, "G1.O1.1", "big.txt", &big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("larger than 10 MB"), "{}", r.text());
    let huge = vec![b'a'; dtz_web::upload::UPLOAD_BODY_LIMIT + 1];
    assert_eq!(upload(&app, &w, "G1.O1.1", "huge.txt", &huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(upload(&app, &w, "G1.O1.1", "empty.pdf", b"").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = upload(&app, &w, "NOPE", "list.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("There is no indicator"));
    // The rest of the application keeps its small limit.
    let form = format!("csrf=x&org={}&country=BO&period=2016&pad={}", w.partner, "a".repeat(dtz_web::BODY_LIMIT));
    assert_eq!(app.post_form("/results/DTZ/entry", Some(&w.me), &form).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Only the SVG-as-text went in; nothing else was stored.
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    let d = app
        .page(
            &format!("/results/evidence/{}", file_link(&app.page(&entry_path(&w), Some(&w.me)).await.text())),
            Some(&w.me),
        )
        .await;
    assert_eq!(d.headers["content-type"], "text/plain; charset=utf-8", "never served as an image or a page");
    // Another organisation's officer cannot attach to this report.
    let peru = app.org("Partner Peru", "local_partner").await;
    app.user("me@pe.example.org", peru, ra(Role::MeOfficer, Some(peru), Some("PE"))).await;
    let other = app.login("me@pe.example.org", PASSWORD).await.unwrap();
    let html = app.page(&format!("/results/DTZ/entry?org={peru}&country=PE&period=2016"), Some(&other)).await.text();
    let fields = [
        ("csrf", csrf_of(&html)),
        ("org", w.partner.to_string()),
        ("country", "BO".into()),
        ("period", "2016".into()),
        ("indicator", "G1.O1.1".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_multipart(&app, "/results/DTZ/evidence", ("cookie", &other), multipart(&fields, Some(("x.pdf", PDF))))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(stored(&app).await.len(), 1);
}

async fn api(app: TestApp) {
    let w = world(&app).await;
    let (_, me) = app.user("me2@bo.example.org", w.partner, ra(Role::MeOfficer, Some(w.partner), Some("BO"))).await;
    let lead = app.org("ICCO 2", "alliance_member").await;
    let (_, coord) =
        app.user("coord2@bo.example.org", lead, ra(Role::CountryCoordinator, Some(lead), Some("BO"))).await;
    let (_, stranger) = app.user("x@example.org", app.org("Far away", "local_partner").await, None).await;
    let saved = app
        .api(
            Method::PUT,
            &format!("/programmes/DTZ/reports/{}/BO/2016", w.partner),
            Some(&me),
            Some(serde_json::json!([{"indicator": "G1.O1.1", "value": 12}])),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let report = saved.json()["id"].as_str().unwrap().to_owned();
    let bearer = |t: &str| format!("Bearer {t}");
    let path = format!("/api/v1/reports/{report}/evidence");
    let body = multipart(&[("indicator", "G1.O1.1")], Some(("minutes.csv", b"date,children\n2016-05-02,12\n")));
    let r = post_multipart(&app, &path, ("authorization", &bearer(&me)), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let e = r.json();
    assert_eq!(
        (e["indicator"].as_str(), e["content_type"].as_str(), e["size"].as_i64()),
        (Some("G1.O1.1"), Some("text/csv"), Some(28))
    );
    let id = e["id"].as_str().unwrap().to_owned();
    use sha2::Digest;
    assert_eq!(e["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(b"date,children\n2016-05-02,12\n")));

    let list = app.api(Method::GET, &format!("/reports/{report}/evidence?indicator=G1.O1.1"), Some(&coord), None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    assert_eq!(list.json()[0]["name"], "minutes.csv");
    let none = app.api(Method::GET, &format!("/reports/{report}/evidence?indicator=G1.O1.2"), Some(&coord), None).await;
    assert_eq!(none.json().as_array().unwrap().len(), 0);
    let d = app.api(Method::GET, &format!("/evidence/{id}"), Some(&coord), None).await;
    assert_eq!((d.status, d.body.as_slice()), (StatusCode::OK, b"date,children\n2016-05-02,12\n".as_slice()));
    assert!(d.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    for (t, what) in [(&stranger, "a stranger"), (&w_donor(&app).await, "a donor")] {
        assert_eq!(
            app.api(Method::GET, &format!("/evidence/{id}"), Some(t), None).await.status,
            StatusCode::NOT_FOUND,
            "{what}"
        );
        assert_eq!(
            app.api(Method::GET, &format!("/reports/{report}/evidence"), Some(t), None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.api(Method::DELETE, &format!("/evidence/{id}"), Some(t), None).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let body = multipart(&[("indicator", "G1.O1.1")], Some(("x.pdf", PDF)));
    let r = post_multipart(&app, &path, ("authorization", &bearer(&coord)), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a coordinator reads but does not attach");
    let body = multipart(&[("indicator", "G1.O1.1")], Some(("x.pdf", b"\x00\x01binary".as_slice())));
    let r = post_multipart(&app, &path, ("authorization", &bearer(&me)), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "file");
    assert_eq!(
        app.api(Method::DELETE, &format!("/evidence/{id}"), Some(&coord), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(Method::DELETE, &format!("/evidence/{id}"), Some(&me), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api(Method::DELETE, &format!("/evidence/{id}"), Some(&me), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(Method::GET, &format!("/evidence/{id}"), Some(&coord), None).await.status,
        StatusCode::NOT_FOUND
    );
    let doc = app.api(Method::GET, "/openapi.json", None, None).await.json();
    assert!(
        doc["paths"]["/reports/{id}/evidence"]["post"].is_object()
            && doc["paths"]["/evidence/{id}"]["delete"].is_object()
    );
}

async fn w_donor(app: &TestApp) -> String {
    let ministry = app.org("Donor ministry", "donor").await;
    app.user("donor2@example.org", ministry, ra(Role::Donor, None, None)).await.1
}
