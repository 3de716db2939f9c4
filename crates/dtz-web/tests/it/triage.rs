//! Staff intake and triage of signals: entering a hotline call, duplicates and closing,
//! conflicting triage, escalation of urgent signals after the set time (moving the
//! clock), and the alert about unusual volumes of case reads.

use crate::cases::{Setup, one_id, open_case, post, role, setup};
use crate::report::{check, receipt_of, send_report};
use crate::support::{PASSWORD, TestApp};
use axum::http::StatusCode;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_services::Caller;
use dtz_store::Sql;
use uuid::Uuid;

crate::on_both! {
    staff_enter_signals_that_come_by_phone_without_a_receipt => intake;
    signals_close_with_a_reason_or_as_duplicates_and_stale_triage_is_refused => close_and_duplicates;
    urgent_signals_not_taken_on_in_time_go_to_the_supervisors_once => escalation;
    unusual_volumes_of_case_reads_alert_the_administrators_once => read_alert;
}

async fn intake(app: TestApp) {
    let s = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let list = app.page("/signals", Some(&worker)).await.text();
    assert!(list.contains("href=\"/signals/new\""));
    let form = app.page("/signals/new", Some(&worker)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("Never ask for or accept pictures or links of abuse."));
    let r = post(&app, &worker, "/signals/new", "channel=public_web&reporter_type=relative&country=BO&what=").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = r.text();
    assert!(t.contains("Choose how the report came in.") && t.contains("Tell us what happened"), "{t}");
    let r = post(&app, &worker, "/signals/new", "channel=hotline&reporter_type=relative&country=PE&what=x").await;
    assert!(r.text().contains("Choose a country you work in."), "the role is limited to Bolivia");
    let body = format!(
        "channel=hotline&reporter_type=relative&country=BO&what=My+niece+is+kept+at+www.bad.example&contact=%2B591+7000&safe_to_call=no&urgency=urgent&assignee={}",
        s.worker.0
    );
    let r = post(&app, &worker, "/signals/new", &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = one_id(&app, "SELECT id FROM signals").await;
    let (channel, lookup, created_by, status, picked): (
        String,
        Option<Vec<u8>>,
        Option<Uuid>,
        String,
        Option<time::OffsetDateTime>,
    ) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::new("SELECT channel, receipt_lookup, created_by, status, picked_up_at FROM signals"))
        .await
        .unwrap();
    assert_eq!(
        (channel.as_str(), lookup, created_by, status.as_str()),
        ("hotline", None, Some(s.worker.0), "in_progress")
    );
    assert!(picked.is_some(), "whoever takes the call and keeps it picked it up");
    let page = app.page(&format!("/signals/{id}"), Some(&worker)).await.text();
    assert!(
        page.contains("My niece is kept at www.bad.example")
            && page.contains("Hotline")
            && page.contains("A parent or relative")
    );
    assert!(page.contains("This report contains a web address") && !page.contains("href=\"http://www.bad.example"));
    assert!(!page.contains("Write to the reporter"), "no receipt, no reply");
    let r = post(&app, &worker, &format!("/signals/{id}/reply"), "template=thanks").await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text().contains("This signal has no receipt"));
    // The supervisor is told about a signal assigned to them.
    let body = format!(
        "channel=walk_in&reporter_type=child&country=BO&what=A+girl+came+to+the+office&assignee={}",
        s.supervisor.0
    );
    assert_eq!(post(&app, &worker, "/signals/new", &body).await.status, StatusCode::SEE_OTHER);
    let supervisor = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    assert!(app.page("/", Some(&supervisor)).await.text().contains("Signal assigned to you"));
    // The inbox of one country: the filters take plaintext columns.
    assert!(app.page("/signals?country=BO", Some(&worker)).await.text().contains(&format!("/signals/{id}")));
    assert!(!app.page("/signals?country=PE", Some(&worker)).await.text().contains(&format!("/signals/{id}")));
    assert!(app.page("/signals?mine=1&urgency=urgent", Some(&worker)).await.text().contains(&format!("/signals/{id}")));
    // Another organisation's staff do not see it.
    let other = app.org("Partner B", "local_partner").await;
    app.user("worker.b@example.org", other, role(Role::Caseworker, other, Some("BO"), None)).await;
    let b = app.login("worker.b@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page(&format!("/signals/{id}"), Some(&b)).await.status, StatusCode::NOT_FOUND);
    let events = app
        .services
        .audit_events(&Caller::System, &dtz_store::audit::EventFilter { limit: 100, ..Default::default() })
        .await
        .unwrap();
    let enter = events.iter().find(|e| e.action == "signal.enter").unwrap();
    assert!(enter.fields.contains("\"what\"") && !enter.fields.contains("niece"));
}

async fn signal_ids(app: &TestApp) -> Vec<Uuid> {
    let rows: Vec<(Uuid,)> = app.db.db.read().fetch_all(&Sql::new("SELECT id FROM signals")).await.unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

/// A public report; returns its signal.
async fn public_signal(app: &TestApp, what: &str) -> Uuid {
    let before = signal_ids(app).await;
    send_report(app, "10.3.3.3", &format!("what={what}")).await;
    signal_ids(app).await.into_iter().find(|id| !before.contains(id)).unwrap()
}

async fn close_and_duplicates(app: TestApp) {
    let _s: Setup = setup(&app).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let first = public_signal(&app, "Men+wait+outside+the+school").await;
    app.clock.advance(time::Duration::minutes(1));
    let sent = send_report(&app, "10.3.3.4", "what=The+same+men+at+the+school").await;
    let receipt = receipt_of(&sent.text());
    let second = signal_ids(&app).await.into_iter().find(|id| *id != first).unwrap();
    // Two people triage the same version: another field passes, the same field is a 409.
    assert_eq!(
        post(&app, &worker, &format!("/signals/{second}/triage"), "version=1&urgency=normal").await.status,
        StatusCode::SEE_OTHER
    );
    let r = post(
        &app,
        &worker,
        &format!("/signals/{second}/triage"),
        "version=1&urgency=normal&category=online_exploitation",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r =
        post(&app, &worker, &format!("/signals/{second}/triage"), "version=1&urgency=low&category=online_exploitation")
            .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("urgency"), "{}", r.text());
    let r = post(&app, &worker, &format!("/signals/{second}/triage"), "version=3&category=nope").await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text().contains("Choose a category offered in this country.")
    );
    // A duplicate names the signal it repeats.
    let r = post(&app, &worker, &format!("/signals/{second}/close"), "version=3&reason=duplicate").await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text().contains("Choose the signal this one repeats."));
    let r = post(
        &app,
        &worker,
        &format!("/signals/{second}/close"),
        &format!("version=3&reason=duplicate&duplicate_of={second}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "not itself");
    let r = post(
        &app,
        &worker,
        &format!("/signals/{second}/close"),
        &format!("version=3&reason=duplicate&duplicate_of={first}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (status, reason, dup): (String, Option<String>, Option<Uuid>) = app
        .db
        .db
        .read()
        .fetch_one(&Sql::with_args(
            "SELECT status, close_reason, duplicate_of FROM signals WHERE id = $1",
            vec![second.into()],
        ))
        .await
        .unwrap();
    assert_eq!((status.as_str(), reason.as_deref(), dup), ("closed", Some("duplicate"), Some(first)));
    let page = app.page(&format!("/signals/{second}"), Some(&worker)).await.text();
    assert!(page.contains("Duplicate of another signal") && !page.contains("Save triage"), "closed: no triage form");
    let r = post(&app, &worker, &format!("/signals/{second}/triage"), "version=4&urgency=low").await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text().contains("This signal is closed."));
    // The reporter sees only that it is closed.
    let status = check(&app, &receipt, "10.3.3.4").await.text();
    assert!(status.contains("We have finished working on this report.") && !status.contains("uplicate"), "{status}");
    let r = post(&app, &worker, &format!("/signals/{first}/close"), "version=1&reason=no_concern").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let open = app.page("/signals?status=closed", Some(&worker)).await.text();
    assert_eq!(open.matches("href=\"/signals/").count() - 1, 2, "both closed, the intake link aside: {open}");
    assert_eq!(
        post(&app, &worker, "/cases/new", &format!("signal={first}&country=BO")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no case from a closed signal"
    );
}

async fn notifications_of(app: &TestApp, email: &str, kind: &str) -> usize {
    let users = app.services.users(&Caller::System, None).await.unwrap();
    let u = users.iter().find(|u| u.email == email).unwrap();
    let n: i64 = app
        .db
        .db
        .read()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2",
            vec![u.id.into(), kind.into()],
        ))
        .await
        .unwrap();
    n as usize
}

async fn escalation(app: TestApp) {
    let s = setup(&app).await;
    app.user("lead@example.org", s.org, role(Role::CaseSupervisor, s.org, None, None)).await;
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let waiting = public_signal(&app, "A+girl+is+locked+in+a+room").await;
    assert_eq!(
        post(&app, &worker, &format!("/signals/{waiting}/triage"), "version=1&urgency=urgent").await.status,
        StatusCode::SEE_OTHER
    );
    app.clock.advance(time::Duration::seconds(1));
    let taken = public_signal(&app, "Another+urgent+one").await;
    assert_eq!(
        post(&app, &worker, &format!("/signals/{taken}/triage"), "version=1&urgency=urgent").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.services.escalate_urgent_signals().await.unwrap(), 0);
    app.clock.advance(time::Duration::minutes(59));
    assert_eq!(post(&app, &worker, &format!("/signals/{taken}/take"), "").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.services.escalate_urgent_signals().await.unwrap(), 0, "not yet an hour");
    app.clock.advance(time::Duration::minutes(2));
    assert_eq!(app.services.escalate_urgent_signals().await.unwrap(), 1, "only the one nobody took");
    assert_eq!(app.services.escalate_urgent_signals().await.unwrap(), 0, "once");
    for email in ["supervisor@example.org", "lead@example.org"] {
        assert_eq!(notifications_of(&app, email, "signal_escalated").await, 1, "{email}");
    }
    assert_eq!(
        notifications_of(&app, "worker@example.org", "signal_escalated").await,
        0,
        "caseworkers are not supervisors"
    );
    let supervisor = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    let home = app.page("/", Some(&supervisor)).await.text();
    assert!(home.contains("Urgent signal waiting") && home.contains(&format!("/signals/{waiting}")), "{home}");
    let page = app.page(&format!("/signals/{waiting}"), Some(&supervisor)).await.text();
    assert!(page.contains("Urgent and not taken on in time"));
    // A country sets its own time.
    let mut input = dtz_domain::country::CountryInput {
        country: "BO".into(),
        lead_org: Some(s.org),
        helpline: "156".into(),
        urgent_pickup_minutes: "15".into(),
        ..Default::default()
    };
    let row = app.services.country("BO").await.unwrap().unwrap();
    input.answer_within_hours = "48".into();
    input.police = "+591 110".into();
    app.services.save_country(&Caller::System, &input, row.version).await.unwrap();
    let quick = public_signal(&app, "Third+one").await;
    assert_eq!(
        post(&app, &worker, &format!("/signals/{quick}/triage"), "version=1&urgency=urgent").await.status,
        StatusCode::SEE_OTHER
    );
    app.clock.advance(time::Duration::minutes(16));
    assert_eq!(app.services.escalate_urgent_signals().await.unwrap(), 1);
}

async fn read_alert(app: TestApp) {
    let s = setup(&app).await;
    app.admin().await;
    let other_admin_org = app.org("Elsewhere", "local_partner").await;
    app.user(
        "admin.elsewhere@example.org",
        other_admin_org,
        Some(RoleAssignment { role: Role::Administrator, org: Some(other_admin_org), country: None, team: None }),
    )
    .await;
    let mut tx = app.db.db.begin().await.unwrap();
    dtz_store::settings::put(
        &mut tx,
        dtz_services::cases::READ_ALERT_SETTING,
        "3",
        0,
        dtz_domain::Clock::now(&app.clock),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let worker = app.login("worker@example.org", PASSWORD).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(open_case(&app, &s, &worker, None).await);
    }
    for id in &ids[..3] {
        assert_eq!(app.page(&format!("/cases/{id}"), Some(&worker)).await.status, StatusCode::OK);
        assert_eq!(
            app.page(&format!("/cases/{id}"), Some(&worker)).await.status,
            StatusCode::OK,
            "reading again is not more"
        );
    }
    assert_eq!(
        notifications_of(&app, "root@example.org", "unusual_case_reads").await,
        0,
        "three cases: within the threshold"
    );
    app.page(&format!("/cases/{}", ids[3]), Some(&worker)).await;
    assert_eq!(notifications_of(&app, "root@example.org", "unusual_case_reads").await, 1);
    app.page(&format!("/cases/{}", ids[4]), Some(&worker)).await;
    assert_eq!(notifications_of(&app, "root@example.org", "unusual_case_reads").await, 1, "once a day");
    assert_eq!(
        notifications_of(&app, "admin.elsewhere@example.org", "unusual_case_reads").await,
        0,
        "not another organisation's administrators"
    );
    let root = app.login("root@example.org", PASSWORD).await.unwrap();
    let home = app.page("/", Some(&root)).await.text();
    assert!(home.contains("Unusual case reads") && home.contains("/audit?action=case.read"), "{home}");
    let audit = app.page("/audit?action=case.read", Some(&root)).await.text();
    assert!(audit.contains("case.read"));
}
