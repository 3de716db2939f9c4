//! Referrals and follow-ups: the whole chain from a public report to a completed service,
//! emergency referrals with consent after, what a provider sees (and stops seeing),
//! illegal steps, missed answer deadlines, providers without accounts, the audit, and
//! the figures for monitoring.

use crate::cases::{NAME, Setup, one_id, open_case, post, role, setup};
use crate::report::{check, receipt_of, send_report};
use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::access::Role;
use dtz_domain::directory::{ProviderFields, ProviderId};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_services::Caller;
use dtz_store::Sql;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

crate::on_both! {
    a_report_is_followed_through_to_a_completed_service => story;
    an_emergency_referral_goes_first_and_flags_consent_until_recorded => emergency;
    provider_sees_only_its_referrals => provider_scope;
    an_illegal_step_is_refused_and_changes_nothing => illegal;
    a_missed_answer_deadline_tells_caseworker_and_supervisor_once => overdue;
    caseworkers_record_answers_for_providers_without_accounts => on_behalf;
    referral_figures_are_exact_for_supervisors_and_disclosed_for_others => figures;
    a_referral_onward_sends_the_next_one => onward;
    the_pages_refer_onward_with_a_directory_search_and_keep_what_was_typed => onward_page;
    the_demo_has_sample_referrals_in_several_states_and_overdue_follow_ups => demo;
}

/// A provider in Bolivia with a shelter service; with an account when `account` is set.
/// Returns (provider organisation, shelter service id, the provider user's token).
pub(crate) async fn provider(app: &TestApp, name: &str, email: &str, account: bool) -> (OrgId, Uuid, Option<String>) {
    let org = app.org(name, "service_provider").await;
    let f = ProviderFields {
        name: name.into(),
        country: CountryCode::parse("c", "BO").unwrap(),
        org_id: Some(org),
        takes_referrals: true,
        phone: Some("+591 2 000000".into()),
        email: None,
        address: None,
        notes: None,
        areas: vec!["La Paz".into()],
        languages: vec!["es".into()],
        services: BTreeMap::from([("shelter".to_owned(), Some(10))]),
    };
    let p = app.services.create_provider(&Caller::System, ProviderId::new(), f).await.unwrap();
    let service = p.services[0].id;
    let token =
        if account { Some(app.user(email, org, role(Role::ServiceProvider, org, None, None)).await.1) } else { None };
    (org, service, token)
}

pub(crate) async fn consent(app: &TestApp, s: &Setup, case: Uuid, kind: &str) {
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{case}/consents"),
            Some(&s.worker_token),
            Some(json!({"kind": kind, "state": "granted", "given_by": "guardian"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
}

pub(crate) async fn refer(
    app: &TestApp,
    token: &str,
    case: Uuid,
    service: Uuid,
    emergency: bool,
) -> (StatusCode, Value) {
    let body = json!({"service_id": service, "urgency": "urgent", "emergency": emergency,
        "reason": "Needs a safe place tonight", "security_risks": "Recruiter knows the school"});
    let r = app.api(Method::POST, &format!("/cases/{case}/referrals"), Some(token), Some(body)).await;
    (r.status, if r.status.is_success() || r.status.is_client_error() { r.json() } else { Value::Null })
}

pub(crate) async fn step(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    reason: Option<&str>,
) -> (StatusCode, Value) {
    let v = app.api(Method::GET, &format!("/referrals/{id}"), Some(token), None).await;
    let version = v.json()["referral"]["version"].as_i64().unwrap_or(0);
    let r = app
        .api(
            Method::POST,
            &format!("/referrals/{id}/steps"),
            Some(token),
            Some(json!({"version": version, "action": action, "reason": reason})),
        )
        .await;
    (r.status, r.json())
}

async fn count(app: &TestApp, sql: &'static str, args: Vec<dtz_store::Arg>) -> i64 {
    app.db.db.read().scalar(&Sql::with_args(sql, args)).await.unwrap()
}

pub(crate) async fn a_case(app: &TestApp, s: &Setup) -> Uuid {
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    open_case(app, s, &cookie, None).await
}

async fn story(app: TestApp) {
    let s = setup(&app).await;
    let (_, service, ptoken) = provider(&app, "Casa Segura (sample)", "shelter@example.org", true).await;
    let ptoken = ptoken.unwrap();
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    // A child reports; the receipt is shown once.
    let sent = send_report(&app, "10.1.2.3", "what=A+man+sells+meetings+with+girls&where=Bus+terminal").await;
    let receipt = receipt_of(&sent.text());
    assert!(!receipt.is_empty(), "{}", sent.text());
    let sid = one_id(&app, "SELECT id FROM signals").await;
    let r = post(
        &app,
        &worker,
        &format!("/signals/{sid}/triage"),
        &format!("version=1&category=online_exploitation&urgency=urgent&team={}&assignee={}", s.team.0, s.worker.0),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let case = open_case(&app, &s, &worker, Some(sid)).await;
    // Without consent no referral goes.
    let (st, body) = refer(&app, &s.worker_token, case, service, false).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM referrals", vec![]).await, 0);
    consent(&app, &s, case, "services").await;
    consent(&app, &s, case, "sharing").await;
    let (st, body) = refer(&app, &s.worker_token, case, service, false).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let id = body["referral"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["reason"], "Needs a safe place tonight");
    // The provider is told and finds it in its inbox with the minimum only.
    let n = count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'new_referral'", vec![]).await;
    assert_eq!(n, 1);
    let inbox = app.api(Method::GET, "/referrals", Some(&ptoken), None).await.json();
    assert_eq!(inbox[0]["id"], id.as_str());
    assert_eq!(inbox[0]["age_band"], "12-14");
    assert_eq!(inbox[0]["security_risks"], "Recruiter knows the school");
    assert!(inbox[0].get("reason").is_none());
    let page = app.page("/referrals", Some(&app.login("shelter@example.org", PASSWORD).await.unwrap())).await;
    assert!(
        page.status == StatusCode::OK && page.text().contains(&inbox[0]["case_number"].as_str().unwrap().to_owned())
    );
    // It accepts; while the child is in its care it sees the care summary.
    assert_eq!(step(&app, &ptoken, &id, "accept", None).await.0, StatusCode::OK);
    let v = app.api(Method::GET, &format!("/referrals/{id}"), Some(&ptoken), None).await.json();
    assert_eq!(v["care_summary"]["name"], NAME);
    assert!(v["reason"].is_null() && v["case_id"].is_null());
    assert_eq!(step(&app, &ptoken, &id, "start", None).await.0, StatusCode::OK);
    // A follow-up with an assessment and a corrected note.
    let today = dtz_domain::Clock::now(&app.clock).date();
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{case}/follow-ups"),
            Some(&s.worker_token),
            Some(json!({"kind": "provider_contact", "planned_date": today.to_string(), "referral_id": id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let fu = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{case}/follow-ups/{fu}"),
            Some(&s.worker_token),
            Some(json!({"version": 1, "status": "done", "done_date": today.to_string(), "progress": "improving",
                "note": "Settled in well"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let fus = app.api(Method::GET, &format!("/cases/{case}/follow-ups"), Some(&s.worker_token), None).await.json();
    assert_eq!(fus[0]["progress"], "improving");
    assert_eq!(fus[0]["notes"][0]["text"], "Settled in well");
    // Completion: the care summary is gone.
    assert_eq!(step(&app, &ptoken, &id, "complete", None).await.0, StatusCode::OK);
    let v = app.api(Method::GET, &format!("/referrals/{id}"), Some(&ptoken), None).await.json();
    assert!(v["care_summary"].is_null() && v["referral"]["status"] == "completed", "{v}");
    // The reporter sees generic progress only.
    let status = check(&app, &receipt, "10.1.2.3").await.text();
    assert!(status.contains("Someone is looking at what you told us."), "{status}");
    for secret in ["Casa Segura", "shelter", "referral", "Needs a safe place", NAME] {
        assert!(!status.contains(secret), "{secret} leaked to the status page");
    }
    // Audit: each read and write, ids and field names only.
    let actions: Vec<(String, String)> =
        app.db.db.read().fetch_all(&Sql::new("SELECT action, fields FROM audit_events ORDER BY seq")).await.unwrap();
    for a in
        ["referral.create", "referral.accept", "referral.start", "referral.complete", "referral.read", "referral.list"]
    {
        assert!(actions.iter().any(|(x, _)| x == a), "{a} audited");
    }
    assert!(actions.iter().any(|(a, f)| a == "case.read" && f.contains("care_summary.name")));
    assert!(actions.iter().any(|(a, _)| a == "follow_up.note"));
    for (_, f) in &actions {
        assert!(!f.contains("safe place") && !f.contains("Recruiter") && !f.contains("Settled"), "{f}");
    }
}

async fn emergency(app: TestApp) {
    let s = setup(&app).await;
    let (_, service, _) = provider(&app, "Clinic (sample)", "clinic@example.org", true).await;
    let case = a_case(&app, &s).await;
    let (st, body) = refer(&app, &s.worker_token, case, service, true).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let c = app.api(Method::GET, &format!("/cases/{case}"), Some(&s.worker_token), None).await.json();
    assert_eq!(c["consent_flagged"], true, "{c}");
    consent(&app, &s, case, "services").await;
    let c = app.api(Method::GET, &format!("/cases/{case}"), Some(&s.worker_token), None).await.json();
    assert_eq!(c["consent_flagged"], true, "sharing still pending");
    consent(&app, &s, case, "sharing").await;
    let c = app.api(Method::GET, &format!("/cases/{case}"), Some(&s.worker_token), None).await.json();
    assert_eq!(c["consent_flagged"], false);
    // Refused consent stops even an emergency referral.
    let case2 = a_case(&app, &s).await;
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{case2}/consents"),
            Some(&s.worker_token),
            Some(json!({"kind": "services", "state": "refused", "given_by": "child"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(refer(&app, &s.worker_token, case2, service, true).await.0, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn provider_scope(app: TestApp) {
    let s = setup(&app).await;
    let (_, mine, me) = provider(&app, "Shelter A (sample)", "a@example.org", true).await;
    let (_, theirs, other) = provider(&app, "Shelter B (sample)", "b@example.org", true).await;
    let (me, other) = (me.unwrap(), other.unwrap());
    let case = a_case(&app, &s).await;
    consent(&app, &s, case, "services").await;
    consent(&app, &s, case, "sharing").await;
    let a = refer(&app, &s.worker_token, case, mine, false).await.1["referral"]["id"].as_str().unwrap().to_owned();
    let b = refer(&app, &s.worker_token, case, theirs, false).await.1["referral"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.api(Method::GET, &format!("/referrals/{b}"), Some(&me), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(step(&app, &me, &b, "accept", None).await.0, StatusCode::NOT_FOUND);
    let inbox = app.api(Method::GET, "/referrals", Some(&me), None).await.json();
    assert_eq!(inbox.as_array().unwrap().len(), 1);
    assert_eq!(inbox[0]["id"], a.as_str());
    // Nothing of the case itself.
    for path in [format!("/cases/{case}"), format!("/cases/{case}/referrals"), format!("/cases/{case}/follow-ups")] {
        assert_eq!(app.api(Method::GET, &path, Some(&me), None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let cookie = app.login("a@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page(&format!("/cases/{case}"), Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page(&format!("/referrals/{b}"), Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    // Pending: no care summary; accepted: one; declined by the other: nothing more.
    let v = app.api(Method::GET, &format!("/referrals/{a}"), Some(&me), None).await.json();
    assert!(v["care_summary"].is_null());
    assert_eq!(step(&app, &me, &a, "accept", None).await.0, StatusCode::OK);
    assert!(!app.api(Method::GET, &format!("/referrals/{a}"), Some(&me), None).await.json()["care_summary"].is_null());
    let page = app.page(&format!("/referrals/{a}"), Some(&cookie)).await.text();
    assert!(page.contains(NAME), "care summary on the page");
    assert_eq!(step(&app, &me, &a, "start", None).await.0, StatusCode::OK);
    assert_eq!(step(&app, &me, &a, "complete", None).await.0, StatusCode::OK);
    assert!(app.api(Method::GET, &format!("/referrals/{a}"), Some(&me), None).await.json()["care_summary"].is_null());
    assert!(!app.page(&format!("/referrals/{a}"), Some(&cookie)).await.text().contains(NAME));
    // The other provider declines with a reason (a reason is needed).
    assert_eq!(step(&app, &other, &b, "decline", None).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(step(&app, &other, &b, "decline", Some("Full")).await.0, StatusCode::OK);
    // A provider cannot cancel (that is the case side).
    assert_eq!(step(&app, &other, &b, "cancel", Some("x")).await.0, StatusCode::FORBIDDEN);
}

async fn illegal(app: TestApp) {
    let s = setup(&app).await;
    let (_, service, p) = provider(&app, "Shelter (sample)", "p@example.org", true).await;
    let p = p.unwrap();
    let case = a_case(&app, &s).await;
    consent(&app, &s, case, "services").await;
    consent(&app, &s, case, "sharing").await;
    let id = refer(&app, &s.worker_token, case, service, false).await.1["referral"]["id"].as_str().unwrap().to_owned();
    let writes = "SELECT COUNT(*) FROM audit_events WHERE action <> 'referral.read'";
    let before = count(&app, writes, vec![]).await;
    let rid: Uuid = id.parse().unwrap();
    let (st, body) = step(&app, &p, &id, "complete", None).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("not possible now"), "{body}");
    let (status, version): (String, i64) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args("SELECT status, version FROM referrals WHERE id = $1", vec![rid.into()]))
        .await
        .unwrap();
    assert_eq!((status.as_str(), version), ("pending", 1));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM referral_steps", vec![]).await, 1, "only the sending");
    assert_eq!(count(&app, writes, vec![]).await, before, "no write was audited");
    // A stale version is a 409.
    let r = app
        .api(Method::POST, &format!("/referrals/{id}/steps"), Some(&p), Some(json!({"version": 7, "action": "accept"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

async fn overdue(app: TestApp) {
    let s = setup(&app).await;
    let (_, service, _) = provider(&app, "Shelter (sample)", "p@example.org", true).await;
    let case = a_case(&app, &s).await;
    consent(&app, &s, case, "services").await;
    consent(&app, &s, case, "sharing").await;
    refer(&app, &s.worker_token, case, service, false).await;
    assert_eq!(app.services.escalate_unanswered_referrals().await.unwrap(), 0, "not yet");
    app.clock.advance(time::Duration::hours(5));
    assert_eq!(app.services.escalate_unanswered_referrals().await.unwrap(), 2, "caseworker and supervisor");
    assert_eq!(app.services.escalate_unanswered_referrals().await.unwrap(), 0, "once");
    for u in [s.worker, s.supervisor] {
        let n = count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'referral_overdue'",
            vec![u.0.into()],
        )
        .await;
        assert_eq!(n, 1);
    }
    // An overdue follow-up, likewise once.
    let yesterday = dtz_domain::Clock::now(&app.clock).date() - time::Duration::days(1);
    let r = app
        .api(
            Method::POST,
            &format!("/cases/{case}/follow-ups"),
            Some(&s.worker_token),
            Some(json!({"kind": "home_visit", "planned_date": yesterday.to_string()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(app.services.send_follow_up_reminders().await.unwrap(), 2);
    assert_eq!(app.services.send_follow_up_reminders().await.unwrap(), 0);
    let home = app.page("/", Some(&app.login("worker@example.org", PASSWORD).await.unwrap())).await.text();
    assert!(home.contains("Follow-up overdue") && home.contains("Referral overdue"), "{home}");
}

async fn on_behalf(app: TestApp) {
    let s = setup(&app).await;
    let (_, service, _) = provider(&app, "Municipal clinic (sample)", "none@example.org", false).await;
    let case = a_case(&app, &s).await;
    consent(&app, &s, case, "services").await;
    consent(&app, &s, case, "sharing").await;
    let id = refer(&app, &s.worker_token, case, service, false).await.1["referral"]["id"].as_str().unwrap().to_owned();
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let letter = app.page(&format!("/referrals/{id}/letter"), Some(&cookie)).await;
    assert_eq!(letter.status, StatusCode::OK);
    let t = letter.text();
    assert!(
        t.contains("Municipal clinic (sample)") && t.contains("Recruiter knows the school") && !t.contains("<script")
    );
    let r = post(&app, &cookie, &format!("/referrals/{id}/steps"), "version=1&action=accept").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let fields: String = app
        .db
        .db
        .read()
        .scalar(&Sql::new("SELECT fields FROM audit_events WHERE action = 'referral.accept'"))
        .await
        .unwrap();
    assert!(fields.contains("on_behalf"), "{fields}");
}

async fn figures(app: TestApp) {
    let s = setup(&app).await;
    let (_, service, p) = provider(&app, "Shelter (sample)", "p@example.org", true).await;
    let p = p.unwrap();
    for _ in 0..6 {
        let case = a_case(&app, &s).await;
        consent(&app, &s, case, "services").await;
        consent(&app, &s, case, "sharing").await;
        let id =
            refer(&app, &s.worker_token, case, service, false).await.1["referral"]["id"].as_str().unwrap().to_owned();
        step(&app, &p, &id, "accept", None).await;
    }
    let (_, lead) = app.user("lead@example.org", s.org, role(Role::CaseSupervisor, s.org, Some("BO"), None)).await;
    let q = format!("/referrals/figures?country=BO&org={}", s.org.0);
    let exact = app.api(Method::GET, &q, Some(&lead), None).await.json();
    assert_eq!(exact["exact"], true, "{exact}");
    assert_eq!(exact["by_status"]["accepted"], 6);
    assert_eq!(exact["by_status"]["pending"], 0);
    assert_eq!(exact["children_by_service"][0]["children"], 6);
    let (_, donor) = app.user("donor@example.org", s.org, None).await;
    let d = app.api(Method::GET, &q, Some(&donor), None).await.json();
    assert_eq!(d["exact"], false, "{d}");
    assert_eq!(d["by_status"]["accepted"], "6");
    let r = app.api(Method::GET, "/referrals/figures?country=XX", Some(&donor), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn onward(app: TestApp) {
    let s = setup(&app).await;
    let (_, first, p) = provider(&app, "Shelter (sample)", "p@example.org", true).await;
    let (_, second, _) = provider(&app, "Clinic (sample)", "c@example.org", true).await;
    let p = p.unwrap();
    let case = a_case(&app, &s).await;
    consent(&app, &s, case, "services").await;
    consent(&app, &s, case, "sharing").await;
    let id = refer(&app, &s.worker_token, case, first, false).await.1["referral"]["id"].as_str().unwrap().to_owned();
    step(&app, &p, &id, "accept", None).await;
    let next = json!({"service_id": second, "urgency": "normal", "reason": "Medical check"});
    let r = app
        .api(
            Method::POST,
            &format!("/referrals/{id}/steps"),
            Some(&s.worker_token),
            Some(json!({"version": 2, "action": "refer_onward", "onward": next})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["referral"]["status"], "referred_onward");
    let list = app.api(Method::GET, &format!("/cases/{case}/referrals"), Some(&s.worker_token), None).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    // Sent in the same instant (the test clock stands still): find the new one by status.
    let next = list.as_array().unwrap().iter().find(|r| r["status"] == "pending").expect("the onward referral");
    let onward_from: Option<Uuid> = app
        .db
        .db
        .read()
        .scalar(&Sql::with_args(
            "SELECT onward_from FROM referrals WHERE id = $1",
            vec![next["id"].as_str().unwrap().parse::<Uuid>().unwrap().into()],
        ))
        .await
        .unwrap();
    assert_eq!(onward_from, Some(id.parse().unwrap()));
}

/// Through the pages: the referral page links to the case's referral form in "onward"
/// mode; a missing service shows the form again with what was typed; choosing one
/// marks the referral referred onward and sends the next from it.
async fn onward_page(app: TestApp) {
    let s = setup(&app).await;
    let (_, first, p) = provider(&app, "Shelter (sample)", "p@example.org", true).await;
    let (_, second, _) = provider(&app, "Clinic (sample)", "c@example.org", true).await;
    let case = a_case(&app, &s).await;
    consent(&app, &s, case, "services").await;
    consent(&app, &s, case, "sharing").await;
    let id = refer(&app, &s.worker_token, case, first, false).await.1["referral"]["id"].as_str().unwrap().to_owned();
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let pending = app.page(&format!("/referrals/{id}"), Some(&cookie)).await.text();
    assert!(!pending.contains("?onward="), "not before the provider accepts");
    step(&app, &p.unwrap(), &id, "accept", None).await;
    let show = app.page(&format!("/referrals/{id}"), Some(&cookie)).await.text();
    let link = format!("/cases/{case}/referrals?onward={id}");
    assert!(show.contains(&link), "{show}");
    assert!(!show.contains("value=\"refer_onward\""), "not in the steps list, which cannot name a service");
    let form = app.page(&format!("{link}&service_type=shelter"), Some(&cookie)).await.text();
    assert!(form.contains(&format!("action=\"/referrals/{id}/onward\"")), "{form}");
    assert!(form.contains("Refer onward from Shelter (sample)"), "{form}");
    let missing =
        post(&app, &cookie, &format!("/referrals/{id}/onward"), "version=2&urgency=normal&reason=Medical+check").await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = missing.text();
    assert!(t.contains("Medical check") && t.contains(&format!("/referrals/{id}/onward")), "kept, still onward: {t}");
    let body = format!("version=2&service={second}&urgency=normal&reason=Medical+check&step_reason=Needs+a+doctor");
    let sent = post(&app, &cookie, &format!("/referrals/{id}/onward"), &body).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let status: String = app
        .db
        .db
        .read()
        .scalar(&Sql::with_args("SELECT status FROM referrals WHERE id = $1", vec![id.parse::<Uuid>().unwrap().into()]))
        .await
        .unwrap();
    assert_eq!(status, "referred_onward");
    let next = count(
        &app,
        "SELECT COUNT(*) FROM referrals WHERE onward_from = $1 AND service_id = $2",
        vec![id.parse::<Uuid>().unwrap().into(), second.into()],
    )
    .await;
    assert_eq!(next, 1);
    let again = post(&app, &cookie, &format!("/referrals/{id}/onward"), &body).await;
    assert_ne!(again.status, StatusCode::SEE_OTHER, "once: a second post finds it referred onward");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM referrals", vec![]).await, 2);
}

async fn demo(app: TestApp) {
    let demo = dtz_services::demo::load(&app.services).await.unwrap();
    let pw = demo.password.unwrap();
    let statuses: Vec<(String,)> =
        app.db.db.read().fetch_all(&Sql::new("SELECT DISTINCT status FROM referrals ORDER BY status")).await.unwrap();
    let statuses: Vec<&str> = statuses.iter().map(|(s,)| s.as_str()).collect();
    assert_eq!(statuses, ["completed", "declined", "in_progress", "pending"]);
    assert!(app.services.escalate_unanswered_referrals().await.unwrap() >= 1, "one answer deadline passed");
    assert!(app.services.send_follow_up_reminders().await.unwrap() >= 1, "overdue follow-ups");
    let shelter = app.login("provider.bo@demo.example.org", &pw).await.unwrap();
    let inbox = app.page("/referrals", Some(&shelter)).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.text().contains("In progress") && inbox.text().contains("BO-"), "{}", inbox.text());
    let worker = app.login("caseworker.bo@demo.example.org", &pw).await.unwrap();
    let case: Uuid = one_case(&app).await;
    let page = app.page(&format!("/cases/{case}/referrals"), Some(&worker)).await.text();
    assert!(
        page.contains("Sample shelter La Paz") && page.contains("overdue") && page.contains("Sample data"),
        "{page}"
    );
}

async fn one_case(app: &TestApp) -> Uuid {
    let (id,): (Uuid,) =
        app.db.db.read().fetch_one(&Sql::new("SELECT case_id FROM follow_ups GROUP BY case_id")).await.unwrap();
    id
}
