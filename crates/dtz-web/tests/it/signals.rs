//! The staff side of signals: the inbox of the receiving organisation, reading (audited),
//! links shown as plain text, replies from templates; nothing for anyone else.

use crate::report::{bolivia, check, receipt_of, send_report};
use crate::support::{PASSWORD, TestApp, csrf_of};
use axum::http::StatusCode;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::org::CountryCode;
use dtz_services::Caller;

crate::on_both! {
    the_receiving_organisation_reads_signals_and_replies_from_templates => inbox;
    staff_of_other_organisations_and_other_roles_get_404 => out_of_scope;
    the_demo_has_sample_signals_for_its_intake_account => demo;
}

fn role(role: Role, org: dtz_domain::ids::OrgId, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment {
        role,
        org: Some(org),
        country: country.and_then(|c| CountryCode::parse("c", c).ok()),
        team: None,
    })
}

async fn inbox(app: TestApp) {
    let org = bolivia(&app).await;
    let sent = send_report(
        &app,
        "10.1.2.3",
        "what=He+sends+http%3A%2F%2Fbad.example%2Fx+to+girls&where=ChatApp%2C+account+%40seller&contact=%2B591+7000&safe_to_call=no&contact_who=my+uncle",
    )
    .await;
    let receipt = receipt_of(&sent.text());
    app.user("intake@example.org", org, role(Role::Caseworker, org, Some("BO"))).await;
    let cookie = app.login("intake@example.org", PASSWORD).await.unwrap();
    let home = app.page("/", Some(&cookie)).await;
    assert!(home.text().contains("href=\"/signals\""), "the navigation offers the inbox");
    let list = app.page("/signals", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    let t = list.text();
    assert!(t.contains("Bolivia") && t.contains(">New<") && t.contains("Public page"), "{t}");
    assert!(!t.contains("ChatApp"), "the list shows nothing sealed");
    let id: (uuid::Uuid,) = app.db.db.read().fetch_one(&dtz_store::Sql::new("SELECT id FROM signals")).await.unwrap();
    let before = audit_reads(&app, id.0).await;
    let page = app.page(&format!("/signals/{}", id.0), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let t = page.text();
    assert!(t.contains("He sends http://bad.example/x to girls") && t.contains("ChatApp, account @seller"), "{t}");
    assert!(!t.contains("href=\"http://bad.example"), "a link is plain text, never clickable");
    assert!(t.contains("This report contains a web address") && t.contains("INHOPE"));
    assert!(t.contains("No, do not call me") && t.contains("my uncle"));
    assert!(t.contains("Whoever holds the receipt may be the exploiter."));
    assert_eq!(audit_reads(&app, id.0).await, before + 1, "every read is audited");
    // Reply from a template; the reporter sees it with the receipt.
    let csrf = csrf_of(&t);
    let r = app
        .post_form(&format!("/signals/{}/reply", id.0), Some(&cookie), &format!("csrf={csrf}&template=more_info"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let bad = app
        .post_form(&format!("/signals/{}/reply", id.0), Some(&cookie), &format!("csrf={csrf}&template=free+text"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("Choose one of the messages."));
    let status = check(&app, &receipt, "10.1.2.3").await;
    assert!(status.text().contains("Can you tell us more?"), "{}", status.text());
    // What the reporter adds shows to staff.
    let csrf = csrf_of(&status.text());
    let body = format!("csrf={csrf}&lang=en&country=BO&receipt={receipt}&message=The+account+is+now+%40seller2");
    crate::report::public(&app, "POST", "/report/status/add", Some(&body), "10.1.2.3").await;
    let t = app.page(&format!("/signals/{}", id.0), Some(&cookie)).await.text();
    assert!(
        t.contains("The account is now @seller2") && t.contains("from the reporter") && t.contains("to the reporter")
    );
    let events = app
        .services
        .audit_events(&Caller::System, &dtz_store::audit::EventFilter { limit: 100, ..Default::default() })
        .await
        .unwrap();
    for e in &events {
        assert!(!e.fields.contains("seller") && !e.fields.contains("bad.example"), "no content in the audit: {e:?}");
    }
    assert!(
        events.iter().any(|e| e.action == "signal.reply")
            && events.iter().any(|e| e.action == "signal.add_information")
    );
}

async fn audit_reads(app: &TestApp, id: uuid::Uuid) -> usize {
    let f = dtz_store::audit::EventFilter { entity_id: Some(id), limit: 500, ..Default::default() };
    app.services.audit_events(&Caller::System, &f).await.unwrap().iter().filter(|e| e.action == "signal.read").count()
}

async fn out_of_scope(app: TestApp) {
    let org = bolivia(&app).await;
    send_report(&app, "10.1.2.3", "what=Something").await;
    let id: (uuid::Uuid,) = app.db.db.read().fetch_one(&dtz_store::Sql::new("SELECT id FROM signals")).await.unwrap();
    let other = app.org("Other member", "alliance_member").await;
    app.user("elsewhere@example.org", other, role(Role::CaseSupervisor, other, None)).await;
    app.user("peru@example.org", org, role(Role::CaseSupervisor, org, Some("PE"))).await;
    app.user("officer@example.org", org, role(Role::MeOfficer, org, None)).await;
    for email in ["elsewhere@example.org", "peru@example.org", "officer@example.org"] {
        let cookie = app.login(email, PASSWORD).await.unwrap();
        let page = app.page(&format!("/signals/{}", id.0), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{email}");
        let r = app
            .post_form(
                &format!("/signals/{}/reply", id.0),
                Some(&cookie),
                &format!("csrf={}&template=thanks", csrf_of(&app.page("/account", Some(&cookie)).await.text())),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{email}");
        let list = app.page("/signals", Some(&cookie)).await;
        assert!(list.status == StatusCode::NOT_FOUND || !list.text().contains(&id.0.to_string()), "{email}");
    }
    let admin = app.admin().await;
    let _ = admin;
    let cookie = app.login("root@example.org", PASSWORD).await.unwrap();
    assert_eq!(
        app.page("/signals", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND,
        "administrators see no case data"
    );
    assert_eq!(app.page("/signals/not-an-id", Some(&cookie)).await.status, StatusCode::NOT_FOUND);
}

async fn demo(app: TestApp) {
    let demo = dtz_services::demo::load(&app.services).await.unwrap();
    let pw = demo.password.unwrap();
    let cookie = app.login("intake.bo@demo.example.org", &pw).await.unwrap();
    let list = app.page("/signals", Some(&cookie)).await.text();
    let links: Vec<&str> =
        list.split("href=\"/signals/").skip(1).filter_map(|s| s.split('"').next()).filter(|s| *s != "new").collect();
    assert_eq!(links.len(), 2, "the two Bolivian samples, not India's: {list}");
    let first = links[0].to_owned();
    let page = app.page(&format!("/signals/{first}"), Some(&cookie)).await.text();
    assert!(page.contains("Datos de ejemplo"), "{page}");
    let chooser = crate::report::public(&app, "GET", "/report?lang=hi", None, "10.1.2.3").await.text();
    assert!(chooser.contains(">बोलीविया</a>") && chooser.contains(">भारत</a>"), "{chooser}");
    let bo = crate::report::public(&app, "GET", "/report/bo?lang=es", None, "10.1.2.3").await.text();
    assert!(bo.contains("tel:156") && bo.contains("ICCO Cooperation") && bo.contains("2 días"), "{bo}");
}
