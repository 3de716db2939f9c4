//! What a person does, in order: sign in, look at the start page on a phone and on a
//! desktop, switch language.

use crate::driver::{App, Browser};
use fantoccini::Locator;

type Outcome = Result<(), String>;

fn check(ok: bool, what: &str) -> Outcome {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

/// Every scenario, in order.
pub async fn run_all(b: &Browser, app: &App) -> Outcome {
    public_report(b, app).await?;
    sign_in(b, app, "admin@demo.example.org").await?;
    phone_and_desktop(b, app).await?;
    switch_language(b, app).await?;
    enrol_totp(b, app).await?;
    sign_out(b, app).await?;
    sign_in(b, app, "alliance.lead@demo.example.org").await?;
    results(b, app).await?;
    framework(b, app).await?;
    sign_out(b, app).await?;
    data_entry(b, app).await?;
    sign_out(b, app).await?;
    cases(b, app).await?;
    Ok(())
}

/// Wait (bounded) until the page shows an element matching `css`: the sign that a
/// navigation finished.
async fn wait_for(b: &Browser, css: &str) -> Outcome {
    b.client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .map(|_| ())
        .map_err(|e| format!("waiting for {css}: {e}"))
}

/// Wait (bounded) until nothing matches `css`: after a click that posts a form, the old
/// page's elements stay until the answer arrives, so waiting for an element both pages
/// have (`main h1`) could go on before the post was handled.
async fn wait_gone(b: &Browser, css: &str) -> Outcome {
    for _ in 0..100 {
        if b.client.find_all(Locator::Css(css)).await.map_err(|e| e.to_string())?.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("{css} still there after 10 s"))
}

/// The text of the first element matching `css`, waiting (bounded) for it to appear. An
/// element found just before a navigation replaced the page is gone ("stale"): find it
/// again on the new page (a few times at most).
async fn text_of(b: &Browser, css: &str) -> Result<String, String> {
    let mut last = String::new();
    for _ in 0..3 {
        let e = b
            .client
            .wait()
            .at_most(std::time::Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("{css}: {e}"))?;
        match e.text().await {
            Ok(t) => return Ok(t),
            Err(e) if e.to_string().contains("stale") => last = e.to_string(),
            Err(e) => return Err(format!("{css}: {e}")),
        }
    }
    Err(format!("{css}: {last}"))
}

async fn sign_in(b: &Browser, app: &App, email: &str) -> Outcome {
    let c = &b.client;
    c.goto(&format!("{}/login", app.base)).await.map_err(|e| e.to_string())?;
    b.screenshot("login-desktop").await;
    let form = c.form(Locator::Css("form.stack")).await.map_err(|e| e.to_string())?;
    form.set_by_name("email", email).await.map_err(|e| e.to_string())?;
    form.set_by_name("password", &app.password).await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    wait_for(b, "form[action='/logout']").await?;
    let h1 = text_of(b, "h1").await?;
    check(h1.starts_with("Welcome"), &format!("after sign-in the start page greets: {h1}"))
}

async fn no_horizontal_scroll(b: &Browser) -> Result<bool, String> {
    let v = b
        .client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
        .await
        .map_err(|e| e.to_string())?;
    Ok(v.as_bool().unwrap_or(false))
}

async fn phone_and_desktop(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/admin", app.base)).await.map_err(|e| e.to_string())?;
    b.screenshot("admin-phone").await;
    check(no_horizontal_scroll(b).await?, "nothing sticks out sideways at 360 px")?;
    let summary = c.find(Locator::Css("nav summary")).await.map_err(|e| e.to_string())?;
    check(summary.is_displayed().await.map_err(|e| e.to_string())?, "the menu folds under a summary on a phone")?;
    c.goto(&format!("{}/admin/users", app.base)).await.map_err(|e| e.to_string())?;
    b.screenshot("users-phone").await;
    check(no_horizontal_scroll(b).await?, "wide tables scroll inside their own box, not the page")?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/", app.base)).await.map_err(|e| e.to_string())?;
    b.screenshot("home-desktop").await;
    let summary = c.find(Locator::Css("nav summary")).await.map_err(|e| e.to_string())?;
    check(!summary.is_displayed().await.map_err(|e| e.to_string())?, "on a desktop the menu is always open")?;
    check(no_horizontal_scroll(b).await?, "nothing sticks out sideways at 1440 px")
}

async fn switch_language(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    c.goto(&format!("{}/account", app.base)).await.map_err(|e| e.to_string())?;
    let form = c.form(Locator::Css("form[action='/account/profile']")).await.map_err(|e| e.to_string())?;
    form.set_by_name("language", "es").await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    wait_for(b, "html[lang='es']").await?;
    c.goto(&format!("{}/", app.base)).await.map_err(|e| e.to_string())?;
    let h1 = text_of(b, "h1").await?;
    b.screenshot("home-spanish").await;
    check(h1.starts_with("Bienvenida/o"), &format!("the start page speaks Spanish: {h1}"))?;
    let lang =
        c.find(Locator::Css("html")).await.map_err(|e| e.to_string())?.attr("lang").await.map_err(|e| e.to_string())?;
    check(lang.as_deref() == Some("es"), "<html lang> follows")
}

fn totp_code(app: &App, secret: &str) -> Result<String, String> {
    use dtz_domain::Clock;
    let s = totp_rs::Secret::try_from_base32(secret).map_err(|e| e.to_string())?;
    let t = totp_rs::Builder::new().with_secret(s).build().map_err(|e| e.to_string())?;
    Ok(t.generate(app.clock.now().unix_timestamp() as u64).to_string())
}

async fn enrol_totp(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    c.goto(&format!("{}/account/totp", app.base)).await.map_err(|e| e.to_string())?;
    let secret: String = text_of(b, "code.secret-key").await?.chars().filter(|c| !c.is_whitespace()).collect();
    check(c.find(Locator::Css("svg")).await.is_ok(), "a QR code is drawn")?;
    b.screenshot("totp-enrol").await;
    let form = c.form(Locator::Css("form[action='/account/totp']")).await.map_err(|e| e.to_string())?;
    form.set_by_name("code", &totp_code(app, &secret)?).await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    wait_for(b, "code.secret").await?;
    let codes = c.find_all(Locator::Css("code.secret")).await.map_err(|e| e.to_string())?;
    b.screenshot("totp-recovery-codes").await;
    check(codes.len() >= 10, &format!("ten recovery codes are shown once, got {}", codes.len()))?;
    // Signing in again now asks for a code of a later time step.
    c.goto(&format!("{}/account", app.base)).await.map_err(|e| e.to_string())?;
    let signout = c.form(Locator::Css("form[action='/logout']")).await.map_err(|e| e.to_string())?;
    signout.submit().await.map_err(|e| e.to_string())?;
    wait_for(b, "input[name='password']").await?;
    app.clock.advance(time::Duration::seconds(30));
    c.goto(&format!("{}/login", app.base)).await.map_err(|e| e.to_string())?;
    let form = c.form(Locator::Css("form.stack")).await.map_err(|e| e.to_string())?;
    form.set_by_name("email", "admin@demo.example.org").await.map_err(|e| e.to_string())?;
    form.set_by_name("password", &app.password).await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    let step = Locator::Css("form[action='/login/totp']");
    c.wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(step)
        .await
        .map_err(|e| format!("the second step follows the password: {e}"))?;
    b.screenshot("totp-second-step").await;
    let form = c.form(step).await.map_err(|e| e.to_string())?;
    form.set_by_name("code", &totp_code(app, &secret)?).await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    // The second step's page has a sign-out form too: wait until it has been left.
    wait_gone(b, "form[action='/login/totp']").await?;
    wait_for(b, "form[action='/logout']").await?;
    let h1 = text_of(b, "h1").await?;
    check(h1.starts_with("Bienvenida/o"), &format!("signed in with the second factor: {h1}"))
}

async fn results(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/results/DTZ", app.base)).await.map_err(|e| e.to_string())?;
    b.screenshot("results-desktop").await;
    let body = text_of(b, "main").await?;
    check(body.contains("3,667") && body.contains("2,012"), "the published 2016 figures show in the approved results")?;
    c.goto(&format!("{}/results/DTZ/indicators/G1.O2.1", app.base)).await.map_err(|e| e.to_string())?;
    check(c.find(Locator::Css("figure.chart svg")).await.is_ok(), "a chart of the alliance total")?;
    b.screenshot("indicator-desktop").await;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/results/DTZ", app.base)).await.map_err(|e| e.to_string())?;
    b.screenshot("results-phone").await;
    check(no_horizontal_scroll(b).await?, "the results table scrolls in its own box on a phone")?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())
}

async fn sign_out(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    c.goto(&format!("{}/account", app.base)).await.map_err(|e| e.to_string())?;
    let signout = c.form(Locator::Css("form[action='/logout']")).await.map_err(|e| e.to_string())?;
    signout.submit().await.map_err(|e| e.to_string())?;
    wait_for(b, "input[name='password']").await
}

async fn data_entry(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    sign_in(b, app, "me.officer.bo@demo.example.org").await?;
    c.goto(&format!("{}/results/DTZ/entry", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "form.entry").await?;
    b.screenshot("entry-desktop").await;
    let status = text_of(b, "main").await?;
    check(
        status.contains("returned for correction") || status.contains("draft") || status.contains("submitted"),
        "the report's state is said in words",
    )?;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    b.screenshot("entry-phone").await;
    check(no_horizontal_scroll(b).await?, "the entry grid fits a phone")?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    record_activity(b, app).await?;
    upload_sheet(b).await?;
    c.goto(&format!("{}/results/DTZ/entry", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "form.entry").await?;
    enter_and_approve(b, app).await
}

/// The upload page in a real browser (multipart, no JavaScript): a broken file lists its
/// problems by row and column; a good one shows what would change, with a confirm button.
async fn upload_sheet(b: &Browser) -> Outcome {
    let c = &b.client;
    let link = c.find(Locator::Css("a[href='/results/DTZ/import']")).await.map_err(|e| e.to_string())?;
    link.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "input[type='file']").await?;
    b.screenshot("import-desktop").await;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let org = "Sample partner Bolivia (sample data)";
    for (name, body, expect) in [
        (
            "broken.csv",
            format!("indicator,country,organisation,period,value\nG1.O4.1,BO,{org},2020,many\n"),
            "table code",
        ),
        (
            "good.csv",
            format!("indicator,country,organisation,period,value\nG1.O4.1,BO,{org},2020,99\n"),
            "form[action^='/results/DTZ/import/']",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).map_err(|e| e.to_string())?;
        let input = c.find(Locator::Css("input[type='file']")).await.map_err(|e| e.to_string())?;
        input.send_keys(&path.display().to_string()).await.map_err(|e| e.to_string())?;
        let button = c.find(Locator::Css("form[enctype] button")).await.map_err(|e| e.to_string())?;
        button.click().await.map_err(|e| e.to_string())?;
        wait_for(b, expect).await?;
        b.screenshot(&format!("import-{}", name.trim_end_matches(".csv"))).await;
    }
    check(text_of(b, "main").await?.contains("Import these values"), "a confirm button after a clean dry run")?;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    b.screenshot("import-phone").await;
    let fits = no_horizontal_scroll(b).await?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    check(fits, "the upload page fits a phone")
}

/// The whole path of a figure: the M&E officer enters and submits 2020, the coordinator
/// and the alliance lead approve, and the programme page shows the new approved figure.
async fn enter_and_approve(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    let before = figure_2020(b, app).await?;
    let form = c.form(Locator::Css("form.entry")).await.map_err(|e| e.to_string())?;
    for (cell, v) in [
        ("v|G1.O1.1||value", "777"),
        ("v|G1.O1.1|sex=female|value", "500"),
        ("v|G1.O1.1|sex=male|value", "250"),
        ("v|G1.O1.1|sex=unknown|value", "27"),
    ] {
        form.set_by_name(cell, v).await.map_err(|e| e.to_string())?;
    }
    let submit = c.find(Locator::Css("button[name='submit']")).await.map_err(|e| e.to_string())?;
    submit.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "fieldset[disabled]").await?;
    let link = c.find(Locator::Css("a[href^='/results/reports/']")).await.map_err(|e| e.to_string())?;
    let report = link.attr("href").await.map_err(|e| e.to_string())?.unwrap_or_default();
    for (who, action) in
        [("coordinator.bo@demo.example.org", "approve_country"), ("alliance.lead@demo.example.org", "approve_alliance")]
    {
        sign_out(b, app).await?;
        sign_in(b, app, who).await?;
        c.goto(&format!("{}{report}", app.base)).await.map_err(|e| e.to_string())?;
        let button = c
            .find(Locator::Css(&format!("button[value='{action}']")))
            .await
            .map_err(|e| format!("{who} can {action}: {e}"))?;
        button.click().await.map_err(|e| e.to_string())?;
        wait_gone(b, &format!("button[value='{action}']")).await?;
        wait_for(b, "main h1").await?;
    }
    b.screenshot("report-approved").await;
    let after = figure_2020(b, app).await?;
    b.screenshot("results-after-approval").await;
    check(
        before.is_empty() && after == "777",
        &format!("the dashboard changes once approved: before {before:?}, after {after:?}"),
    )
}

/// The approved 2020 figure of G1.O1.1 on the programme page, for Bolivia.
async fn figure_2020(b: &Browser, app: &App) -> Result<String, String> {
    let c = &b.client;
    let back = c.current_url().await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/results/DTZ?country=BO", app.base)).await.map_err(|e| e.to_string())?;
    let v = c
        .execute(
            "const row = [...document.querySelectorAll('tr.indicator')].find(r => r.querySelector('code').textContent === 'G1.O1.1'); \
             const cells = row.querySelectorAll('td.num'); return cells[cells.length - 1].textContent.trim();",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    c.goto(back.as_str()).await.map_err(|e| e.to_string())?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// The framework list and the baselines and targets grid, on a phone and a desktop.
async fn framework(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/results/DTZ/framework", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "ul.tree").await?;
    b.screenshot("framework-phone").await;
    check(no_horizontal_scroll(b).await?, "the framework list fits a phone")?;
    c.goto(&format!("{}/results/DTZ/targets?country=BO&goal=G1&parts=on", app.base))
        .await
        .map_err(|e| e.to_string())?;
    wait_for(b, "table.cells").await?;
    b.screenshot("targets-phone").await;
    check(no_horizontal_scroll(b).await?, "the targets grid scrolls in its own box on a phone")?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/results/DTZ/framework/indicators/G1.O1.1", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "form.stack").await?;
    b.screenshot("indicator-form-desktop").await;
    let fixed = text_of(b, "main").await?;
    check(fixed.contains("its code and measure are fixed"), "an indicator with values says what is fixed")
}

/// A child on a small phone: the form in Thai, Hindi and Burmese fits 320 px; a report
/// in Spanish gets its receipt, which shows the status; the quick exit leaves.
async fn public_report(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    let e = |e: fantoccini::error::CmdError| e.to_string();
    c.set_window_size(320, 640).await.map_err(|e| e.to_string())?;
    for lang in ["th", "hi", "my", "es"] {
        c.goto(&format!("{}/report/bo?lang={lang}", app.base)).await.map_err(e)?;
        wait_for(b, "form[action='/report']").await?;
        b.screenshot(&format!("report-{lang}-phone")).await;
        c.execute("document.querySelector('form').scrollIntoView();", vec![]).await.map_err(e)?;
        b.screenshot(&format!("report-{lang}-form-phone")).await;
        check(no_horizontal_scroll(b).await?, &format!("the {lang} form fits 320 px"))?;
    }
    let call = c.find(Locator::Css("a.call[href^='tel:']")).await.map_err(e)?;
    check(call.is_displayed().await.map_err(e)?, "a one-tap call to the helpline")?;
    let form = c.form(Locator::Css("form[action='/report']")).await.map_err(e)?;
    form.set_by_name("what", "Prueba del navegador (datos de ejemplo)").await.map_err(e)?;
    form.set_by_name("where", "Una aplicación, cuenta @prueba").await.map_err(e)?;
    form.submit().await.map_err(e)?;
    wait_for(b, "p.receipt").await?;
    c.execute("document.querySelector('h1').scrollIntoView();", vec![]).await.map_err(e)?;
    b.screenshot("report-receipt-phone").await;
    check(no_horizontal_scroll(b).await?, "the receipt fits 320 px")?;
    let receipt: String = text_of(b, "p.receipt").await?.chars().filter(|c| !c.is_whitespace()).collect();
    check(receipt.len() == 19, &format!("four groups of four: {receipt}"))?;
    c.goto(&format!("{}/report/status?lang=es&country=bo", app.base)).await.map_err(e)?;
    let form = c.form(Locator::Css("form[action='/report/status']")).await.map_err(e)?;
    form.set_by_name("receipt", &receipt.to_lowercase()).await.map_err(e)?;
    form.submit().await.map_err(e)?;
    let status = text_of(b, "p.status-line").await?;
    c.execute("document.querySelector('h1').scrollIntoView();", vec![]).await.map_err(e)?;
    b.screenshot("report-status-phone").await;
    check(status.contains("Recibimos tu denuncia"), &format!("the receipt shows the status: {status}"))?;
    c.find(Locator::Css("a.quick-exit")).await.map_err(e)?.click().await.map_err(e)?;
    wait_for(b, "table.times").await?;
    let title = c.title().await.map_err(e)?;
    check(title == "Tablas de multiplicar" || title == "Times tables", &format!("a harmless page: {title}"))?;
    c.set_window_size(1440, 900).await.map_err(e)
}

/// The pending 2020 figure of indicator `code` for Bolivia on the programme page, as a
/// number (0 when empty).
async fn pending_2020(b: &Browser, app: &App, code: &str) -> Result<i64, String> {
    let c = &b.client;
    c.goto(&format!("{}/results/DTZ?country=BO&pending=on", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "tr.indicator").await?;
    let v = c
        .execute(
            "const row = [...document.querySelectorAll('tr.indicator')].find(r => r.querySelector('code').textContent === arguments[0]); \
             const cells = row.querySelectorAll('td.num'); return cells[cells.length - 1].textContent.trim();",
            vec![serde_json::json!(code)],
        )
        .await
        .map_err(|e| e.to_string())?;
    let digits: String = v.as_str().unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
    Ok(digits.parse().unwrap_or(0))
}

/// An M&E officer records a training of children on the form (reach grid, no
/// JavaScript needed), and the computed indicator "unique children trained" of the open
/// 2020 report moves by the first-time children at once; the list and the form fit a
/// phone.
async fn record_activity(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    let before = pending_2020(b, app, "G1.O3.2").await?;
    c.goto(&format!("{}/activities", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "table.activities").await?;
    b.screenshot("activities-desktop").await;
    let link = c.find(Locator::Css("a[href='/activities/DTZ/new']")).await.map_err(|e| e.to_string())?;
    link.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "form.activity").await?;
    b.screenshot("activity-form-desktop").await;
    let form = c.form(Locator::Css("form.activity")).await.map_err(|e| e.to_string())?;
    for (field, v) in [
        ("activity_type", "training_children"),
        ("title", "Life-skills workshop in Cochabamba (sample data)"),
        ("start", "2020-03-04"),
        ("country", "BO"),
        ("goal", "G1"),
        ("r|children|female|12_17|first", "17"),
        ("r|children|female|12_17|repeat", "4"),
    ] {
        form.set_by_name(field, v).await.map_err(|e| format!("{field}: {e}"))?;
    }
    let submit = c.find(Locator::Css("form.activity button[type='submit']")).await.map_err(|e| e.to_string())?;
    submit.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "dl.facts").await?;
    b.screenshot("activity-desktop").await;
    let h1 = text_of(b, "h1").await?;
    check(h1.contains("Cochabamba"), &format!("the activity's page follows: {h1}"))?;
    let after = pending_2020(b, app, "G1.O3.2").await?;
    b.screenshot("results-computed-pending").await;
    check(after == before + 17, &format!("the computed figure moves by the first-time children: {before} → {after}"))?;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/activities/DTZ", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "table.activities").await?;
    b.screenshot("activities-phone").await;
    let list_fits = no_horizontal_scroll(b).await?;
    c.goto(&format!("{}/activities/DTZ/new", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "form.activity").await?;
    b.screenshot("activity-form-phone").await;
    let form_fits = no_horizontal_scroll(b).await?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    check(list_fits && form_fits, "the activity list and form fit a phone")?;
    c.goto(&format!("{}/results/DTZ/entry", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "form.entry").await
}

/// The intake's signals and cases on a phone: the case list, a case with its forms, and
/// a signal's triage, none wider than the screen.
async fn cases(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    sign_in(b, app, "intake.bo@demo.example.org").await?;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/cases?flagged=1", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "table").await?;
    b.screenshot("cases-phone").await;
    check(no_horizontal_scroll(b).await?, "the case list fits a phone")?;
    let link = c.find(Locator::Css("td a[href^='/cases/']")).await.map_err(|e| e.to_string())?;
    link.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "form[action$='/consents']").await?;
    b.screenshot("case-phone").await;
    check(no_horizontal_scroll(b).await?, "the case page fits a phone")?;
    let main = text_of(b, "main").await?;
    check(
        main.contains("datos de ejemplo") && main.contains("Pending (emergency)"),
        "the sample case opens with its consent pending",
    )?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    b.screenshot("case-desktop").await;
    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/signals", app.base)).await.map_err(|e| e.to_string())?;
    let link = c.find(Locator::Css("td a[href^='/signals/']")).await.map_err(|e| e.to_string())?;
    link.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "h1").await?;
    b.screenshot("signal-triage-phone").await;
    check(no_horizontal_scroll(b).await?, "a signal with its triage fits a phone")?;
    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    sign_out(b, app).await
}
