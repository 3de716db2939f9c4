//! Cases through the pages and the API: the story from a public signal to a closed case,
//! transfers that need acceptance, need to know (404), no case data for donors, no
//! plaintext at rest and no values in the audit, no export of case lists.

use crate::report::{bolivia, send_report};
use crate::support::{PASSWORD, Res, TestApp, csrf_of, urlenc};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_services::Caller;
use dtz_services::config::TermInput;
use dtz_store::Sql;
use std::collections::BTreeMap;
use uuid::Uuid;

crate::on_both! {
    a_signal_becomes_a_case_with_consent_steps_and_an_approved_closure => story;
    a_transfer_takes_effect_only_when_the_receiving_organisation_accepts => transfer;
    staff_outside_the_case_scope_get_404_everywhere => out_of_scope;
    donors_and_administrators_see_no_case_data => donor;
    case_content_is_encrypted_at_rest_and_the_audit_holds_no_values => at_rest;
    case_lists_cannot_be_exported => no_export;
    the_api_reads_and_changes_cases_with_audited_reads_and_409s => api;
    the_demo_has_sample_cases_and_a_transfer_waiting => demo;
}

/// A child's name that must never be stored or logged in plaintext.
pub const NAME: &str = "Xochiquetzal Testchild";

/// The receiving organisation in Bolivia with a team, its people and the vocabularies.
pub struct Setup {
    pub org: OrgId,
    pub team: TeamId,
    pub worker: UserId,
    pub worker_token: String,
    pub supervisor: UserId,
    pub supervisor_token: String,
}

pub fn role(role: Role, org: OrgId, country: Option<&str>, team: Option<TeamId>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org: Some(org), country: country.and_then(|c| CountryCode::parse("c", c).ok()), team })
}

pub async fn term(app: &TestApp, vocabulary: &str, code: &str) {
    let labels =
        BTreeMap::from([("en".to_owned(), format!("Label {code}")), ("es".to_owned(), format!("Etiqueta {code}"))]);
    let input = TermInput { code: code.into(), country: String::new(), sort_order: "1".into(), active: true, labels };
    app.services.create_term(&Caller::System, vocabulary, &input).await.unwrap();
}

pub async fn setup(app: &TestApp) -> Setup {
    let org = bolivia(app).await;
    let team =
        TeamId(app.services.create_team(&Caller::System, TeamId::new(), org, Some("BO"), "Team A").await.unwrap().id);
    let (worker, worker_token) =
        app.user("worker@example.org", org, role(Role::Caseworker, org, Some("BO"), Some(team))).await;
    let (supervisor, supervisor_token) =
        app.user("supervisor@example.org", org, role(Role::CaseSupervisor, org, Some("BO"), Some(team))).await;
    term(app, "signal_category", "online_exploitation").await;
    term(app, "protection_step", "court_hearing").await;
    term(app, "protection_step", "police_report").await;
    Setup { org, team, worker, worker_token, supervisor, supervisor_token }
}

/// Post a form with the CSRF token of `page` (a page the cookie may see).
pub async fn post(app: &TestApp, cookie: &str, path: &str, body: &str) -> Res {
    let csrf = csrf_of(&app.page("/account", Some(cookie)).await.text());
    app.post_form(path, Some(cookie), &format!("csrf={csrf}&{body}")).await
}

pub async fn one_id(app: &TestApp, sql: &'static str) -> Uuid {
    let (id,): (Uuid,) = app.db.db.read().fetch_one(&Sql::new(sql)).await.unwrap();
    id
}

pub async fn version(app: &TestApp, id: Uuid) -> i64 {
    let (v,): (i64,) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args("SELECT version FROM cases WHERE id = $1", vec![id.into()]))
        .await
        .unwrap();
    v
}

fn location(r: &Res) -> String {
    r.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn events(app: &TestApp) -> Vec<dtz_store::audit::Event> {
    let f = dtz_store::audit::EventFilter { limit: 500, ..Default::default() };
    app.services.audit_events(&Caller::System, &f).await.unwrap()
}

/// Open a case for the worker's team through the page; returns its id.
pub async fn open_case(app: &TestApp, s: &Setup, cookie: &str, signal: Option<Uuid>) -> Uuid {
    let signal = signal.map(|s| s.to_string()).unwrap_or_default();
    let body = format!(
        "signal={signal}&country=BO&team={}&caseworker={}&risk=high&sex=female&age=14&languages=Spanish%2C+Aymara&name={}&situation=Sold+phone+credit+for+meetings",
        s.team.0,
        s.worker.0,
        urlenc(NAME)
    );
    let r = post(app, cookie, "/cases/new", &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = location(&r);
    loc.trim_start_matches("/cases/").split('?').next().unwrap().parse().unwrap()
}

async fn story(app: TestApp) {
    let s = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let supervisor = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    send_report(&app, "10.9.8.7", "what=Girls+are+taken+to+a+hotel+at+night&where=Near+the+bus+terminal").await;
    let sid = one_id(&app, "SELECT id FROM signals").await;
    // Triage.
    let r = post(
        &app,
        &worker,
        &format!("/signals/{sid}/triage"),
        &format!("version=1&category=online_exploitation&urgency=urgent&team={}&assignee={}", s.team.0, s.worker.0),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.page(&format!("/signals/{sid}"), Some(&worker)).await.text();
    assert!(page.contains("Label online_exploitation") && page.contains(">Urgent<"), "{page}");
    // Open a case from it: a number from the hub's sequence, the signal in progress.
    let cid = open_case(&app, &s, &worker, Some(sid)).await;
    let (number, status): (String, String) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT c.number, s.status FROM cases c JOIN signals s ON s.id = c.signal_id WHERE c.id = $1",
            vec![cid.into()],
        ))
        .await
        .unwrap();
    let year = dtz_domain::Clock::now(&app.clock).year();
    assert_eq!(number, format!("BO-{year}-H-0001"));
    assert_eq!(status, "in_progress");
    let page = app.page(&format!("/cases/{cid}?done=opened"), Some(&worker)).await;
    assert_eq!(page.status, StatusCode::OK);
    let t = page.text();
    assert!(
        t.contains(&number) && t.contains(NAME) && t.contains("Spanish, Aymara") && t.contains("The case is open."),
        "{t}"
    );
    assert!(t.contains(&format!("{} (estimated from the age)", year - 14)));
    // Consent: an emergency first (flagged), the guardian's decision after.
    let r =
        post(&app, &worker, &format!("/cases/{cid}/consents"), "kind=services&state=pending&reason=Shelter+tonight")
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let flagged = app.page("/cases?flagged=1", Some(&worker)).await.text();
    assert!(flagged.contains(&number) && flagged.contains("Consent pending"), "{flagged}");
    assert!(app.page(&format!("/cases/{cid}"), Some(&worker)).await.text().contains("Action was taken before consent"));
    let r = post(&app, &worker, &format!("/cases/{cid}/consents"), "kind=services&state=granted").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Say who gave or refused consent.") && r.text().contains("id=\"consent-given_by\""));
    let r =
        post(&app, &worker, &format!("/cases/{cid}/consents"), "kind=services&state=granted&given_by=guardian").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!app.page("/cases?flagged=1", Some(&worker)).await.text().contains(&number));
    let r = post(&app, &worker, &format!("/cases/{cid}/consents"), "kind=sharing&state=overridden&reason=Court+order")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only supervisors override");
    let r =
        post(&app, &supervisor, &format!("/cases/{cid}/consents"), "kind=sharing&state=overridden&reason=Court+order")
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A hearing in three days goes on the caseworker's task list once.
    let due = dtz_domain::Clock::now(&app.clock).date() + time::Duration::days(3);
    let r = post(
        &app,
        &worker,
        &format!("/cases/{cid}/steps"),
        &format!("kind=court_hearing&due_date={due}&note=File+42%2F2026"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = post(&app, &worker, &format!("/cases/{cid}/steps"), "kind=no_such_kind").await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY
            && r.text().contains("Choose a kind of step offered in this country.")
    );
    assert_eq!(app.services.send_step_reminders().await.unwrap(), 1);
    assert_eq!(app.services.send_step_reminders().await.unwrap(), 0, "once");
    let home = app.page("/", Some(&worker)).await.text();
    assert!(home.contains("Protection step soon") && home.contains(&format!("/cases/{cid}")), "{home}");
    // Plan and notes.
    assert_eq!(
        post(&app, &worker, &format!("/cases/{cid}/goals"), "goal=Back+to+school&due_date=").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post(&app, &worker, &format!("/cases/{cid}/notes"), "note=Met+the+aunt").await.status,
        StatusCode::SEE_OTHER
    );
    let t = app.page(&format!("/cases/{cid}"), Some(&worker)).await.text();
    assert!(t.contains("Back to school") && t.contains("Met the aunt") && t.contains("File 42/2026"), "{t}");
    // Closure: asked by the caseworker, approved by the supervisor, not by the asker.
    let v = version(&app, cid).await;
    let r = post(
        &app,
        &worker,
        &format!("/cases/{cid}/closure"),
        &format!("action=request&version={v}&reason=goals_achieved"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let v = version(&app, cid).await;
    let r = post(&app, &worker, &format!("/cases/{cid}/closure"), &format!("action=approve&version={v}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a caseworker does not approve");
    let tasks = app.page("/", Some(&supervisor)).await.text();
    assert!(tasks.contains("Approval pending") && tasks.contains(&format!("/cases/{cid}")), "{tasks}");
    let r = post(&app, &supervisor, &format!("/cases/{cid}/closure"), &format!("action=approve&version={v}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let t = app.page(&format!("/cases/{cid}"), Some(&worker)).await.text();
    assert!(t.contains("The case is closed: The goals are met."), "{t}");
    let r = post(&app, &worker, &format!("/cases/{cid}/notes"), "note=After+closing").await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text().contains("This case is closed and cannot change.")
    );
    let actions: Vec<String> = events(&app).await.into_iter().map(|e| e.action).collect();
    for a in [
        "signal.triage",
        "case.create",
        "signal.open_case",
        "case.consent.pending",
        "case.consent.overridden",
        "case.step.create",
        "case.closure.request",
        "case.closure.approve",
        "case.read",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}

async fn transfer(app: TestApp) {
    let s = setup(&app).await;
    let other = app.org("Partner B", "local_partner").await;
    let team_b =
        TeamId(app.services.create_team(&Caller::System, TeamId::new(), other, Some("BO"), "Team B").await.unwrap().id);
    app.user("lead.b@example.org", other, role(Role::CaseSupervisor, other, Some("BO"), None)).await;
    app.user("worker.b@example.org", other, role(Role::Caseworker, other, Some("BO"), Some(team_b))).await;
    let third = app.org("Partner C", "local_partner").await;
    app.user("lead.c@example.org", third, role(Role::CaseSupervisor, third, Some("BO"), None)).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let supervisor = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    let lead_b = app.login("lead.b@example.org", PASSWORD).await.unwrap();
    let lead_c = app.login("lead.c@example.org", PASSWORD).await.unwrap();
    let cid = open_case(&app, &s, &worker, None).await;
    let r = post(&app, &worker, &format!("/cases/{cid}/transfer"), &format!("action=propose&to_org={}", other.0)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "supervisors transfer");
    let r =
        post(&app, &supervisor, &format!("/cases/{cid}/transfer"), &format!("action=propose&to_org={}", other.0)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let tid = one_id(&app, "SELECT id FROM case_transfers").await;
    // Nothing moves until B accepts: B sees the offer (no content), not the case.
    assert_eq!(app.page(&format!("/cases/{cid}"), Some(&lead_b)).await.status, StatusCode::NOT_FOUND);
    let home = app.page("/", Some(&lead_b)).await.text();
    assert!(
        home.contains("Case offered to your organisation") && home.contains(&format!("/cases/transfers/{tid}")),
        "{home}"
    );
    let offer = app.page(&format!("/cases/transfers/{tid}"), Some(&lead_b)).await;
    assert_eq!(offer.status, StatusCode::OK);
    assert!(offer.text().contains("BO-") && !offer.text().contains(NAME));
    assert!(app.page("/cases", Some(&lead_b)).await.text().contains(&format!("/cases/transfers/{tid}")));
    assert_eq!(app.page(&format!("/cases/transfers/{tid}"), Some(&lead_c)).await.status, StatusCode::NOT_FOUND);
    assert!(
        app.page(&format!("/cases/{cid}"), Some(&worker))
            .await
            .text()
            .contains("Waiting for Partner B to accept the case.")
    );
    let r = post(&app, &lead_c, &format!("/cases/transfers/{tid}"), "action=accept").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post(&app, &lead_b, &format!("/cases/transfers/{tid}"), &format!("action=accept&team={}", s.team.0)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a team of the receiving organisation only");
    let r = post(&app, &lead_b, &format!("/cases/transfers/{tid}"), &format!("action=accept&team={}", team_b.0)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Now B reads it (the data key was rewrapped) and A does not.
    let t = app.page(&format!("/cases/{cid}"), Some(&lead_b)).await;
    assert!(t.status == StatusCode::OK && t.text().contains(NAME), "{}", t.text());
    let worker_b = app.login("worker.b@example.org", PASSWORD).await.unwrap();
    assert!(app.page(&format!("/cases/{cid}"), Some(&worker_b)).await.text().contains(NAME));
    assert_eq!(app.page(&format!("/cases/{cid}"), Some(&worker)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page(&format!("/cases/{cid}"), Some(&supervisor)).await.status, StatusCode::NOT_FOUND);
    let r = post(&app, &lead_b, &format!("/cases/transfers/{tid}"), "action=decline").await;
    assert!(r.text().contains("This transfer was decided already."), "{}", r.text());
}

async fn out_of_scope(app: TestApp) {
    let s = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let cid = open_case(&app, &s, &worker, None).await;
    let other = app.org("Partner B", "local_partner").await;
    let team_b =
        app.services.create_team(&Caller::System, TeamId::new(), other, Some("BO"), "Team B").await.unwrap().id;
    let (_, token_b) =
        app.user("worker.b@example.org", other, role(Role::Caseworker, other, Some("BO"), Some(TeamId(team_b)))).await;
    let team_2 =
        app.services.create_team(&Caller::System, TeamId::new(), s.org, Some("BO"), "Team 2").await.unwrap().id;
    app.user("worker2@example.org", s.org, role(Role::Caseworker, s.org, Some("BO"), Some(TeamId(team_2)))).await;
    for email in ["worker.b@example.org", "worker2@example.org"] {
        let c = app.login(email, PASSWORD).await.unwrap();
        assert_eq!(app.page(&format!("/cases/{cid}"), Some(&c)).await.status, StatusCode::NOT_FOUND, "{email}");
        assert_eq!(app.page(&format!("/cases/{cid}/edit"), Some(&c)).await.status, StatusCode::NOT_FOUND, "{email}");
        for (path, body) in [
            ("consents", "kind=services&state=granted&given_by=child"),
            ("notes", "note=x"),
            ("closure", "action=request&reason=other&version=1"),
        ] {
            let r = post(&app, &c, &format!("/cases/{cid}/{path}"), body).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{email} {path}");
        }
        assert!(!app.page("/cases", Some(&c)).await.text().contains(&cid.to_string()), "{email}");
    }
    let r = app.api(Method::GET, &format!("/cases/{cid}"), Some(&token_b), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::GET, &format!("/cases/{}", Uuid::new_v4()), Some(&token_b), None).await.body,
        r.body,
        "the same as a case that does not exist"
    );
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{cid}/consents"),
            Some(&token_b),
            Some(serde_json::json!({"kind": "services", "state": "granted", "given_by": "child"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/cases/not-a-uuid", Some(&worker)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        post(&app, &worker, &format!("/cases/{cid}/goals/nope"), "status=achieved").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn donor(app: TestApp) {
    let s = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let cid = open_case(&app, &s, &worker, None).await;
    let number: (String,) = app.db.db.read().fetch_one(&Sql::new("SELECT number FROM cases")).await.unwrap();
    let mfa = app.org("Ministry", "donor").await;
    let (_, donor_token) = app
        .user(
            "donor@example.org",
            mfa,
            Some(RoleAssignment { role: Role::Donor, org: None, country: None, team: None }),
        )
        .await;
    let admin_token = app.admin().await;
    for (email, token) in [("donor@example.org", donor_token), ("root@example.org", admin_token)] {
        let c = app.login(email, PASSWORD).await.unwrap();
        let home = app.page("/", Some(&c)).await.text();
        assert!(!home.contains("href=\"/cases\"") && !home.contains("href=\"/signals\""), "{email}: {home}");
        for path in
            ["/cases".to_owned(), format!("/cases/{cid}"), "/cases/new".to_owned(), format!("/cases/{cid}/edit")]
        {
            assert_eq!(app.page(&path, Some(&c)).await.status, StatusCode::NOT_FOUND, "{email} {path}");
        }
        assert_eq!(
            app.api(Method::GET, &format!("/cases/{cid}"), Some(&token), None).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app.api(Method::GET, &format!("/cases?number={}", number.0), Some(&token), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{email}");
    }
}

async fn at_rest(app: TestApp) {
    let s = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let supervisor = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    let cid = open_case(&app, &s, &worker, None).await;
    post(&app, &worker, &format!("/cases/{cid}/notes"), "note=Xochiquetzal+Testchild+met+her+aunt").await;
    post(&app, &worker, &format!("/cases/{cid}/goals"), "goal=Xochiquetzal+Testchild+back+to+school").await;
    post(
        &app,
        &worker,
        &format!("/cases/{cid}/steps"),
        "kind=police_report&status=done&done_date=2026-01-02&note=Xochiquetzal+Testchild+statement",
    )
    .await;
    post(
        &app,
        &supervisor,
        &format!("/cases/{cid}/consents"),
        "kind=sharing&state=overridden&reason=Xochiquetzal+Testchild+court",
    )
    .await;
    let r = app.page(&format!("/cases/{cid}"), Some(&worker)).await.text();
    assert!(r.matches(NAME).count() >= 5, "opened for the caseworker: {r}");
    let needles: [&[u8]; 3] = [NAME.as_bytes(), b"Xochiquetzal", b"Sold phone credit"];
    let blobs: Vec<(Option<Vec<u8>>,)> = app
        .db
        .db
        .read()
        .fetch_all(&Sql::new(
            "SELECT profile FROM cases UNION ALL SELECT data_key FROM cases UNION ALL SELECT body FROM case_notes \
             UNION ALL SELECT body FROM case_goals UNION ALL SELECT note FROM protection_steps UNION ALL SELECT reason FROM case_consents",
        ))
        .await
        .unwrap();
    assert_eq!(blobs.iter().filter(|(b,)| b.is_some()).count(), 6);
    for (b,) in &blobs {
        let b = b.clone().unwrap_or_default();
        for n in needles {
            assert!(!b.windows(n.len()).any(|w| w == n), "plaintext at rest");
        }
    }
    if app.db.backend == dtz_testkit::Backend::Sqlite {
        for file in ["test.db", "test.db-wal"] {
            let bytes = std::fs::read(app.db.dir.path().join(file)).unwrap_or_default();
            assert!(!bytes.windows(NAME.len()).any(|w| w == NAME.as_bytes()), "{file} holds the name");
        }
    }
    for e in events(&app).await {
        let text = format!("{} {} {}", e.action, e.entity, e.fields);
        for value in ["Xochiquetzal", "Spanish", "female", "high", "police_report", "guardian", "2026-01-02", "court"] {
            assert!(!text.contains(value), "a value in the audit: {e:?}");
        }
    }
    let read = events(&app).await.into_iter().find(|e| e.action == "case.read").unwrap();
    assert_eq!(read.entity_id, Some(cid));
    assert_eq!(read.fields, r#"["profile","consents","goals","protection_steps","notes"]"#);
}

async fn no_export(app: TestApp) {
    let s = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    open_case(&app, &s, &worker, None).await;
    let list = app.page("/cases", Some(&worker)).await;
    let t = list.text();
    assert!(t.contains("BO-") && t.contains("Case lists cannot be downloaded or exported."));
    for bad in [".csv", ".xlsx", "download", "export"] {
        assert!(
            !t.to_lowercase().contains(&format!("href=\"/cases{bad}")) && !t.contains(&format!("{bad}\"")),
            "{bad}"
        );
    }
    for path in ["/cases.csv", "/cases.xlsx", "/cases/export", "/cases/download", "/cases/export.csv"] {
        assert_eq!(app.page(path, Some(&worker)).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = app.page("/cases?format=csv", Some(&worker)).await;
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let r = app.api(Method::GET, "/cases", Some(&s.worker_token), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Case lists cannot be exported"));
    for path in ["/cases/export", "/cases.csv"] {
        assert_eq!(
            app.api(Method::GET, path, Some(&s.worker_token), None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let doc = app.api(Method::GET, "/openapi.json", None, None).await.json();
    let paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert!(paths.iter().any(|p| p == "/cases/{id}"));
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("case") && (p.contains("export") || p.contains("csv") || p.contains("download"))),
        "{paths:?}"
    );
}

async fn api(app: TestApp) {
    let s = setup(&app).await;
    let body = serde_json::json!({
        "country": "BO", "team_id": s.team.0, "caseworker_id": s.worker.0, "risk": "medium",
        "profile": {"sex": "male", "birth_year": 2011, "languages": ["Quechua"], "name": NAME}
    });
    let r = app.api(Method::POST, "/cases", Some(&s.worker_token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_owned();
    let number = created["number"].as_str().unwrap().to_owned();
    let reads = |evs: &[dtz_store::audit::Event]| evs.iter().filter(|e| e.action == "case.read").count();
    let before = reads(&events(&app).await);
    let r = app.api(Method::GET, &format!("/cases/{id}"), Some(&s.worker_token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["profile"]["name"], NAME);
    assert_eq!(r.json()["profile"]["languages"][0], "Quechua");
    assert_eq!(reads(&events(&app).await), before + 1, "every GET of a case is audited");
    let found =
        app.api(Method::GET, &format!("/cases?number={}", number.to_lowercase()), Some(&s.worker_token), None).await;
    assert_eq!(found.json()["id"], id.as_str());
    assert!(events(&app).await.iter().any(|e| e.action == "case.find"));
    let v = created["version"].as_i64().unwrap();
    let r = app
        .api(
            Method::PATCH,
            &format!("/cases/{id}"),
            Some(&s.worker_token),
            Some(serde_json::json!({"version": v, "risk": "high"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["risk"], "high");
    // Another field on the old version passes; the same field is a 409 naming it.
    let r = app.api(Method::PATCH, &format!("/cases/{id}"), Some(&s.worker_token), Some(serde_json::json!({"version": v, "profile": {"sex": "male", "birth_year": 2012, "languages": ["Quechua"], "name": NAME}}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .api(
            Method::PATCH,
            &format!("/cases/{id}"),
            Some(&s.worker_token),
            Some(serde_json::json!({"version": v, "risk": "low"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.json()["changed_fields"].as_array().unwrap().iter().any(|f| f == "risk"));
    let r = app
        .api(
            Method::PATCH,
            &format!("/cases/{id}"),
            Some(&s.worker_token),
            Some(serde_json::json!({"version": v + 2, "assignment": {"team_id": s.team.0}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "assignment is for supervisors");
    let r = app.api(Method::PATCH, &format!("/cases/{id}"), Some(&s.supervisor_token), Some(serde_json::json!({"version": v + 2, "assignment": {"team_id": s.team.0, "caseworker_id": s.supervisor.0}}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{id}/protection-steps"),
            Some(&s.worker_token),
            Some(serde_json::json!({"kind": "court_hearing", "due_date": "2026-13-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "due_date");
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{id}/consents"),
            Some(&s.worker_token),
            Some(serde_json::json!({"kind": "statistics", "state": "granted", "given_by": "child"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.api(Method::GET, &format!("/cases/{id}"), Some(&s.supervisor_token), None).await.json();
    assert_eq!(r["consent"]["statistics"], "granted");
    assert_eq!(r["caseworker_id"], s.supervisor.0.to_string());
}

async fn demo(app: TestApp) {
    let demo = dtz_services::demo::load(&app.services).await.unwrap();
    let pw = demo.password.unwrap();
    let intake = app.login("intake.bo@demo.example.org", &pw).await.unwrap();
    let flagged = app.page("/cases?flagged=1", Some(&intake)).await.text();
    let first =
        flagged.split("href=\"/cases/").filter_map(|s| s.split('"').next()).find(|s| s.len() == 36).unwrap().to_owned();
    let page = app.page(&format!("/cases/{first}"), Some(&intake)).await.text();
    assert!(
        page.contains("Ejemplo A. (datos de ejemplo)") && page.contains("Sample data") && page.contains("Waiting for"),
        "{page}"
    );
    let supervisor = app.login("supervisor.bo@demo.example.org", &pw).await.unwrap();
    let home = app.page("/", Some(&supervisor)).await.text();
    assert!(home.contains("Case offered to your organisation"), "{home}");
    let list = app.page("/cases", Some(&supervisor)).await.text();
    assert!(list.contains("/cases/transfers/") && list.contains("BO-"), "{list}");
    let worker = app.login("caseworker.bo@demo.example.org", &pw).await.unwrap();
    let mine = app.page("/cases?mine=1", Some(&worker)).await.text();
    let own =
        mine.split("href=\"/cases/").filter_map(|s| s.split('"').next()).find(|s| s.len() == 36).unwrap().to_owned();
    assert!(app.page(&format!("/cases/{own}"), Some(&worker)).await.text().contains("Ejemplo B. (datos de ejemplo)"));
    let donor = app.login("donor@demo.example.org", &pw).await.unwrap();
    assert_eq!(app.page(&format!("/cases/{own}"), Some(&donor)).await.status, StatusCode::NOT_FOUND);
}
