//! Hostile input on the public form is harmless: markup is stored as text and escaped on
//! staff pages; oversized bodies are 413, invalid UTF-8 and control characters a clear
//! error, overlong fields a 422 — and nothing is stored for any of them. After a report
//! no column of any table holds the reporter's address or user agent. Sending the same
//! form twice (a reload of the receipt page) stores one report.

use crate::cases::setup;
use crate::report::{UA, public, receipt_of, send_report};
use crate::support::{PASSWORD, TestApp, csrf_of, urlenc};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use dtz_store::Sql;
use std::net::SocketAddr;

crate::on_both! {
    markup_in_a_report_is_shown_to_staff_as_text => markup;
    oversized_invalid_and_overlong_input_is_refused_and_nothing_is_stored => refused;
    no_column_of_any_table_holds_the_reporters_address_or_agent => no_trace;
    sending_the_same_form_again_stores_nothing_and_says_so => reload;
    every_demo_country_takes_reports_in_its_languages => demo_countries;
}

async fn signals(app: &TestApp) -> i64 {
    app.db.db.read().scalar(&Sql::new("SELECT COUNT(*) FROM signals")).await.unwrap()
}

async fn raw_post(app: &TestApp, body: Vec<u8>) -> crate::support::Res {
    let mut req = Request::post("/report")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, UA)
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(SocketAddr::new("10.9.9.9".parse().unwrap(), 1)));
    app.send(req).await
}

async fn markup(app: TestApp) {
    setup(&app).await;
    let what = "<script>alert('x')</script> He said <b>come</b> & \"wait\"";
    let place = "<img src=x onerror=alert(1)> https://evil.example/a?b=<c>";
    let r = send_report(&app, "10.1.2.3", &format!("what={}&where={}", urlenc(what), urlenc(place))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (id,): (uuid::Uuid,) = app.db.db.read().fetch_one(&Sql::new("SELECT id FROM signals")).await.unwrap();
    let cookie = app.login("supervisor@example.org", PASSWORD).await.unwrap();
    let page = app.page(&format!("/signals/{id}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let t = page.text();
    assert!(!t.contains("<script>alert") && !t.contains("<img src=x") && !t.contains("<b>come"), "no live markup");
    assert!(t.contains("&#60;script&#62;") || t.contains("&lt;script&gt;"), "shown as text: {t}");
    assert!(!t.contains("href=\"https://evil.example"), "a link is not clickable");
}

async fn refused(app: TestApp) {
    crate::report::bolivia(&app).await;
    let csrf = csrf_of(&public(&app, "GET", "/report/bo", None, "10.1.2.3").await.text());
    // Over the body limit: 413 with the public page, nothing stored.
    let huge = format!("csrf={csrf}&lang=en&country=BO&what={}", "a".repeat(dtz_web::BODY_LIMIT + 10));
    let r = raw_post(&app, huge.into_bytes()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().contains("too long") && r.text().contains("In danger now?"), "{}", r.text());
    // Control characters and an overlong field: the form again with the problem.
    let r = public(
        &app,
        "POST",
        "/report",
        Some(&format!("csrf={csrf}&lang=en&country=BO&what=Hello%00%07there")),
        "10.1.2.3",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Remove the control characters."), "{}", r.text());
    let long = "b".repeat(dtz_domain::signal::WHAT_MAX + 1);
    let r =
        public(&app, "POST", "/report", Some(&format!("csrf={csrf}&lang=en&country=BO&what={long}")), "10.1.2.3").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Use at most 4000 characters."), "{}", r.text());
    assert_eq!(signals(&app).await, 0, "nothing stored");
    // Lines and tabs in a report are fine.
    let r = public(
        &app,
        "POST",
        "/report",
        Some(&format!("csrf={csrf}&lang=en&country=BO&what=One%0D%0Atwo%09three")),
        "10.1.2.3",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Invalid UTF-8, percent-encoded or raw, arrives as replacement characters: stored
    // as valid text, never as broken bytes.
    for body in [format!("csrf={csrf}&lang=en&country=BO&what=%FF%FEabc").into_bytes(), {
        let mut b = format!("csrf={csrf}&lang=en&country=BO&what=abc").into_bytes();
        b.extend([0xC3, 0x28, 0xFF]);
        b
    }] {
        let r = raw_post(&app, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let rows: Vec<(uuid::Uuid,)> = app.db.db.read().fetch_all(&Sql::new("SELECT id FROM signals")).await.unwrap();
    for (id,) in rows {
        let d = app.services.signal(&dtz_services::Caller::System, id).await.unwrap();
        let what = d.report.unwrap().what;
        assert!(what.contains('\u{FFFD}') || what.contains("three"), "{what:?}");
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

async fn no_trace(app: TestApp) {
    crate::report::bolivia(&app).await;
    let ip = "203.0.113.77";
    let r = send_report(&app, ip, "what=Something+happened&contact=%2B591+7000").await;
    assert_eq!(r.status, StatusCode::OK);
    let receipt = receipt_of(&r.text());
    crate::report::check(&app, &receipt, ip).await;
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let needles = [ip.to_owned(), "TestPhone".to_owned(), "KaiOS".to_owned(), hex(ip), hex("TestPhone")];
    let mut scanned = 0;
    for c in dtz_store::schema::columns(&app.db.db).await.unwrap() {
        let sql = leak(format!("SELECT COUNT(*) FROM \"{}\" WHERE CAST(\"{}\" AS TEXT) LIKE $1", c.table, c.name));
        for n in &needles {
            let hits: i64 = app.db.db.read().scalar(&Sql::with_args(sql, vec![format!("%{n}%").into()])).await.unwrap();
            assert_eq!(hits, 0, "{n} found in {}.{}", c.table, c.name);
        }
        scanned += 1;
    }
    assert!(scanned > 100, "every column of every table: {scanned}");
}

async fn reload(app: TestApp) {
    crate::report::bolivia(&app).await;
    let csrf = csrf_of(&public(&app, "GET", "/report/bo", None, "10.1.2.3").await.text());
    let body = format!("csrf={csrf}&lang=es&country=BO&what=Una+vez");
    let first = public(&app, "POST", "/report", Some(&body), "10.1.2.3").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(receipt_of(&first.text()).len(), 19);
    let again = public(&app, "POST", "/report", Some(&body), "10.1.2.3").await;
    assert_eq!(again.status, StatusCode::OK);
    let t = again.text();
    assert!(t.contains("Esta denuncia ya se envió") && t.contains("Guarda tu recibo"), "{t}");
    assert!(receipt_of(&t).is_empty(), "no receipt, no new one");
    assert_eq!(signals(&app).await, 1, "stored once");
    // A new form is a new report.
    let r = crate::report::send_report(&app, "10.1.2.3", "what=Otra+vez").await;
    assert_eq!(receipt_of(&r.text()).len(), 19);
    assert_eq!(signals(&app).await, 2);
    // The used tokens are kept only until they would have expired anyway.
    let uses =
        || async { app.db.db.read().scalar::<i64>(&Sql::new("SELECT COUNT(*) FROM public_form_uses")).await.unwrap() };
    assert_eq!(uses().await, 2);
    app.clock.advance(time::Duration::hours(2) + time::Duration::minutes(6));
    let lines = app.services.run_retention(false).await.unwrap();
    assert_eq!(lines.iter().find(|l| l.code == "public_form_tokens").unwrap().erased, 2);
    assert_eq!(uses().await, 0);
}

async fn demo_countries(app: TestApp) {
    dtz_services::demo::load(&app.services).await.unwrap();
    let countries = [
        ("in", &["hi", "en"][..]),
        ("th", &["th", "my"][..]),
        ("id", &["id"][..]),
        ("ph", &["fil", "en"][..]),
        ("do", &["es"][..]),
        ("br", &["pt"][..]),
        ("bo", &["es"][..]),
        ("ni", &["es"][..]),
        ("co", &["es"][..]),
        ("pe", &["es"][..]),
    ];
    for (c, langs) in countries {
        for lang in langs {
            let r = public(&app, "GET", &format!("/report/{c}?lang={lang}"), None, "10.1.2.3").await;
            let t = r.text();
            assert_eq!(r.status, StatusCode::OK, "{c} {lang}");
            assert!(
                t.contains("action=\"/report\"") && t.contains(&format!("<html lang=\"{lang}\">")),
                "{c} {lang}: {t}"
            );
        }
        let csrf = csrf_of(&public(&app, "GET", &format!("/report/{c}"), None, "10.1.2.3").await.text());
        let body = format!("csrf={csrf}&lang={}&country={c}&what=Sample+report+from+the+test", langs[0]);
        let r = public(&app, "POST", "/report", Some(&body), &format!("10.2.3.{}", c.as_bytes()[0])).await;
        assert_eq!(receipt_of(&r.text()).len(), 19, "{c}: {}", r.text());
    }
}
