//! What a person does, in order: sign in, look at the start page on a phone and on a
//! desktop, switch language.

use crate::driver::{App, Browser, PASSWORD};
use fantoccini::Locator;

type Outcome = Result<(), String>;

fn check(ok: bool, what: &str) -> Outcome {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

/// Every scenario, in order.
pub async fn run_all(b: &Browser, app: &App) -> Outcome {
    let users = app.services.users(&dtz_services::Caller::System, None).await.map_err(|e| e.to_string())?;
    check(users.len() == 2, "two accounts to sign in with")?;
    sign_in(b, app, "admin@example.org").await?;
    phone_and_desktop(b, app).await?;
    switch_language(b, app).await?;
    Ok(())
}

async fn text_of(b: &Browser, css: &str) -> Result<String, String> {
    let e = b.client.find(Locator::Css(css)).await.map_err(|e| format!("{css}: {e}"))?;
    e.text().await.map_err(|e| e.to_string())
}

async fn sign_in(b: &Browser, app: &App, email: &str) -> Outcome {
    let c = &b.client;
    c.goto(&format!("{}/login", app.base)).await.map_err(|e| e.to_string())?;
    b.screenshot("login-desktop").await;
    let form = c.form(Locator::Css("form.stack")).await.map_err(|e| e.to_string())?;
    form.set_by_name("email", email).await.map_err(|e| e.to_string())?;
    form.set_by_name("password", PASSWORD).await.map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
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
    c.goto(&format!("{}/", app.base)).await.map_err(|e| e.to_string())?;
    let h1 = text_of(b, "h1").await?;
    b.screenshot("home-spanish").await;
    check(h1.starts_with("Bienvenida/o"), &format!("the start page speaks Spanish: {h1}"))?;
    let lang =
        c.find(Locator::Css("html")).await.map_err(|e| e.to_string())?.attr("lang").await.map_err(|e| e.to_string())?;
    check(lang.as_deref() == Some("es"), "<html lang> follows")
}
