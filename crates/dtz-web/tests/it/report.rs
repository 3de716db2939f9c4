//! The public reporting pages: a report, its receipt and status, anonymity, form tokens,
//! rate limits, languages.

use crate::support::{Res, TestApp, csrf_of, urlenc};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use dtz_domain::country::CountryInput;
use dtz_domain::ids::OrgId;
use dtz_domain::receipt::Receipt;
use dtz_services::Caller;
use std::net::SocketAddr;

crate::on_both! {
    a_report_gets_a_receipt_shown_once_and_a_status => report_and_status;
    a_report_reads_its_country_once => statements;
    a_mistyped_receipt_is_caught_before_any_lookup => mistyped;
    unknown_and_wrong_receipts_get_the_same_answer_after_the_same_work => same_answer;
    public_pages_set_no_cookie_and_leave_nothing_in_caches => no_cookie;
    stored_reports_hold_no_plaintext_and_nothing_about_the_reporter => at_rest;
    forged_or_expired_form_tokens_store_nothing => tokens;
    reports_are_limited_per_source_and_not_for_others => limits;
    every_public_language_renders_the_pages => languages;
    a_country_without_receiving_organisation_offers_only_the_numbers => no_intake;
    reports_stay_readable_after_a_key_rotation => rotation;
}

pub const UA: &str = "Mozilla/5.0 (Linux; Android 9; KaiOS) TestPhone/1.0";

/// A country (Bolivia) whose signals go to a new alliance member; returns that member.
pub async fn bolivia(app: &TestApp) -> OrgId {
    let org = app.org("Receiving member", "alliance_member").await;
    let input = CountryInput {
        country: "BO".into(),
        lead_org: Some(org),
        helpline: "156".into(),
        police: "+591 110".into(),
        answer_within_hours: "48".into(),
        ..Default::default()
    };
    app.services.save_country(&Caller::System, &input, 0).await.expect("country");
    org
}

/// A public request from `ip` with a phone's user agent.
pub async fn public(app: &TestApp, method: &str, path: &str, body: Option<&str>, ip: &str) -> Res {
    let mut b = Request::builder().method(method).uri(path).header(header::USER_AGENT, UA);
    if body.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let mut req = b.body(Body::from(body.unwrap_or_default().to_owned())).expect("request");
    let addr: SocketAddr = SocketAddr::new(ip.parse().expect("ip"), 40_000);
    req.extensions_mut().insert(ConnectInfo(addr));
    app.send(req).await
}

/// Send a report from `ip`; returns the response.
pub async fn send_report(app: &TestApp, ip: &str, fields: &str) -> Res {
    let form = public(app, "GET", "/report/bo", None, ip).await;
    let csrf = csrf_of(&form.text());
    public(app, "POST", "/report", Some(&format!("csrf={csrf}&lang=en&country=BO&{fields}")), ip).await
}

async fn statements(app: TestApp) {
    bolivia(&app).await;
    let form = public(&app, "GET", "/report/bo", None, "10.1.2.9").await;
    let body = format!("csrf={}&lang=en&country=BO&what=Something+happened", csrf_of(&form.text()));
    let (res, n) = dtz_store::counting::count(public(&app, "POST", "/report", Some(&body), "10.1.2.9")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!receipt_of(&res.text()).is_empty(), "a receipt is shown");
    // The form token, the data key, the signal and its audit event; the country's intake
    // is read once (it was read twice, 12 statements: bench/RESULTS.md, issue 8).
    assert!(n <= 10, "{n} statements for one public report");
}

/// The receipt shown on a receipt page.
pub fn receipt_of(html: &str) -> String {
    let part = html.split("class=\"receipt\">").nth(1).unwrap_or_default();
    let part = part.split("</p>").next().unwrap_or_default();
    part.split("class=\"group\">").skip(1).filter_map(|g| g.split('<').next()).collect::<Vec<_>>().join("-")
}

/// Check a receipt from `ip`.
pub async fn check(app: &TestApp, receipt: &str, ip: &str) -> Res {
    let form = public(app, "GET", "/report/status?country=bo", None, ip).await;
    let csrf = csrf_of(&form.text());
    public(
        app,
        "POST",
        "/report/status",
        Some(&format!("csrf={csrf}&lang=en&country=BO&receipt={}", urlenc(receipt))),
        ip,
    )
    .await
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    let mut q = dtz_store::Sql::new("SELECT COUNT(*) FROM ");
    q.push(table);
    app.db.db.read().scalar(&q).await.expect("count")
}

async fn report_and_status(app: TestApp) {
    bolivia(&app).await;
    let r = send_report(&app, "10.1.2.3", "what=A+man+offers+money+for+photos&where=Chat+app%2C+account+%40x").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("Thank you. We have your report."));
    assert!(html.contains("Take a photo or a screenshot only if it is safe"));
    let receipt = receipt_of(&html);
    assert_eq!(receipt.len(), 19, "four groups of four: {receipt}");
    assert!(Receipt::parse(&receipt).is_ok());
    assert!(r.headers.get(header::LOCATION).is_none(), "the receipt is the answer to the POST, not a redirect");
    assert!(!html.contains("hreflang"), "no language link to lose the receipt by");
    let status = check(&app, &receipt.to_lowercase().replace('-', " "), "10.1.2.3").await;
    assert_eq!(status.status, StatusCode::OK);
    let text = status.text();
    assert!(text.contains("We have received your report. Nobody has read it yet."), "{text}");
    assert!(text.contains("No messages yet."));
    assert!(!text.contains("A man offers money"), "what was reported is never shown back");
    // Adding information.
    let csrf = csrf_of(&text);
    let body = format!("csrf={csrf}&lang=en&country=BO&receipt={}&message=He+uses+a+second+account", urlenc(&receipt));
    let added = public(&app, "POST", "/report/status/add", Some(&body), "10.1.2.3").await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.text().contains("We added what you wrote to your report."));
    assert!(!added.text().contains("second account"), "added text is not shown back either");
    assert_eq!(count(&app, "signal_messages").await, 1);
    // An empty addition is refused, the status stays in view.
    let body = format!("csrf={csrf}&lang=en&country=BO&receipt={}&message=+", urlenc(&receipt));
    let empty = public(&app, "POST", "/report/status/add", Some(&body), "10.1.2.3").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("Write what you want to add."));
    assert_eq!(count(&app, "signal_messages").await, 1);
    // The field problems of the report form keep what was typed.
    let bad = send_report(&app, "10.1.2.3", "what=&where=Near+the+bus+station&safe_to_call=maybe").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = bad.text();
    assert!(t.contains("Tell us what happened, in your own words.") && t.contains("Near the bus station"), "{t}");
    assert!(t.contains("href=\"#what\""), "the error summary links to the field");
    assert_eq!(count(&app, "signals").await, 1);
}

async fn mistyped(app: TestApp) {
    bolivia(&app).await;
    let r = send_report(&app, "10.1.2.3", "what=Something+happened").await;
    let receipt = receipt_of(&r.text());
    let mut chars: Vec<char> = receipt.chars().collect();
    chars[6] = if chars[6] == 'A' { 'B' } else { 'A' };
    let typo: String = chars.into_iter().collect();
    let before = app.services.passwords.checks_done();
    let res = check(&app, &typo, "10.1.2.3").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = res.text();
    assert!(t.contains("This receipt has a mistake. Check every letter and number."), "{t}");
    assert!(t.contains(&format!("value=\"{typo}\"")), "what was typed stays in the field");
    assert_eq!(app.services.passwords.checks_done(), before, "a typo is caught before any lookup");
    let short = check(&app, "7KQM-2XWD", "10.1.2.3").await;
    assert!(short.text().contains("A receipt has 16 letters and numbers. You typed 8."));
}

async fn same_answer(app: TestApp) {
    bolivia(&app).await;
    let r = send_report(&app, "10.1.2.3", "what=Something+happened").await;
    let receipt = Receipt::parse(&receipt_of(&r.text())).expect("receipt");
    // Same lookup part, another secret part; and an unknown lookup part.
    let flip = |c: char| if c == '7' { '8' } else { '7' };
    let mut wrong: String = receipt.lookup();
    wrong.extend(receipt.secret().chars().enumerate().map(|(i, c)| if i == 0 { flip(c) } else { c }));
    let wrong = Receipt::with_check(&wrong).expect("wrong secret").grouped();
    let mut unknown: String =
        receipt.lookup().chars().enumerate().map(|(i, c)| if i == 0 { flip(c) } else { c }).collect();
    unknown.push_str(&receipt.secret());
    let unknown = Receipt::with_check(&unknown).expect("unknown lookup").grouped();
    let n0 = app.services.passwords.checks_done();
    let a = check(&app, &wrong, "10.1.2.3").await;
    let n1 = app.services.passwords.checks_done();
    let b = check(&app, &unknown, "10.1.2.3").await;
    let n2 = app.services.passwords.checks_done();
    assert_eq!((n1 - n0, n2 - n1), (1, 1), "one Argon2id check each, real or dummy");
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    // Each page carries a fresh form token (its nonce differs); everything else is equal.
    let same = |t: String, r: &str| t.replace(r, "R").replace(&csrf_of(&t), "T");
    let (ta, tb) = (same(a.text(), &wrong), same(b.text(), &unknown));
    assert_eq!(ta, tb, "byte for byte the same page");
    assert!(ta.contains("We cannot show anything for this receipt."));
    assert!(!ta.contains("Nobody has read it yet"));
    let real = check(&app, &receipt.grouped(), "10.1.2.3").await;
    assert_eq!(app.services.passwords.checks_done() - n2, 1);
    assert!(real.text().contains("Nobody has read it yet"));
}

async fn no_cookie(app: TestApp) {
    bolivia(&app).await;
    let sent = send_report(&app, "10.1.2.3", "what=Something+happened").await;
    let receipt = receipt_of(&sent.text());
    let pages = [
        public(&app, "GET", "/report", None, "10.1.2.3").await,
        public(&app, "GET", "/report/bo?lang=es", None, "10.1.2.3").await,
        public(&app, "GET", "/report?country=BO", None, "10.1.2.3").await,
        public(&app, "GET", "/report/status", None, "10.1.2.3").await,
        public(&app, "GET", "/report/zz", None, "10.1.2.3").await,
        public(&app, "GET", "/report/bo/anything/else", None, "10.1.2.3").await,
        public(&app, "POST", "/report", Some("csrf=x&what=y"), "10.1.2.3").await,
        public(&app, "POST", "/report/status", Some("csrf=x&receipt=y"), "10.1.2.3").await,
        public(&app, "POST", "/report/status", Some("%%%"), "10.1.2.3").await,
        check(&app, &receipt, "10.1.2.3").await,
        sent,
    ];
    for p in &pages {
        assert!(p.headers.get(header::SET_COOKIE).is_none(), "no cookie on a public page");
        assert_eq!(p.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(p.headers[header::REFERRER_POLICY], "no-referrer");
        let t = p.text();
        assert!(t.contains("<title>Help</title>") || t.contains("<title>Ayuda</title>"), "a neutral title: {t}");
        assert!(t.contains("class=\"quick-exit\" href=\"/tables\" rel=\"noreferrer\""), "quick exit on every page");
        assert!(t.contains("In danger now?") || t.contains("¿Estás en peligro ahora?"));
        for external in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "url(http"] {
            assert!(!t.contains(external), "no request to a third party: {external}");
        }
        assert!(!t.contains("type=\"file\""), "no file input");
    }
    let form = pages[1].text();
    assert!(form.contains("href=\"tel:156\"") && form.contains("href=\"tel:+591110\""), "one-tap calls");
    assert!(form.contains("Nunca envíes fotos ni enlaces del abuso."));
    assert_eq!((pages[4].status, pages[5].status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(pages[8].status, StatusCode::FORBIDDEN);
    let json = app
        .send(Request::post("/report").header(header::CONTENT_TYPE, "application/json").body(Body::from("{}")).unwrap())
        .await;
    assert_eq!(json.status, StatusCode::BAD_REQUEST);
    assert!(json.headers.get(header::SET_COOKIE).is_none() && json.text().contains("In danger now?"));
    // Even a signed-in person's cookie is neither read nor renewed here.
    let r = app
        .send(Request::get("/report/bo").header(header::COOKIE, "dtz_session=abc").body(Body::empty()).unwrap())
        .await;
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    let exit = app.page("/tables", None).await;
    assert_eq!(exit.status, StatusCode::OK);
    assert!(exit.text().contains("<title>Times tables</title>"));
    let js = app.page("/static/quick-exit.js", None).await;
    assert!(js.text().contains("location.replace"));
}

async fn at_rest(app: TestApp) {
    let org = bolivia(&app).await;
    let secret_words = "Uncle+Pedro+sells+photos+of+Maria";
    let r = send_report(&app, "203.0.113.77", &format!("what={secret_words}&contact=%2B591+7000+1234&safe_to_call=no"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    type Stored = (Option<Vec<u8>>, Option<Vec<u8>>, Option<String>);
    let rows: Vec<Stored> = app
        .db
        .db
        .read()
        .fetch_all(&dtz_store::Sql::new("SELECT content, data_key, receipt_hash FROM signals"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let (content, key, hash) = &rows[0];
    let content = content.clone().unwrap();
    for needle in ["Pedro", "Maria", "7000", "203.0.113.77", "TestPhone"] {
        assert!(!content.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} at rest");
        assert!(!key.clone().unwrap().windows(needle.len()).any(|w| w == needle.as_bytes()));
    }
    assert!(hash.as_deref().unwrap().starts_with("$argon2id$"));
    // No column anywhere is for an address, an agent or a cookie.
    for c in dtz_store::schema::columns(&app.db.db).await.unwrap() {
        if c.table.starts_with("signal") {
            for part in c.name.split('_') {
                assert!(
                    !["ip", "address", "addr", "agent", "ua", "cookie", "source"].contains(&part),
                    "{}.{}",
                    c.table,
                    c.name
                );
            }
        }
    }
    // Nor does the audit event name anything but fields.
    let events = app
        .services
        .audit_events(&Caller::System, &dtz_store::audit::EventFilter { limit: 100, ..Default::default() })
        .await
        .unwrap();
    let e = events.iter().find(|e| e.action == "signal.report").expect("audited");
    assert_eq!(e.org_id, Some(org.0));
    assert_eq!(e.actor_user_id, None);
    assert!(e.fields.contains("what") && e.fields.contains("contact") && !e.fields.contains("Pedro"));
}

async fn tokens(app: TestApp) {
    bolivia(&app).await;
    let forged =
        public(&app, "POST", "/report", Some("csrf=123.abc&lang=en&country=BO&what=Kept+text"), "10.1.2.3").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.text().contains("Kept text"), "the text typed is kept");
    assert!(forged.text().contains("This page was open for a long time."));
    let form = public(&app, "GET", "/report/bo", None, "10.1.2.3").await;
    let csrf = csrf_of(&form.text());
    let (at, mac) = csrf.split_once('.').unwrap();
    let shifted = format!("{}.{mac}", at.parse::<i64>().unwrap() + 60);
    let body = |t: &str| format!("csrf={t}&lang=en&country=BO&what=Something");
    let r = public(&app, "POST", "/report", Some(&body(&shifted)), "10.1.2.3").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the time is bound into the token");
    app.clock.advance(time::Duration::hours(2) + time::Duration::seconds(1));
    let r = public(&app, "POST", "/report", Some(&body(&csrf)), "10.1.2.3").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "expired after two hours");
    assert_eq!(count(&app, "signals").await, 0);
    let fresh = csrf_of(&public(&app, "GET", "/report/bo", None, "10.1.2.3").await.text());
    app.clock.advance(time::Duration::minutes(119));
    let r = public(&app, "POST", "/report", Some(&body(&fresh)), "10.1.2.3").await;
    assert_eq!(r.status, StatusCode::OK, "still good just before two hours");
    assert_eq!(count(&app, "signals").await, 1);
    let status = public(&app, "POST", "/report/status", Some("csrf=1.2&receipt=x"), "10.1.2.3").await;
    assert_eq!(status.status, StatusCode::FORBIDDEN);
}

async fn limits(app: TestApp) {
    bolivia(&app).await;
    for i in 0..20 {
        let r = send_report(&app, "198.51.100.1", "what=Something").await;
        assert_eq!(r.status, StatusCode::OK, "report {i}");
    }
    let refused = send_report(&app, "198.51.100.1", "what=Number+twenty-one").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let t = refused.text();
    assert!(
        t.contains("Please wait one hour") && t.contains("href=\"tel:156\"") && t.contains("Number twenty-one"),
        "{t}"
    );
    let other = send_report(&app, "198.51.100.2", "what=Something").await;
    assert_eq!(other.status, StatusCode::OK, "another source is not limited");
    // An IPv6 /64 counts as one source.
    for i in 0..20 {
        let ip = format!("2001:db8:1:2::{:x}", i + 1);
        assert_eq!(send_report(&app, &ip, "what=x").await.status, StatusCode::OK);
    }
    assert_eq!(send_report(&app, "2001:db8:1:2:ffff::9", "what=x").await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send_report(&app, "2001:db8:1:3::1", "what=x").await.status, StatusCode::OK);
    // Receipt checks have their own, larger limit.
    for _ in 0..60 {
        assert_eq!(check(&app, "0000-0000-0000-0001", "192.0.2.9").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(check(&app, "0000-0000-0000-0001", "192.0.2.9").await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(count(&app, "signals").await, 42);
}

async fn languages(app: TestApp) {
    bolivia(&app).await;
    let titles = [
        ("en", "Help"),
        ("es", "Ayuda"),
        ("pt", "Ajuda"),
        ("th", "ช่วยเหลือ"),
        ("hi", "मदद"),
        ("id", "Bantuan"),
        ("fil", "Tulong"),
        ("my", "အကူအညီ"),
    ];
    for (lang, title) in titles {
        for path in
            [format!("/report/bo?lang={lang}"), format!("/report/status?lang={lang}"), format!("/report?lang={lang}")]
        {
            let r = public(&app, "GET", &path, None, "10.1.2.3").await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            let t = r.text();
            assert!(t.contains(&format!("<html lang=\"{lang}\">")), "{path}");
            assert!(t.contains(&format!("<title>{title}</title>")), "{path}");
            assert!(!t.contains("Unknown localization"), "{path}: a key is missing");
        }
    }
    let r = app
        .send(Request::get("/report/bo").header(header::ACCEPT_LANGUAGE, "th-TH,th;q=0.9").body(Body::empty()).unwrap())
        .await;
    assert!(r.text().contains("<html lang=\"th\">"));
    let r = app
        .send(Request::get("/report/bo").header(header::ACCEPT_LANGUAGE, "tl, en;q=0.5").body(Body::empty()).unwrap())
        .await;
    assert!(r.text().contains("<html lang=\"fil\">"), "Tagalog asks for Filipino");
    let r = app
        .send(Request::get("/report/bo?lang=de").header(header::ACCEPT_LANGUAGE, "my").body(Body::empty()).unwrap())
        .await;
    assert!(r.text().contains("<html lang=\"en\">"), "an unknown ?lang= falls back to English");
    // A report in Thai is stored with its language, and problems read in Thai.
    let form = public(&app, "GET", "/report/bo?lang=th", None, "10.1.2.3").await;
    let body = format!("csrf={}&lang=th&country=BO&what=", csrf_of(&form.text()));
    let r = public(&app, "POST", "/report", Some(&body), "10.1.2.3").await;
    assert!(r.text().contains("บอกเราว่าเกิดอะไรขึ้น ด้วยคำพูดของคุณเอง"), "{}", r.text());
    // The country chooser lists configured countries in the reader's language.
    let r = public(&app, "GET", "/report?lang=es", None, "10.1.2.3").await;
    assert!(r.text().contains("href=\"/report/bo?lang=es\">Bolivia</a>"));
}

async fn no_intake(app: TestApp) {
    let input =
        CountryInput { country: "TH".into(), helpline: "1300".into(), police: "191".into(), ..Default::default() };
    app.services.save_country(&Caller::System, &input, 0).await.unwrap();
    let r = public(&app, "GET", "/report/th", None, "10.1.2.3").await;
    assert_eq!(r.status, StatusCode::OK);
    let t = r.text();
    assert!(t.contains("href=\"tel:1300\"") && t.contains("Reports from Thailand cannot be sent here yet."));
    assert!(!t.contains("action=\"/report\""), "no form without a receiving organisation");
    let csrf = csrf_of(&public(&app, "GET", "/report/status", None, "10.1.2.3").await.text());
    let r = public(&app, "POST", "/report", Some(&format!("csrf={csrf}&lang=en&country=TH&what=x")), "10.1.2.3").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "signals").await, 0);
}

async fn rotation(app: TestApp) {
    bolivia(&app).await;
    let r = send_report(&app, "10.1.2.3", "what=Before+the+rotation").await;
    let receipt = receipt_of(&r.text());
    let id: (uuid::Uuid,) = app.db.db.read().fetch_one(&dtz_store::Sql::new("SELECT id FROM signals")).await.unwrap();
    let mut keys = (*app.services.keys).clone();
    keys.add_master().unwrap();
    keys.save().unwrap();
    let rotating = dtz_services::Services { keys: std::sync::Arc::new(keys.clone()), ..app.services.clone() };
    let done = dtz_services::keys::finish_rotation(&rotating, &mut keys).await.unwrap();
    assert!(done.rewrapped > 0 && done.retired == 1);
    let after = dtz_services::Services { keys: std::sync::Arc::new(keys), ..app.services.clone() };
    let d = after.signal(&Caller::System, id.0).await.unwrap();
    assert_eq!(d.report.unwrap().what, "Before the rotation");
    let found = after.check_receipt(&receipt).await.unwrap();
    assert!(matches!(found, dtz_services::signals::ReceiptCheck::Found(_)), "{found:?}");
    assert!(app.services.signal(&Caller::System, id.0).await.is_err(), "the old master key is gone");
}

/// Captures everything logged, at every level, on this thread.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Nothing logged while the public pages work names the reporter's address or browser,
/// or what they wrote. The test runs on one thread so a thread-local subscriber sees
/// every handler's events (the one line about a received report proves that the capture works).
#[tokio::test(flavor = "current_thread")]
async fn nothing_about_the_reporter_reaches_the_logs() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new(dtz_testkit::Backend::Sqlite).await.expect("app");
    bolivia(&app).await;
    // Callsites first reached by other tests' threads, without a subscriber, may have
    // cached "never" in a race with this subscriber's registration: recompute.
    tracing::callsite::rebuild_interest_cache();
    let ip = "203.0.113.250";
    let sent = send_report(&app, ip, "what=Secret+words+from+a+child&contact=%2B591+7777").await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    let receipt = receipt_of(&sent.text());
    check(&app, &receipt, ip).await;
    check(&app, "0000-0000-0000-0001", ip).await;
    check(&app, "0000-0000-0000-0000", ip).await;
    public(&app, "POST", "/report", Some("csrf=1.x&lang=en&country=BO&what=Secret+words"), ip).await;
    public(&app, "GET", "/report/zz", None, ip).await;
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(logs.contains("public report received") && logs.contains("country=BO"), "the capture works: {logs}");
    for needle in [ip, "203.0.113", UA, "TestPhone", "Secret words", "7777", &receipt, &receipt.replace('-', "")] {
        assert!(!logs.contains(needle), "{needle} was logged");
    }
}
