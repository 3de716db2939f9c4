//! Imported IATI activities through the router: the list follows the results-reading
//! rules (everything for the alliance M&E lead and donors, a coordinator's own countries,
//! 404 without a results scope or for a programme out of scope), links to the programme
//! each parent activity made, which the results pages list as read-only; it reads in the
//! reader's language, as do the messages of the rule checks and of imports.

use crate::support::{PASSWORD, TestApp};
use axum::http::StatusCode;
use dtz_domain::Clock;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_services::Caller;
use dtz_services::accounts::UserInput;

crate::on_both! {
    imported_iati_activities_are_listed_by_the_results_reading_rules => listed;
    rule_check_and_import_messages_read_in_the_readers_language => messages;
}

const GB: &str = "GB-GOV-1-300123";
const DTZ_ID: &str = "NL-KVK-41149287-DTZ";

fn fixture(name: &str) -> Vec<u8> {
    let p: std::path::PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "..", "dtz", "tests", "cli", "fixtures", "iati", name].iter().collect();
    std::fs::read(p).unwrap()
}

async fn listed(app: TestApp) {
    let d = dtz_services::demo::load(&app.services).await.unwrap();
    let pw = d.password.unwrap();
    // Another publisher's programme (Kenya, Uganda) and ICCO's own activities from the
    // demo's export (Bolivia, Nicaragua, Colombia, Peru), whose parent is not in the file.
    app.services.import_iati(&Caller::System, &fixture("other-publishers.xml"), false).await.unwrap();
    let icco = app.services.iati_xml(&Caller::System, "DTZ", Some("NL-KVK-56484038")).await.unwrap();
    let done = app.services.import_iati(&Caller::System, &icco, false).await.unwrap();
    assert_eq!(done.programmes, vec![(DTZ_ID.to_owned(), false)]);

    let lead = app.login("alliance.lead@demo.example.org", &pw).await.unwrap();
    let r = app.page("/results/iati-imports", Some(&lead)).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    for want in [
        "Imported IATI activities",
        "Protecting Children from Exploitation in East Africa",
        "XM-DAC-41122-KE-CP-2021",
        "UNICEF",
        "NL-KVK-56484038-DTZ-BO",
        "href=\"/results/GB-GOV-1-300123\"",
        "href=\"/results/NL-KVK-41149287-DTZ\"",
        "Parent activity",
        "Imported activities: 6",
        "<meta name=\"viewport\"",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    assert!(!html.contains("<script"), "works without JavaScript");
    let only = app.page(&format!("/results/iati-imports?programme={GB}"), Some(&lead)).await.text();
    assert!(only.contains("Imported activities: 2") && !only.contains("NL-KVK-56484038-DTZ-BO"), "{only}");
    // The programmes the imports made are on the results pages, read-only.
    let list = app.page("/results", Some(&lead)).await.text();
    assert!(list.contains("href=\"/results/GB-GOV-1-300123\"") && list.contains("href=\"/results/iati-imports\""));
    let programme = app.page(&format!("/results/{GB}"), Some(&lead)).await;
    assert_eq!(programme.status, StatusCode::OK);
    let programme = programme.text();
    assert!(programme.contains("Imported from IATI") && programme.contains("OUT-1"), "{programme}");
    assert!(!programme.contains("/entry\""), "no data entry on an imported programme");

    // Donors read every result: every activity.
    let donor = app.login("donor@demo.example.org", &pw).await.unwrap();
    assert!(app.page("/results/iati-imports", Some(&donor)).await.text().contains("Imported activities: 6"));
    // Bolivia's country coordinator: the activity in Bolivia only; Kenya's programme is a 404.
    let bo = app.login("coordinator.bo@demo.example.org", &pw).await.unwrap();
    let html = app.page("/results/iati-imports", Some(&bo)).await.text();
    assert!(html.contains("NL-KVK-56484038-DTZ-BO") && html.contains("Imported activities: 1"), "{html}");
    assert!(!html.contains("NL-KVK-56484038-DTZ-PE") && !html.contains("East Africa"), "{html}");
    let out = app.page(&format!("/results/iati-imports?programme={GB}"), Some(&bo)).await;
    assert_eq!(out.status, StatusCode::NOT_FOUND);
    // No results scope at all (a caseworker): 404, as for a programme that does not exist.
    let cw = app.login("caseworker.bo@demo.example.org", &pw).await.unwrap();
    assert_eq!(app.page("/results/iati-imports", Some(&cw)).await.status, StatusCode::NOT_FOUND);
    let none = app.page("/results/iati-imports?programme=NOPE", Some(&lead)).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    // Signed out: to the sign-in page.
    assert_ne!(app.page("/results/iati-imports", None).await.status, StatusCode::OK);

    // In Spanish for a reader who reads Spanish.
    let org = app.org("Casa", "alliance_member").await;
    let input = UserInput {
        org: Some(org),
        email: "lectora@example.org".into(),
        name: "Lectora".into(),
        language: "es".into(),
        password: Some(PASSWORD.into()),
        roles: Vec::new(),
    };
    let u = app.services.create_user(&Caller::System, dtz_domain::ids::UserId::new(), input).await.unwrap();
    let lead_role = RoleAssignment { role: Role::AllianceManager, org: None, country: None, team: None };
    app.services.assign_role(&Caller::System, dtz_domain::ids::UserId(u.user.id), lead_role).await.unwrap();
    let es = app.login("lectora@example.org", PASSWORD).await.unwrap();
    let html = app.page("/results/iati-imports", Some(&es)).await.text();
    for want in ["Actividades IATI importadas", "Actividad madre", "Actividades importadas: 6", "Publicada por"] {
        assert!(html.contains(want), "{want}: {html}");
    }
}

async fn messages(app: TestApp) {
    let es = dtz_web::i18n::Tr::new("es");
    let en = dtz_web::i18n::Tr::new("en");
    // Every problem and warning of importing a malformed and another publisher's file.
    let mut said = Vec::new();
    match app.services.import_iati(&Caller::System, &fixture("malformed.xml"), true).await {
        Err(dtz_services::ServiceError::Invalid(v)) => said.extend(v.0.into_iter().map(|i| i.message)),
        other => panic!("{other:?}"),
    }
    let done = app.services.import_iati(&Caller::System, &fixture("other-publishers.xml"), true).await.unwrap();
    said.extend(done.warnings.into_iter().map(|w| w.message));
    // Every problem of the rule check of a broken export.
    dtz_services::demo::load(&app.services).await.unwrap();
    let xml = String::from_utf8(app.services.iati_xml(&Caller::System, "DTZ", None).await.unwrap()).unwrap();
    let broken = xml
        .replacen("default-currency=\"EUR\"", "default-currency=\"EUX\"", 1)
        .replacen("<recipient-country code=\"BO\" percentage=\"", "<recipient-country code=\"BO\" percentage=\"1", 1)
        .replace("<budget ", "<budget-x ")
        .replace("</budget>", "</budget-x>");
    let problems = dtz_formats::iati::check_bytes(broken.as_bytes(), app.clock.now().date()).unwrap();
    assert!(problems.len() > 3, "{problems:?}");
    said.extend(problems.into_iter().map(|p| p.message));
    assert!(said.len() > 20);
    for m in &said {
        assert_eq!(en.message(m), *m, "English is the source");
        assert_ne!(es.message(m), *m, "no Spanish text for {m:?}");
        assert!(!es.message(m).contains("{ $"), "{m:?}");
    }
    // The arguments go where the translation puts them.
    assert_eq!(
        es.message("not imported: the value is in “USD”, not the activity's “GBP”"),
        "no importado: el valor está en “USD”, no en la moneda de la actividad, “GBP”"
    );
}
