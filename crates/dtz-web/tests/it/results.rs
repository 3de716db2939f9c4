//! Results pages: the programme and its framework.

use crate::support::{PASSWORD, TestApp};
use axum::http::StatusCode;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_services::{Caller, Services};

crate::on_both! {
    the_framework_is_shown_goal_by_goal_with_indicator_definitions => framework;
    approved_figures_reach_donors_and_pending_ones_only_staff => figures;
    an_me_officer_enters_values_in_the_grid_and_a_coordinator_approves_them => entry;
    completeness_shows_who_has_reported_within_scope => completeness;
    tables_download_as_csv_and_xlsx_with_numbers_as_numbers_and_formulas_neutralised => downloads;
}

async fn framework(app: TestApp) {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let org = app.org("Partner", "local_partner").await;
    let me = RoleAssignment { role: Role::MeOfficer, org: Some(org), country: None, team: None };
    app.user("me@example.org", org, Some(me)).await;
    let c = app.login("me@example.org", PASSWORD).await.unwrap();
    let r = app.page("/results", Some(&c)).await;
    assert_eq!(r.headers["location"], "/results/DTZ", "one programme: straight to it");
    let html = app.page("/results/DTZ", Some(&c)).await.text();
    assert!(html.contains("Down to Zero") && html.contains("24 indicators"), "{html}");
    for goal in ["G1", "G2", "G3", "G4"] {
        assert!(html.contains(&format!("<code>{goal}</code>")), "{goal}");
    }
    assert!(html.contains("href=\"/results/DTZ/indicators/G1.O1.1\""));
    let ind = app.page("/results/DTZ/indicators/G1.O2.1", Some(&c)).await;
    assert_eq!(ind.status, StatusCode::OK);
    let ind = ind.text();
    assert!(
        ind.contains("Children who received care and guidance")
            && ind.contains("cumulative")
            && ind.contains("Sex: female, male, unknown"),
        "{ind}"
    );
    assert_eq!(app.page("/results/DTZ/indicators/NOPE", Some(&c)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/results/NOPE", Some(&c)).await.status, StatusCode::NOT_FOUND);
    assert!(app.page("/", Some(&c)).await.text().contains("href=\"/results\""), "Results in the navigation");
}

async fn figures(app: TestApp) {
    use dtz_domain::results::{Entry, ReportAction};
    use dtz_services::values::{ReportKey, ValueInput};
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let bo = app.org("Partner Bolivia", "local_partner").await;
    let pe = app.org("Partner Peru", "local_partner").await;
    let entry = |v: i64| Entry { value: Some(v), ..Entry::default() };
    let put = |org, country: &str, year: &str, v: i64| {
        let key = ReportKey { programme: "DTZ".into(), org, country: country.into(), period: year.into() };
        let input = vec![ValueInput { indicator: "G1.O1.1".into(), part: String::new(), entry: entry(v) }];
        (key, input)
    };
    let sys = Caller::System;
    // Bolivia 2016 approved at both levels; Peru 2016 only submitted.
    let (k, i) = put(bo, "BO", "2016", 2000);
    let r = app.services.save_values(&sys, &k, &i).await.unwrap();
    let mut v = r.version;
    for a in [ReportAction::Submit, ReportAction::ApproveCountry, ReportAction::ApproveAlliance] {
        v = app.services.act_on_report(&sys, r.id, v, a, None).await.unwrap().version;
    }
    let (k, i) = put(pe, "PE", "2016", 1667);
    let r = app.services.save_values(&sys, &k, &i).await.unwrap();
    app.services.act_on_report(&sys, r.id, r.version, ReportAction::Submit, None).await.unwrap();

    let donor_org = app.org("Ministry", "donor").await;
    app.user(
        "donor@example.org",
        donor_org,
        Some(RoleAssignment { role: Role::Donor, org: None, country: None, team: None }),
    )
    .await;
    app.user(
        "lead@example.org",
        donor_org,
        Some(RoleAssignment { role: Role::AllianceManager, org: None, country: None, team: None }),
    )
    .await;
    let donor = app.login("donor@example.org", PASSWORD).await.unwrap();
    let html = app.page("/results/DTZ?pending=on", Some(&donor)).await.text();
    assert!(html.contains(">2,000<"), "the approved Bolivian figure: {html}");
    assert!(!html.contains("3,667") && !html.contains(" *"), "a donor never sees pending values");
    let lead = app.login("lead@example.org", PASSWORD).await.unwrap();
    let approved = app.page("/results/DTZ", Some(&lead)).await.text();
    assert!(approved.contains(">2,000<"));
    let with_pending = app.page("/results/DTZ?pending=on", Some(&lead)).await.text();
    assert!(with_pending.contains(">3,667 *<"), "staff may include pending values, marked: {with_pending}");
    let peru = app.page("/results/DTZ?country=PE&pending=on", Some(&lead)).await.text();
    assert!(peru.contains(">1,667 *<"));
    let ind = app.page("/results/DTZ/indicators/G1.O1.1?pending=on", Some(&lead)).await.text();
    assert!(ind.contains("<svg role=\"img\"") && ind.contains("Alliance total") && ind.contains("Peru"), "{ind}");
    let es = app.page("/results/DTZ", Some(&donor)).await;
    assert_eq!(es.status, StatusCode::OK);
}

async fn entry(app: TestApp) {
    use crate::support::{csrf_of, urlenc};
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let bo = app.org("Partner Bolivia", "local_partner").await;
    let lead = app.org("ICCO", "alliance_member").await;
    let country = Some(dtz_domain::org::CountryCode::parse("c", "BO").unwrap());
    app.user("me@example.org", bo, Some(RoleAssignment { role: Role::MeOfficer, org: Some(bo), country, team: None }))
        .await;
    app.user(
        "coord@example.org",
        lead,
        Some(RoleAssignment { role: Role::CountryCoordinator, org: Some(lead), country, team: None }),
    )
    .await;
    let me = app.login("me@example.org", PASSWORD).await.unwrap();
    let form = app.page(&format!("/results/DTZ/entry?org={bo}&country=BO&period=2016"), Some(&me)).await;
    assert_eq!(form.status, StatusCode::OK);
    let html = form.text();
    assert!(
        html.contains("name=\"v|G1.O1.1||value\"") && html.contains("name=\"v|G1.O1.1|sex=unknown|value\""),
        "a grid with breakdowns"
    );
    let csrf = csrf_of(&html);
    let cell = |k: &str, v: &str| format!("&{}={}", urlenc(k), urlenc(v));
    let base = format!("csrf={csrf}&org={bo}&country=BO&period=2016");
    let bad = format!("{base}{}{}", cell("v|G1.O1.1||value", "lots"), cell("v|G1.O1.2||num", "9"));
    let r = app.post_form("/results/DTZ/entry", Some(&me), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("is not a whole number") && r.text().contains("value=\"lots\""),
        "the problem is named and the input kept"
    );
    let good = format!(
        "{base}{}{}{}{}{}",
        cell("v|G1.O1.1||value", "1,250"),
        cell("v|G1.O1.1|sex=female|value", "700"),
        cell("v|G1.O1.1|sex=male|value", "500"),
        cell("v|G1.O1.1|sex=unknown|value", "50"),
        cell("v|G3.O1.2||value", "1"),
    );
    let r = app.post_form("/results/DTZ/entry", Some(&me), &format!("{good}&submit=1")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = app.page(&format!("/results/DTZ/entry?org={bo}&country=BO&period=2016"), Some(&me)).await.text();
    assert!(
        after.contains("value=\"1250\"")
            && after.contains("submitted, waiting for the country coordinator")
            && after.contains(" disabled"),
        "{after}"
    );
    let report = after.split("href=\"/results/reports/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let coord = app.login("coord@example.org", PASSWORD).await.unwrap();
    let page = app.page(&format!("/results/reports/{report}"), Some(&coord)).await.text();
    assert!(page.contains("1,250") && page.contains("value=\"approve_country\""), "{page}");
    let body = format!("csrf={}&version=2&action=approve_country", csrf_of(&page));
    assert_eq!(
        app.post_form(&format!("/results/reports/{report}/act"), Some(&coord), &body).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.page(&format!("/results/reports/{report}"), Some(&coord)).await.text();
    assert!(page.contains("approved in the country"), "{page}");
    let history = page.split("href=\"/results/values/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let h = app.page(&format!("/results/values/{history}"), Some(&coord)).await;
    assert_eq!(h.status, StatusCode::OK);
    assert!(
        h.text().contains("History of this value") && h.text().contains("Test me@example.org"),
        "who changed it: {}",
        h.text()
    );
    assert_eq!(
        app.page(&format!("/results/values/{history}"), Some(&app.login_other().await)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.page(&format!("/results/reports/{report}"), Some(&app.login_other().await)).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn downloads(app: TestApp) {
    use calamine::{Data, Reader, Xlsx};
    use dtz_domain::results::{Entry, ReportAction};
    use dtz_services::values::{ReportKey, ValueInput};
    const EVIL: &str = "=cmd|' /C calc'!A0";
    let text = dtz_services::demo::PROGRAMME.replace(
        "title = \"Children who know what sexual exploitation is and how to report it\"",
        &format!("title = \"{EVIL}\""),
    );
    let p = Services::parse_programme(&text).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let sys = Caller::System;
    for (name, country, v, approve) in [("Partner Bolivia", "BO", 2000, true), ("Partner Peru", "PE", 1667, false)] {
        let org = app.org(name, "local_partner").await;
        let key = ReportKey { programme: "DTZ".into(), org, country: country.into(), period: "2016".into() };
        let entry = Entry { value: Some(v), ..Entry::default() };
        let input = vec![ValueInput { indicator: "G1.O1.1".into(), part: String::new(), entry }];
        let r = app.services.save_values(&sys, &key, &input).await.unwrap();
        let mut version = r.version;
        let actions: &[ReportAction] = if approve {
            &[ReportAction::Submit, ReportAction::ApproveCountry, ReportAction::ApproveAlliance]
        } else {
            &[ReportAction::Submit]
        };
        for a in actions {
            version = app.services.act_on_report(&sys, r.id, version, *a, None).await.unwrap().version;
        }
    }
    let ministry = app.org("Ministry", "donor").await;
    for (email, role) in [("donor@example.org", Role::Donor), ("lead@example.org", Role::AllianceManager)] {
        app.user(email, ministry, Some(RoleAssignment { role, org: None, country: None, team: None })).await;
    }
    let donor = app.login("donor@example.org", PASSWORD).await.unwrap();
    let lead = app.login("lead@example.org", PASSWORD).await.unwrap();
    let fields_of = |csv: &str, first: &str| -> Vec<String> {
        let line = csv.split("\r\n").find(|l| l.starts_with(&format!("{first},"))).unwrap_or_default();
        line.split(',').map(str::to_owned).collect()
    };

    let page = app.page("/results/DTZ?pending=on", Some(&lead)).await.text();
    assert!(page.contains("href=\"/results/DTZ/download.csv?pending=on\""), "{page}");
    let r = app.page("/results/DTZ/download.csv", Some(&lead)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.headers["content-disposition"], "attachment; filename=\"DTZ-results.csv\"");
    let csv = r.text();
    assert!(csv.starts_with("\u{feff}Code,Title,Kind,2016,"), "{csv}");
    let row = fields_of(&csv, "G1.O1.1");
    assert_eq!((row[1].as_str(), row[3].as_str()), (format!("'{EVIL}").as_str(), "2000"), "{csv}");
    assert!(!csv.contains(",=cmd"), "the formula is neutralised");
    let with_pending = app.page("/results/DTZ/download.csv?pending=on", Some(&lead)).await.text();
    let row = fields_of(&with_pending, "G1.O1.1");
    assert_eq!((row[3].as_str(), row.last().unwrap().as_str()), ("3667", "2016"), "{with_pending}");
    assert!(!with_pending.contains(" *"), "no pending mark inside numbers");
    let peru = app.page("/results/DTZ/download.csv?pending=on&country=PE", Some(&lead)).await.text();
    assert_eq!(fields_of(&peru, "G1.O1.1")[3], "1667");
    let donors = app.page("/results/DTZ/download.csv?pending=on", Some(&donor)).await.text();
    assert_eq!(fields_of(&donors, "G1.O1.1")[3], "2000", "a donor's file has approved values only");
    assert!(!donors.contains("3667") && !donors.contains("1667"));

    let x = app.page("/results/DTZ/download.xlsx?pending=on", Some(&lead)).await;
    assert_eq!(x.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(x.headers["content-disposition"], "attachment; filename=\"DTZ-results.xlsx\"");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.body)).unwrap();
    assert_eq!(book.sheet_names(), ["DTZ Down to Zero"]);
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let row = range.rows().find(|r| r[0] == Data::String("G1.O1.1".into())).unwrap();
    assert_eq!(row[1], Data::String(format!("'{EVIL}")));
    assert_eq!(row[3], Data::Float(3667.0), "the same number as in the CSV");

    let ind = app.page("/results/DTZ/indicators/G1.O1.1?pending=on", Some(&lead)).await.text();
    assert!(ind.contains("href=\"/results/DTZ/indicators/G1.O1.1/download.xlsx?pending=on\""), "{ind}");
    let csv = app.page("/results/DTZ/indicators/G1.O1.1/download.csv?pending=on", Some(&lead)).await.text();
    assert_eq!(fields_of(&csv, "Bolivia (Plurinational State of)")[1], "2000", "{csv}");
    assert_eq!(fields_of(&csv, "Peru")[1..2], ["1667"]);
    assert_eq!(fields_of(&csv, "Alliance total")[1], "3667");
    let donors = app.page("/results/DTZ/indicators/G1.O1.1/download.csv?pending=on", Some(&donor)).await.text();
    assert!(!donors.contains("\r\nPeru,") && fields_of(&donors, "Alliance total")[1] == "2000", "{donors}");
    let x = app.page("/results/DTZ/indicators/G1.O1.1/download.xlsx", Some(&donor)).await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.body)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert!(
        range
            .rows()
            .any(|r| r[0] == Data::String("Bolivia (Plurinational State of)".into()) && r[1] == Data::Float(2000.0))
    );
    assert_ne!(app.page("/results/DTZ/download.csv", None).await.status, StatusCode::OK, "signed in only");
    let missing = app.page("/results/DTZ/indicators/NOPE/download.csv", Some(&lead)).await.status;
    assert_eq!(missing, StatusCode::NOT_FOUND);
}

async fn completeness(app: TestApp) {
    let demo = dtz_services::demo::load(&app.services).await.unwrap();
    let pw = demo.password.unwrap();
    let coord = app.login("coordinator.bo@demo.example.org", &pw).await.unwrap();
    let html = app.page("/results/DTZ/completeness?period=2020", Some(&coord)).await.text();
    assert!(html.contains("reports for 2020 are submitted or approved"), "{html}");
    assert!(html.contains("Bolivia") && !html.contains("<td>India</td>"), "a coordinator sees its own country: {html}");
    let lead = app.login("alliance.lead@demo.example.org", &pw).await.unwrap();
    let all = app.page("/results/DTZ/completeness?period=2019", Some(&lead)).await.text();
    assert!(all.contains("<td>India</td>") && all.contains("<td>Peru</td>"), "{all}");
    assert!(all.contains("9 of 9 reports for 2019"), "every 2019 report is approved in the demo: {all}");
}
