//! The work pages in a real browser: outcomes, the policy tracker with its stage timeline,
//! a company's The Code by year (chart and table) and the disclosed prosecution summary,
//! at phone and desktop widths; recording a stage through the form.

use crate::driver::{App, Browser};
use fantoccini::Locator;

type Outcome = Result<(), String>;

fn check(ok: bool, what: &str) -> Outcome {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

async fn fits(b: &Browser) -> Result<bool, String> {
    let v = b
        .client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
        .await
        .map_err(|e| e.to_string())?;
    Ok(v.as_bool().unwrap_or(false))
}

async fn wait_for(b: &Browser, css: &str) -> Outcome {
    b.client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .map(|_| ())
        .map_err(|e| format!("waiting for {css}: {e}"))
}

/// Open the first record linked from a list page.
async fn open_first(b: &Browser, app: &App, list: &str) -> Outcome {
    let c = &b.client;
    c.goto(&format!("{}{list}", app.base)).await.map_err(|e| e.to_string())?;
    let link = c.find(Locator::Css("main table a")).await.map_err(|e| format!("{list}: {e}"))?;
    link.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "main dl.facts").await
}

/// Every work scenario, signed in as the M&E officer of the sample partner in Bolivia.
pub async fn pages(b: &Browser, app: &App) -> Outcome {
    let c = &b.client;
    c.delete_all_cookies().await.map_err(|e| e.to_string())?;
    c.goto(&format!("{}/login", app.base)).await.map_err(|e| e.to_string())?;
    let form = c.form(Locator::Css("form.stack")).await.map_err(|e| e.to_string())?;
    form.set_by_name("email", "me.officer.bo@demo.example.org").await.map_err(|e| e.to_string())?;
    form.set_by_name("password", &app.password).await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    wait_for(b, "form[action='/logout']").await?;

    c.set_window_size(360, 780).await.map_err(|e| e.to_string())?;
    for (list, name) in
        [("/outcomes", "outcomes-phone"), ("/policy", "policy-phone"), ("/companies", "companies-phone")]
    {
        c.goto(&format!("{}{list}", app.base)).await.map_err(|e| e.to_string())?;
        wait_for(b, "main h1").await?;
        b.screenshot(name).await;
        check(fits(b).await?, &format!("{list} fits a phone"))?;
    }
    open_first(b, app, "/policy?level=municipal").await?;
    b.screenshot("instrument-phone").await;
    check(fits(b).await?, "the stage timeline fits a phone")?;
    open_first(b, app, "/companies?sector=tourism").await?;
    wait_for(b, "svg.chart title").await?;
    b.screenshot("company-phone").await;
    check(fits(b).await?, "The Code's chart and table fit a phone")?;

    c.set_window_size(1440, 900).await.map_err(|e| e.to_string())?;
    b.screenshot("company-desktop").await;
    // Correct (or record) the last engagement stage through the form, without JavaScript.
    let record = c.find(Locator::Css("ol.timeline li:last-child a")).await.map_err(|e| e.to_string())?;
    record.click().await.map_err(|e| e.to_string())?;
    wait_for(b, "input[name='reached_on']").await?;
    b.screenshot("stage-desktop").await;
    let form = c.form(Locator::Css("form.stack")).await.map_err(|e| e.to_string())?;
    form.set_by_name("reached_on", "2020-11-30").await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    wait_for(b, "main dl.facts").await?;
    let main =
        c.find(Locator::Css("main")).await.map_err(|e| e.to_string())?.text().await.map_err(|e| e.to_string())?;
    check(main.contains("30 Nov 2020"), "the recorded stage shows on the company page")?;
    c.goto(&format!("{}/prosecutions/summary", app.base)).await.map_err(|e| e.to_string())?;
    wait_for(b, "main table").await?;
    b.screenshot("prosecution-summary-desktop").await;
    let main =
        c.find(Locator::Css("main")).await.map_err(|e| e.to_string())?.text().await.map_err(|e| e.to_string())?;
    check(main.contains("<5"), "small counts show as <5")
}
