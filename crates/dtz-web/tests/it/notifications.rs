//! Notifications: written with the change that causes them (or not at all), shown in
//! the task list, e-mailed once in the recipient's language without case content,
//! retried with backoff when the SMTP server fails, and private to their recipient.

use crate::support::{PASSWORD, TestApp, csrf_of};
use axum::http::{Method, StatusCode};
use dtz_domain::ids::UserId;
use dtz_domain::notify::{NotificationId, NotificationKind, Params};
use dtz_services::Caller;
use dtz_services::accounts::UserInput;
use dtz_store::notifications::NotificationRow;
use dtz_testkit::smtp::SmtpSink;
use dtz_web::mail::SmtpMailer;
use time::Duration;

crate::on_both! {
    a_notification_rolled_back_with_its_change_does_not_exist => rolled_back;
    a_committed_notification_is_listed_and_mailed_once_in_the_users_language => mailed_once;
    a_person_who_turned_email_off_gets_no_email_but_still_the_task => email_off;
    a_failing_smtp_server_is_retried_with_backoff_until_it_takes_the_mail => retried;
    refused_or_too_often_failed_emails_are_given_up => given_up;
    disabled_people_get_no_email => disabled;
    marking_done_removes_the_task_from_the_list => done;
    the_task_list_is_paginated_newest_first => paginated;
    another_persons_notification_is_not_found => private;
}

const BASE: &str = "https://dtz.example.org";
const CASE_CODE: &str = "BO-LPZ-0042";

struct Person {
    id: UserId,
    token: String,
    cookie: String,
    email: String,
}

async fn person(app: &TestApp, email: &str, language: &str) -> Person {
    let org = match app.services.orgs(&Caller::System).await.unwrap().first() {
        Some(o) => dtz_domain::ids::OrgId(o.id),
        None => app.org("Org", "local_partner").await,
    };
    let input = UserInput {
        org: Some(org),
        email: email.into(),
        name: "Rosa Quispe".into(),
        language: language.into(),
        password: Some(PASSWORD.into()),
        roles: Vec::new(),
    };
    let u = app.services.create_user(&Caller::System, UserId::new(), input).await.unwrap();
    let id = UserId(u.user.id);
    let (_, token) = app.services.create_token(&Caller::System, id, "test").await.unwrap();
    let cookie = app.login(email, PASSWORD).await.unwrap();
    Person { id, token, cookie, email: email.into() }
}

/// A notification committed with its (here: no other) change, as a use case would.
async fn notify(app: &TestApp, user: UserId, kind: NotificationKind) -> NotificationId {
    let referral = uuid::Uuid::new_v4();
    let params = Params::new().id("referral", referral).code("case", CASE_CODE).count("days", 3);
    let mut tx = app.services.db.begin().await.unwrap();
    let n = app.services.notify(&mut tx, user, kind, &format!("/referrals/{referral}"), &params).await.unwrap();
    app.services.finish(tx, &[n.event]).await.unwrap();
    n.id
}

async fn row(app: &TestApp, user: UserId, id: NotificationId) -> NotificationRow {
    dtz_store::notifications::get(&app.db.db, user, id).await.unwrap()
}

async fn audit(app: &TestApp) -> Vec<dtz_store::audit::Event> {
    let f = dtz_store::audit::EventFilter { limit: 500, ..Default::default() };
    app.services.audit_events(&Caller::System, &f).await.unwrap()
}

fn mailer(url: &str) -> SmtpMailer {
    SmtpMailer::new(url, "dtz <dtz@example.org>", BASE).unwrap()
}

async fn rolled_back(app: TestApp) {
    let ana = person(&app, "ana@example.org", "en").await;
    let mut tx = app.services.db.begin().await.unwrap();
    let n = app
        .services
        .notify(&mut tx, ana.id, NotificationKind::NewReferral, "/referrals/1", &Params::new())
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let r = app.api(Method::GET, "/notifications?include_done=true", Some(&ana.token), None).await;
    assert_eq!(r.json()["total"], 0);
    assert!(dtz_store::notifications::get(&app.db.db, ana.id, n.id).await.is_err());
    let events = audit(&app).await;
    assert!(events.iter().all(|e| e.action != "notification.create"));
    // Committed, it exists, with its audit event naming fields only.
    let id = notify(&app, ana.id, NotificationKind::NewReferral).await;
    let events = audit(&app).await;
    let ev = events.iter().find(|e| e.action == "notification.create").unwrap();
    assert_eq!(ev.entity_id, Some(id.0));
    assert!(!ev.fields.contains(CASE_CODE) && !ev.fields.contains("/referrals/"), "{}", ev.fields);
    // Links outside dtz and free text in parameters are refused.
    let mut tx = app.services.db.begin().await.unwrap();
    let kind = NotificationKind::NewReferral;
    assert!(app.services.notify(&mut tx, ana.id, kind, "https://evil.example.org", &Params::new()).await.is_err());
    let name = Params::new().code("child", "Maria Lopez");
    assert!(app.services.notify(&mut tx, ana.id, kind, "/referrals/1", &name).await.is_err());
}

async fn mailed_once(app: TestApp) {
    let sink = SmtpSink::start().await.unwrap();
    let rosa = person(&app, "rosa@example.org", "es").await;
    let id = notify(&app, rosa.id, NotificationKind::NewReferral).await;
    let link = row(&app, rosa.id, id).await.link;
    let home = app.page("/", Some(&rosa.cookie)).await.text();
    assert!(home.contains("Nueva derivación") && home.contains(&format!("href=\"{link}\"")), "{home}");
    let r = app.api(Method::GET, "/notifications", Some(&rosa.token), None).await;
    assert_eq!(r.json()["items"][0]["email"], "pending");
    assert_eq!(r.json()["items"][0]["params"]["days"], 3);

    let run = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!(run.sent, 1);
    let again = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!(again.sent, 0, "sent once");
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.to, vec![rosa.email.clone()]);
    assert_eq!(m.from, "dtz@example.org");
    assert!(m.header("Content-Type").unwrap().starts_with("text/plain"));
    let text = m.text();
    assert!(text.contains("Se ha dirigido una nueva derivación a su servicio."), "{text}");
    assert!(text.contains(&format!("{BASE}{link}")), "{text}");
    assert!(text.contains(&format!("{BASE}/account/notifications")), "{text}");
    for secret in [CASE_CODE, "Rosa", "Quispe", "days"] {
        assert!(!m.data.contains(secret) && !text.contains(secret), "{secret} in the e-mail: {text}");
    }
    assert_eq!(row(&app, rosa.id, id).await.mail_state, "sent");
    let r = app.api(Method::GET, "/notifications", Some(&rosa.token), None).await;
    assert_eq!(r.json()["items"][0]["email"], "sent");
}

async fn email_off(app: TestApp) {
    let sink = SmtpSink::start().await.unwrap();
    let ana = person(&app, "ana@example.org", "en").await;
    let page = app.page("/account/notifications", Some(&ana.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("No e-mail server is configured"), "the page says e-mail is off");
    assert!(html.contains(
        "id=\"email-new_referral\" name=\"new_referral\" value=\"on\" aria-describedby=\"hint-new_referral\" checked"
    ));
    assert!(
        !html.contains("name=\"approval_pending\" value=\"on\" aria-describedby=\"hint-approval_pending\" checked")
    );
    assert!(app.page("/account", Some(&ana.cookie)).await.text().contains("No e-mail server is configured"));
    let waiting = notify(&app, ana.id, NotificationKind::NewReferral).await;
    // Untick "new referral", keep the other defaults.
    let csrf = csrf_of(&html);
    let bad = app.post_form("/account/notifications", Some(&ana.cookie), "csrf=wrong&referral_overdue=on").await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    let others: String = NotificationKind::ALL
        .into_iter()
        .filter(|k| k.default_email() && *k != NotificationKind::NewReferral)
        .map(|k| format!("&{k}=on"))
        .collect();
    let body = format!("csrf={csrf}{others}");
    let r = app.post_form("/account/notifications", Some(&ana.cookie), &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.page("/account/notifications?saved=1", Some(&ana.cookie)).await.text().contains("Your choices are saved.")
    );
    let events = audit(&app).await;
    let ev = events.iter().find(|e| e.action == "notification_preferences.update").unwrap();
    assert_eq!(ev.fields, "[\"email.new_referral\"]", "field names only");
    assert_eq!(ev.actor_user_id, Some(ana.id.0));
    // The e-mail already waiting is withdrawn; a new one is not queued.
    assert_eq!(row(&app, ana.id, waiting).await.mail_state, "not_wanted");
    let id = notify(&app, ana.id, NotificationKind::NewReferral).await;
    assert_eq!(row(&app, ana.id, id).await.mail_state, "not_wanted");
    let run = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!((run.sent, sink.messages().len()), (0, 0));
    let home = app.page("/", Some(&ana.cookie)).await.text();
    assert!(home.contains(&format!("/notifications/{id}/done")), "still in the task list");
    // Another kind still goes out.
    notify(&app, ana.id, NotificationKind::ReferralOverdue).await;
    app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].header("Subject").as_deref(), Some("dtz: Referral overdue"));
}

async fn retried(app: TestApp) {
    let sink = SmtpSink::start().await.unwrap();
    let ana = person(&app, "ana@example.org", "en").await;
    let id = notify(&app, ana.id, NotificationKind::DeadlineNear).await;
    sink.fail_temporarily();
    let run = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!((run.sent, run.retrying), (0, 1));
    let r = row(&app, ana.id, id).await;
    assert_eq!((r.mail_state.as_str(), r.mail_attempts), ("pending", 1));
    assert!(r.mail_error.as_deref().unwrap_or("").contains("451"), "{:?}", r.mail_error);
    assert_eq!(r.mail_next_at, Some(r.created_at + Duration::minutes(1)));
    // Not due yet: nothing is tried.
    let run = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!(run, Default::default());
    // Second attempt: nobody listens at all.
    app.clock.advance(Duration::minutes(1));
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let run = app.services.send_pending_mail(&mailer(&format!("smtp://{closed}?tls=none"))).await.unwrap();
    assert_eq!(run.retrying, 1);
    let r = row(&app, ana.id, id).await;
    assert_eq!(r.mail_attempts, 2);
    let waited = r.mail_next_at.unwrap() - (r.created_at + Duration::minutes(1));
    assert_eq!(waited, Duration::minutes(5), "the wait grows");
    app.clock.advance(Duration::minutes(4));
    assert_eq!(app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap(), Default::default());
    // The server is back.
    sink.accept();
    app.clock.advance(Duration::minutes(1));
    let run = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!(run.sent, 1);
    assert_eq!(sink.messages().len(), 1);
    let r = row(&app, ana.id, id).await;
    assert_eq!((r.mail_state.as_str(), r.mail_attempts, r.mail_next_at), ("sent", 3, None));
    assert_eq!(r.mail_sent_at, Some(r.created_at + Duration::minutes(6)));
}

async fn given_up(app: TestApp) {
    let sink = SmtpSink::start().await.unwrap();
    let ana = person(&app, "ana@example.org", "en").await;
    // Refused for good: no second attempt.
    sink.fail_permanently();
    let refused = notify(&app, ana.id, NotificationKind::NewReferral).await;
    let run = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!(run.failed, 1);
    let r = row(&app, ana.id, refused).await;
    assert_eq!((r.mail_state.as_str(), r.mail_attempts), ("failed", 1));
    assert!(r.mail_error.unwrap_or_default().contains("550"));
    // Temporary failures stop after a bounded number of attempts.
    sink.fail_temporarily();
    let id = notify(&app, ana.id, NotificationKind::DeadlineNear).await;
    for _ in 0..10 {
        app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
        app.clock.advance(Duration::hours(1));
    }
    let r = row(&app, ana.id, id).await;
    assert_eq!(r.mail_state, "failed");
    assert_eq!(r.mail_attempts, dtz_domain::notify::MailPolicy::default().max_attempts);
    // An e-mail nobody could send for a day is not sent late.
    sink.accept();
    let stale = notify(&app, ana.id, NotificationKind::DeadlineNear).await;
    app.clock.advance(Duration::hours(25));
    app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!(row(&app, ana.id, stale).await.mail_state, "failed");
    assert!(sink.messages().is_empty());
    // Every one of them is still in the task list.
    let r = app.api(Method::GET, "/notifications", Some(&ana.token), None).await;
    assert_eq!(r.json()["total"], 3);
}

async fn disabled(app: TestApp) {
    let sink = SmtpSink::start().await.unwrap();
    let ana = person(&app, "ana@example.org", "en").await;
    let queued = notify(&app, ana.id, NotificationKind::NewReferral).await;
    let u = app.services.user(&Caller::System, ana.id).await.unwrap();
    let f = dtz_store::users::UserFields { name: u.name, language: u.language, disabled: true };
    app.services.update_user(&Caller::System, ana.id, u.version, f).await.unwrap();
    let later = notify(&app, ana.id, NotificationKind::NewReferral).await;
    assert_eq!(row(&app, ana.id, later).await.mail_state, "not_wanted");
    let run = app.services.send_pending_mail(&mailer(&sink.url())).await.unwrap();
    assert_eq!((run.sent, run.skipped), (0, 1));
    assert_eq!(row(&app, ana.id, queued).await.mail_state, "not_wanted");
    assert!(sink.messages().is_empty());
}

async fn done(app: TestApp) {
    let ana = person(&app, "ana@example.org", "en").await;
    let first = notify(&app, ana.id, NotificationKind::ValueReturned).await;
    let second = notify(&app, ana.id, NotificationKind::ApprovalPending).await;
    let home = app.page("/", Some(&ana.cookie)).await.text();
    assert!(home.contains(&format!("/notifications/{first}/done")) && home.contains("Approval pending"));
    let csrf = csrf_of(&home);
    let path = format!("/notifications/{first}/done");
    assert_eq!(app.post_form(&path, Some(&ana.cookie), "csrf=wrong").await.status, StatusCode::FORBIDDEN);
    let r = app.post_form(&path, Some(&ana.cookie), &format!("csrf={csrf}&page=1")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/");
    let home = app.page("/", Some(&ana.cookie)).await.text();
    assert!(!home.contains(&format!("/notifications/{first}/done")));
    assert!(home.contains(&format!("/notifications/{second}/done")));
    let events = audit(&app).await;
    let ev = events.iter().find(|e| e.action == "notification.done").unwrap();
    assert_eq!((ev.entity_id, ev.fields.as_str()), (Some(first.0), "[\"done_at\"]"));
    // Through the API; done twice is no change.
    let path = format!("/notifications/{second}/done");
    assert_eq!(app.api(Method::POST, &path, Some(&ana.token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api(Method::POST, &path, Some(&ana.token), None).await.status, StatusCode::NO_CONTENT);
    let open = app.api(Method::GET, "/notifications", Some(&ana.token), None).await.json();
    assert_eq!(open["total"], 0);
    let all = app.api(Method::GET, "/notifications?include_done=true", Some(&ana.token), None).await.json();
    assert_eq!(all["total"], 2);
    assert!(all["items"][0]["done_at"].is_string());
    let home = app.page("/", Some(&ana.cookie)).await.text();
    assert!(home.contains("Nothing is waiting for you."));
}

async fn paginated(app: TestApp) {
    let ana = person(&app, "ana@example.org", "en").await;
    let mut ids = Vec::new();
    for _ in 0..23 {
        ids.push(notify(&app, ana.id, NotificationKind::NewReferral).await);
        app.clock.advance(Duration::seconds(1));
    }
    let first = app.page("/", Some(&ana.cookie)).await.text();
    assert_eq!(first.matches("class=\"task\"").count(), 20);
    assert!(first.contains("Open tasks: 23") && first.contains("href=\"/?page=2#tasks\""));
    assert!(first.contains(&format!("/notifications/{}/done", ids[22])), "newest first");
    let second = app.page("/?page=2", Some(&ana.cookie)).await.text();
    assert_eq!(second.matches("class=\"task\"").count(), 3);
    assert!(second.contains(&format!("/notifications/{}/done", ids[0])) && second.contains("href=\"/?page=1#tasks\""));
    let r = app.api(Method::GET, "/notifications?limit=5&offset=20", Some(&ana.token), None).await.json();
    assert_eq!((r["items"].as_array().unwrap().len(), r["total"].as_i64()), (3, Some(23)));
}

async fn private(app: TestApp) {
    let ana = person(&app, "ana@example.org", "en").await;
    let bo = person(&app, "bo@example.org", "en").await;
    let id = notify(&app, ana.id, NotificationKind::NewReferral).await;
    let path = format!("/notifications/{id}/done");
    let theirs = app.api(Method::POST, &path, Some(&bo.token), None).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let missing =
        app.api(Method::POST, &format!("/notifications/{}/done", uuid::Uuid::new_v4()), Some(&bo.token), None).await;
    assert_eq!((missing.status, missing.body), (theirs.status, theirs.body), "the same answer as for no such thing");
    let csrf = csrf_of(&app.page("/", Some(&bo.cookie)).await.text());
    let page = app.post_form(&path, Some(&bo.cookie), &format!("csrf={csrf}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let list = app.api(Method::GET, "/notifications?include_done=true", Some(&bo.token), None).await.json();
    assert_eq!(list["total"], 0);
    assert!(!app.page("/", Some(&bo.cookie)).await.text().contains(&id.to_string()));
    assert!(app.services.notification(&Caller::System, id).await.is_err(), "only the recipient reads it");
    let mine = app.api(Method::GET, "/notifications", Some(&ana.token), None).await.json();
    assert_eq!(mine["items"][0]["id"], id.to_string());
    assert!(row(&app, ana.id, id).await.done_at.is_none());
}
