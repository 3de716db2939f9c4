//! Retention: reporter contacts, closed signals and closed cases are erased after their
//! periods, keeping what statistics and the audit need; a dry run changes nothing.

use crate::cases::setup;
use crate::report::{receipt_of, send_report};
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use dtz_domain::Clock as _;
use dtz_services::Caller;
use dtz_services::signals::ReceiptCheck;
use dtz_store::Sql;
use uuid::Uuid;

crate::on_both! {
    reporter_contacts_are_erased_after_their_period_and_the_report_stays => contacts;
    closed_signals_and_cases_lose_their_content_but_keep_their_counts => closed;
    a_dry_run_counts_and_changes_nothing_and_settings_change_periods => dry_run;
    referrals_and_follow_up_notes_go_with_their_closed_case => referrals;
    a_country_keeps_signals_for_its_own_months => per_country;
}

/// Due and erased records of one type, over all its parts (countries with a period of
/// their own, then the rest).
async fn line(app: &TestApp, dry: bool, code: &str) -> (u64, u64) {
    let lines = app.services.run_retention(dry).await.unwrap();
    let parts: Vec<_> = lines.iter().filter(|l| l.code == code).collect();
    assert!(!parts.is_empty(), "{code} missing");
    parts.iter().fold((0, 0), |(d, e), l| (d + l.due, e + l.erased))
}

async fn erase_events(app: &TestApp, entity: &str) -> Vec<dtz_store::audit::Event> {
    let f = dtz_store::audit::EventFilter { limit: 1000, ..Default::default() };
    let events = app.services.audit_events(&Caller::System, &f).await.unwrap();
    events.into_iter().filter(|e| e.action == "retention.erase" && e.entity == entity).collect()
}

async fn contacts(app: TestApp) {
    crate::report::bolivia(&app).await;
    let r = send_report(&app, "10.1.2.3", "what=Someone+at+the+market&contact=%2B591+7000+1234&safe_to_call=yes").await;
    assert_eq!(r.status, StatusCode::OK);
    let (id,): (Uuid,) = app.db.db.read().fetch_one(&Sql::new("SELECT id FROM signals")).await.unwrap();
    app.clock.advance(time::Duration::days(179));
    assert_eq!(line(&app, false, "reporter_contact").await, (0, 0), "not yet");
    app.clock.advance(time::Duration::days(2));
    assert_eq!(line(&app, false, "reporter_contact").await, (1, 1));
    let d = app.services.signal(&Caller::System, id).await.unwrap();
    let report = d.report.unwrap();
    assert_eq!(report.contact, None, "the contact is gone");
    assert_eq!(report.what, "Someone at the market", "what was reported stays while the signal is open");
    let events = erase_events(&app, "signal").await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].entity_id, events[0].fields.as_str()), (Some(id), "[\"contact\"]"));
    assert_eq!(line(&app, false, "reporter_contact").await, (0, 0), "once");
}

async fn closed(app: TestApp) {
    let s = setup(&app).await;
    let r = send_report(&app, "10.1.2.3", "what=Closed+without+a+case").await;
    let receipt = receipt_of(&r.text());
    let now = app.clock.now();
    let mut tx = app.db.db.begin().await.unwrap();
    tx.q()
        .execute(&Sql::with_args("UPDATE signals SET status = 'closed', closed_at = $1", vec![now.into()]))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let body = serde_json::json!({
        "country": "BO", "team_id": s.team.0, "caseworker_id": s.worker.0, "risk": "high",
        "profile": {"sex": "female", "birth_year": 2010, "languages": ["es"], "name": crate::cases::NAME}
    });
    let created = app.api(Method::POST, "/cases", Some(&s.worker_token), Some(body)).await.json();
    let case = created["id"].as_str().unwrap().to_owned();
    let note = serde_json::json!({"text": "Met the child at school"});
    let r = app.api(Method::POST, &format!("/cases/{case}/notes"), Some(&s.worker_token), Some(note)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v =
        app.api(Method::GET, &format!("/cases/{case}"), Some(&s.worker_token), None).await.json()["version"].clone();
    let ask = serde_json::json!({"action": "request", "version": v, "reason": "goals_achieved"});
    let r = app.api(Method::POST, &format!("/cases/{case}/closure"), Some(&s.worker_token), Some(ask)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let v = app.api(Method::GET, &format!("/cases/{case}"), Some(&s.supervisor_token), None).await.json()["version"]
        .clone();
    let ok = serde_json::json!({"action": "approve", "version": v});
    let r = app.api(Method::POST, &format!("/cases/{case}/closure"), Some(&s.supervisor_token), Some(ok)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    // A year and a day later the signal goes; the case stays for five years.
    app.clock.advance(time::Duration::days(366));
    assert_eq!(line(&app, false, "closed_signals").await, (1, 1));
    assert_eq!(line(&app, false, "closed_cases").await, (0, 0));
    let (content, key, status): (Option<Vec<u8>>, Option<Vec<u8>>, String) =
        app.db.db.read().fetch_one(&Sql::new("SELECT content, data_key, status FROM signals")).await.unwrap();
    assert!(content.is_none() && key.is_none(), "content and key erased");
    assert_eq!(status, "closed", "the plaintext columns stay for statistics");
    assert_eq!(app.services.check_receipt(&receipt).await.unwrap(), ReceiptCheck::NoMatch, "the receipt is gone too");
    app.clock.advance(time::Duration::days(5 * 365));
    assert_eq!(line(&app, false, "closed_cases").await, (1, 1));
    let (profile, sex, risk): (Option<Vec<u8>>, Option<String>, Option<String>) =
        app.db.db.read().fetch_one(&Sql::new("SELECT profile, sex, risk FROM cases")).await.unwrap();
    assert!(profile.is_none());
    assert_eq!((sex.as_deref(), risk.as_deref()), (Some("female"), Some("high")));
    let bodies: i64 =
        app.db.db.read().scalar(&Sql::new("SELECT COUNT(*) FROM case_notes WHERE body IS NOT NULL")).await.unwrap();
    assert_eq!(bodies, 0, "notes erased");
    let r = app.api(Method::GET, &format!("/cases/{case}"), Some(&s.supervisor_token), None).await;
    assert_eq!(r.status, StatusCode::OK, "an erased case still opens, without its content: {}", r.text());
    assert!(!r.text().contains(crate::cases::NAME) && !r.text().contains("Met the child"));
    assert_eq!(erase_events(&app, "case").await.len(), 1);
    assert!(app.services.verify_audit().await.is_ok(), "the audit chain stays valid");
}

async fn dry_run(app: TestApp) {
    crate::report::bolivia(&app).await;
    send_report(&app, "10.1.2.3", "what=Something&contact=%2B591+7000").await;
    app.clock.advance(time::Duration::days(200));
    assert_eq!(line(&app, true, "reporter_contact").await, (1, 0));
    assert_eq!(line(&app, true, "reporter_contact").await, (1, 0), "nothing changed");
    assert!(erase_events(&app, "signal").await.is_empty());
    let mut tx = app.db.db.begin().await.unwrap();
    dtz_store::settings::put(&mut tx, "retention.reporter_contact_days", "365", 0, app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(line(&app, false, "reporter_contact").await, (0, 0), "a longer period from the setting");
}

/// The demo's cases with referrals and follow-up notes, closed (set directly: the
/// closure workflow is tested above) and past their period, lose the sealed texts of
/// their referrals, referral steps and follow-up notes with their own; other cases keep
/// theirs.
async fn referrals(app: TestApp) {
    dtz_services::demo::load(&app.services).await.expect("demo");
    let read = |sql: &'static str| Sql::new(sql);
    let sealed = "SELECT (SELECT COUNT(*) FROM referrals WHERE details IS NOT NULL) \
                  + (SELECT COUNT(*) FROM follow_up_notes WHERE body IS NOT NULL)";
    let before: i64 = app.db.db.read().scalar(&read(sealed)).await.unwrap();
    assert!(before > 0, "the demo has sealed referral texts and follow-up notes");
    let (case,): (Uuid,) = app
        .db
        .db
        .read()
        .fetch_one(&read("SELECT case_id FROM referrals WHERE details IS NOT NULL ORDER BY created_at LIMIT 1"))
        .await
        .unwrap();
    let mut tx = app.db.db.begin().await.unwrap();
    let now = app.clock.now();
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE cases SET status = 'closed', closed_at = $1 WHERE id = $2",
            vec![now.into(), case.into()],
        ))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Past the system's five years and the demo's ten for Bolivia, wherever the case is.
    app.clock.advance(time::Duration::days(10 * 365 + 1));
    let (_, erased) = line(&app, false, "closed_cases").await;
    assert!(erased >= 1);
    let q = Sql::with_args(
        "SELECT (SELECT COUNT(*) FROM referrals WHERE case_id = $1 AND details IS NOT NULL) \
         + (SELECT COUNT(*) FROM referral_steps s JOIN referrals r ON r.id = s.referral_id \
            WHERE r.case_id = $1 AND s.reason IS NOT NULL) \
         + (SELECT COUNT(*) FROM follow_up_notes n JOIN follow_ups f ON f.id = n.follow_up_id \
            WHERE f.case_id = $1 AND n.body IS NOT NULL)",
        vec![case.into()],
    );
    let left: i64 = app.db.db.read().scalar(&q).await.unwrap();
    assert_eq!(left, 0, "the closed case's referral and follow-up texts are erased");
    let after: i64 = app.db.db.read().scalar(&read(sealed)).await.unwrap();
    assert!(after > 0 && after < before, "other cases keep theirs: {before} → {after}");
    assert!(app.services.verify_audit().await.is_ok());
}

/// Bolivia keeps signals closed without a case for 24 months instead of the system's
/// 365 days: a year and a day later nothing is due, in Bolivia's own line or the rest;
/// after 24 months its line erases the signal.
async fn per_country(app: TestApp) {
    let org = crate::report::bolivia(&app).await;
    let country = app.services.countries().await.unwrap().into_iter().find(|c| c.country == "BO").unwrap();
    let input = dtz_domain::country::CountryInput {
        country: "BO".into(),
        lead_org: Some(org),
        helpline: "156".into(),
        police: "+591 110".into(),
        answer_within_hours: "48".into(),
        retention_signal_months: "24".into(),
        ..Default::default()
    };
    app.services.save_country(&Caller::System, &input, country.version).await.expect("country");
    send_report(&app, "10.1.2.3", "what=Closed+without+a+case").await;
    let mut tx = app.db.db.begin().await.unwrap();
    let now = app.clock.now();
    tx.q()
        .execute(&Sql::with_args("UPDATE signals SET status = 'closed', closed_at = $1", vec![now.into()]))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.clock.advance(time::Duration::days(366));
    let lines = app.services.run_retention(false).await.unwrap();
    let signals: Vec<_> = lines.iter().filter(|l| l.code == "closed_signals").collect();
    let shape: Vec<_> = signals.iter().map(|l| (l.country.as_deref(), l.days, l.due)).collect();
    assert_eq!(shape, [(None, 365, 0), (Some("BO"), 730, 0)], "the rest, then Bolivia's own period");
    app.clock.advance(time::Duration::days(365));
    assert_eq!(line(&app, false, "closed_signals").await, (1, 1), "after 24 months");
    let erased: i64 =
        app.db.db.read().scalar(&Sql::new("SELECT COUNT(*) FROM signals WHERE erased_at IS NOT NULL")).await.unwrap();
    assert_eq!(erased, 1);
    assert!(app.services.verify_audit().await.is_ok());
}
